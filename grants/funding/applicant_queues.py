"""The applicant's home: grant agreements issued for them to sign. The project's lead applicant signs for
the lead organisation (``permissions.can_sign``), so only they see one here, and only while the project
runs. Two queries: a count, and the first few with their projects."""

from __future__ import annotations

from dataclasses import replace

from flask import url_for

from grants.applications.models import Application
from grants.core.queues import SHOWN, Queue, WorkItem
from grants.core.times import format_date
from grants.extensions import db
from grants.funding.models import AgreementStatus, GrantAgreement
from grants.projects.models import FINISHED_STATUSES, Project


def agreements_to_sign(user) -> Queue:
    queue = Queue(
        key="funding.agreements",
        heading="Grant agreements to sign",
        count=0,
        empty="No grant agreement is waiting for your signature.",
    )
    if not user.organisation_id:
        return queue
    statement = (
        db.select(GrantAgreement)
        .join(Project, Project.id == GrantAgreement.project_id)
        .join(Application, Application.id == Project.application_id)
        .where(
            GrantAgreement.status == AgreementStatus.ISSUED,
            Project.lead_organisation_id == user.organisation_id,
            Project.status.not_in(FINISHED_STATUSES),
            Application.lead_applicant_id == user.id,
        )
    )
    count = db.session.scalar(statement.with_only_columns(db.func.count(GrantAgreement.id)).order_by(None))
    if not count:
        return queue
    rows = db.session.execute(
        statement.with_only_columns(
            GrantAgreement.project_id,
            GrantAgreement.version,
            GrantAgreement.issued_at,
            Project.reference,
            Project.title,
        )
        .order_by(GrantAgreement.issued_at, GrantAgreement.id)
        .limit(SHOWN)
    ).all()
    items = [
        WorkItem(
            text=f"Sign the grant agreement for {reference} {title}",
            href=url_for("funding.agreement", project_id=project_id, version=version),
            why=(f"A changed agreement (version {version})" if version > 1 else "The agreement")
            + f", issued on {format_date(issued_at)}",
        )
        for project_id, version, issued_at, reference, title in rows
    ]
    return replace(queue, count=count, items=items)
