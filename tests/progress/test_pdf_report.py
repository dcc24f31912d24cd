"""A compiled progress report as a PDF: the same figures and rows as its page, for the same readers, with
the same projects left out for a member who declared a conflict; each download audited."""

import pytest

from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.core.times import format_datetime
from grants.progress import services
from grants.reviews.models import ConflictDeclaration
from tests.factories import ApplicantFactory, UserFactory
from tests.pdfs.reading import downloads, filename_of, read_pdf

DOWNLOADED = "progress.pdf_downloaded"


@pytest.fixture
def compiled(db, portfolio):
    return services.run_compile()


def url(compilation) -> str:
    return f"/progress/{compilation.id}.pdf"


def test_the_pdf_has_the_portfolios_figures_and_every_project(db, portfolio, compiled, client_for):
    response = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(url(compiled))
    document = read_pdf(response)
    words = document.words
    assert filename_of(response) == f"progress-report-{compiled.finished_at:%Y-%m-%d}-{compiled.id}.pdf"
    awarded = sum(project.award_pence for project in portfolio.projects)
    released = sum(portfolio.released.values())
    assert f"Compiled {format_datetime(compiled.finished_at)}" in words
    assert f"Awarded {format_pence(awarded)}" in words and format_pence(awarded) == "£81,000.00"
    assert f"Released {format_pence(released)}" in words
    assert "Match funding received £12,000.00" in words
    assert "Learning commitments 1 done, 1 in progress, 1 planned, 1 overdue" in words
    for project in portfolio.projects:
        assert project.reference in words and project.title in words
    assert words.index("LV9-0001") < words.index("LV9-0002") < words.index("LV9-0003")
    assert "as CSV" not in words  # a document to keep offers no downloads
    assert "This copy is programme staff’s" in words and "You see" not in words  # a copy passed on says whose


def test_the_pdf_is_tagged_with_its_title_and_language(db, portfolio, compiled, client_for):
    document = read_pdf(client_for(UserFactory(roles=[Role.STEERING_CHAIR])).get(url(compiled)))
    assert (
        document.title == f"Progress across the portfolio: the report compiled {format_datetime(compiled.finished_at)}"
    )
    assert document.lang == "en-GB"
    assert document.tagged


def test_a_member_sees_no_row_of_a_project_they_declared_a_conflict_with(db, portfolio, compiled, client_for):
    person = UserFactory(roles=[Role.STEERING_MEMBER])
    conflicted = portfolio.by_reference("LV9-0002")
    db.session.add(
        ConflictDeclaration(
            application_id=conflicted.application_id, reviewer_id=person.id, has_conflict=True, nature="I chair it."
        )
    )
    db.session.commit()
    words = read_pdf(client_for(person).get(url(compiled))).words
    assert "LV9-0002" not in words
    assert "LV9-0001" in words and "LV9-0003" in words
    assert "1 project is not listed because you declared a conflict of interest" in words
    (event,) = downloads(DOWNLOADED, compiled.id)
    assert event.actor_id == person.id and event.after["projects"] == 2


def test_each_download_is_in_the_audit_trail(db, portfolio, compiled, client_for):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client_for(officer).get(url(compiled))
    (event,) = downloads(DOWNLOADED, compiled.id)
    assert (event.actor_id, event.object_type) == (officer.id, "progress_compilation")
    assert event.after == {
        "document": "progress report",
        "filename": f"progress-report-{compiled.finished_at:%Y-%m-%d}-{compiled.id}.pdf",
        "projects": 3,
    }


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ENABLER, Role.FINANCE_APPROVER])
def test_other_roles_are_refused_as_for_the_csv(db, portfolio, compiled, client_for, role):
    user = ApplicantFactory() if role is Role.APPLICANT else UserFactory(roles=[role])
    assert client_for(user).get(url(compiled)).status_code == 403
    assert downloads(DOWNLOADED, compiled.id) == []


def test_unknown_and_unfinished_compilations_have_no_pdf(db, client_for):
    from grants.core.db import utcnow
    from grants.progress.models import ProgressCompilation

    running = ProgressCompilation(status="running", trigger="cli", started_at=utcnow())
    db.session.add(running)
    db.session.commit()
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert officer.get("/progress/999999.pdf").status_code == 404
    assert officer.get(f"/progress/{running.id}.pdf").status_code == 404


def test_the_page_offers_the_pdf_beside_the_spreadsheets(db, portfolio, compiled, client_for):
    html = client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get("/progress/").get_data(as_text=True)
    assert f'href="/progress/{compiled.id}.csv"' in html and f'href="{url(compiled)}"' in html
