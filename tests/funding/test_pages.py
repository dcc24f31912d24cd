"""The finance view across the portfolio, its CSV for a finance system, and who sees which funding pages."""

import csv
import io

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import Tranche
from grants.funding.queries import TRANCHES_PER_PAGE
from grants.funding.services import release
from tests.factories import ApplicantFactory, EnablerProfileFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import confirm_match, ready_to_request, tranches
from tests.helpers import QueryCounter, text


def _release_first(project, officer, finance, reference="BACS-1"):
    tranche = ready_to_request(project, officer)
    release.request_release(tranche, actor=officer)
    release.approve_release(tranche, actor=finance, payment_reference=reference)
    from grants.extensions import db

    db.session.commit()
    return tranche


def test_the_finance_view_totals_the_portfolio(db, app, project, officer, finance):
    other = funded_project(project.round)
    _release_first(project, officer, finance)
    confirm_match(other, officer)
    page = text(sign_in_client(app, finance).get("/funding/?view=all").get_data(as_text=True))
    assert "Awarded £54,000.00 to 2 projects" in page
    assert "Released £13,500.00" in page and "Still to release £40,500.00" in page
    assert "Match funding pledged, not yet confirmed £0.00" in page
    assert "Match funding confirmed, not yet received £20,000.00" in page
    assert "All tranches: 6 tranches, £54,000.00" in page


def test_each_view_lists_its_tranches(db, app, project, officer, finance):
    _release_first(project, officer, finance)
    client = sign_in_client(app, finance)
    released = text(client.get("/funding/?view=released").get_data(as_text=True))
    assert "Released: 1 tranche, £13,500.00" in released and "BACS-1" in released
    eligible = text(client.get("/funding/?view=eligible").get_data(as_text=True))
    assert "Ready to request: 0 tranches" in eligible and "There are no tranches here." in eligible
    odd = client.get("/funding/?view=everything&round=99999999999")
    assert odd.status_code == 200 and "Due now" in text(odd.get_data(as_text=True))


def test_the_finance_view_runs_a_fixed_number_of_queries(db, app, officer, finance):
    client = sign_in_client(app, finance)

    def count(projects):
        for _ in range(projects):
            funded_project()
        with QueryCounter() as counter:
            assert client.get("/funding/?view=all").status_code == 200
        return len(counter.statements)

    assert count(2) == count(12)


def test_the_csv_has_every_tranche_and_cannot_run_formulas(db, app, project, officer, finance):
    project.lead_organisation.name = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    _release_first(project, officer, finance, reference="+BACS-1")
    response = sign_in_client(app, finance).get("/funding/tranches.csv?view=all")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["project_reference"], r["tranche"], r["amount_pence"], r["status"]) for r in rows] == [
        (project.reference, "1", "1350000", "released"),
        (project.reference, "2", "810000", "scheduled"),
        (project.reference, "3", "540000", "scheduled"),
    ]
    assert rows[0]["amount_gbp"] == "13500.00" and rows[0]["payment_reference"] == "'+BACS-1"
    assert rows[0]["lead_organisation"].startswith("'=")
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.exported")).one()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ENABLER, Role.STEERING_CHAIR, Role.STEERING_MEMBER])
def test_the_portfolio_is_for_the_programme_team_and_finance(db, app, role):
    client = sign_in_client(app, UserFactory(roles=[role]))
    assert client.get("/funding/").status_code == 403
    assert client.get("/funding/tranches.csv").status_code == 403


def test_applicants_never_see_another_organisations_funding(db, app, project, officer):
    stranger = sign_in_client(app, ApplicantFactory())
    assert stranger.get(f"/projects/{project.id}/funding").status_code == 404
    assert stranger.get(f"/projects/{project.id}/agreement/1").status_code == 404
    member = sign_in_client(app, ApplicantFactory(organisation=project.lead_organisation))
    assert member.get(f"/projects/{project.id}/funding").status_code == 200


def test_an_enabler_sees_the_funding_of_the_projects_they_support_only(db, app, project):
    theirs = EnablerProfileFactory().user
    assign(project, theirs)
    assert sign_in_client(app, theirs).get(f"/projects/{project.id}/funding").status_code == 200
    other = EnablerProfileFactory().user
    assert sign_in_client(app, other).get(f"/projects/{project.id}/funding").status_code == 404


def test_the_project_funding_page_runs_a_fixed_number_of_queries(db, programme_officer_client, officer):
    def count(custom_conditions):
        project = funded_project()
        owner = officer
        from grants.funding.services.conditions import add_condition

        for number in range(custom_conditions):
            add_condition(tranches(project)[1], kind="custom", description=f"Step {number}", owner=owner, actor=officer)
        from grants.extensions import db

        db.session.commit()
        with QueryCounter() as counter:
            assert programme_officer_client.get(f"/projects/{project.id}/funding").status_code == 200
        return len(counter.statements)

    assert count(1) == count(15)


def test_the_project_page_links_to_its_funding(db, app, project):
    html = sign_in_client(app, project.application.lead_applicant).get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'href="/projects/{project.id}/funding"' in html


def test_the_finance_view_lists_its_tranches_a_page_at_a_time(db, app, project, finance):
    while _count_tranches() <= TRANCHES_PER_PAGE:
        funded_project(project.round)
    every = _count_tranches()
    client = sign_in_client(app, finance)
    first = client.get("/funding/?view=all").get_data(as_text=True)
    second = client.get("/funding/?view=all&page=2").get_data(as_text=True)
    assert first.count('href="/funding/tranches/') == TRANCHES_PER_PAGE
    assert second.count('href="/funding/tranches/') == every - TRANCHES_PER_PAGE
    assert f"All tranches: {every} tranches" in text(first) and "page=2" in first


def _count_tranches() -> int:
    return _db.session.scalar(_db.select(_db.func.count(Tranche.id)))
