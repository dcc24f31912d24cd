"""Each download holds the records as they are: money in pounds, dates ISO, times in UK time; the
Excel workbook the same rows, with numbers and dates a spreadsheet can use."""

from datetime import datetime
from decimal import Decimal

from grants.core.db import utcnow
from grants.core.times import to_london
from tests.exports.conftest import csv_table, xlsx_table


def _get(client, dataset, programme, file_format="csv"):
    return client.get(f"/exports/{dataset}.{file_format}?round={programme.round.id}")


def test_the_applications_csv_has_a_row_for_each_bid_in_reference_order(programme, programme_officer_client):
    rows = csv_table(_get(programme_officer_client, "applications", programme))
    code = programme.round.code
    assert [row["Reference"] for row in rows] == [f"{code}-0001", f"{code}-0002", ""]  # the draft has none yet
    assert rows[0] == {
        "Reference": f"{code}-0001",
        "Round": code,
        "Status": "Approved",
        "Title": "Home from hospital",
        "Lead organisation": "Wigan Council",
        "Lead organisation sector": "Local government",
        "Lead organisation identifier": "GB-LAE-WGN",
        "Place": "Wigan",
        "Place ONS code": "E08000010",
        "Themes": "Alcohol misuse; Older people",
        "Amount requested (£)": "27000.00",
        "Match funder": "Wigan Health and Wellbeing Board",
        "Match funding pledged (£)": "10000.00",
        "Partners": "2",
        "Partners confirmed": "1",
        "Submitted at (UK time)": "2026-07-01 09:30:00",
        "Withdrawn at (UK time)": "",
        # The round's questions, in its form's order: the default form's five.
        "The issue": "Older people move between hospital and home without a plan.",
        "Your shared vision": "Everyone gets home safely, with the right support.",
        "Why a systems-leadership approach": "No single service owns the journey home.",
        "Intended outcomes": "Fewer delayed discharges.",
        "How you will share what you learn": "",
    }
    assert (rows[1]["Status"], rows[1]["Withdrawn at (UK time)"], rows[1]["Partners"]) == (
        "Withdrawn",
        "2026-01-15 10:00:00",
        "0",
    )
    assert (rows[2]["Title"], rows[2]["Status"], rows[2]["Amount requested (£)"]) == ("Still drafting", "Draft", "")


def test_the_scores_csv_has_a_row_for_each_submitted_score(programme, programme_officer_client):
    rows = csv_table(_get(programme_officer_client, "scores", programme))
    reference = programme.bid.reference
    assert rows == [
        {
            "Application reference": reference,
            "Round": programme.round.code,
            "Reviewer": "Asha Reviewer",
            "Criterion": "Strength of the partnership",
            "Weight": "60",
            "Score": "4",
            "Out of": "5",
            "Justification": "Strong partnership across sectors.",
            "Review submitted at (UK time)": "2026-07-20 16:05:09",
        },
        {
            "Application reference": reference,
            "Round": programme.round.code,
            "Reviewer": "Asha Reviewer",
            "Criterion": "Measurable outcomes",
            "Weight": "40",
            "Score": "3",
            "Out of": "5",
            "Justification": "Strong partnership across sectors.",
            "Review submitted at (UK time)": "2026-07-20 16:05:09",
        },
    ]


def test_the_decisions_csv_has_each_decision(programme, programme_officer_client):
    rows = csv_table(_get(programme_officer_client, "decisions", programme))
    assert rows == [
        {
            "Application reference": programme.bid.reference,
            "Round": programme.round.code,
            "Title": "Home from hospital",
            "Outcome": "Approved",
            "Rationale": "A strong partnership.",
            "Conditions": "Send the board's pledge letter.",
            "Decided by": "Chidi Chair",
            "Decided at (UK time)": "2026-08-03 10:00:00",
            "Took effect at (UK time)": "2026-08-10 12:00:00",
        }
    ]


def test_the_projects_csv_has_each_project_with_its_money(programme, programme_officer_client):
    rows = csv_table(_get(programme_officer_client, "projects", programme))
    project = programme.project
    assert rows == [
        {
            "Reference": project.reference,
            "Title": "Home from hospital",
            "Round": programme.round.code,
            "Lead organisation": "Wigan Council",
            "Place": "Wigan",
            "Place ONS code": "E08000010",
            "Status": "Setting up",
            "Finished at (UK time)": "",
            "RAG": "Amber",
            "Award (£)": "27000.00",
            "Released so far (£)": "13500.00",
            "Still to release (£)": "13500.00",  # the second tranche and the held third
            "Not to be paid (£)": "0.00",
            "To be repaid (£)": "",
            "Repayment received on": "",
            "Match funder": "Wigan Health and Wellbeing Board",
            "Match funding status": "Pledged",
            "Match funding (£)": "10000.00",
            "Starts": project.starts_on.isoformat(),
            "Ends": project.ends_on.isoformat(),
            "Current enabler": "Jo Enabler",
        }
    ]


def test_the_tranches_csv_has_each_tranche_in_order(programme, programme_officer_client):
    rows = csv_table(_get(programme_officer_client, "tranches", programme))
    first, second, third = programme.tranches
    reference, code = programme.project.reference, programme.round.code
    assert rows == [
        {
            "Project reference": reference,
            "Project status": "Setting up",
            "Round": code,
            "Tranche": "1",
            "Amount (£)": "13500.00",
            "Due on": first.due_on.isoformat(),
            "Status": "Released",
            "Release requested at (UK time)": "2026-12-01 09:15:00",
            "Release requested by": "Sarah Collins",
            "Released at (UK time)": "2026-12-02 14:45:00",
            "Held because": "",
            "Cancelled at (UK time)": "",
            "Cancelled because": "",
        },
        {
            "Project reference": reference,
            "Project status": "Setting up",
            "Round": code,
            "Tranche": "2",
            "Amount (£)": "8100.00",
            "Due on": second.due_on.isoformat(),
            "Status": "Waiting for conditions",
            "Release requested at (UK time)": "",
            "Release requested by": "",
            "Released at (UK time)": "",
            "Held because": "",
            "Cancelled at (UK time)": "",
            "Cancelled because": "",
        },
        {
            "Project reference": reference,
            "Project status": "Setting up",
            "Round": code,
            "Tranche": "3",
            "Amount (£)": "5400.00",
            "Due on": third.due_on.isoformat(),
            "Status": "Held",
            "Release requested at (UK time)": "",
            "Release requested by": "",
            "Released at (UK time)": "",
            "Held because": "Waiting for the board's letter.",
            "Cancelled at (UK time)": "",
            "Cancelled because": "",
        },
    ]


def test_the_payments_csv_has_each_payment_and_both_signatures(programme, programme_officer_client):
    rows = csv_table(_get(programme_officer_client, "payments", programme))
    assert rows == [
        {
            "Project reference": programme.project.reference,
            "Project status": "Setting up",
            "Round": programme.round.code,
            "Tranche": "1",
            "Amount (£)": "13500.00",
            "Payment reference": "BACS-000123",
            "Requested by": "Sarah Collins",
            "Approved by": "James Whitfield",
            "Approved at (UK time)": "2026-12-02 14:45:00",
        }
    ]


def test_every_round_is_downloaded_when_none_is_chosen(programme, programme_officer_client):
    rows = csv_table(programme_officer_client.get("/exports/projects.csv"))
    assert [row["Reference"] for row in rows] == [programme.project.reference, programme.other_project.reference]
    response = programme_officer_client.get("/exports/projects.csv")
    assert "projects-all-rounds-" in response.headers["Content-Disposition"]


def test_the_excel_workbook_has_the_same_rows_as_the_csv(programme, programme_officer_client):
    for dataset in ("applications", "scores", "decisions", "projects", "tranches", "payments"):
        as_csv = csv_table(_get(programme_officer_client, dataset, programme))
        as_xlsx = xlsx_table(_get(programme_officer_client, dataset, programme, "xlsx"))
        assert len(as_xlsx) == len(as_csv) > 0, dataset
        assert [list(row) for row in as_xlsx] == [list(row) for row in as_csv], dataset
        for xlsx_row, csv_row in zip(as_xlsx, as_csv, strict=True):
            assert {key: _as_csv(key, value) for key, value in xlsx_row.items()} == csv_row, dataset


def _as_csv(heading: str, value) -> str:
    """An Excel cell written the way the CSV writes it, to compare the two."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if "(UK time)" in heading else value.date().isoformat()
    if heading.endswith("(£)"):
        assert isinstance(value, int | float | Decimal), f"{heading} is a number in Excel"
        return f"{value:.2f}"
    return str(value)


def test_excel_has_money_as_numbers_and_times_as_uk_times(programme, programme_officer_client):
    [project] = xlsx_table(_get(programme_officer_client, "projects", programme, "xlsx"))
    assert project["Award (£)"] == 27000 and project["Released so far (£)"] == 13500
    assert project["Starts"] == datetime.combine(programme.project.starts_on, datetime.min.time())
    [payment] = xlsx_table(_get(programme_officer_client, "payments", programme, "xlsx"))
    assert payment["Amount (£)"] == 13500
    assert payment["Approved at (UK time)"] == datetime(2026, 12, 2, 14, 45)
    [decision] = xlsx_table(_get(programme_officer_client, "decisions", programme, "xlsx"))
    assert decision["Decided at (UK time)"] == datetime(2026, 8, 3, 10, 0)  # British Summer Time


def test_the_filename_names_the_dataset_round_and_day(programme, programme_officer_client):
    response = _get(programme_officer_client, "tranches", programme, "xlsx")
    today = to_london(utcnow()).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="tranches-{programme.round.code}-{today}.xlsx"'
    )
    assert response.headers["Cache-Control"] == "no-store"


def test_excel_shows_money_as_pounds_and_dates_as_dates(programme, programme_officer_client):
    import io

    from openpyxl import load_workbook

    response = _get(programme_officer_client, "payments", programme, "xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=False).active
    headings = [cell.value for cell in sheet[1]]
    amount = sheet.cell(row=2, column=headings.index("Amount (£)") + 1)
    approved = sheet.cell(row=2, column=headings.index("Approved at (UK time)") + 1)
    assert amount.number_format == '"£"#,##0.00'
    assert approved.number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet.cell(row=1, column=1).font.b
