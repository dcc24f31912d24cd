"""The officer previews a round's form page by page, as an applicant will see it: each page's questions,
the question shown only on an earlier answer marked as such, bad input explained beside its field as the
applicant's page would, and nothing kept."""

from __future__ import annotations

import pytest

from grants.applications.models import Application
from grants.core.permissions import Role
from tests.factories import ApplicantFactory, RoundFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.form_specs import EVERY_KIND
from tests.helpers import csrf_token, error_summary, field_error, text


@pytest.fixture
def round_(db):
    return RoundFactory(status="draft", form=EVERY_KIND)


@pytest.fixture
def officer(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))


def preview(round_, page: str) -> str:
    return f"/manage/rounds/{round_.id}/form/preview/{page}"


def bids(db) -> int:
    return db.session.scalar(db.select(db.func.count(Application.id)))


def test_each_page_is_shown_as_an_applicant_will_see_it(db, officer, round_):
    overview = officer.get(f"/manage/rounds/{round_.id}/form/").get_data(as_text=True)
    assert preview(round_, "story") in overview  # a Preview link on each page's card
    page = text(officer.get(preview(round_, "story")).get_data(as_text=True))
    assert "This is a preview of page 2 of 4 as an applicant will see it. Nothing you enter is kept." in page
    for title in ("Tell us your story", "People reached", "What it costs", "When it starts", "Your plan"):
        assert title in page
    assert "Under 16s" in page and "Over 65s" in page
    conditional = text(officer.get(preview(round_, "schools_page")).get_data(as_text=True))
    assert "Only if ‘Do you work with schools?’ is Yes: this question is asked only then." in conditional


def test_bad_input_is_explained_beside_its_field_and_nothing_is_kept(db, officer, round_):
    before = bids(db)
    page = officer.get(preview(round_, "story")).get_data(as_text=True)
    response = officer.post(
        preview(round_, "story"),
        data={"csrf_token": csrf_token(page), "people": "lots", "cost": "-5", "completed": "yes"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "people") is not None and "People reached" in field_error(html, "people")
    assert field_error(html, "cost") is not None
    assert len(error_summary(html)) >= 2
    assert bids(db) == before


def test_good_input_goes_on_to_the_next_page_and_the_last_back_to_the_form(db, officer, round_):
    before = bids(db)
    page = officer.get(preview(round_, "schools_page")).get_data(as_text=True)
    response = officer.post(
        preview(round_, "schools_page"),
        data={"csrf_token": csrf_token(page), "which_schools": "St Mary's", "completed": "no"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(preview(round_, "budget"))
    page = officer.get(preview(round_, "budget")).get_data(as_text=True)
    assert "Previous page" in page
    response = officer.post(preview(round_, "budget"), data={"csrf_token": csrf_token(page), "completed": "no"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/manage/rounds/{round_.id}/form/")
    assert bids(db) == before


def test_only_a_programme_officer_previews_and_an_unknown_page_is_not_found(app, db, officer, round_):
    applicant = sign_in_client(app, ApplicantFactory())
    assert applicant.get(preview(round_, "story")).status_code == 403
    assert officer.get(preview(round_, "nowhere")).status_code == 404
    assert officer.get("/manage/rounds/999999/form/preview/story").status_code == 404
