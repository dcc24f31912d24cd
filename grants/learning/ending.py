"""What learning asks of a project's close-out: every learning commitment done. (Its case studies and
insights are not waited for: they can still be written and published once the project has finished.)"""

from __future__ import annotations

from grants.core.times import format_date
from grants.extensions import db
from grants.learning.models import COMMITMENT_STATUS_LABELS, CommitmentStatus, LearningCommitment
from grants.projects.ending import LeftItem
from grants.projects.models import Project

DESCRIBED_IN = 80  # characters of a commitment's description shown in the list of what is left


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DESCRIBED_IN else text[: DESCRIBED_IN - 1].rstrip() + "…"


def _left(commitment: LearningCommitment) -> str:
    due = f"due {format_date(commitment.due_on)}" if commitment.due_on else "no date"
    status = COMMITMENT_STATUS_LABELS[commitment.status].lower()
    return f"{commitment.kind_label}: {_short(commitment.description)} ({due}, {status})"


def closeout_left(project: Project) -> list[LeftItem]:
    commitments = db.session.scalars(
        db.select(LearningCommitment)
        .where(LearningCommitment.project_id == project.id)
        .order_by(LearningCommitment.due_on.nulls_last(), LearningCommitment.id)
    ).all()
    left = [commitment for commitment in commitments if commitment.status != CommitmentStatus.DONE]
    if left:
        detail = "; ".join(_left(commitment) for commitment in left)
    elif commitments:
        detail = f"{len(commitments)} of {len(commitments)} done"
    else:
        detail = "The project made no learning commitments"
    return [
        LeftItem(
            key="commitments",
            title="Learning commitments done",
            done=not left,
            detail=detail,
            endpoint="learning.project",
            order=30,
        )
    ]
