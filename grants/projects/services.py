"""Creating a project from an approved bid, with everything it starts with."""

from __future__ import annotations

from datetime import date, timedelta

from grants.core import audit
from grants.core.dates import add_months, first_of_next_month
from grants.extensions import db
from grants.funding.services import set_up_funding
from grants.learning.services import carry_over_commitments
from grants.projects.models import Project


def project_for(application_id: int) -> Project | None:
    return db.session.scalar(db.select(Project).where(Project.application_id == application_id))


def create_project(application, *, decided_on: date, actor=None) -> Project:
    """The project for an approved bid; if it exists already, that one (so running twice creates
    nothing twice). It starts on the first of the next month and runs for the round's project length."""
    existing = project_for(application.id)
    if existing is not None:
        return existing
    months = application.round.project_months
    starts_on = first_of_next_month(decided_on)
    project = Project(
        application_id=application.id,
        round_id=application.round_id,
        reference=application.reference,
        title=application.title,
        lead_organisation_id=application.lead_organisation_id,
        place_id=application.place_id,
        award_pence=application.amount_requested_pence,
        starts_on=starts_on,
        ends_on=add_months(starts_on, months) - timedelta(days=1),  # the last day of its final month
        status="setup",
    )
    db.session.add(project)
    db.session.flush()
    audit.record(
        "project.created",
        project,
        actor=actor,
        after={
            "application_id": application.id,
            "award_pence": project.award_pence,
            "starts_on": starts_on.isoformat(),
            "ends_on": project.ends_on.isoformat(),
        },
    )
    set_up_funding(project, application, months=months, actor=actor)
    carry_over_commitments(project, application, actor=actor)
    return project
