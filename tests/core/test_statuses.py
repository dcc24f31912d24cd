"""Each status is a StrEnum whose members are exactly the states its workflow moves between and the
words its column's check constraint allows, in the models and in the migrated database alike."""

import re
from enum import StrEnum

import pytest
from sqlalchemy import CheckConstraint

from grants.applications.models import Application, ApplicationStatus, Partner, PartnerStatus
from grants.applications.workflow import APPLICATION_WORKFLOW
from grants.core.workflow import Workflow
from grants.funding.models import AgreementStatus, GrantAgreement, MatchFunding, MatchStatus, Tranche, TrancheStatus
from grants.funding.services.agreements import AGREEMENT_WORKFLOW
from grants.funding.services.match import MATCH_WORKFLOW
from grants.funding.services.release import TRANCHE_WORKFLOW
from grants.leadership.models import AssessmentInvitation, AssessmentResponse, AssessmentStage, StageClosure
from grants.learning.models import CommitmentStatus, ItemStatus, LearningCommitment, LearningItem
from grants.learning.services import COMMITMENT_WORKFLOW, ITEM_WORKFLOW
from grants.monitoring.models import ProgressReport, ReportStatus
from grants.monitoring.services import REPORT_WORKFLOW
from grants.notifications.models import Notification, NotificationStatus
from grants.progress.models import CompilationStatus, ProgressCompilation
from grants.projects.models import EndingKind, EndingStatus, Project, ProjectEnding, ProjectStatus
from grants.projects.workflow import PROJECT_WORKFLOW
from grants.reviews.models import AssignmentStatus, Decision, DecisionOutcome, ReviewAssignment
from grants.reviews.workflow import ASSIGNMENT_WORKFLOW
from grants.rounds.models import Round, RoundStatus
from grants.rounds.workflow import ROUND_WORKFLOW

# (enum, model, column, its workflow or None where the column has no transition table)
STATUSES = [
    (RoundStatus, Round, "status", ROUND_WORKFLOW),
    (ApplicationStatus, Application, "status", APPLICATION_WORKFLOW),
    (PartnerStatus, Partner, "status", None),
    (AssignmentStatus, ReviewAssignment, "status", ASSIGNMENT_WORKFLOW),
    (DecisionOutcome, Decision, "outcome", None),
    (ProjectStatus, Project, "status", PROJECT_WORKFLOW),
    (EndingKind, ProjectEnding, "kind", None),
    (EndingStatus, ProjectEnding, "status", None),
    (AssessmentStage, StageClosure, "stage", None),
    (AgreementStatus, GrantAgreement, "status", AGREEMENT_WORKFLOW),
    (TrancheStatus, Tranche, "status", TRANCHE_WORKFLOW),
    (MatchStatus, MatchFunding, "status", MATCH_WORKFLOW),
    (ReportStatus, ProgressReport, "status", REPORT_WORKFLOW),
    (CommitmentStatus, LearningCommitment, "status", COMMITMENT_WORKFLOW),
    (ItemStatus, LearningItem, "status", ITEM_WORKFLOW),
    (NotificationStatus, Notification, "status", None),
    (CompilationStatus, ProgressCompilation, "status", None),
    (AssessmentStage, AssessmentInvitation, "stage", None),
    (AssessmentStage, AssessmentResponse, "stage", None),
]
IDS = [f"{model.__name__}.{column}" for _, model, column, _ in STATUSES]


def _words(constraint_sql: str, column: str) -> set[str]:
    """The words of ``column IN ('a', 'b')`` (or PostgreSQL's ``= ANY (ARRAY['a'::text, ...])``)."""
    found = re.search(rf"\b{column}\b.*?(?:IN \(|ARRAY\[)(.*?)[)\]]", constraint_sql, re.IGNORECASE | re.DOTALL)
    assert found, constraint_sql
    return set(re.findall(r"'([^']*)'", found.group(1)))


def _known_constraint(model, column: str) -> CheckConstraint:
    name = f"ck_{model.__tablename__}_known_{column}"
    (constraint,) = [c for c in model.__table__.constraints if isinstance(c, CheckConstraint) and c.name == name]
    return constraint


@pytest.mark.parametrize(("states", "model", "column", "workflow"), STATUSES, ids=IDS)
def test_the_enum_is_the_workflow_and_the_model_constraint(states, model, column, workflow):
    assert issubclass(states, StrEnum)
    members = {member.value for member in states}
    if workflow is not None:
        assert workflow.states == members
    assert _words(str(_known_constraint(model, column).sqltext), column) == members
    assert model.__table__.c[column].type.length >= max(len(member) for member in members)


@pytest.mark.parametrize(("states", "model", "column", "workflow"), STATUSES, ids=IDS)
def test_the_enum_is_the_migrated_database_constraint(db, states, model, column, workflow):
    definition = db.session.scalar(
        db.text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :name"),
        {"name": _known_constraint(model, column).name},
    )
    assert definition is not None
    assert _words(definition, column) == {member.value for member in states}


def test_a_workflow_whose_table_and_enum_differ_is_refused_at_import():
    class Light(StrEnum):
        RED = "red"
        GREEN = "green"
        AMBER = "amber"

    with pytest.raises(ValueError, match="amber"):
        Workflow("light", {Light.RED: {Light.GREEN}}, states=Light)
    assert Workflow("light", {Light.RED: {Light.GREEN}, Light.GREEN: {Light.AMBER}}, states=Light).states == set(Light)


def test_a_status_read_back_from_the_database_is_its_enum_member(db):
    from tests.factories import RoundFactory

    round_id = RoundFactory(status="open").id
    db.session.expire_all()
    status = db.session.get(Round, round_id).status
    assert type(status) is RoundStatus
    assert status is RoundStatus.OPEN and status == "open"
