"""One rule for ``?round=`` on every page filtered by round: the dashboard, the partnership map, the
downloads page and its downloads, and the open data page and its downloads. The whole programme when
there is none; a 400 naming the page for a value that is no round number; a 404 naming the page for a
round that is not there, or a draft round the person may not know of."""

from __future__ import annotations

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from tests.factories import RoundFactory, UserFactory
from tests.helpers import h1, text

# (path, the page named in the messages, whether it ever shows draft rounds)
PAGES = [
    ("/portfolio/", "the dashboard", False),
    ("/portfolio/places", "the projects by place", False),
    ("/portfolio/partnerships", "the partnership map", False),
    ("/exports/", "the downloads page", True),
    ("/exports/projects.csv", "the downloads page", True),
    ("/open-data/", "the open data page", True),
    ("/open-data/360giving.json", "the open data page", True),
]
NOT_A_NUMBER = ["abc", "-1", "0", "1.5", "1e3", "LV1", "1;drop", "２", "9" * 12, "99999999999"]


@pytest.fixture
def officer(db, client_for):
    return client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))


@pytest.mark.parametrize(("path", "page", "drafts"), PAGES)
@pytest.mark.parametrize("value", NOT_A_NUMBER)
def test_a_value_that_is_no_round_number_is_a_400_naming_the_page(db, officer, path, page, drafts, value):
    response = officer.get(path, query_string={"round": value})
    assert response.status_code == 400
    if path == "/exports/":  # the downloads page itself shows the error next to its round filter
        assert 'id="round-error"' in response.get_data(as_text=True)
        return
    assert h1(response.get_data(as_text=True)) == "There is a problem with your request"
    message = f"The round in the web address is not a round number. Go back to {page} and choose a round"
    assert message in text(response.get_data(as_text=True))


@pytest.mark.parametrize(("path", "page", "drafts"), PAGES)
def test_a_round_that_is_not_there_is_a_404_naming_the_page(db, officer, path, page, drafts):
    response = officer.get(path, query_string={"round": "2147483647"})
    assert response.status_code == 404
    assert f"There is no round with that number. Go back to {page}" in text(response.get_data(as_text=True))


@pytest.mark.parametrize(("path", "page", "drafts"), PAGES)
def test_a_draft_round_is_chosen_only_where_drafts_are_shown_and_only_by_officers(db, client_for, path, page, drafts):
    draft = RoundFactory(status="draft", code="LV88", title="A wave still being written")
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    admin = client_for(UserFactory(roles=[Role.ADMIN, Role.STEERING_CHAIR]))
    answer = officer.get(path, query_string={"round": draft.id})
    assert answer.status_code in ((200, 404) if drafts else (404,))
    if drafts and answer.status_code == 404:  # a download with nothing to publish says so, not "no round"
        assert "There is no round with that number" not in text(answer.get_data(as_text=True))
    refused = admin.get(path, query_string={"round": draft.id})
    assert refused.status_code == 404
    assert f"There is no round with that number. Go back to {page}" in text(refused.get_data(as_text=True))


@pytest.mark.parametrize(("path", "page", "drafts"), PAGES)
def test_no_round_is_the_whole_programme(db, officer, path, page, drafts):
    whole = officer.get(path)
    for blank in ("", "  "):
        response = officer.get(path, query_string={"round": blank})
        assert response.status_code == whole.status_code
        assert "not a round number" not in text(response.get_data(as_text=True))
        assert "There is no round with that number" not in text(response.get_data(as_text=True))


def test_the_downloads_page_shows_the_error_next_to_its_round_filter(db, officer):
    response = officer.get("/exports/", query_string={"round": "LV2"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#round">Choose a round from the list' in page and 'id="round-error"' in page


def test_a_refused_download_is_not_recorded_as_a_download(db, officer):
    officer.get("/exports/decisions.csv", query_string={"round": "1; drop"})
    officer.get("/exports/decisions.csv", query_string={"round": "2147483647"})
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "exports.downloaded")).all() == []


def test_the_open_data_page_lists_draft_rounds_to_officers_only(db, client_for):
    RoundFactory(status="draft", code="LV88", title="A wave still being written")
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    admin = client_for(UserFactory(roles=[Role.ADMIN]))
    assert "A wave still being written" in officer.get("/open-data/").get_data(as_text=True)
    assert "A wave still being written" not in admin.get("/open-data/").get_data(as_text=True)
