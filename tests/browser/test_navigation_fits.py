"""The menu fits a laptop: at 1280 px wide, every entry of the service navigation, "Sign out" included,
sits on one row, for the programme officer and for a person who holds every role."""

from __future__ import annotations

import pytest

from grants.core.permissions import Role
from tests.browser.setup_data import sign_in
from tests.factories import ApplicantFactory, UserFactory

ROWS = """() => {
    const items = Array.from(document.querySelectorAll(".govuk-service-navigation__item"));
    const tops = items.map((item) => Math.round(item.getBoundingClientRect().top));
    return {labels: items.map((item) => item.innerText.trim()), rows: new Set(tops).size,
            wide: document.documentElement.scrollWidth > window.innerWidth};
}"""


@pytest.mark.parametrize(
    "roles",
    [[Role.PROGRAMME_OFFICER], [Role.STEERING_MEMBER], list(Role)],
    ids=["officer", "member", "every-role"],
)
def test_the_menu_and_sign_out_sit_on_one_row_at_1280_px(person, live_server, roles):
    with live_server.app.app_context():
        someone = (ApplicantFactory if Role.APPLICANT in roles else UserFactory)(roles=roles)
        email = someone.email
    visitor = person("Someone with " + ", ".join(role.label for role in roles))
    sign_in(visitor, email)
    visitor.go("/")
    found = visitor.page.evaluate(ROWS)
    assert found["labels"][0] == "Your work" and found["labels"][-1] == "Sign out"
    assert len(found["labels"]) <= 8  # seven entries and "Sign out"
    assert found["rows"] == 1, found
    assert not found["wide"]
