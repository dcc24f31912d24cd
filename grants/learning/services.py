from __future__ import annotations

from grants.core import audit
from grants.extensions import db
from grants.learning.models import LearningCommitment


def carry_over_commitments(project, application, *, actor=None) -> list[LearningCommitment]:
    """The bid's learning commitments become the project's, each remembering the one it came from."""
    commitments = [
        LearningCommitment(
            project_id=project.id,
            kind=plan.kind,
            description=plan.description,
            due_on=plan.target_date,
            status="planned",
            source_plan_id=plan.id,
        )
        for plan in application.commitments
    ]
    db.session.add_all(commitments)
    db.session.flush()
    if commitments:
        audit.record(
            "learning.commitments_carried_over",
            project,
            actor=actor,
            after={"commitments": [commitment.id for commitment in commitments]},
        )
    return commitments
