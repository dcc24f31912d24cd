"""Templates compare a status, outcome or stage with its enum member, never with a string literal, and
every status enum is a template global."""

import re
from enum import StrEnum
from pathlib import Path

import pytest

from grants import TEMPLATES_DIR, status_enums

# A status, outcome or stage compared with a quoted word: `x.status == "draft"`, `"draft" != x.status`,
# `x.status in ("a", "b")`, `x.status not in ["a"]`.
_SUBJECT = r"\b\w*(?:status|outcome|stage)\b"
LITERAL_COMPARISON = re.compile(
    rf"{_SUBJECT}\s*(?:==|!=)\s*[\"']"
    rf"|[\"']\w*[\"']\s*(?:==|!=)\s*[\w.]*{_SUBJECT}"
    rf"|{_SUBJECT}\s+(?:not\s+)?in\s*[(\[]\s*[\"']"
)

# Templates whose compared word is no enum column, each with its reason.
ALLOWED = {
    # `outcome` is the word the learning review sends ("published", "returned", "withdrawn", "internal"),
    # not an ItemStatus: "withdrawn" names the taking out of an item, which the item's status never is.
    "email/learning_item_reviewed/body.html",
    "email/learning_item_reviewed/body.txt",
    "email/learning_item_reviewed/subject.txt",
}

STATUS_NAMES = {
    "ApplicationStatus",
    "PartnerStatus",
    "RoundStatus",
    "AssignmentStatus",
    "DecisionOutcome",
    "ProjectStatus",
    "EndingKind",
    "EndingStatus",
    "AgreementStatus",
    "TrancheStatus",
    "MatchStatus",
    "ReportStatus",
    "CommitmentStatus",
    "ItemStatus",
    "NotificationStatus",
    "CompilationStatus",
    "AssessmentStage",
}


def literal_comparisons(text: str) -> list[str]:
    return [match.group(0) for match in LITERAL_COMPARISON.finditer(text)]


def _templates() -> list[Path]:
    return sorted(path for path in Path(TEMPLATES_DIR).rglob("*") if path.suffix in (".html", ".txt", ".xml"))


@pytest.mark.parametrize(
    "text",
    [
        '{% if application.status == "draft" %}',
        "{% if round.status != 'open' %}",
        '{% if "draft" == application.status %}',
        '{% if tranche.status in ("released", "held") %}',
        '{% if tranche.status not in ["released"] %}',
        '{% if decision.outcome == "approved" %}',
        '{% if response.stage == "baseline" %}',
    ],
)
def test_the_scan_finds_a_status_compared_with_a_literal(text):
    assert literal_comparisons(text)


def test_the_scan_lets_enum_members_through():
    assert not literal_comparisons(
        "{% if application.status == ApplicationStatus.DRAFT and tranche.status in (TrancheStatus.HELD,) %}"
    )


def test_no_template_compares_a_status_with_a_string_literal():
    found = {
        str(path.relative_to(TEMPLATES_DIR)): literal_comparisons(path.read_text(encoding="utf-8"))
        for path in _templates()
    }
    left = {name: hits for name, hits in found.items() if hits and name not in ALLOWED}
    assert not left, f"compare with the status enum's member instead: {left}"
    stale = {name for name in ALLOWED if not found.get(name)}
    assert not stale, f"allowed templates that no longer compare a literal: {stale}"


def test_every_status_enum_is_a_template_global(app):
    assert {status.__name__ for status in status_enums()} == STATUS_NAMES
    for status in status_enums():
        assert issubclass(status, StrEnum)
        assert app.jinja_env.globals[status.__name__] is status
    rendered = app.jinja_env.from_string(
        "{{ ApplicationStatus.DRAFT == 'draft' }} {{ 'open' in (RoundStatus.OPEN, RoundStatus.CLOSED) }}"
    ).render()
    assert rendered == "True True"
