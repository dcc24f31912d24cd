"""Projects that have ended, in the downloads: each row says its project's status in words (never the
stored code), when it finished, and money that adds up: the award is what was released, what is still
to release (nothing once a project has finished) and what will not be paid."""

from __future__ import annotations

import pytest

from grants.core.times import to_london
from tests.endings import Ended, ended_projects
from tests.exports.conftest import csv_table, xlsx_table

AWARD, FIRST = 2_700_000, 1_350_000
REPAYMENT = 500_000


@pytest.fixture
def ended(db, officer, finance) -> Ended:
    return ended_projects(officer, finance, repayment_pence=REPAYMENT)


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def _get(client, dataset: str, ended: Ended, file_format: str = "csv"):
    return client.get(f"/exports/{dataset}.{file_format}?round={ended.active.round_id}")


def test_the_projects_csv_says_each_status_and_splits_each_award(ended, programme_officer_client):
    rows = {row["Reference"]: row for row in csv_table(_get(programme_officer_client, "projects", ended))}
    assert {ended_project.reference for ended_project in ended.all} == set(rows)
    expected = {
        # status, released, still to release, not to be paid
        ended.active: ("Active", FIRST, FIRST, 0),
        ended.setup: ("Setting up", 0, AWARD, 0),
        ended.closed: ("Closed", FIRST, 0, FIRST),
        ended.withdrawn: ("Award given up", 0, 0, AWARD),
        ended.ended_early: ("Ended early", FIRST, 0, FIRST),
    }
    for project, (status, released, remaining, not_paid) in expected.items():
        row = rows[project.reference]
        assert (row["Status"], row["Award (£)"]) == (status, _pounds(AWARD)), project.reference
        assert (row["Released so far (£)"], row["Still to release (£)"], row["Not to be paid (£)"]) == (
            _pounds(released),
            _pounds(remaining),
            _pounds(not_paid),
        ), project.reference
        assert released + remaining + not_paid == AWARD
        finished = to_london(project.finished_at).strftime("%Y-%m-%d %H:%M:%S") if project.finished_at else ""
        assert row["Finished at (UK time)"] == finished
    early = rows[ended.ended_early.reference]
    assert (early["To be repaid (£)"], early["Repayment received on"]) == (_pounds(REPAYMENT), "")
    assert {rows[p.reference]["To be repaid (£)"] for p in ended.all if p is not ended.ended_early} == {""}


def test_the_tranches_and_payments_say_their_projects_status_and_what_was_cancelled(ended, programme_officer_client):
    tranches = csv_table(_get(programme_officer_client, "tranches", ended))
    early = [row for row in tranches if row["Project reference"] == ended.ended_early.reference]
    assert [(row["Tranche"], row["Status"], row["Project status"]) for row in early] == [
        ("1", "Released", "Ended early"),
        ("2", "Cancelled", "Ended early"),
        ("3", "Cancelled", "Ended early"),
    ]
    assert all(row["Cancelled at (UK time)"] and row["Cancelled because"] for row in early[1:])
    assert early[0]["Cancelled at (UK time)"] == early[0]["Cancelled because"] == ""
    given_up = [row for row in tranches if row["Project reference"] == ended.withdrawn.reference]
    assert {(row["Status"], row["Project status"]) for row in given_up} == {("Cancelled", "Award given up")}
    cancelled = sum(int(row["Amount (£)"].replace(".", "")) for row in tranches if row["Status"] == "Cancelled")
    assert cancelled == AWARD + 2 * FIRST  # the award given up, and the rest of the closed and ended-early ones

    payments = csv_table(_get(programme_officer_client, "payments", ended))
    assert sorted((row["Project reference"], row["Project status"]) for row in payments) == sorted(
        [
            (ended.active.reference, "Active"),
            (ended.closed.reference, "Closed"),
            (ended.ended_early.reference, "Ended early"),
        ]
    )


def test_the_workbook_has_the_same_statuses_and_amounts(ended, programme_officer_client):
    for dataset in ("projects", "tranches", "payments"):
        as_csv = csv_table(_get(programme_officer_client, dataset, ended))
        as_xlsx = xlsx_table(_get(programme_officer_client, dataset, ended, "xlsx"))
        status = "Status" if dataset == "projects" else "Project status"
        assert [row[status] for row in as_xlsx] == [row[status] for row in as_csv], dataset
    projects = {row["Reference"]: row for row in xlsx_table(_get(programme_officer_client, "projects", ended, "xlsx"))}
    withdrawn = projects[ended.withdrawn.reference]
    assert (withdrawn["Status"], withdrawn["Not to be paid (£)"], withdrawn["Still to release (£)"]) == (
        "Award given up",
        AWARD / 100,
        0,
    )
