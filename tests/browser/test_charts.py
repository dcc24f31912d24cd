"""The dashboard's charts draw their bars in a real browser, under the pages' Content Security Policy
(which lets no inline style through): each bar as long as its share of the chart's largest, so the
picture says what the table beside it says."""

from __future__ import annotations

import re

from grants.core.permissions import Role
from tests.browser.setup_data import sign_in
from tests.factories import UserFactory, funded_project

BARS = """() => Array.from(document.querySelectorAll(".grants-bars")).map((chart) =>
    Array.from(chart.querySelectorAll(".grants-bars__track")).map((track) => {
        const bar = track.querySelector(".grants-bars__bar");
        const style = getComputedStyle(track);
        const room = track.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return {label: track.closest(".grants-bars__row").querySelector(".grants-bars__label").innerText.trim(),
                value: track.querySelector(".grants-bars__value").innerText.trim(),
                share: bar.getBoundingClientRect().width / room};
    }))"""


def test_the_dashboards_bars_are_drawn_to_scale_under_the_content_security_policy(person, live_server):
    with live_server.app.app_context():
        funded_project()
        funded_project()
        email = UserFactory(roles=[Role.PROGRAMME_OFFICER]).email
    officer = person("Programme officer")
    sign_in(officer, email)
    officer.go("/portfolio/")
    charts = officer.page.evaluate(BARS)
    money = next(chart for chart in charts if chart and chart[0]["label"] == "Awarded")
    assert money[0]["share"] > 0.98  # the largest bar fills its track
    drawn = [bar for chart in charts for bar in chart if re.search(r"[1-9]", bar["value"])]
    assert len(drawn) >= 3 and all(bar["share"] > 0 for bar in drawn), drawn
    empty = [bar for chart in charts for bar in chart if not re.search(r"[1-9]", bar["value"])]
    assert all(bar["share"] == 0 for bar in empty), empty
