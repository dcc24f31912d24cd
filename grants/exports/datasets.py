"""The six datasets a programme team downloads: what each holds, its columns, and its statement."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import Select

from grants.applications.models import STATUS_LABELS as BID_STATUS_LABELS
from grants.applications.queries import answer_files
from grants.bidforms.queries import form_of
from grants.core.spreadsheets import unique_headings
from grants.directory.models import SECTORS
from grants.exports import queries
from grants.exports.columns import AnswerColumn, Column
from grants.exports.permissions import READERS, Scope
from grants.funding.models import MATCH_STATUS_LABELS, TRANCHE_STATUS_LABELS
from grants.projects.models import RAG_LABELS
from grants.projects.models import STATUS_LABELS as PROJECT_STATUS_LABELS
from grants.reviews.models import DecisionOutcome

OUTCOME_LABELS = {outcome: BID_STATUS_LABELS[outcome] for outcome in DecisionOutcome}
RAG_WORDS = {**RAG_LABELS, None: "Not yet rated"}


EXCEL_FORMATS = {"money": '"£"#,##0.00', "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    summary: str
    columns: tuple[Column, ...]
    statement: Callable[[Scope], Select]
    # With a round chosen: more columns, after these, for that round (its form's questions).
    round_columns: Callable[[int], tuple[Column, ...]] | None = None

    # The audit trail names a download by its dataset: ``export`` ``applications``.
    __audit_type__ = "export"

    @property
    def id(self) -> str:
        return self.name

    def in_round(self, round_id: int | None) -> Dataset:
        """This dataset as downloaded for one round (``None``: every round)."""
        if round_id is None or self.round_columns is None:
            return self
        return replace(self, columns=self.columns + self.round_columns(round_id))

    @property
    def header(self) -> list[str]:
        return unique_headings((column.heading, column.key) for column in self.columns)

    @property
    def number_formats(self) -> dict[int, str]:
        """Excel formats by column: money as pounds, dates and times as such."""
        return {
            index: EXCEL_FORMATS[column.kind]
            for index, column in enumerate(self.columns)
            if column.kind in EXCEL_FORMATS
        }

    def csv_rows(self, rows: Iterable[Mapping]) -> Iterator[list[str]]:
        for row in rows:
            yield [column.csv(row) for column in self.columns]

    def xlsx_rows(self, rows: Iterable[Mapping]) -> Iterator[list]:
        for row in rows:
            yield [column.xlsx(row) for column in self.columns]


@dataclass(frozen=True)
class Target:
    """What a refusal was about when it was no one dataset (the downloads page itself)."""

    id: str
    __audit_type__ = "export"


EVERY_DATASET = Target("all")


def answer_columns(round_id: int) -> tuple[Column, ...]:
    """A column for each question of the round's form, in the form's order, headed by its title."""
    files = answer_files(round_id)
    return tuple(AnswerColumn.of(question, files) for question in form_of(round_id).answerable)


APPLICATIONS = Dataset(
    "applications",
    "Applications",
    "Each bid: its round, status and title, the lead organisation, the place and themes, the amount "
    "asked for, the match-funding pledge, how many partners have confirmed, and when it was submitted or "
    "withdrawn. With a round chosen, also a column for each question of its application form, with the "
    "bid's answer.",
    (
        Column("Reference", "reference"),
        Column("Round", "round"),
        Column("Status", "status", labels=BID_STATUS_LABELS),
        Column("Title", "title"),
        Column("Lead organisation", "lead_name"),
        Column("Lead organisation sector", "lead_sector", labels=SECTORS),
        Column("Lead organisation identifier", "lead_org_id"),
        Column("Place", "place"),
        Column("Place ONS code", "ons_code"),
        Column("Themes", "themes", "list"),
        Column("Amount requested (£)", "amount_requested_pence", "money"),
        Column("Match funder", "match_funder"),
        Column("Match funding pledged (£)", "match_amount_pence", "money"),
        Column("Partners", "partners", "number"),
        Column("Partners confirmed", "confirmed_partners", "number"),
        Column("Submitted at (UK time)", "submitted_at", "datetime"),
        Column("Withdrawn at (UK time)", "withdrawn_at", "datetime"),
    ),
    queries.applications,
    round_columns=answer_columns,
)

SCORES = Dataset(
    "scores",
    "Scores",
    "One row for each score in a submitted review: the bid, the reviewer, the criterion and its weight, "
    "the score and its justification. Scores of reviewers who declared a conflict of interest are left "
    "out, as they are from the ranking.",
    (
        Column("Application reference", "reference"),
        Column("Round", "round"),
        Column("Reviewer", "reviewer"),
        Column("Criterion", "criterion"),
        Column("Weight", "weight", "number"),
        Column("Score", "value", "number"),
        Column("Out of", "scale_max", "number"),
        Column("Justification", "justification"),
        Column("Review submitted at (UK time)", "submitted_at", "datetime"),
    ),
    queries.scores,
)

DECISIONS = Dataset(
    "decisions",
    "Decisions",
    "The steering group's decision on each bid: the outcome, the rationale and any conditions, who "
    "recorded it and when, and when it took effect.",
    (
        Column("Application reference", "reference"),
        Column("Round", "round"),
        Column("Title", "title"),
        Column("Outcome", "outcome", labels=OUTCOME_LABELS),
        Column("Rationale", "rationale"),
        Column("Conditions", "conditions"),
        Column("Decided by", "decided_by"),
        Column("Decided at (UK time)", "decided_at", "datetime"),
        Column("Took effect at (UK time)", "effective_at", "datetime"),
    ),
    queries.decisions,
)

PROJECTS = Dataset(
    "projects",
    "Projects",
    "Each funded project: its lead organisation and place, status (and when it finished, if it has) and "
    "RAG, the award with how much has been released, is still to release and will not be paid (tranches "
    "cancelled when it ended, or the whole award if it was given up), any repayment after an early end, "
    "the match funding, its dates and its current enabler.",
    (
        Column("Reference", "reference"),
        Column("Title", "title"),
        Column("Round", "round"),
        Column("Lead organisation", "lead_name"),
        Column("Place", "place"),
        Column("Place ONS code", "ons_code"),
        Column("Status", "status", labels=PROJECT_STATUS_LABELS),
        Column("Finished at (UK time)", "finished_at", "datetime"),
        Column("RAG", "rag", labels=RAG_WORDS),
        Column("Award (£)", "award_pence", "money"),
        Column("Released so far (£)", "released_pence", "money"),
        Column("Still to release (£)", "remaining_pence", "money"),
        Column("Not to be paid (£)", "not_paid_pence", "money"),
        Column("To be repaid (£)", "repayment_pence", "money"),
        Column("Repayment received on", "repayment_received_on", "date"),
        Column("Match funder", "match_funder"),
        Column("Match funding status", "match_status", labels=MATCH_STATUS_LABELS),
        Column("Match funding (£)", "match_pence", "money"),
        Column("Starts", "starts_on", "date"),
        Column("Ends", "ends_on", "date"),
        Column("Current enabler", "enabler"),
    ),
    queries.projects,
)

TRANCHES = Dataset(
    "tranches",
    "Tranches",
    "Each tranche of each project's award: its amount and due date, its status, who requested its "
    "release and when, when it was released, why it is held or was cancelled, and its project's status.",
    (
        Column("Project reference", "reference"),
        Column("Project status", "project_status", labels=PROJECT_STATUS_LABELS),
        Column("Round", "round"),
        Column("Tranche", "sequence", "number"),
        Column("Amount (£)", "amount_pence", "money"),
        Column("Due on", "due_on", "date"),
        Column("Status", "status", labels=TRANCHE_STATUS_LABELS),
        Column("Release requested at (UK time)", "requested_at", "datetime"),
        Column("Release requested by", "requested_by"),
        Column("Released at (UK time)", "released_at", "datetime"),
        Column("Held because", "held_reason"),
        Column("Cancelled at (UK time)", "cancelled_at", "datetime"),
        Column("Cancelled because", "cancel_reason"),
    ),
    queries.tranches,
)

PAYMENTS = Dataset(
    "payments",
    "Payments",
    "Each payment made: the project (and its status) and tranche, the amount, the payment reference, and "
    "the two people who signed for it.",
    (
        Column("Project reference", "reference"),
        Column("Project status", "project_status", labels=PROJECT_STATUS_LABELS),
        Column("Round", "round"),
        Column("Tranche", "sequence", "number"),
        Column("Amount (£)", "amount_pence", "money"),
        Column("Payment reference", "payment_reference"),
        Column("Requested by", "requested_by"),
        Column("Approved by", "approved_by"),
        Column("Approved at (UK time)", "approved_at", "datetime"),
    ),
    queries.payments,
)

DATASETS: dict[str, Dataset] = {
    dataset.name: dataset for dataset in (APPLICATIONS, SCORES, DECISIONS, PROJECTS, TRANCHES, PAYMENTS)
}
assert DATASETS.keys() == READERS.keys(), "every dataset says who may download it"
