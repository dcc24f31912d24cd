"""The open data page: who may use it, what it says, its round filter and counts, and what it does when
there is nothing to publish or the round does not exist."""

from __future__ import annotations

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from tests.factories import RoundFactory, UserFactory
from tests.helpers import h1, text

ALLOWED = [Role.PROGRAMME_OFFICER, Role.ADMIN]
REFUSED = [Role.APPLICANT, Role.ENABLER, Role.FINANCE_APPROVER, Role.STEERING_CHAIR, Role.STEERING_MEMBER]
PATHS = ["/open-data/", "/open-data/360giving.json", "/open-data/360giving.csv"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("role", ALLOWED)
def test_the_programme_staff_who_publish_may_use_it(db, wave, grants_in, client_for, role, path):
    grants_in(wave, 1)
    assert client_for(UserFactory(roles=[role])).get(path).status_code == 200


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused(db, wave, grants_in, client_for, role, path):
    grants_in(wave, 1)
    response = client_for(UserFactory(roles=[role])).get(path)
    assert response.status_code == 403
    assert h1(response.get_data(as_text=True)) == "You do not have permission to see this page"
    assert not db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "opendata.exported")).all()


@pytest.mark.parametrize("path", PATHS)
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/sign-in?next={path}")


def test_the_page_explains_what_is_published_and_links_the_downloads(db, wave, grants_in, officer, client_for):
    grants_in(wave, 3)
    RoundFactory(code="LV9", title="Local Vision wave 9")
    html = client_for(officer).get("/open-data/").get_data(as_text=True)
    page = text(html)
    assert h1(html) == "Publish open data (360Giving)"
    assert "3 awarded grants in every round" in page
    assert "LV7: Local Vision wave 7 (3 grants)" in page and "LV9: Local Vision wave 9 (0 grants)" in page
    assert 'href="/open-data/360giving.json"' in html and 'href="/open-data/360giving.csv"' in html
    assert "Nothing about people is published" in page
    assert "example identifier prefix 360G-grantsexample" in page  # until the funder sets its own


def test_the_round_filter_counts_and_links_that_round(db, wave, grants_in, officer, client_for):
    grants_in(wave, 2)
    grants_in(RoundFactory(code="LV8", title="Local Vision wave 8", status="assessing"), 1)
    html = client_for(officer).get(f"/open-data/?round={wave.id}").get_data(as_text=True)
    assert "2 awarded grants in LV7" in text(html)
    assert f'<option value="{wave.id}" selected>' in html
    assert f'href="/open-data/360giving.json?round={wave.id}"' in html
    assert f'href="/open-data/360giving.csv?round={wave.id}"' in html


def test_a_funder_with_its_own_prefix_sees_no_warning(app, db, wave, grants_in, officer, client_for, monkeypatch):
    grants_in(wave, 1)
    monkeypatch.setitem(app.config, "OPEN_DATA_PREFIX", "360G-localvision")
    page = text(client_for(officer).get("/open-data/").get_data(as_text=True))
    assert "example identifier prefix" not in page and "360G-localvision-<project reference>" in page


@pytest.mark.parametrize("path", PATHS)
def test_an_unknown_round_is_a_clear_404(db, officer, client_for, path):
    response = client_for(officer).get(f"{path}?round=999999")
    assert response.status_code == 404
    assert "There is no round with that number. Go back to the open data page" in text(response.get_data(as_text=True))


def test_a_round_with_no_awarded_grants_has_nothing_to_publish(db, officer, client_for):
    round_ = RoundFactory(code="LV9", title="Local Vision wave 9")
    client = client_for(officer)
    page = text(client.get(f"/open-data/?round={round_.id}").get_data(as_text=True))
    assert "There are no awarded grants in LV9 yet, so there is nothing to publish" in page
    assert "Download the 360Giving data package" not in page
    for format_ in ("json", "csv"):
        response = client.get(f"/open-data/360giving.{format_}?round={round_.id}")
        assert response.status_code == 404 and response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert h1(html) == "There is nothing to publish yet"
        assert "There are no awarded grants in LV9: Local Vision wave 9 yet" in text(html)
    assert not db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "opendata.exported")).all()


def test_a_programme_with_no_awarded_grants_has_nothing_to_publish(db, officer, client_for):
    client = client_for(officer)
    assert "There are no awarded grants in the programme yet" in text(client.get("/open-data/").get_data(as_text=True))
    assert client.get("/open-data/360giving.json").status_code == 404


@pytest.mark.parametrize(
    ("role", "shown"), [(Role.PROGRAMME_OFFICER, True), (Role.STEERING_CHAIR, False), (Role.APPLICANT, False)]
)
def test_the_home_page_links_it_for_the_roles_that_may_use_it(db, client_for, role, shown):
    html = client_for(UserFactory(roles=[role])).get("/").get_data(as_text=True)
    assert ('href="/open-data/"' in html) is shown
    assert ("Publish open data (360Giving)" in text(html)) is shown
