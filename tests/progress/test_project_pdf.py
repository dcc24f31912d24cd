"""One project's compiled progress as a PDF: its row of a finished report in the same words and figures as
the report's page, for those who may read the report and open the project (never a project hidden from
them by a declared conflict), each download audited; linked from the report's page and the project's."""

import io

import pytest
from pypdf import PdfReader

from grants.core.db import utcnow
from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.core.times import format_datetime
from grants.progress import services
from grants.progress.models import ProgressCompilation
from grants.projects.models import STATUS_LABELS
from grants.reviews.models import ConflictDeclaration
from tests.factories import UserFactory, assign, funded_project
from tests.pdfs.reading import downloads, filename_of, read_pdf

DOWNLOADED = "progress.pdf_downloaded"
LINK_TEXT = "Its progress as a PDF"


@pytest.fixture
def compiled(db, portfolio):
    return services.run_compile()


def url(compilation, project) -> str:
    return f"/progress/{compilation.id}/projects/{project.id}.pdf"


def declare_conflict(db, person, project) -> None:
    db.session.add(
        ConflictDeclaration(
            application_id=project.application_id, reviewer_id=person.id, has_conflict=True, nature="I chair it."
        )
    )
    db.session.commit()


# --- The document -----------------------------------------------------------------------------------------


def test_the_pdf_has_the_projects_row_as_its_page_shows_it(db, portfolio, compiled, client_for):
    project = portfolio.by_reference("LV9-0001")
    response = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(url(compiled, project))
    words = read_pdf(response).words
    assert filename_of(response) == f"progress-LV9-0001-{compiled.finished_at:%Y-%m-%d}-{compiled.id}.pdf"
    released = portfolio.released[project.id]
    assert f"Compiled {format_datetime(compiled.finished_at)}" in words
    assert f"Reference {project.reference}" in words and f"Title {project.title}" in words
    assert f"Status {STATUS_LABELS[project.status]}" in words and "RAG Green" in words
    assert f"Awarded {format_pence(project.award_pence)}" in words
    assert f"Released {format_pence(released)}" in words and released > 0
    assert f"Still to release {format_pence(project.award_pence - released)}" in words
    assert "Match funding received £12,000.00" in words
    assert "Match funding pledged, not yet confirmed £0.00" in words
    assert "Progress reports 1 accepted, 1 waiting for review, 0 with changes requested, 0 overdue" in words
    assert "1 of 2 measures met their target" in words
    assert "Delayed discharges (per month) 40 20 18" in words and "Target met" in words
    assert "People volunteering (people) 10 50 Not reported No value reported yet" in words
    assert "1 done, 0 in progress, 0 planned, 0 overdue" in words
    assert "Change: +2.0 (5 people)" in words
    assert not any(other.reference in words for other in portfolio.projects if other is not project)
    assert "as CSV" not in words and LINK_TEXT not in words  # a document to keep offers no downloads


def test_the_pdf_is_tagged_portrait_with_its_title_and_language(db, portfolio, compiled, client_for):
    project = portfolio.by_reference("LV9-0003")
    response = client_for(UserFactory(roles=[Role.STEERING_CHAIR])).get(url(compiled, project))
    document = read_pdf(response)
    compiled_at = format_datetime(compiled.finished_at)
    assert document.title == f"LV9-0003 {project.title}: progress as compiled {compiled_at}"
    assert document.lang == "en-GB" and document.tagged
    page = PdfReader(io.BytesIO(response.get_data())).pages[0]
    assert page.mediabox.height > page.mediabox.width  # portrait, one project's figures down the page
    assert "RAG Not yet rated" in document.words and "No one compared yet" in document.words


def test_the_leadership_shift_of_a_few_people_is_for_programme_staff_only(db, portfolio, compiled, client_for):
    project = portfolio.by_reference("LV9-0002")  # two people compared, both stages closed
    member = read_pdf(client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get(url(compiled, project))).words
    officer = read_pdf(client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(url(compiled, project))).words
    assert "Change: Fewer than 5 people compared" in member and "+1.5" not in member
    assert "Change: +1.5 (2 people)" in officer
    # A copy passed on says whose it is, not "you".
    assert "This copy is programme staff’s" in officer and "You see" not in officer
    assert "programme staff’s" not in member and "You see" not in member


def test_a_report_compiled_before_stages_closed_withholds_the_shift_beyond_the_staff(
    db, portfolio, compiled, client_for
):
    compiled.rows = [{key: value for key, value in row.items() if key != "leadership_closed"} for row in compiled.rows]
    db.session.commit()
    project = portfolio.by_reference("LV9-0001")
    member = read_pdf(client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get(url(compiled, project))).words
    assert "Change: Not in this report" in member and "+2.0" not in member


# --- Who may download it ------------------------------------------------------------------------------------


def test_each_download_is_in_the_audit_trail(db, portfolio, compiled, client_for):
    project = portfolio.by_reference("LV9-0002")
    member = UserFactory(roles=[Role.STEERING_MEMBER])
    client_for(member).get(url(compiled, project))
    (event,) = downloads(DOWNLOADED, compiled.id)
    assert (event.actor_id, event.object_type) == (member.id, "progress_compilation")
    assert event.after == {
        "document": "project's progress",
        "project_id": project.id,
        "filename": f"progress-LV9-0002-{compiled.finished_at:%Y-%m-%d}-{compiled.id}.pdf",
    }


def test_a_project_the_member_declared_a_conflict_with_is_not_found(db, portfolio, compiled, client_for):
    person = UserFactory(roles=[Role.STEERING_MEMBER])
    conflicted = portfolio.by_reference("LV9-0002")
    declare_conflict(db, person, conflicted)
    member = client_for(person)
    assert member.get(url(compiled, conflicted)).status_code == 404
    assert member.get(url(compiled, portfolio.by_reference("LV9-0001"))).status_code == 200
    assert [event.after["project_id"] for event in downloads(DOWNLOADED, compiled.id)] == [
        portfolio.by_reference("LV9-0001").id
    ]


def test_an_administrator_may_read_the_report_but_opens_no_project(db, portfolio, compiled, client_for):
    admin = client_for(UserFactory(roles=[Role.ADMIN]))
    assert admin.get(f"/progress/{compiled.id}.pdf").status_code == 200
    for project in portfolio.projects:
        assert admin.get(url(compiled, project)).status_code == 404


def test_an_administrator_who_is_a_projects_enabler_has_that_projects_pdf_only(db, portfolio, compiled, client_for):
    person = UserFactory(roles=[Role.ADMIN, Role.ENABLER])
    first, *others = portfolio.projects
    assign(first, person)
    client = client_for(person)
    assert client.get(url(compiled, first)).status_code == 200
    assert all(client.get(url(compiled, project)).status_code == 404 for project in others)


def test_projects_not_in_a_finished_report_have_no_pdf(db, portfolio, compiled, client_for):
    later = funded_project(portfolio.projects[0].round)  # started after the report was compiled
    running = ProgressCompilation(status="running", trigger="cli", started_at=utcnow())
    db.session.add(running)
    db.session.commit()
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    project = portfolio.projects[0]
    assert officer.get(url(compiled, later)).status_code == 404
    assert officer.get(f"/progress/{compiled.id}/projects/999999.pdf").status_code == 404
    assert officer.get(f"/progress/999999/projects/{project.id}.pdf").status_code == 404
    assert officer.get(url(running, project)).status_code == 404
    assert downloads(DOWNLOADED, compiled.id) == []


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ENABLER, Role.FINANCE_APPROVER])
def test_other_roles_are_refused_as_for_the_report(db, portfolio, compiled, client_for, role):
    project = portfolio.projects[0]
    user = project.application.lead_applicant if role is Role.APPLICANT else UserFactory(roles=[role])
    if role is Role.ENABLER:
        assign(project, user)  # even the project's own enabler: the report is the programme's
    assert client_for(user).get(url(compiled, project)).status_code == 403
    assert downloads(DOWNLOADED, compiled.id) == []


def test_anonymous_visitors_are_sent_to_sign_in(db, portfolio, compiled, client):
    response = client.get(url(compiled, portfolio.projects[0]))
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# --- Where it is linked -------------------------------------------------------------------------------------


def test_the_reports_page_links_each_project_the_reader_may_open(db, portfolio, compiled, client_for):
    person = UserFactory(roles=[Role.STEERING_MEMBER])
    conflicted = portfolio.by_reference("LV9-0002")
    declare_conflict(db, person, conflicted)
    for page in ("/progress/", f"/progress/{compiled.id}"):
        html = client_for(person).get(page).get_data(as_text=True)
        for project in portfolio.projects:
            assert (f'href="{url(compiled, project)}"' in html) is (project is not conflicted), (page, project)
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/progress/").get_data(as_text=True)
    assert all(f'href="{url(compiled, project)}">{LINK_TEXT}' in officer for project in portfolio.projects)
    admin = client_for(UserFactory(roles=[Role.ADMIN])).get("/progress/").get_data(as_text=True)
    assert not any(f"/projects/{project.id}" in admin for project in portfolio.projects)  # none to open


def test_the_reports_own_pdf_links_no_projects_pdf(db, portfolio, compiled, client_for):
    words = read_pdf(client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(f"/progress/{compiled.id}.pdf")).words
    assert LINK_TEXT not in words and "LV9-0001" in words


def test_the_project_page_links_its_row_of_the_latest_report(db, portfolio, compiled, client_for):
    latest = services.run_compile()
    project = portfolio.by_reference("LV9-0001")
    for role in (Role.PROGRAMME_OFFICER, Role.STEERING_MEMBER, Role.STEERING_CHAIR):
        html = client_for(UserFactory(roles=[role])).get(f"/projects/{project.id}").get_data(as_text=True)
        link = f'href="{url(latest, project)}">Its progress as compiled {format_datetime(latest.finished_at)} (PDF)'
        assert link in html, role
        assert url(compiled, project) not in html


def test_the_project_page_does_not_link_it_for_those_who_may_not_read_the_report(db, portfolio, compiled, client_for):
    project = portfolio.by_reference("LV9-0001")
    enabler = UserFactory(roles=[Role.ENABLER])
    assign(project, enabler)
    finance = UserFactory(roles=[Role.FINANCE_APPROVER])
    for person in (project.application.lead_applicant, enabler, finance):
        response = client_for(person).get(f"/projects/{project.id}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and url(compiled, project) not in html
        assert "Its progress as compiled" not in html


def test_the_project_page_has_no_link_when_the_latest_report_does_not_list_it(db, portfolio, client_for):
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    project = portfolio.projects[0]
    assert "Its progress as compiled" not in officer.get(f"/projects/{project.id}").get_data(as_text=True)
    services.run_compile()
    later = funded_project(project.round)  # started after the report was compiled
    assert "Its progress as compiled" in officer.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Its progress as compiled" not in officer.get(f"/projects/{later.id}").get_data(as_text=True)
