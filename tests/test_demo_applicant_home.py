"""What the demo's applicants find on their home: their own work, from the demo's data."""

from __future__ import annotations

import re

from grants.accounts.models import User
from grants.extensions import db
from tests.fixtures.clients import sign_in_client
from tests.helpers import text

KEYS = (
    "applications.drafts",
    "applications.partners",
    "reviews.decisions",
    "funding.agreements",
    "monitoring.changes",
    "monitoring.reports",
    "learning.commitments",
    "leadership.assessments",
)


def _queues(demo_app, email: str) -> dict[str, tuple[int, str]]:
    with demo_app.app_context():
        person = db.session.scalars(db.select(User).where(User.email == email)).one()
        html = sign_in_client(demo_app, person).get("/").get_data(as_text=True)
    found = {}
    for key in KEYS:
        section = re.search(rf'<section[^>]*data-queue="{re.escape(key)}".*?</section>', html, re.S).group(0)
        found[key] = (int(re.search(r'data-count="(\d+)"', section).group(1)), text(section))
    return found


def test_the_wigan_applicant_sees_the_draft_to_finish_and_the_partner_awaited(demo_app):
    queues = _queues(demo_app, "applicant@example.org")
    count, words = queues["applications.drafts"]
    assert count == 1 and "Finish Integrated neighbourhood care in Wigan" in words
    assert re.search(r"\d of 8 sections done · Systems Leadership – Local Vision, wave 3 Due ", words)
    count, words = queues["applications.partners"]
    assert count >= 1 and "on Integrated neighbourhood care in Wigan" in words and "was emailed a link" in words
    assert queues["funding.agreements"][0] == 0  # no project of theirs


def test_the_project_lead_sees_the_changed_agreement_to_sign_and_the_report_sent_back(demo_app):
    queues = _queues(demo_app, "project.lead@example.org")
    count, words = queues["funding.agreements"]
    assert count == 1 and "Sign the grant agreement for LV1-" in words and "A changed agreement (version 2)" in words
    count, words = queues["monitoring.changes"]
    assert count >= 1 and "Changes requested by the programme team" in words
    count, words = queues["applications.drafts"]
    assert count == 0 and "You have no bids in draft." in words
