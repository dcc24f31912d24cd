"""Many bids at once, inserted in bulk, for tests about scale."""

from __future__ import annotations

from sqlalchemy import insert

from grants.applications.models import Application
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db
from grants.reviews.kept import keep_round_scores
from grants.reviews.models import ReviewAssignment, Score
from tests.factories import OrganisationFactory, UserFactory


def add_scored_bids(round_, count: int) -> None:
    """``count`` bids under review, each with two reviewers' submitted scores."""
    lead = UserFactory(roles=[Role.APPLICANT], organisation=OrganisationFactory())
    reviewers = [UserFactory(roles=[Role.STEERING_MEMBER]) for _ in range(2)]
    start = round_.last_reference_number
    now = utcnow()
    rows = [
        {
            "round_id": round_.id,
            "reference": f"{round_.code}-{start + n:05d}",
            "lead_applicant_id": lead.id,
            "status": "under_review",
            "title": f"Bid {start + n}",
            "answers": {},
            "match_funder": "",
            "section_states": {},
            "amount_requested_pence": 2_700_000,
            "submitted_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(1, count + 1)
    ]
    # Each bid needs its own lead organisation (one live bid per lead per round).
    organisations = [OrganisationFactory.build() for _ in range(count)]
    db.session.add_all(organisations)
    db.session.flush()
    for organisation_row, row in zip(organisations, rows, strict=True):
        row["lead_organisation_id"] = organisation_row.id
    ids = db.session.scalars(insert(Application).returning(Application.id), rows).all()
    assignments = [
        {
            "application_id": application_id,
            "reviewer_id": reviewer.id,
            "due_on": now.date(),
            "status": "submitted",
            "submitted_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for application_id in ids
        for reviewer in reviewers
    ]
    assignment_ids = db.session.scalars(insert(ReviewAssignment).returning(ReviewAssignment.id), assignments).all()
    criteria = round_.criteria
    db.session.execute(
        insert(Score),
        [
            {
                "assignment_id": assignment_id,
                "criterion_id": criterion.id,
                "value": (assignment_id + criterion.id) % 6,
                "justification": "",
                "updated_at": now,
            }
            for assignment_id in assignment_ids
            for criterion in criteria
        ],
    )
    round_.last_reference_number = start + count
    keep_round_scores(round_.id)  # as submitting through the service keeps them
    db.session.commit()
