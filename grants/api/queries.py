"""Reading for the API: each list is what the token may see (``access``), filtered and always in the
same order (oldest first, so new records join the end), with everything it shows loaded in a fixed
number of queries whatever the page size."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from grants.api import permissions as access
from grants.applications.models import Application
from grants.directory.models import Organisation, Place, Theme
from grants.extensions import db
from grants.funding.models import Payment, Tranche
from grants.learning.models import LearningItem, learning_item_themes
from grants.projects.models import Project
from grants.rounds.models import Round


def _round_ids(value: str):
    """Rounds named by id (``12``) or code (``LV2``)."""
    if value.isdecimal():
        return select(Round.id).where(Round.id == int(value))
    return select(Round.id).where(db.func.upper(Round.code) == value.upper())


def _place_ids(ons_code: str):
    return select(Place.id).where(Place.ons_code == ons_code.upper())


def _organisation_ids(value: str):
    if value.isdecimal():
        return select(Organisation.id).where(Organisation.id == int(value))
    return select(Organisation.id).where(db.func.upper(Organisation.org_id) == value.upper())


# --- Rounds -----------------------------------------------------------------------------------------


def rounds_statement(principal, filters: dict):
    statement = db.select(Round).where(access.round_condition(principal)).options(selectinload(Round.themes))
    if filters.get("status"):
        statement = statement.where(Round.status == filters["status"])
    return statement.order_by(Round.id)


def load_round(round_id: int) -> Round | None:
    return db.session.get(Round, round_id)


# --- Applications -----------------------------------------------------------------------------------


def applications_statement(principal, filters: dict):
    statement = (
        db.select(Application)
        .where(access.application_condition(principal))
        .options(
            joinedload(Application.round),
            joinedload(Application.lead_organisation),
            joinedload(Application.place),
            selectinload(Application.themes),
        )
    )
    if filters.get("round"):
        statement = statement.where(Application.round_id.in_(_round_ids(filters["round"])))
    if filters.get("status"):
        statement = statement.where(Application.status == filters["status"])
    if filters.get("organisation"):
        statement = statement.where(Application.lead_organisation_id.in_(_organisation_ids(filters["organisation"])))
    return statement.order_by(Application.id)


def load_application(application_id: int) -> Application | None:
    return db.session.get(Application, application_id)


# --- Projects and tranches --------------------------------------------------------------------------


def projects_statement(principal, filters: dict):
    statement = db.select(Project).where(access.project_condition(principal))
    if filters.get("round"):
        statement = statement.where(Project.round_id.in_(_round_ids(filters["round"])))
    if filters.get("status"):
        statement = statement.where(Project.status == filters["status"])
    if filters.get("rag") == "none":
        statement = statement.where(Project.rag.is_(None))
    elif filters.get("rag"):
        statement = statement.where(Project.rag == filters["rag"])
    if filters.get("place"):
        statement = statement.where(Project.place_id.in_(_place_ids(filters["place"])))
    return statement.order_by(Project.id)


def load_project(project_id: int) -> Project | None:
    return db.session.get(Project, project_id)


def released_by_project(projects) -> dict[int, int]:
    """Project id → the pence released to it so far, in one query."""
    ids = [project.id for project in projects]
    released = dict.fromkeys(ids, 0)
    if ids:
        for project_id, total in db.session.execute(
            db.select(Payment.project_id, db.func.sum(Payment.amount_pence))
            .where(Payment.project_id.in_(ids))
            .group_by(Payment.project_id)
        ):
            released[project_id] = int(total)
    return released


def payment_references(tranches) -> dict[int, str]:
    """Tranche id → the reference of its payment, in one query."""
    ids = [tranche.id for tranche in tranches]
    if not ids:
        return {}
    return dict(
        db.session.execute(db.select(Payment.tranche_id, Payment.reference).where(Payment.tranche_id.in_(ids))).all()
    )


def tranches_statement(principal, filters: dict):
    statement = (
        db.select(Tranche)
        .join(Tranche.project)
        .where(access.project_condition(principal))
        .options(contains_eager(Tranche.project))
    )
    if filters.get("project"):
        statement = statement.where(db.func.upper(Project.reference) == filters["project"].upper())
    if filters.get("status"):
        statement = statement.where(Tranche.status == filters["status"])
    return statement.order_by(Tranche.project_id, Tranche.sequence, Tranche.id)


# --- Learning items ---------------------------------------------------------------------------------


def _item_options():
    return (joinedload(LearningItem.project), joinedload(LearningItem.place), selectinload(LearningItem.themes))


def learning_items_statement(principal, filters: dict):
    statement = db.select(LearningItem).where(access.learning_item_condition(principal)).options(*_item_options())
    if filters.get("theme"):
        statement = statement.where(
            exists()
            .where(learning_item_themes.c.item_id == LearningItem.id)
            .where(learning_item_themes.c.theme_id == Theme.id)
            .where(Theme.slug == filters["theme"])
        )
    if filters.get("place"):
        statement = statement.where(LearningItem.place_id.in_(_place_ids(filters["place"])))
    return statement.order_by(LearningItem.id)


def load_learning_item(item_id: int) -> LearningItem | None:
    return db.session.scalar(db.select(LearningItem).where(LearningItem.id == item_id).options(*_item_options()))
