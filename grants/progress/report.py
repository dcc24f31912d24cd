"""A compiled report as one person may see it: the leadership shift within the small-numbers rule (and,
beyond programme staff, of closed stages only), and each project (and the portfolio) as a flat row of
the columns that the page and the downloads share."""

from __future__ import annotations

from datetime import date

from grants.funding.models import MATCH_STATUSES
from grants.leadership import queries as leadership
from grants.learning.models import COMMITMENT_STATUS_LABELS
from grants.monitoring.queries import AGAINST_TARGET
from grants.projects.models import RAG_LABELS, STATUS_LABELS, ProjectStatus

REPORT_HEADINGS = {
    "accepted": "Progress reports accepted",
    "submitted": "Progress reports waiting for review",
    "changes_requested": "Progress reports with changes requested",
    "overdue": "Progress reports overdue",
}

# (heading, key in a flat row, kind): kinds are text, count, date, money (pence) and score (1 to 5).
COLUMNS = [
    ("Reference", "reference", "text"),
    ("Title", "title", "text"),
    ("Place", "place", "text"),
    ("Status", "status", "text"),
    ("Finished on", "finished_on", "date"),
    ("RAG", "rag", "text"),
    ("Updates logged", "updates", "count"),
    ("Latest update", "last_update_on", "date"),
    *[(heading, f"reports_{state}", "count") for state, heading in REPORT_HEADINGS.items()],
    ("Awarded", "awarded_pence", "money"),
    ("Award given up", "given_up_pence", "money"),
    ("Released", "released_pence", "money"),
    ("Still to release", "remaining_pence", "money"),
    ("Not to be paid", "not_paid_pence", "money"),
    *[(f"Match funding {status}", f"match_{status}_pence", "money") for status in MATCH_STATUSES],
    ("Outcome measures", "measures", "count"),
    *[(f"Measures: {label.lower()}", f"measures_{state}", "count") for state, label in AGAINST_TARGET.items()],
    *[
        (f"Commitments {label.lower()}", f"commitments_{state}", "count")
        for state, label in COMMITMENT_STATUS_LABELS.items()
    ],
    ("Leadership: people compared", "leadership_pairs", "count"),
    ("Leadership: average at the start", "leadership_baseline", "score"),
    ("Leadership: average at the end", "leadership_final", "score"),
    ("Leadership: change", "leadership_change", "score"),
]


def leadership_view(result: dict | None, *, staff: bool) -> dict:
    """The stored shift as the leadership pages would show it to this person (``visible_changes``), and
    its summary: the mean of the shown domains at the start and the end, or None where nothing is shown.
    Its keys are the arguments of the ``results`` macro in ``leadership/_results.html`` and more.
    ``result`` None: a report compiled before stages of self-assessment closed keeps nothing that may be
    shown beyond programme staff, so nothing is (``withheld``)."""
    if result is None:
        return {**WITHHELD, "min_group": leadership.MIN_GROUP}
    changes = [leadership.DomainChange(**change) for change in result["changes"]]
    shown, changes = leadership.visible_changes(changes, result["pairs"], staff=staff)
    baseline = final = change = None
    if shown and changes:
        baseline = sum(item.baseline for item in changes) / len(changes)
        final = sum(item.final for item in changes) / len(changes)
        change = final - baseline
    return {
        "shown": shown,
        "withheld": False,
        "changes": changes,
        "chart": leadership.chart_rows(changes),
        "pairs": result["pairs"],
        "respondents": result["respondents"],
        "min_group": leadership.MIN_GROUP,
        "baseline": baseline,
        "final": final,
        "change": change,
    }


WITHHELD = {
    "shown": False,
    "withheld": True,
    "changes": [],
    "chart": [],
    "pairs": None,
    "respondents": None,
    "baseline": None,
    "final": None,
    "change": None,
}


def _leadership_of(source: dict, *, staff: bool) -> dict | None:
    """A project's (or the portfolio's) stored shift for this person: staff see every answer, anyone else
    the answers of closed stages only (None in a report compiled before stages closed)."""
    return source["leadership"] if staff else source.get("leadership_closed")


def project_leadership(row: dict, *, staff: bool) -> dict:
    """A compiled project's shift for this person, domain by domain (``leadership_view``): staff see every
    answer, anyone else the answers of closed stages only, within the small-numbers rule."""
    return leadership_view(_leadership_of(row, staff=staff), staff=staff)


def _shared(source: dict, *, measures: dict, staff: bool) -> dict:
    """The columns a project row and the portfolio's totals have alike."""
    shift = leadership_view(_leadership_of(source, staff=staff), staff=staff)
    reports = source.get("reports") or {}  # a report compiled before these were counted has none
    return {
        **{f"reports_{state}": reports.get(state) for state in REPORT_HEADINGS},
        **{f"match_{status}_pence": source["match_pence"][status] for status in MATCH_STATUSES},
        "measures": sum(measures.values()),
        **{f"measures_{state}": measures[state] for state in AGAINST_TARGET},
        **{f"commitments_{state}": source["commitments"][state] for state in COMMITMENT_STATUS_LABELS},
        "leadership_pairs": shift["pairs"],
        "leadership_baseline": shift["baseline"],
        "leadership_final": shift["final"],
        "leadership_change": shift["change"],
        "leadership_withheld": shift["withheld"],
        # Staff see stages still open, whose results may change: marked so on the page.
        "leadership_open": staff and source.get("leadership_open", False),
    }


def compiled_measures(row: dict) -> list[dict]:
    """A compiled project's outcome measures, in its order, each with the date of its latest counted value
    and where it stood against its target."""
    return [
        {
            **measure,
            "latest_on": date.fromisoformat(measure["latest_on"]) if measure["latest_on"] else None,
            "against_target": AGAINST_TARGET[measure["state"]],
        }
        for measure in row["measures"]
    ]


def is_given_up(row: dict) -> bool:
    """A compiled project row whose award was given up: listed apart, not counted as awarded."""
    return bool(row["status"] == ProjectStatus.WITHDRAWN)


def _money(source: dict, *, award: int, awarded: int) -> dict:
    """The money columns. A report compiled before projects could end has no given-up, not-to-be-paid
    or finished figures: nothing of the kind had happened, so they are nought."""
    return {
        "award_pence": award,
        "awarded_pence": awarded,
        "given_up_pence": source.get("given_up_pence", 0),
        "released_pence": source["released_pence"],
        "remaining_pence": source["remaining_pence"],
        "not_paid_pence": source.get("not_paid_pence", 0),
    }


def flat_row(row: dict, *, staff: bool) -> dict:
    finished_on = row.get("finished_on")
    return {
        "project_id": row["project_id"],
        "application_id": row["application_id"],
        "reference": row["reference"],
        "title": row["title"],
        "place": row["place"],
        "status": STATUS_LABELS[row["status"]],
        "finished_on": date.fromisoformat(finished_on) if finished_on else None,
        "rag": RAG_LABELS.get(row["rag"], "Not yet rated"),
        "rag_value": row["rag"],
        "updates": row["updates"],
        "last_update_on": date.fromisoformat(row["last_update_on"]) if row["last_update_on"] else None,
        **_money(row, award=row["award_pence"], awarded=row["award_pence"] - row.get("given_up_pence", 0)),
        **_shared(row, measures=row["measures_by_state"], staff=staff),
    }


def flat_totals(figures: dict, *, staff: bool) -> dict:
    """The portfolio as a last row: its sums, and its leadership shift (not the sum of the projects')."""
    portfolio = {
        **figures,
        "leadership": figures["leadership"]["all"],
        "leadership_closed": figures["leadership"].get("closed"),
    }
    given_up = figures.get("given_up_pence", 0)
    return {
        "project_id": None,
        "application_id": None,
        "reference": "Portfolio",
        "title": f"All {figures['projects']} projects",
        "place": "",
        "status": "",
        "finished_on": None,
        "rag": "",
        "rag_value": None,
        "updates": figures["updates"],
        "last_update_on": None,
        **_money(figures, award=figures["awarded_pence"] + given_up, awarded=figures["awarded_pence"]),
        **_shared(portfolio, measures=figures["measures"], staff=staff),
    }


def portfolio_leadership(figures: dict, *, staff: bool) -> dict:
    """The portfolio's shift for this person: staff see every project's answers; anyone else only those
    of closed stages, of projects big enough to be shown on their own, within the small-numbers rule."""
    return leadership_view(figures["leadership"]["all"] if staff else figures["leadership"].get("closed"), staff=staff)
