"""Records as the API shows them: money in integer pence with its currency, times in UTC written
``2026-11-22T09:53:00Z``, dates ``2026-11-22``. The shapes are the OpenAPI document's schemas."""

from __future__ import annotations

from datetime import UTC, date, datetime

CURRENCY = "GBP"


def utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def place(value) -> dict | None:
    if value is None:
        return None
    return {"name": value.name, "ons_code": value.ons_code, "region": value.region}


def themes(values) -> list[dict]:
    return [{"slug": theme.slug, "name": theme.name} for theme in values]


def organisation(value) -> dict:
    return {"id": value.id, "name": value.name, "org_id": value.org_id, "sector": value.sector}


def round_summary(value) -> dict:
    return {"id": value.id, "code": value.code, "title": value.title}


def project_summary(value) -> dict:
    return {"id": value.id, "reference": value.reference, "title": value.title}


def round_(value) -> dict:
    return {
        "id": value.id,
        "code": value.code,
        "title": value.title,
        "summary": value.summary,
        "status": value.status,
        "opens_at": utc(value.opens_at),
        "closes_at": utc(value.closes_at),
        "assessment_deadline": day(value.assessment_deadline),
        "award_pence": value.award_pence,
        "match_required_pence": value.match_required_pence,
        "budget_pence": value.budget_pence,
        "currency": CURRENCY,
        "places": value.places,
        "tranche_plan": list(value.tranche_plan or []),
        "themes": themes(value.themes),
    }


def application(value) -> dict:
    return {
        "id": value.id,
        "reference": value.reference,
        "round": round_summary(value.round),
        "status": value.status,
        "title": value.title,
        "lead_organisation": organisation(value.lead_organisation),
        "place": place(value.place),
        "themes": themes(value.themes),
        "amount_requested_pence": value.amount_requested_pence,
        "match_funder": value.match_funder,
        "match_amount_pence": value.match_amount_pence,
        "currency": CURRENCY,
        "submitted_at": utc(value.submitted_at),
        "withdrawn_at": utc(value.withdrawn_at),
        "created_at": utc(value.created_at),
        "updated_at": utc(value.updated_at),
    }


def application_detail(value) -> dict:
    """One bid with its narrative, as the people who may read it see it."""
    return {
        **application(value),
        "issue": value.issue,
        "shared_vision": value.shared_vision,
        "systems_leadership": value.systems_leadership,
        "outcomes": value.outcomes,
        "learning_plan": value.learning_plan,
    }


def project(value, released_pence: int = 0) -> dict:
    return {
        "id": value.id,
        "reference": value.reference,
        "title": value.title,
        "status": value.status,
        "rag": value.rag,
        "round": round_summary(value.round),
        "application_id": value.application_id,
        "lead_organisation": organisation(value.lead_organisation),
        "place": place(value.place),
        "award_pence": value.award_pence,
        "released_pence": released_pence,
        "currency": CURRENCY,
        "starts_on": day(value.starts_on),
        "ends_on": day(value.ends_on),
        "last_update_on": day(value.last_update_on),
    }


def tranche(value, payment_reference: str | None = None) -> dict:
    """``payment_reference`` only for a token whose roles see payments (None otherwise)."""
    return {
        "id": value.id,
        "project": project_summary(value.project),
        "sequence": value.sequence,
        "amount_pence": value.amount_pence,
        "currency": CURRENCY,
        "due_on": day(value.due_on),
        "status": value.status,
        "eligible_at": utc(value.eligible_at),
        "requested_at": utc(value.requested_at),
        "released_at": utc(value.released_at),
        "held_at": utc(value.held_at),
        "payment_reference": payment_reference,
    }


def learning_item(value) -> dict:
    return {
        "id": value.id,
        "kind": value.kind,
        "title": value.title,
        "summary": value.summary,
        "body": value.body,
        "what_worked": value.what_worked,
        "what_did_not": value.what_did_not,
        "status": value.status,
        "project": project_summary(value.project),
        "place": place(value.place),
        "themes": themes(value.themes),
        "published_at": utc(value.published_at),
        "created_at": utc(value.created_at),
        "updated_at": utc(value.updated_at),
    }
