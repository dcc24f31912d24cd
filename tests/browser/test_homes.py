"""Each demo person's home in a real browser: the work queues the demo gives them, under each of their
roles, with counts, the first items and the rest a link away; an item leaves its queue once its work
is done. A screenshot of every home at 1280 px is kept in ``test-artifacts/browser/homes/`` (the
browser tests' artifacts), whether the test passes or fails, for people to look at."""

from __future__ import annotations

import pytest

from grants.core.queues import SHOWN
from grants.demo.data import DEMO_PASSWORD, DEMO_USERS
from tests.browser.conftest import ARTIFACTS
from tests.browser.setup_data import sign_in
from tests.browser.visitor import slug

# The queues the demo fills for each person (every other queue they have is shown, empty, with its
# kind sentence). The demo is dated from the day it is seeded, so these hold whenever it runs.
FILLED = {
    "applicant@example.org": {"applications.drafts", "applications.partners"},
    "applicant.cornwall@example.org": {"conversations.unread"},
    "steering.member@example.org": {"reviews.conflicts", "reviews.to_score"},
    "steering.chair@example.org": {
        "reviews.conflicts",
        "assessment.decisions",
        "assessment.disagreements",
        "assessment.short_of_reviewers",
    },
    "steering.cochair@example.org": {
        "reviews.conflicts",
        "reviews.to_score",
        "assessment.decisions",
        "assessment.disagreements",
        "assessment.short_of_reviewers",
    },
    "enabler@example.org": {"conversations.unread", "enablers.updates", "funding.enabler_conditions"},
    "officer@example.org": {
        "conversations.unread",
        "applications.eligibility",
        "reviews.needing_reviewers",
        "monitoring.reports",
        "learning.reviews",
        "funding.ready",
        "funding.conditions_overdue",
    },
    "finance@example.org": {"funding.releases", "funding.repayments", "funding.holds"},
    "admin@example.org": set(),
    "project.lead@example.org": {"conversations.unread", "funding.agreements", "monitoring.changes"},
}

QUEUES = """() => Array.from(document.querySelectorAll("section[data-queue]")).map(section => ({
    key: section.dataset.queue,
    role: section.dataset.role,
    count: Number(section.querySelector("[data-count]").dataset.count),
    items: Array.from(section.querySelectorAll(".grants-queue__item a")).map(a => a.textContent.trim()),
    empty: section.querySelector(".grants-queue__empty")?.textContent.trim() || null,
    more: section.querySelector("a[href]:not(.grants-queue__item a)") !== null,
}))"""


def queues_on(visitor) -> list[dict]:
    return visitor.page.evaluate(QUEUES)


def test_every_demo_persons_home_is_their_work_with_counts(person, demo):
    assert FILLED.keys() == {email for email, *_ in DEMO_USERS}
    (ARTIFACTS / "homes").mkdir(parents=True, exist_ok=True)
    for email, name, roles, _ in DEMO_USERS:
        visitor = sign_in(person(name), email, DEMO_PASSWORD).go("/")
        visitor.page.screenshot(path=str(ARTIFACTS / "homes" / f"{slug(email)}.png"), full_page=True)
        assert visitor.h1() == "Your work", email
        shown = queues_on(visitor)
        assert {queue["role"] for queue in shown} == {role.value for role in roles}, email
        for queue in shown:
            where = f"{email}: {queue['key']}"
            assert len(queue["items"]) == min(queue["count"], SHOWN), where
            if queue["count"]:
                assert queue["empty"] is None, where
            else:
                assert queue["empty"], f"{where} is empty and does not say so"
            if queue["count"] > SHOWN:
                assert queue["more"], f"{where} hides {queue['count'] - SHOWN} items with no link to them"
        filled = {queue["key"] for queue in shown if queue["count"]}
        assert filled == FILLED[email], email
        waiting = visitor.page.locator(".grants-role-work > p.govuk-body").all_inner_texts()
        assert len(waiting) == len(roles), email
        if not FILLED[email]:
            assert all("Nothing needs you right now" in line for line in waiting), (email, waiting)


def test_an_item_leaves_the_queue_once_its_work_is_done(person, demo):
    """Priya, a steering group member, opens the first bid she must declare on, declares no conflict,
    and is back home: the bid has left her conflicts and joined the reviews she has to score."""
    priya = sign_in(person("Priya, steering group member"), "steering.member@example.org", DEMO_PASSWORD).go("/")
    before = {queue["key"]: queue for queue in queues_on(priya)}
    conflicts, to_score = before["reviews.conflicts"], before["reviews.to_score"]
    first = conflicts["items"][0]
    reference = first.rsplit(" ", 1)[-1]
    priya.click_link(first)
    assert priya.h1() == "Do you have a conflict of interest with this bid?"
    priya.page.get_by_label("No", exact=True).check()
    priya.click_button("Continue")
    after = {queue["key"]: queue for queue in queues_on(priya.go("/"))}
    assert after["reviews.conflicts"]["count"] == conflicts["count"] - 1
    assert first not in after["reviews.conflicts"]["items"]
    assert after["reviews.to_score"]["count"] == to_score["count"] + 1
    assert any(reference in item for item in after["reviews.to_score"]["items"]), after["reviews.to_score"]


def test_learning_reviewed_leaves_the_officers_queue(person, demo):
    """Sarah, the programme officer, opens the first case study or insight waiting for her review, keeps
    it as internal learning and is back home: it has left the learning to review."""
    sarah = sign_in(person("Sarah, programme officer"), "officer@example.org", DEMO_PASSWORD).go("/")
    before = {queue["key"]: queue for queue in queues_on(sarah)}["learning.reviews"]
    first = before["items"][0]
    sarah.click_link(first)
    sarah.page.get_by_label("Keep it as internal learning", exact=True).check()
    sarah.click_button("Save decision")
    after = {queue["key"]: queue for queue in queues_on(sarah.go("/"))}["learning.reviews"]
    assert after["count"] == before["count"] - 1
    assert first not in after["items"]


def test_a_release_approved_leaves_the_finance_approvers_queue(person, demo):
    """The finance approver opens the first release waiting for them, approves it with the payment's
    reference and is back home: it has left the releases waiting."""
    finance = sign_in(person("Finance approver"), "finance@example.org", DEMO_PASSWORD).go("/")
    before = {queue["key"]: queue for queue in queues_on(finance)}["funding.releases"]
    first = before["items"][0]
    finance.click_link(first)
    finance.fill("Payment reference", "BACS-HOME-1").fill("Your password", DEMO_PASSWORD)
    finance.click_button("Approve and release")
    after = {queue["key"]: queue for queue in queues_on(finance.go("/"))}["funding.releases"]
    assert after["count"] == before["count"] - 1
    assert first not in after["items"]


@pytest.mark.parametrize("width", [320])
def test_a_busy_home_reflows_on_a_narrow_screen(person, demo, width):
    chair = sign_in(person("Margaret, chair"), "steering.chair@example.org", DEMO_PASSWORD).go("/")
    chair.page.set_viewport_size({"width": width, "height": 900})
    scroll, client = chair.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"the home scrolls sideways at {width} px ({scroll} px wide)"
