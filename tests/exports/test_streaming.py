"""A download is streamed from one query: the response is sent as it is written, and the number of
queries does not grow with the number of records."""

import csv
import io

import pytest
from openpyxl import load_workbook

from grants.core.permissions import Role
from grants.extensions import db
from grants.funding.models import Tranche
from tests.exports.conftest import DATASETS, assessing_round, pay, streamed
from tests.factories import UserFactory, decide, funded_project, submitted_review
from tests.helpers import QueryCounter


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_download_is_streamed(programme, programme_officer_client, file_format):
    response, is_streamed, body = streamed(
        programme_officer_client, f"/exports/applications.{file_format}?round={programme.round.id}"
    )
    assert response.status_code == 200
    assert is_streamed
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
        assert [row[0] for row in rows] == ["Reference", programme.bid.reference, programme.withdrawn.reference, ""]
    else:
        sheet = load_workbook(io.BytesIO(body)).worksheets[0]
        assert sheet.title == "Applications"
        assert [row[0] for row in sheet.iter_rows(values_only=True)] == [
            "Reference",
            programme.bid.reference,
            programme.withdrawn.reference,
            None,
        ]


def test_a_large_csv_is_sent_in_chunks_as_it_is_written(db, programme_officer_client):
    """Long justifications make the scores export pass the 64 KB chunk size several times."""
    round_ = assessing_round()
    for _ in range(3):
        project = funded_project(round_)
        for _ in range(4):
            submitted_review(project.application, [3, 4], justification="A considered reason. " * 500)
    response, is_streamed, body = streamed(programme_officer_client, "/exports/scores.csv")
    assert is_streamed and response.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(body.decode(), newline="")))) == 3 * 4 * 2
    chunks = list(programme_officer_client.get("/exports/scores.csv").response)
    assert len(chunks) > 3


def _funded_projects(count: int, round_, officer, finance, chair) -> None:
    """Projects with everything each export reads: scores, a decision, tranches, a payment."""
    for _ in range(count):
        project = funded_project(round_)
        submitted_review(project.application, [4, 2])
        decide(project.application, "approved", decided_by_id=chair.id)
        first = db.session.scalar(db.select(Tranche).where(Tranche.project_id == project.id, Tranche.sequence == 1))
        pay(first, officer, finance)


def _queries(client, dataset: str, file_format: str) -> tuple[int, int]:
    with QueryCounter() as counter:
        response = client.get(f"/exports/{dataset}.{file_format}")
        assert response.status_code == 200
        rows = response.get_data().count(b"\r\n") if file_format == "csv" else len(response.get_data())
    return counter.count, rows


@pytest.mark.parametrize("role", [Role.PROGRAMME_OFFICER, Role.STEERING_CHAIR])
def test_the_number_of_queries_does_not_grow_with_the_records(db, client_for, officer, finance, role):
    client = client_for(UserFactory(roles=[role]))
    chair = UserFactory(roles=[Role.STEERING_CHAIR])
    round_ = assessing_round()
    datasets = [name for name in DATASETS if role is Role.PROGRAMME_OFFICER or name not in {"tranches", "payments"}]
    _funded_projects(2, round_, officer, finance, chair)
    few = {
        (name, file_format): _queries(client, name, file_format) for name in datasets for file_format in ("csv", "xlsx")
    }
    _funded_projects(8, round_, officer, finance, chair)
    many = {
        (name, file_format): _queries(client, name, file_format) for name in datasets for file_format in ("csv", "xlsx")
    }
    for key in few:
        assert many[key][1] > few[key][1], f"{key}: the larger export holds more"
        assert many[key][0] == few[key][0], f"{key}: {few[key][0]} queries for 2 projects, {many[key][0]} for 10"
