"""Words people know: a glossary of the service's terms, each with an anchor, linked where the words
first appear; a "Saved" confirmation after a bid's section is saved; measures of success added and
removed on the page (with JavaScript; see tests/browser/test_add_another.py), and without it as before."""

import re

import pytest

from grants.main.glossary import BY_SLUG, TERMS
from tests.factories import ApplicationFactory, RoundFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import h1, text

EXPECTED = {
    "rag",
    "tranche",
    "match-funding",
    "enabler",
    "systems-leadership",
    "wicked-issue",
    "steering-group",
    "reserve",
    "close-out",
    "self-assessment",
    "learning-commitment",
    "outcome-measure",
}


def test_the_glossary_is_public_and_explains_each_term_under_an_anchor_of_its_own(client):
    response = client.get("/glossary")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and h1(html) == "Glossary"
    anchors = re.findall(r'<dt class="govuk-heading-m" id="([a-z-]+)">', html)
    assert EXPECTED <= set(anchors) and len(anchors) == len(set(anchors)) == len(TERMS)
    assert 'href="#tranche"' in html
    assert "One instalment of a grant" in text(html)
    assert [term.term.lower() for term in TERMS] == sorted(term.term.lower() for term in TERMS)


def test_every_page_links_the_glossary_from_its_footer(client):
    assert '<a class="govuk-footer__link" href="/glossary">Glossary</a>' in client.get("/").get_data(as_text=True)


def test_glossary_link_names_the_term_and_points_at_its_anchor(app):
    from grants.main.glossary import glossary_link

    with app.test_request_context():
        assert glossary_link("tranche") == '<a class="govuk-link" href="/glossary#tranche">tranche</a>'
        assert glossary_link("rag", "RAG") == '<a class="govuk-link" href="/glossary#rag">RAG</a>'
        with pytest.raises(KeyError):
            glossary_link("no-such-term")


def test_the_words_link_to_the_glossary_where_they_first_appear(db, client):
    home = client.get("/").get_data(as_text=True)
    for slug in ("systems-leadership", "wicked-issue", "enabler"):
        assert f'href="/glossary#{slug}"' in home
    round_ = RoundFactory()
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert 'href="/glossary#match-funding">match funding</a>' in page
    assert 'href="/glossary#tranche">tranches</a>' in page
    assert all(slug in BY_SLUG for slug in EXPECTED)


@pytest.fixture
def bid(db):
    return ApplicationFactory()


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def test_bid_sections_link_the_words_they_use(db, bid, lead):
    outcomes = lead.get(f"/applications/{bid.id}/sections/outcomes").get_data(as_text=True)
    assert 'href="/glossary#outcome-measure">measure</a>' in outcomes
    match = lead.get(f"/applications/{bid.id}/sections/match").get_data(as_text=True)
    assert 'href="/glossary#match-funding">match funding</a>' in match
    learning = lead.get(f"/applications/{bid.id}/sections/learning").get_data(as_text=True)
    assert 'href="/glossary#learning-commitment">learning commitments</a>' in learning


def _banner(html: str) -> str:
    found = re.search(
        r'<div class="govuk-notification-banner govuk-notification-banner--success".*?</div>\s*</div>', html, re.S
    )
    return text(found.group(0)) if found else ""


@pytest.mark.parametrize(
    ("section", "data", "title"),
    [
        ("vision", {"shared_vision": "Everyone home safely", "completed": "no"}, "Shared vision"),
        (
            "outcomes",
            {"outcomes": "Fewer falls", "completed": "no", "measures-0-direction": "up"},
            "Outcomes and how they will be measured",
        ),
        ("partnership", {"completed": "no"}, "The partnership"),
    ],
)
def test_saving_a_section_says_saved_on_the_task_list(db, bid, lead, section, data, title):
    path = (
        f"/applications/{bid.id}/sections/{section}"
        if section != "partnership"
        else f"/applications/{bid.id}/partnership"
    )
    response = lead.post(path, data=data)
    assert response.status_code in (302, 303) and response.headers["Location"] == f"/applications/{bid.id}"
    task_list = lead.get(f"/applications/{bid.id}").get_data(as_text=True)
    assert f"Saved: {title}." in _banner(task_list)
    assert "Saved:" not in _banner(lead.get(f"/applications/{bid.id}").get_data(as_text=True))  # said once


def test_a_refused_save_says_nothing_was_saved(db, bid, lead):
    html = lead.post(
        f"/applications/{bid.id}/sections/outcomes",
        data={"outcomes": "x", "completed": "no", "measures-0-target": "5", "measures-0-direction": "up"},
    ).get_data(as_text=True)
    assert "Saved:" not in html


def test_measures_without_javascript_offer_empty_rows_and_saving_gives_more(db, bid, lead):
    path = f"/applications/{bid.id}/sections/outcomes"
    page = lead.get(path).get_data(as_text=True)
    assert 'data-add-another="measures"' in page and 'data-add-another-max="8"' in page
    assert page.count("data-add-another-row") == 2  # one row to fill in, and one spare
    assert "saving gives you more rows if you need them" in page
    rows = {f"measures-{i}-name": f"Measure {i}" for i in range(2)}
    rows |= {f"measures-{i}-{field}": "1" for i in range(2) for field in ("baseline", "target")}
    lead.post(path, data={"outcomes": "x", "completed": "no", **rows})
    assert lead.get(path).get_data(as_text=True).count("data-add-another-row") == 4


def test_measures_sent_with_gaps_in_their_numbers_are_all_saved(db, bid, lead):
    """The page's script renumbers the rows after one is removed; a form sent with a gap still counts every row."""
    data = {"outcomes": "x", "completed": "no"}
    for index, name in ((0, "Falls"), (2, "Admissions")):
        data |= {f"measures-{index}-name": name, f"measures-{index}-baseline": "3", f"measures-{index}-target": "1"}
        data[f"measures-{index}-direction"] = "down"
    lead.post(f"/applications/{bid.id}/sections/outcomes", data=data)
    db.session.expire_all()
    from grants.applications.models import Application

    assert [m.name for m in db.session.get(Application, bid.id).measures] == ["Falls", "Admissions"]
