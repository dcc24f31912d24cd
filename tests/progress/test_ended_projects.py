"""Projects that have ended, in the progress report: a closed project and one ended early have nothing
still to release (their unpaid tranches were cancelled: not to be paid), an award given up is not
counted as awarded but listed apart with its status, the RAG is of the projects still running, and
every row, on the page and in both downloads, says its project's status in words."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.core.times import to_london
from grants.progress import services
from grants.progress.downloads import table
from tests.endings import Ended, ended_projects
from tests.factories import UserFactory
from tests.helpers import text

AWARD, FIRST = 2_700_000, 1_350_000  # every project's award, and its first tranche (half of it)


@pytest.fixture
def ended(db, officer, finance) -> Ended:
    ended = ended_projects(officer, finance)
    for project in ended.all:
        project.rag = "red"
    ended.active.rag = "green"
    db.session.commit()
    return ended


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def test_the_compiled_figures_count_each_end_as_it_is(db, ended):
    compilation = services.run_compile()
    figures = compilation.figures
    rows = {row["reference"]: row for row in compilation.rows}

    assert figures["projects"] == 5 and figures["live"] == 2
    assert figures["by_status"] == {
        "setup": 1,
        "active": 1,
        "closing": 0,
        "closed": 1,
        "withdrawn": 1,
        "ended_early": 1,
    }
    assert figures["by_rag"] == {"red": 1, "amber": 0, "green": 1, "none": 0}  # the running two only
    assert figures["awarded_pence"] == 4 * AWARD
    assert (figures["given_up"], figures["given_up_pence"]) == (1, AWARD)
    assert figures["released_pence"] == sum(ended.paid.values()) == 3 * FIRST
    assert figures["remaining_pence"] == ended.still_to_release(ended.active) + ended.still_to_release(ended.setup)
    assert figures["remaining_pence"] == FIRST + AWARD
    assert figures["not_paid_pence"] == ended.cancelled(ended.closed) + ended.cancelled(ended.ended_early)
    assert figures["not_paid_pence"] == 2 * FIRST
    assert (
        figures["awarded_pence"] == figures["released_pence"] + figures["remaining_pence"] + figures["not_paid_pence"]
    )

    for project in (ended.closed, ended.ended_early):
        row = rows[project.reference]
        assert (row["status"], row["released_pence"], row["remaining_pence"]) == (project.status, FIRST, 0)
        assert (row["not_paid_pence"], row["given_up_pence"]) == (FIRST, 0)
        assert row["finished_on"] == to_london(project.finished_at).date().isoformat()
    given_up = rows[ended.withdrawn.reference]
    assert (given_up["status"], given_up["award_pence"], given_up["given_up_pence"]) == ("withdrawn", AWARD, AWARD)
    assert given_up["released_pence"] == given_up["remaining_pence"] == given_up["not_paid_pence"] == 0
    active = rows[ended.active.reference]
    assert (active["remaining_pence"], active["not_paid_pence"], active["finished_on"]) == (FIRST, 0, None)


def test_the_page_shows_each_status_and_lists_the_award_given_up_apart(db, ended, client_for):
    services.run_compile()
    page = text(client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/progress/").get_data(as_text=True))

    assert "5 projects: 1 setting up, 1 active, 1 closed, 1 award given up, 1 ended early" in page
    assert "RAG of the 2 projects still running 1 red, 0 amber, 1 green, 0 not yet rated" in page
    assert f"Awarded {format_pence(4 * AWARD)}" in page
    assert f"Still to release {format_pence(FIRST + AWARD)}" in page
    assert f"Not to be paid (tranches cancelled when a project ended) {format_pence(2 * FIRST)}" in page
    assert f"Awards given up (not counted as awarded) {format_pence(AWARD)} (1 project)" in page
    funded, given_up = page.split("Awards given up, in order of reference", 1)
    assert ended.withdrawn.reference not in funded.split("Every funded project", 1)[1]
    finished_on = to_london(ended.ended_early.finished_at).date()
    assert f"{ended.ended_early.reference} " in funded and "Ended early, " in funded
    assert f"{format_pence(FIRST)} of {format_pence(AWARD)}, {format_pence(FIRST)} not to be paid" in funded
    assert f"{ended.withdrawn.reference} {ended.withdrawn.title}" in given_up
    assert f"Award given up {finished_on.day}" in given_up and format_pence(AWARD) in given_up


def test_the_csv_and_spreadsheet_say_each_status_and_add_up(db, ended, client_for):
    compilation = services.run_compile()
    client = client_for(UserFactory(roles=[Role.STEERING_CHAIR]))
    rows = list(csv.DictReader(io.StringIO(client.get(f"/progress/{compilation.id}.csv").get_data(as_text=True))))

    # The funded projects in reference order, then the award given up, then the portfolio.
    funded = [p for p in ended.all if p is not ended.withdrawn]
    assert [row["Reference"] for row in rows] == [
        *sorted(p.reference for p in funded),
        ended.withdrawn.reference,
        "Portfolio",
    ]
    by_reference = {row["Reference"]: row for row in rows}
    statuses = {p.reference: by_reference[p.reference]["Status"] for p in ended.all}
    assert statuses == {
        ended.active.reference: "Active",
        ended.setup.reference: "Setting up",
        ended.closed.reference: "Closed",
        ended.withdrawn.reference: "Award given up",
        ended.ended_early.reference: "Ended early",
    }
    given_up = by_reference[ended.withdrawn.reference]
    assert (given_up["Awarded"], given_up["Award given up"], given_up["Still to release"]) == (
        "0.00",
        _pounds(AWARD),
        "0.00",
    )
    closed = by_reference[ended.closed.reference]
    assert (closed["Released"], closed["Still to release"], closed["Not to be paid"]) == (
        _pounds(FIRST),
        "0.00",
        _pounds(FIRST),
    )
    assert closed["Finished on"] == to_london(ended.closed.finished_at).date().isoformat()
    total = by_reference["Portfolio"]
    for heading in ("Awarded", "Award given up", "Released", "Still to release", "Not to be paid"):
        column = sum(int(row[heading].replace(".", "")) for row in rows[:-1])
        assert total[heading] == _pounds(column), heading
    assert total["Awarded"] == _pounds(4 * AWARD) and total["Award given up"] == _pounds(AWARD)

    workbook = load_workbook(io.BytesIO(client.get(f"/progress/{compilation.id}.xlsx").data))
    sheet = workbook["Projects"].values
    headings = next(sheet)
    spreadsheet = {row[0]: dict(zip(headings, row, strict=True)) for row in sheet}
    assert {reference: spreadsheet[reference]["Status"] for reference in statuses} == statuses
    assert spreadsheet[ended.withdrawn.reference]["Award given up"] == AWARD / 100
    assert spreadsheet["Portfolio"]["Not to be paid"] == 2 * FIRST / 100
    portfolio = dict(workbook["Portfolio"].iter_rows(min_col=1, max_col=2, values_only=True))
    assert portfolio["Projects: award given up"] == 1 and portfolio["Projects: ended early"] == 1
    assert portfolio["Projects still running (the RAG below is theirs)"] == 2
    assert portfolio["Awarded"] == 4 * AWARD / 100


def test_a_report_compiled_before_projects_could_end_still_shows_and_downloads(db, ended, client_for):
    compilation = services.run_compile()
    new_keys = {"finished_on", "given_up_pence", "not_paid_pence"}
    compilation.rows = [
        {key: value for key, value in row.items() if key not in new_keys}
        for row in compilation.rows
        if row["status"] in ("setup", "active")
    ]
    old_figures = {"live", "given_up", "given_up_pence", "not_paid_pence"}
    compilation.figures = {key: value for key, value in compilation.figures.items() if key not in old_figures}
    db.session.commit()
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))

    page = text(officer.get("/progress/").get_data(as_text=True))
    assert "RAG 1 red, 0 amber, 1 green" in page and "Awards given up (not counted as awarded) £0.00" in page
    rows = list(csv.DictReader(io.StringIO(officer.get(f"/progress/{compilation.id}.csv").get_data(as_text=True))))
    assert {row["Award given up"] for row in rows[:-1]} == {"0.00"} and {row["Finished on"] for row in rows} == {""}
    assert officer.get(f"/progress/{compilation.id}.xlsx").status_code == 200
    assert len(table(compilation, staff=True)) == 3


def test_the_digest_counts_the_running_projects_and_the_award_given_up(db, ended):
    from grants.progress.services import digest_context

    compilation = services.run_compile()
    context = digest_context(compilation, UserFactory(roles=[Role.STEERING_MEMBER]))
    assert (context["projects"], context["live"], context["given_up"]) == (5, 2, 1)
    assert (context["given_up_pence"], context["not_paid_pence"]) == (AWARD, 2 * FIRST)
