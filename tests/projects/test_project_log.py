"""The project page, the enabler's log with its history, private notes and the RAG."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.projects.models import Project, ProjectUpdate, ProjectUpdateRevision
from tests.factories import ApplicantFactory, EnablerProfileFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, field_error, h1, text


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def enabler(app, project):
    user = EnablerProfileFactory().user
    assign(project, user)
    return sign_in_client(app, user)


def log(client, project, **changes):
    day = changes.pop("day", date.today() - timedelta(days=3))
    data = {
        "happened_on": [str(day.day), str(day.month), str(day.year)],
        "kind": "workshop",
        "hours": "3.5",
        "what_happened": "A workshop with every partner.",
        "shifting": "Police and NHS now plan together.",
        "risks": "",
        "rag": "green",
        "next_steps": "Map the journey home.",
        "private_note": "",
        **changes,
    }
    return client.post(f"/projects/{project.id}/updates/new", data=data)


def test_the_enabler_logs_an_update_and_it_sets_the_rag(db, enabler, project):
    assert log(enabler, project, rag="amber").headers["Location"] == f"/projects/{project.id}"
    stored = db.session.get(Project, project.id)
    assert (stored.rag, stored.last_update_on) == ("amber", date.today() - timedelta(days=3))
    page = text(enabler.get(f"/projects/{project.id}").get_data(as_text=True))
    assert "A workshop with every partner." in page and "Police and NHS now plan together." in page


def test_bad_updates_are_explained(db, enabler, project):
    html = log(enabler, project, what_happened=" ", rag="purple", hours="300").get_data(as_text=True)
    assert field_error(html, "what_happened") == "Say what happened"
    assert field_error(html, "hours") == "Hours must be between 0 and 200"
    future = date.today() + timedelta(days=2)
    html = log(enabler, project, day=future).get_data(as_text=True)
    assert field_error(html, "happened_on") == "The date must be today or in the past"
    assert db.session.scalars(db.select(ProjectUpdate)).all() == []


def test_edits_keep_the_earlier_version(db, enabler, project):
    log(enabler, project)
    update = db.session.scalars(db.select(ProjectUpdate)).one()
    day = update.happened_on
    enabler.post(
        f"/projects/{project.id}/updates/{update.id}/edit",
        data={
            "happened_on": [str(day.day), str(day.month), str(day.year)],
            "kind": "workshop",
            "what_happened": "A workshop with every partner but the police.",
            "rag": "amber",
        },
    )
    db.session.refresh(update)
    [revision] = db.session.scalars(db.select(ProjectUpdateRevision)).all()
    assert (update.version, update.what_happened) == (2, "A workshop with every partner but the police.")
    assert (revision.version, revision.content["what_happened"], revision.content["rag"]) == (
        1,
        "A workshop with every partner.",
        "green",
    )
    assert db.session.get(Project, project.id).rag == "amber"


def test_only_the_author_edits_an_update(db, app, enabler, project, programme_officer_client):
    log(enabler, project)
    update = db.session.scalars(db.select(ProjectUpdate)).one()
    assert programme_officer_client.get(f"/projects/{project.id}/updates/{update.id}/edit").status_code == 403


def test_private_notes_are_for_programme_staff_only(db, app, enabler, project, programme_officer_client):
    log(enabler, project, private_note="The council's director is leaving; momentum may drop.")
    note = "The council&#39;s director is leaving"
    assert note in programme_officer_client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert note in enabler.get(f"/projects/{project.id}").get_data(as_text=True)  # its author
    lead = sign_in_client(app, project.application.lead_applicant)
    page = lead.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "A workshop with every partner." in page and "director is leaving" not in page
    chair = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR]))
    assert "director is leaving" not in chair.get(f"/projects/{project.id}").get_data(as_text=True)


def test_other_organisations_cannot_see_the_project(db, app, project):
    assert sign_in_client(app, ApplicantFactory()).get(f"/projects/{project.id}").status_code == 404


def test_an_officers_rag_stands_until_the_next_update(db, enabler, project, programme_officer_client):
    log(enabler, project, rag="green")
    html = programme_officer_client.post(f"/projects/{project.id}/rag", data={"rag": "red"}).get_data(as_text=True)
    assert field_error(html, "reason") == "Give the reason for overriding the RAG"
    programme_officer_client.post(
        f"/projects/{project.id}/rag", data={"rag": "red", "reason": "Match funding withdrawn"}
    )
    assert db.session.get(Project, project.id).rag == "red"
    page = text(enabler.get(f"/projects/{project.id}").get_data(as_text=True))
    assert "RAG set by the programme team: Match funding withdrawn" in page
    log(enabler, project, rag="amber", day=date.today())
    assert db.session.get(Project, project.id).rag == "amber"


def test_an_override_sent_twice_is_made_once(db, project, programme_officer_client):
    from grants.core.audit import AuditEvent

    url = f"/projects/{project.id}/rag"
    data = {"rag": "red", "reason": "Match funding withdrawn"}
    first = programme_officer_client.post(url, data=data)
    again = programme_officer_client.post(url, data=data)
    assert again.headers["Location"] == first.headers["Location"]
    page = text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert "The project's RAG had already been saved as it is." in page
    overrides = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "project.rag_overridden"))
    assert len(overrides.all()) == 1


def test_only_programme_officers_override_the_rag(db, enabler, project):
    assert enabler.post(f"/projects/{project.id}/rag", data={"rag": "red", "reason": "x"}).status_code == 403


def test_the_project_page_runs_a_fixed_number_of_queries(db, app, project, programme_officer_client):
    author = EnablerProfileFactory().user
    assign(project, author)
    now = utcnow()

    def add_updates(count):
        db.session.execute(
            insert(ProjectUpdate),
            [
                {
                    "project_id": project.id,
                    "author_id": author.id,
                    "happened_on": date.today() - timedelta(days=n % 300),
                    "kind": "coaching",
                    "what_happened": f"Session {n}",
                    "shifting": "",
                    "risks": "",
                    "rag": "green",
                    "next_steps": "",
                    "private_note": "A note",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        db.session.commit()

    def queries() -> int:
        with QueryCounter() as counter:
            assert programme_officer_client.get(f"/projects/{project.id}").status_code == 200
        return counter.count

    add_updates(5)
    few = queries()
    add_updates(495)
    assert queries() == few


def test_the_enablers_home_shows_rag_last_update_and_what_is_due(db, enabler, project):
    from grants.learning.models import LearningCommitment

    commitment = db.session.scalars(db.select(LearningCommitment)).one()
    commitment.due_on = date.today() - timedelta(days=1)
    db.session.commit()
    page = text(enabler.get("/enabler").get_data(as_text=True))
    assert project.reference in page and "Not yet rated" in page and "Update due" in page
    assert "Overdue" in page and commitment.description in page
    assert h1(enabler.get("/enabler").get_data(as_text=True)) == "Your projects"


def test_the_project_page_names_each_partners_sector_by_its_label(db, app, project):
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    page = text(officer.get(f"/projects/{project.id}").get_data(as_text=True))
    partner = project.application.partners[0].organisation
    assert f"{partner.name} (NHS)" in page and "(nhs)" not in page
    assert f"{project.lead_organisation.name} (Local government, lead organisation)" in page


def _updates_on(db, project, author, days: list[date]) -> None:
    now = utcnow()
    rows = [
        {
            "project_id": project.id,
            "author_id": author.id,
            "happened_on": day,
            "kind": "coaching",
            "what_happened": f"Session of {day.isoformat()}",
            "shifting": "",
            "risks": "",
            "rag": "green",
            "next_steps": "",
            "private_note": "",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for day in days
    ]
    db.session.execute(insert(ProjectUpdate), rows)
    db.session.commit()


def _sessions(response) -> list[str]:
    return re.findall(r"Session of (\d{4}-\d{2}-\d{2})", response.get_data(as_text=True))


def test_a_busy_timeline_is_read_ten_updates_at_a_time(db, project, programme_officer_client):
    author = EnablerProfileFactory().user
    assign(project, author)
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(23)]
    _updates_on(db, project, author, days)
    first = programme_officer_client.get(f"/projects/{project.id}")
    assert _sessions(first) == [day.isoformat() for day in reversed(days[-10:])]
    assert "23 updates, newest first, showing 1 to 10." in text(first.get_data(as_text=True))
    third = programme_officer_client.get(f"/projects/{project.id}?page=3")
    assert _sessions(third) == [day.isoformat() for day in reversed(days[:3])]


def test_the_timeline_shows_the_updates_between_two_dates(db, project, programme_officer_client):
    author = EnablerProfileFactory().user
    assign(project, author)
    _updates_on(db, project, author, [date(2026, 1, 10), date(2026, 2, 10), date(2026, 2, 20), date(2026, 3, 10)])
    url = f"/projects/{project.id}"
    between = programme_officer_client.get(f"{url}?since=2026-02-01&until=2026-02-20")
    assert _sessions(between) == ["2026-02-20", "2026-02-10"]
    assert "2 updates from 1 February 2026 to 20 February 2026" in text(between.get_data(as_text=True))
    typed = programme_officer_client.get(
        f"{url}?since-day=1&since-month=3&since-year=2026&until-day=&until-month=&until-year="
    )
    assert _sessions(typed) == ["2026-03-10"]
    none = programme_officer_client.get(f"{url}?until=2025-12-31")
    assert _sessions(none) == [] and "No updates between these dates." in text(none.get_data(as_text=True))
    wrong = programme_officer_client.get(f"{url}?since-day=40&since-month=1&since-year=2026")
    assert field_error(wrong.get_data(as_text=True), "since") == "From must be a real date, like 27 3 2027"
    assert len(_sessions(wrong)) == 4
