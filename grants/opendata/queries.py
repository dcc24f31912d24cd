"""What the open data is read from: one row per awarded grant (a project, which exists only once its bid
was approved), with everything the 360Giving record needs joined in, so an export of any size runs the
same few statements.

An award given up (a withdrawn project) is left out of every file and count. The 360Giving schema
(1.4) has no field for a grant's status, and ``amountAwarded`` is the "total amount awarded": a record
kept with its amount would add to every total built on the data (GrantNav's, a researcher's) money
this programme never granted in the end, and a record at £0 would be a grant that never happened, with
no field to say why. An award is only given up before any payment (``record_withdrawal`` refuses once
money has been paid), so leaving it out loses nothing disbursed. A grant published earlier and given up
since is absent from the next file; its identifier is never reused (it is the project's reference).
A grant ended early stays: it was awarded, and its amount disbursed is what was paid."""

from __future__ import annotations

from sqlalchemy import Select, func, true

from grants.applications.models import Application
from grants.directory.models import Organisation, Place
from grants.extensions import db
from grants.funding.models import Payment
from grants.projects.models import Project, ProjectStatus
from grants.reviews.models import Decision
from grants.rounds.models import Round, RoundStatus

BATCH = 500  # rows fetched from the database at a time while an export streams
# Every project but an award given up: see above.
PUBLISHED = Project.status != ProjectStatus.WITHDRAWN


def _payments():
    """Per project: the money of its released tranches (one payment each) and when the last was approved."""
    return (
        db.select(
            Payment.project_id,
            func.sum(Payment.amount_pence).label("disbursed_pence"),
            func.max(Payment.approved_at).label("paid_at"),
        )
        .group_by(Payment.project_id)
        .subquery("paid")
    )


def awarded_grants(round_id: int | None = None) -> Select:
    """The awarded grants of a round (or of the whole programme), ordered by reference, fetched in
    batches: a large export never sits whole in memory."""
    paid = _payments()
    statement = (
        db.select(
            Project.reference,
            Project.title,
            Project.award_pence,
            Project.starts_on,
            Project.ends_on,
            Project.status,
            Project.finished_at,
            Project.created_at.label("project_created_at"),
            Project.updated_at.label("project_updated_at"),
            Project.round_id,
            Application.answers,
            Application.amount_requested_pence,
            Application.updated_at.label("application_updated_at"),
            Decision.decided_at,
            Decision.effective_at,
            Decision.updated_at.label("decision_updated_at"),
            Organisation.id.label("organisation_pk"),
            Organisation.org_id,
            Organisation.name.label("organisation_name"),
            Organisation.charity_number,
            Organisation.company_number,
            Organisation.address_line_1,
            Organisation.address_line_2,
            Organisation.town,
            Organisation.postcode,
            Place.name.label("place_name"),
            Place.ons_code,
            Round.code.label("round_code"),
            Round.title.label("round_title"),
            paid.c.disbursed_pence,
            paid.c.paid_at,
        )
        .select_from(Project)
        .join(Application, Application.id == Project.application_id)
        .join(Round, Round.id == Project.round_id)
        .join(Organisation, Organisation.id == Project.lead_organisation_id)
        .outerjoin(Place, Place.id == func.coalesce(Project.place_id, Application.place_id))
        .outerjoin(Decision, Decision.application_id == Project.application_id)
        .outerjoin(paid, paid.c.project_id == Project.id)
        .where(PUBLISHED)
        .order_by(Project.reference)
    )
    if round_id is not None:
        statement = statement.where(Project.round_id == round_id)
    return statement.execution_options(yield_per=BATCH)


def awarded_round_ids(round_id: int | None = None) -> set[int]:
    """The rounds with an awarded grant to publish: whose forms say which answers describe them."""
    statement = db.select(Project.round_id).where(PUBLISHED).distinct()
    if round_id is not None:
        statement = statement.where(Project.round_id == round_id)
    return set(db.session.scalars(statement))


def count_awarded(round_id: int | None = None) -> int:
    statement = db.select(func.count(Project.id)).where(PUBLISHED)
    if round_id is not None:
        statement = statement.where(Project.round_id == round_id)
    return db.session.scalar(statement)


def rounds_with_counts(*, drafts: bool) -> list[tuple[Round, int]]:
    """Every round (draft rounds only if ``drafts``), newest first, with how many grants it awarded (an
    award given up is not counted)."""
    statement = (
        db.select(Round, func.count(Project.id))
        .where(true() if drafts else Round.status != RoundStatus.DRAFT)
        .outerjoin(Project, (Project.round_id == Round.id) & PUBLISHED)
        .group_by(Round.id)
        .order_by(Round.opens_at.desc(), Round.id.desc())
    )
    return [(round_, count) for round_, count in db.session.execute(statement)]


def find_round(code_or_id: str) -> Round | None:
    """A round by its code (``LV1``, any case) or its id."""
    text = (code_or_id or "").strip()
    found = db.session.scalar(db.select(Round).where(func.upper(Round.code) == text.upper()))
    if found is None and text.isascii() and text.isdecimal() and int(text) < 2**31:
        found = db.session.get(Round, int(text))
    return found
