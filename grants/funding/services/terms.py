"""The words of a grant agreement: a round's template with ``{{ placeholders }}`` filled in.

Templates are plain text a programme officer can edit, not code: only the names below may appear
between double braces, and nothing else in the text is interpreted."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from grants.core.money import format_pence
from grants.core.times import format_date

DEFAULT_TERMS = (Path(__file__).resolve().parent.parent / "agreement_terms.txt").read_text(encoding="utf-8")

PLACEHOLDERS = {
    "reference": "The project's reference, like LV1-0007",
    "version": "The agreement's version number",
    "project_title": "The project's title",
    "lead_organisation": "The lead organisation's name",
    "bid_reference": "The bid's reference",
    "award": "The grant, like £27,000.00",
    "starts_on": "The project's start date",
    "ends_on": "The project's end date",
    "tranche_count": "How many tranches",
    "tranche_schedule": "One line per tranche: amount and date",
    "match_amount": "The match funding pledged",
    "match_funder": "Who pledged the match funding",
    "learning_commitments": "One line per learning commitment",
}
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def unknown_placeholders(template: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(template) if name not in PLACEHOLDERS})


def fill(template: str, values: dict[str, str]) -> str:
    unknown = unknown_placeholders(template)
    if unknown:
        raise ValueError(f"unknown placeholder {unknown[0]!r}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def terms_for(project: Any, agreement_version: int, tranches: Any, match: Any, commitments: Any) -> str:
    """The agreement's words for ``project`` as it stands: its round's template (or the default)."""
    template = project.round.agreement_template or DEFAULT_TERMS
    schedule = "\n".join(
        f"   Tranche {tranche.sequence}: {format_pence(tranche.amount_pence)}, due from {format_date(tranche.due_on)}"
        for tranche in sorted(tranches, key=lambda tranche: tranche.sequence)
    )
    learning = "\n".join(
        f"   - {commitment.kind_label}: {commitment.description}"
        + (f" (by {format_date(commitment.due_on)})" if commitment.due_on else "")
        for commitment in commitments
    )
    values = {
        "reference": project.reference,
        "version": str(agreement_version),
        "project_title": project.title,
        "lead_organisation": project.lead_organisation.name,
        "bid_reference": project.application.reference,
        "award": format_pence(project.award_pence),
        "starts_on": format_date(project.starts_on),
        "ends_on": format_date(project.ends_on),
        "tranche_count": str(len(tranches)),
        "tranche_schedule": schedule,
        "match_amount": format_pence(match.amount_pence) if match else format_pence(0),
        "match_funder": match.funder if match else "the match funder",
        "learning_commitments": learning or "   - (none recorded)",
    }
    return fill(template, values)


def digest(terms: str) -> str:
    """A fingerprint of the words, so a signature is known to be for exactly the text that was read."""
    return hashlib.sha256(terms.encode("utf-8")).hexdigest()
