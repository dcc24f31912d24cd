"""Who may download what, the downloads page each person sees, and the audit trail of both."""

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.extensions import db
from tests.exports.conftest import DATASETS, csv_table
from tests.factories import ApplicantFactory, UserFactory, funded_project
from tests.helpers import h1, text

EVERYTHING = set(DATASETS)
ALLOWED = {
    Role.PROGRAMME_OFFICER: EVERYTHING,
    Role.ADMIN: set(),  # administrators manage people, not bids or money
    Role.FINANCE_APPROVER: {"projects", "tranches", "payments"},
    Role.STEERING_CHAIR: {"applications", "scores", "decisions", "projects"},
    Role.STEERING_MEMBER: {"projects"},
    Role.APPLICANT: set(),
    Role.ENABLER: set(),
}
TITLES = {name: name.capitalize() for name in DATASETS}


def _person(role: Role):
    return (ApplicantFactory if role is Role.APPLICANT else UserFactory)(roles=[role])


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_who_may_download_each_dataset(db, client_for, role, dataset):
    funded_project()
    client = client_for(_person(role))
    for file_format in ("csv", "xlsx"):
        response = client.get(f"/exports/{dataset}.{file_format}")
        if dataset in ALLOWED[role]:
            assert response.status_code == 200
            assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{dataset}-all-rounds-')
        else:
            assert response.status_code == 403
            assert h1(response.get_data(as_text=True)) == "You do not have permission to see this page"
    refusals = _events("exports.refused")
    if dataset in ALLOWED[role]:
        assert refusals == [] and len(_events("exports.downloaded")) == 2
    else:
        assert [(event.object_type, event.object_id) for event in refusals] == [("export", dataset)] * 2
        assert refusals[0].actor_id == client.user.id and _events("exports.downloaded") == []


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_the_downloads_page_lists_only_what_the_person_may_download(db, client_for, role):
    response = client_for(_person(role)).get("/exports/")
    page = response.get_data(as_text=True)
    if not ALLOWED[role]:
        assert response.status_code == 403
        assert [event.object_id for event in _events("exports.refused")] == ["all"]
        return
    assert response.status_code == 200
    assert h1(page) == "Download data"
    for name in DATASETS:
        listed = f'href="/exports/{name}.csv"' in page and f'href="/exports/{name}.xlsx"' in page
        assert listed == (name in ALLOWED[role]), name
        assert (f'id="{name}"' in page) == (name in ALLOWED[role]), name


def test_the_home_page_links_to_the_downloads_for_those_who_may_use_them(db, client_for):
    for role in Role:
        page = client_for(_person(role)).get("/").get_data(as_text=True)
        assert ("Download data (CSV and Excel)" in text(page)) == bool(ALLOWED[role]), role


def test_someone_signed_out_is_asked_to_sign_in(client):
    response = client.get("/exports/applications.csv")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_an_unknown_dataset_or_format_is_not_found(db, programme_officer_client):
    assert programme_officer_client.get("/exports/reviewers.csv").status_code == 404
    assert programme_officer_client.get("/exports/applications.pdf").status_code == 404
    assert programme_officer_client.get("/exports/applications").status_code == 404


def test_each_download_is_in_the_audit_trail_with_its_dataset_format_and_round(programme, programme_officer_client):
    programme_officer_client.get(f"/exports/scores.xlsx?round={programme.round.id}")
    programme_officer_client.get("/exports/payments.csv")
    events = _events("exports.downloaded")
    assert [(event.object_type, event.object_id, event.after) for event in events] == [
        ("export", "scores", {"dataset": "scores", "format": "xlsx", "round": programme.round.code}),
        ("export", "payments", {"dataset": "payments", "format": "csv", "round": None}),
    ]
    assert {event.actor_id for event in events} == {programme_officer_client.user.id}


def test_the_download_is_on_record_even_if_sending_it_fails_half_way(programme, programme_officer_client, monkeypatch):
    """The audit event is committed before the first byte: a stream that breaks does not undo it."""
    from dataclasses import replace

    from sqlalchemy import literal, select

    from grants.exports.datasets import DATASETS as REGISTRY

    broken = replace(REGISTRY["applications"], statement=lambda scope: select(literal(1).label("not_a_column")))
    monkeypatch.setitem(REGISTRY, "applications", broken)
    with pytest.raises(KeyError):
        programme_officer_client.get("/exports/applications.csv")
    assert [event.object_id for event in _events("exports.downloaded")] == ["applications"]


def test_the_round_filter_downloads_one_rounds_records(programme, programme_officer_client):
    other = programme.other_project
    rows = csv_table(programme_officer_client.get(f"/exports/projects.csv?round={other.round_id}"))
    assert [row["Reference"] for row in rows] == [other.reference]
    rows = csv_table(programme_officer_client.get(f"/exports/payments.csv?round={other.round_id}"))
    assert rows == []  # nothing paid to that project yet
    rows = csv_table(programme_officer_client.get(f"/exports/applications.csv?round={other.round_id}"))
    assert [row["Reference"] for row in rows] == [other.reference]


def test_the_page_offers_every_round_and_links_to_the_chosen_one(programme, programme_officer_client):
    page = programme_officer_client.get(f"/exports/?round={programme.round.id}").get_data(as_text=True)
    assert f'<option value="{programme.round.id}" selected>' in page
    assert f'<option value="{programme.other_project.round_id}">' in page
    assert f'href="/exports/tranches.xlsx?round={programme.round.id}"' in page
    assert f"{programme.round.code}: {programme.round.title}" in text(page)


def test_an_unknown_round_is_a_clear_not_found_page(db, programme_officer_client):
    for url in ("/exports/?round=999999", "/exports/decisions.csv?round=999999"):
        response = programme_officer_client.get(url)
        assert response.status_code == 404
        assert "There is no round with that number." in text(response.get_data(as_text=True))
    assert _events("exports.downloaded") == []


def test_a_round_that_is_not_a_number_is_refused_with_a_message(db, programme_officer_client):
    response = programme_officer_client.get("/exports/?round=LV2")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in text(page) and 'href="#round">Choose a round from the list' in page
    assert 'id="round-error"' in page
    response = programme_officer_client.get("/exports/decisions.csv?round=1%3B%20drop")
    assert response.status_code == 400
    assert "The round in the web address is not a round number." in text(response.get_data(as_text=True))
    assert _events("exports.downloaded") == []


def test_draft_rounds_are_known_only_to_programme_officers(db, client_for):
    from tests.factories import RoundFactory

    draft = RoundFactory(status="draft", code="LV77", title="A wave still being written")
    chair = client_for(UserFactory(roles=[Role.STEERING_CHAIR]))
    assert "A wave still being written" not in chair.get("/exports/").get_data(as_text=True)
    assert chair.get(f"/exports/?round={draft.id}").status_code == 404
    assert chair.get(f"/exports/projects.csv?round={draft.id}").status_code == 404
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert "A wave still being written" in officer.get("/exports/").get_data(as_text=True)
    assert officer.get(f"/exports/projects.csv?round={draft.id}").status_code == 200
