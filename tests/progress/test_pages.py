"""The progress page: the latest report with its compile time, a compile started from it and its
progress, earlier compiles, the CSV and Excel downloads, who may see it, and what the steering group
does not see of small groups."""

import csv
import io

import pytest
from openpyxl import load_workbook

from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.core.times import format_datetime
from grants.progress import services
from grants.progress.models import ProgressCompilation
from tests.factories import ApplicantFactory, UserFactory
from tests.helpers import csrf_token, current_nav, error_summary, h1, nav_labels, text

REPORT_HEADINGS = [
    "Progress reports accepted",
    "Progress reports waiting for review",
    "Progress reports with changes requested",
    "Progress reports overdue",
]
READERS = [Role.PROGRAMME_OFFICER, Role.STEERING_MEMBER, Role.STEERING_CHAIR, Role.ADMIN]
OTHERS = [Role.APPLICANT, Role.ENABLER, Role.FINANCE_APPROVER]


@pytest.fixture
def compiled(db, portfolio):
    return services.run_compile()


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def test_the_page_shows_the_latest_report_with_its_compile_time_and_figures(db, portfolio, compiled, client_for):
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    page = text(officer.get("/progress/").get_data(as_text=True))

    awarded = sum(project.award_pence for project in portfolio.projects)
    released = sum(portfolio.released.values())
    assert f"Compiled {format_datetime(compiled.finished_at)}" in page
    assert f"Awarded {format_pence(awarded)}" in page
    assert f"Released {format_pence(released)}" in page
    assert f"Still to release {format_pence(awarded - released)}" in page
    assert "Match funding received £12,000.00" in page
    assert "RAG of the 3 projects still running 0 red, 1 amber, 1 green, 1 not yet rated" in page
    assert "Not to be paid (tranches cancelled when a project ended) £0.00" in page
    assert "1 of 5 measures met their target, 1 moving towards it, 1 not moving towards it" in page
    assert "Learning commitments 1 done, 1 in progress, 1 planned, 1 overdue" in page
    assert "Progress reports 2 accepted, 2 waiting for review, 1 with changes requested, 2 overdue" in page
    assert "0 accepted, 1 waiting for review, 1 with changes requested, 1 overdue" in page  # LV9-0002's row
    assert "Compared: 7 people who answered at both the start and the end" in page
    for project in portfolio.projects:
        assert f"{project.reference} {project.title}" in page
    assert page.index("LV9-0001") < page.index("LV9-0002") < page.index("LV9-0003") < page.index("All 3 projects")


def test_an_officer_compiles_from_the_page_and_sees_the_new_report(app, db, portfolio, client_for, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    person = UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Sarah Collins")
    officer = client_for(person)
    before = officer.get("/progress/").get_data(as_text=True)
    assert "No report has been compiled yet" in before and "Compile now" in before

    response = officer.post("/progress/compile", data={"csrf_token": csrf_token(before)})

    assert response.status_code == 302 and response.headers["Location"] == "/progress/"
    compilation = db.session.scalars(db.select(ProgressCompilation)).one()
    assert (compilation.status, compilation.trigger, compilation.requested_by_id) == ("done", "officer", person.id)
    assert len(compilation.rows) == 3
    page = officer.get("/progress/").get_data(as_text=True)
    assert "The progress report is compiled: it is shown below." in text(page)  # the job ran in this process
    assert f"Compiled {format_datetime(compilation.finished_at)}" in text(page)
    assert f"/progress/{compilation.id}.csv" in page
    assert "From the progress page by Sarah Collins" in text(page)  # in the list of every compile
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "progress.compile_requested")).one()
    assert (event.actor_id, event.object_id, event.after) == (person.id, str(compilation.id), {"trigger": "officer"})


def test_a_compile_left_to_a_worker_is_said_to_be_under_way(db, portfolio, client_for, monkeypatch):
    from grants.progress import services

    monkeypatch.setattr(services, "enqueue_after_commit", lambda *args: None)  # the worker has not begun
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    page = officer.post("/progress/compile", follow_redirects=True).get_data(as_text=True)
    assert "The progress report is being compiled. This page shows it when it is ready." in text(page)
    assert "is compiled: it is shown below" not in text(page)
    assert db.session.scalars(db.select(ProgressCompilation)).one().status == "queued"


def test_while_a_compile_runs_the_page_shows_how_far_it_has_got_and_refreshes(db, client_for):
    db.session.add(
        ProgressCompilation(
            status="running", trigger="weekly", started_at=utcnow(), projects_total=25, projects_done=12
        )
    )
    db.session.commit()
    html = client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get("/progress/").get_data(as_text=True)
    assert "Compiling: 12 of 25 projects" in text(html)
    assert '<meta http-equiv="refresh" content="5">' in html
    assert '<progress class="grants-progress" max="25" value="12">' in html


def test_a_second_compile_is_refused_with_a_message_and_changes_nothing(db, client_for):
    running = ProgressCompilation(status="running", trigger="cli", started_at=utcnow(), projects_total=3)
    db.session.add(running)
    db.session.commit()
    person = UserFactory(roles=[Role.PROGRAMME_OFFICER])

    response = client_for(person).post("/progress/compile")

    assert response.status_code == 409
    assert error_summary(response.get_data(as_text=True)) == [services.CompileUnderWay().message]
    assert db.session.scalars(db.select(ProgressCompilation)).all() == [running]
    db.session.refresh(running)
    assert (running.status, running.projects_done) == ("running", 0)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "progress.compile_refused")).one()
    assert (event.actor_id, event.object_id) == (person.id, str(running.id))
    assert "already under way" in event.after["reason"]


def test_an_earlier_report_keeps_its_own_figures(db, portfolio, client_for):
    first = services.run_compile()
    portfolio.projects[2].title = "Renamed since"
    db.session.commit()
    second = services.run_compile()
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))

    index = text(officer.get("/progress/").get_data(as_text=True))
    earlier = officer.get(f"/progress/{first.id}")
    assert "Renamed since" in index and "2 compiles" in index
    assert earlier.status_code == 200
    assert h1(earlier.get_data(as_text=True)) == f"The report compiled {format_datetime(first.finished_at)}"
    assert "Renamed since" not in text(earlier.get_data(as_text=True))
    assert second.rows[2]["title"] == "Renamed since" and first.rows[2]["title"] != "Renamed since"


def test_a_failed_compile_is_shown_to_the_officer_with_its_error(db, client_for):
    db.session.add(
        ProgressCompilation(status="failed", trigger="weekly", finished_at=utcnow(), error="RuntimeError: disk full")
    )
    db.session.commit()
    officer = text(client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/progress/").get_data(as_text=True))
    member = text(client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get("/progress/").get_data(as_text=True))
    assert "failed: RuntimeError: disk full" in officer
    assert "failed." in member and "disk full" not in member


def test_the_csv_parses_back_to_the_same_figures(db, portfolio, compiled, client_for):
    response = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(f"/progress/{compiled.id}.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert (
        f'filename="progress-report-{compiled.finished_at:%Y-%m-%d}-{compiled.id}.csv"'
        in (response.headers["Content-Disposition"])
    )
    rows = {row["Reference"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert list(rows) == ["LV9-0001", "LV9-0002", "LV9-0003", "Portfolio"]
    for project in portfolio.projects:
        row = rows[project.reference]
        assert row["Awarded"] == _pounds(project.award_pence)
        assert row["Released"] == _pounds(portfolio.released[project.id])
        assert row["Still to release"] == _pounds(project.award_pence - portfolio.released[project.id])
        status, amount = portfolio.match[project.id]
        assert row[f"Match funding {status}"] == _pounds(amount)
        assert row["Updates logged"] == str(portfolio.updates[project.id][0])
        assert row["Leadership: people compared"] == str(len(portfolio.pairs[project.id]))
        assert [row[heading] for heading in REPORT_HEADINGS] == [
            str(portfolio.report_states[project.id][state])
            for state in ("accepted", "submitted", "changes_requested", "overdue")
        ]
    total = rows["Portfolio"]
    assert [total[heading] for heading in REPORT_HEADINGS] == ["2", "2", "1", "2"]
    assert total["Awarded"] == _pounds(sum(project.award_pence for project in portfolio.projects)) == "81000.00"
    assert total["Released"] == _pounds(sum(portfolio.released.values()))
    assert (total["Match funding pledged"], total["Match funding confirmed"], total["Match funding received"]) == (
        "8000.00",
        "10000.00",
        "12000.00",
    )
    assert (total["Measures: target met"], total["Commitments overdue"], total["Outcome measures"]) == ("1", "1", "5")
    assert rows["LV9-0002"]["RAG"] == "Amber" and rows["LV9-0003"]["RAG"] == "Not yet rated"
    # Officers see every project's shift: LV9-0002's two people, from 3 and 3 to 4 and 5.
    assert (rows["LV9-0002"]["Leadership: average at the start"], rows["LV9-0002"]["Leadership: change"]) == (
        "3.00",
        "1.50",
    )
    everyone = [pair for pairs in portfolio.pairs.values() for pair in pairs]
    assert total["Leadership: people compared"] == str(len(everyone)) == "7"
    assert total["Leadership: change"] == f"{sum(end - start for start, end in everyone) / len(everyone):.2f}" == "1.86"


def test_the_spreadsheet_parses_back_to_the_same_figures(db, portfolio, compiled, client_for):
    response = client_for(UserFactory(roles=[Role.STEERING_CHAIR])).get(f"/progress/{compiled.id}.xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Projects", "Portfolio", "Outcome measures"]
    sheet = workbook["Projects"].values
    headings = next(sheet)
    rows = {row[0]: dict(zip(headings, row, strict=True)) for row in sheet}
    assert list(rows) == ["LV9-0001", "LV9-0002", "LV9-0003", "Portfolio"]
    for project in portfolio.projects:
        row = rows[project.reference]
        assert row["Released"] == portfolio.released[project.id] / 100
        assert row["Still to release"] == (project.award_pence - portfolio.released[project.id]) / 100
        assert row["Title"] == project.title
        assert row["Progress reports overdue"] == portfolio.report_states[project.id]["overdue"]
    assert [rows["Portfolio"][heading] for heading in REPORT_HEADINGS] == [2, 2, 1, 2]
    assert rows["Portfolio"]["Awarded"] == sum(project.award_pence for project in portfolio.projects) / 100
    assert rows["Portfolio"]["Released"] == sum(portfolio.released.values()) / 100
    assert rows["Portfolio"]["Match funding received"] == 12_000
    portfolio_sheet = {key: value for key, value, *_ in workbook["Portfolio"].values}
    assert portfolio_sheet["Projects"] == 3 and portfolio_sheet["RAG: amber"] == 1
    assert portfolio_sheet["Progress reports with changes requested"] == 1
    assert portfolio_sheet["Released"] == sum(portfolio.released.values()) / 100
    measures = list(workbook["Outcome measures"].values)[1:]
    assert [(row[0], row[1], row[5], row[7]) for row in measures][:2] == [
        ("LV9-0001", "Delayed discharges", 18, "Target met"),
        ("LV9-0001", "People volunteering", None, "No value reported yet"),
    ]


def test_the_steering_group_does_not_see_the_shift_of_fewer_than_five_people(db, portfolio, compiled, client_for):
    member = client_for(UserFactory(roles=[Role.STEERING_MEMBER]))
    page = text(member.get("/progress/").get_data(as_text=True))
    rows = {
        row["Reference"]: row for row in csv.DictReader(io.StringIO(member.get(f"/progress/{compiled.id}.csv").text))
    }
    workbook = load_workbook(io.BytesIO(member.get(f"/progress/{compiled.id}.xlsx").data))
    sheet = workbook["Projects"].values
    headings = next(sheet)
    cells = {row[0]: dict(zip(headings, row, strict=True)) for row in sheet}

    # Only LV9-0001, with five people, counts: its people went from 2 to 4.
    assert "Compared: 5 people who answered at both the start and the end" in page
    assert "Fewer than 5 people compared" in page and "+2.0 (5 people)" in page
    assert rows["LV9-0002"]["Leadership: change"] == "" and rows["LV9-0002"]["Leadership: average at the start"] == ""
    assert cells["LV9-0002"]["Leadership: change"] is None
    assert rows["LV9-0001"]["Leadership: change"] == "2.00"
    assert (rows["Portfolio"]["Leadership: people compared"], rows["Portfolio"]["Leadership: change"]) == ("5", "2.00")
    assert cells["Portfolio"]["Leadership: change"] == 2


@pytest.mark.parametrize("role", READERS)
def test_readers_see_the_page_and_the_navigation_entry(db, client_for, role):
    html = client_for(UserFactory(roles=[role])).get("/progress/").get_data(as_text=True)
    assert h1(html) == "Progress across the portfolio"
    assert "Programme" in nav_labels(html) and current_nav(html) == ["Programme"]
    assert ("Compile now" in html) == (role in (Role.PROGRAMME_OFFICER, Role.ADMIN))


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/progress/"),
        ("get", "/progress/{id}"),
        ("get", "/progress/{id}.csv"),
        ("get", "/progress/{id}.xlsx"),
        ("post", "/progress/compile"),
    ],
)
def test_other_roles_are_refused(db, portfolio, compiled, client_for, role, method, path):
    user = ApplicantFactory() if role is Role.APPLICANT else UserFactory(roles=[role])
    response = getattr(client_for(user), method)(path.format(id=compiled.id))
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgressCompilation)) == 1


@pytest.mark.parametrize("path", ["/progress/", "/progress/1", "/progress/1.csv", "/progress/1.xlsx"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert client.post("/progress/compile").status_code == 302


@pytest.mark.parametrize("role", [Role.STEERING_MEMBER, Role.PROGRAMME_OFFICER])
def test_steering_members_cannot_compile(db, client_for, role):
    response = client_for(UserFactory(roles=[role])).post("/progress/compile")
    assert response.status_code == (403 if role is Role.STEERING_MEMBER else 302)


def test_unknown_and_unfinished_compilations_are_not_found(db, client_for):
    running = ProgressCompilation(status="running", trigger="cli", started_at=utcnow())
    db.session.add(running)
    db.session.commit()
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert officer.get("/progress/999999").status_code == 404
    assert officer.get("/progress/999999.csv").status_code == 404
    assert officer.get("/progress/999999.xlsx").status_code == 404
    assert officer.get(f"/progress/{running.id}").status_code == 200
    assert officer.get(f"/progress/{running.id}.csv").status_code == 404
    assert officer.get(f"/progress/{running.id}.xlsx").status_code == 404


def test_a_member_sees_no_row_of_a_project_they_declared_a_conflict_with(db, portfolio, compiled, client_for):
    from grants.reviews.models import ConflictDeclaration

    person = UserFactory(roles=[Role.STEERING_MEMBER])
    conflicted = portfolio.by_reference("LV9-0002")
    db.session.add(
        ConflictDeclaration(
            application_id=conflicted.application_id, reviewer_id=person.id, has_conflict=True, nature="I chair it."
        )
    )
    db.session.commit()
    member = client_for(person)
    others = [project for project in portfolio.projects if project is not conflicted]

    html = member.get("/progress/").get_data(as_text=True)
    assert "LV9-0002" not in html
    assert all(f'href="/projects/{project.id}"' in html for project in others)
    assert "1 project is not listed because you declared a conflict of interest" in text(html)

    rows = [row["Reference"] for row in csv.DictReader(io.StringIO(member.get(f"/progress/{compiled.id}.csv").text))]
    assert rows == sorted(project.reference for project in others) + ["Portfolio"]
    workbook = load_workbook(io.BytesIO(member.get(f"/progress/{compiled.id}.xlsx").data))
    listed = {row[0] for row in workbook["Projects"].iter_rows(min_row=2, values_only=True)}
    measured = {row[0] for row in workbook["Outcome measures"].iter_rows(min_row=2, values_only=True)}
    assert "LV9-0002" not in listed | measured and "Portfolio" in listed

    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert "LV9-0002" in officer.get("/progress/").get_data(as_text=True)
    assert "LV9-0002" in officer.get(f"/progress/{compiled.id}.csv").text
    workbook = load_workbook(io.BytesIO(officer.get(f"/progress/{compiled.id}.xlsx").data))
    assert "LV9-0002" in {row[0] for row in workbook["Outcome measures"].iter_rows(min_row=2, values_only=True)}
    assert "not listed because you declared" not in text(officer.get("/progress/").get_data(as_text=True))


def test_a_report_compiled_before_report_figures_were_counted_still_shows(db, portfolio, compiled, client_for):
    rows = [{key: value for key, value in row.items() if key != "reports"} for row in compiled.rows]
    compiled.rows, compiled.figures = rows, {k: v for k, v in compiled.figures.items() if k != "reports"}
    db.session.commit()
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert "Progress reports Not counted in this report" in text(officer.get("/progress/").get_data(as_text=True))
    table = list(csv.DictReader(io.StringIO(officer.get(f"/progress/{compiled.id}.csv").get_data(as_text=True))))
    assert {row["Progress reports accepted"] for row in table} == {""}


@pytest.mark.parametrize(
    ("roles", "linked"),
    [
        ([Role.PROGRAMME_OFFICER], True),
        ([Role.STEERING_MEMBER], True),
        ([Role.ADMIN], False),
    ],
)
def test_projects_are_linked_only_for_people_who_may_open_them(db, portfolio, compiled, client_for, roles, linked):
    client = client_for(UserFactory(roles=roles))
    html = client.get("/progress/").get_data(as_text=True)
    for project in portfolio.projects:
        assert (f'href="/projects/{project.id}"' in html) is linked
        assert client.get(f"/projects/{project.id}").status_code == (200 if linked else 404)
        assert project.reference in text(html)


def test_an_administrator_who_is_a_projects_enabler_has_only_that_project_linked(db, portfolio, compiled, client_for):
    from tests.factories import assign

    person = UserFactory(roles=[Role.ADMIN, Role.ENABLER])
    first, *others = portfolio.projects
    assign(first, person)
    html = client_for(person).get("/progress/").get_data(as_text=True)
    assert f'href="/projects/{first.id}"' in html
    assert not any(f'href="/projects/{project.id}"' in html for project in others)
