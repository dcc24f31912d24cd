"""Query budgets: each busy page runs the same number of SQL statements on a small world and on a large
one, and no more than its budget. A page that loads something once per row (an N+1) fails the first
check; a page that gains a query fails the second: change the budget only with a reason.

Each page is requested as the person who uses it, once to warm up, then on a small world, then on
the same world grown. The statements counted are those a request sends to the database, without the
savepoints the tests' rollback adds. The selectin batch is cut from SQLAlchemy's 500 rows to 50 (a
page of a list), so a page that selectin-loads a whole round's rows, which at programme scale takes
one more query for each 500, shows that growth here with a hundred rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import lazyload, strategies

from grants.core.permissions import Role
from tests import endings
from tests.factories import EnablerProfileFactory, RoundFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, table_activity, text
from tests.performance import worlds

# Statements per request, measured; a page over its budget fails.
BUDGETS = {
    "rounds": 1,  # /rounds/, anonymous (no round's themes)
    "officer_applications": 8,  # /manage/applications/, programme officer
    "ranking": 12,  # /assessment/rounds/<id>, steering chair (the round counted, then one page of it ranked; the bids
    # no chair can decide; the page's clarifications; the approved set's balance, none while nothing is approved)
    "project_for_officer": 12,  # /projects/<id>, programme officer (+1: the unread messages for its link; +1: the
    # latest progress report, if it lists the project, for the link to its row as a PDF; -1: its bid joined to it)
    "project_for_enabler": 9,  # /projects/<id>, the project's enabler (-1: the bid joined to the project)
    "portfolio": 10,  # /portfolio/, programme officer (the leadership shift in one query, not five; projects by
    # status and RAG in one, the money released, still to pay and matched in one row)
    "portfolio_places": 4,  # /portfolio/places, programme officer
    "library_search": 6,  # /learning/?q=..., anonymous
    "home": 20,  # /, programme officer: the person (2) and two for each of their nine work queues
    "funding_overview": 9,  # /funding/?view=all, finance: person (2), totals, early ends, rounds, tranches (4)
}
SMALL = 3
SELECTIN_BATCH = 50
_SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def load_selectin_batches_a_page_long(patch: pytest.MonkeyPatch) -> None:
    """SQLAlchemy's own (private) setting: if it is renamed, this fails rather than measuring less."""
    patch.setattr(strategies._SelectInLoader, "_chunksize", SELECTIN_BATCH)


def analyze_what_was_written() -> None:
    """Planner statistics, as a database in use has them, for each table this transaction has written to (a
    world grown in bulk): ``ANALYZE`` of those tables alone. Analysing every table would lock every table
    until the transaction ends, and wait for any other transaction holding such a lock."""
    from grants.extensions import db

    activity = table_activity(db.session.connection())
    names = ", ".join(f'"{name}"' for name, counts in sorted(activity.items()) if any(counts))
    if names:
        db.session.execute(db.text(f"ANALYZE {names}"))  # the names are the database's own tables


@pytest.fixture(autouse=True)
def selectin_batch_of_a_page(monkeypatch):
    load_selectin_batches_a_page_long(monkeypatch)


@dataclass
class Measured:
    small: list[str]
    large: list[str]


def statements_of(client, url: str) -> list[str]:
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [statement for statement in counter.statements if not statement.startswith(_SAVEPOINTS)]


def measure(client, url: str, grow: Callable[[int], object], large: int, *, check=None) -> Measured:
    """The page's statements on a world grown by ``SMALL``, then grown to ``large``; ``check`` reads
    the large page to show it lists what was added."""
    grow(SMALL)
    client.get(url)  # warm up: whatever a first request loads once
    small = statements_of(client, url)
    grow(large - SMALL)
    measured = Measured(small, statements_of(client, url))
    if check:
        check(text(client.get(url).get_data(as_text=True)))
    return measured


def assert_within_budget(page: str, measured: Measured) -> None:
    small, large = len(measured.small), len(measured.large)
    if small != large:
        grown = Counter(map(_shape, measured.large)) - Counter(map(_shape, measured.small))
        raise AssertionError(f"{page}: {small} queries on the small world, {large} on the large one; more of: {grown}")
    assert small <= BUDGETS[page], f"{page}: {small} queries, over its budget of {BUDGETS[page]}"


def _shape(statement: str) -> str:
    """A statement's beginning, enough to tell which load it is."""
    return " ".join(statement.split())[:160]


# --- The pages ------------------------------------------------------------------------------------------


def rounds_page(app) -> Measured:
    return measure(app.test_client(), "/rounds/", worlds.grow_rounds, 30)


def officer_applications_page(app) -> Measured:
    round_ = RoundFactory()
    client = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))

    def check(page):
        assert "60 applications" in page

    return measure(client, "/manage/applications/", lambda count: worlds.grow_bids(round_, count), 60, check=check)


def ranking_page(app) -> Measured:
    round_ = RoundFactory(status="assessing", assessment_deadline=date.today() + timedelta(days=30))
    client = sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR]))

    def check(page):
        assert "120 bids, ranked" in page

    return measure(
        client,
        f"/assessment/rounds/{round_.id}",
        lambda count: worlds.grow_scored_bids(round_, count, reviewers=4),
        120,
        check=check,
    )


def _project_with_enabler():
    project = funded_project()
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    return project, enabler


def _shows_a_long_history(page: str) -> None:
    assert "Enablers over time" in page and "Session 0" in page and "Next" in page


def project_page_for_officer(app) -> Measured:
    project, _ = _project_with_enabler()
    client = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    return measure(
        client,
        f"/projects/{project.id}",
        lambda count: worlds.grow_project_history(project, count),
        60,
        check=_shows_a_long_history,
    )


def project_page_for_enabler(app) -> Measured:
    project, enabler = _project_with_enabler()
    client = sign_in_client(app, enabler)

    def check(page):
        _shows_a_long_history(page)
        assert "Add an update" in page

    return measure(
        client, f"/projects/{project.id}", lambda count: worlds.grow_project_history(project, count), 60, check=check
    )


def portfolio_page(app) -> Measured:
    round_ = RoundFactory()
    client = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))

    def check(page):
        assert "12 funded projects" in page

    return measure(client, "/portfolio/", lambda count: worlds.grow_portfolio(round_, count), 12, check=check)


def portfolio_places_page(app) -> Measured:
    round_ = RoundFactory()
    client = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))

    def check(page):
        assert "Projects by place" in page and "12 places with a funded project" in page

    return measure(client, "/portfolio/places", lambda count: worlds.grow_portfolio(round_, count), 12, check=check)


def library_search_page(app) -> Measured:
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    projects = [funded_project() for _ in range(3)]

    def check(page):
        assert f"60 items matching “{worlds.SEARCH_WORD}”" in page

    return measure(
        app.test_client(),
        f"/learning/?q={worlds.SEARCH_WORD}",
        lambda count: worlds.grow_library(projects, count, officer),
        60,
        check=check,
    )


def home_page(app) -> Measured:
    round_ = RoundFactory()
    client = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    return measure(client, "/", lambda count: worlds.grow_bids(round_, count), 30)


def funding_overview_page(app) -> Measured:
    round_ = RoundFactory()
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    finance = UserFactory(roles=[Role.FINANCE_APPROVER])
    client = sign_in_client(app, UserFactory(roles=[Role.FINANCE_APPROVER]))

    def grow(count):
        """``count`` funded projects, every third paid its first tranche and ended early."""
        for number in range(count):
            project = funded_project(round_)
            if number % 3 == 0:
                endings.pay_first_tranche(project, officer, finance)
                endings.end_early(project, officer, finance, repayment_pence=100_000)

    def check(page):
        assert "All tranches: 36 tranches" in page and "Projects that ended early" in page

    return measure(client, "/funding/?view=all", grow, 12, check=check)


PAGES = {
    "rounds": rounds_page,
    "officer_applications": officer_applications_page,
    "ranking": ranking_page,
    "project_for_officer": project_page_for_officer,
    "project_for_enabler": project_page_for_enabler,
    "portfolio": portfolio_page,
    "portfolio_places": portfolio_places_page,
    "library_search": library_search_page,
    "home": home_page,
    "funding_overview": funding_overview_page,
}


def test_every_budgeted_page_is_measured():
    assert PAGES.keys() == BUDGETS.keys()


@pytest.mark.parametrize("page", PAGES)
def test_the_page_runs_a_fixed_number_of_queries_within_its_budget(app, db, page):
    assert_within_budget(page, PAGES[page](app))


# --- The budgets can fail ---------------------------------------------------------------------------------


def test_a_lazy_load_for_each_bid_on_the_ranking_page_is_caught(app, db, monkeypatch):
    """Each bid's lead organisation loaded when the page shows it, rather than with the bid."""
    from grants.applications.models import Application
    from grants.reviews import queries

    eager = queries.bids_statement
    monkeypatch.setattr(
        queries, "bids_statement", lambda ids: eager(ids).options(lazyload(Application.lead_organisation))
    )
    with pytest.raises(AssertionError, match="ranking: .* queries on the small world, .* on the large one"):
        assert_within_budget("ranking", ranking_page(app))


def test_a_lazy_load_for_each_update_on_the_project_page_is_caught(app, db, monkeypatch):
    """Each update's author loaded when the page shows it, rather than with the update."""
    from grants.projects import queries
    from grants.projects.models import ProjectUpdate

    eager = queries.updates_statement
    monkeypatch.setattr(
        queries, "updates_statement", lambda project_id: eager(project_id).options(lazyload(ProjectUpdate.author))
    )
    with pytest.raises(AssertionError, match="project_for_officer: .* on the large one"):
        assert_within_budget("project_for_officer", project_page_for_officer(app))


def test_one_more_query_on_a_page_is_over_its_budget(app, db, monkeypatch):
    from grants.rounds import queries

    public_rounds = queries.public_rounds

    def with_one_more_query(*args, **kwargs):
        db.session.execute(db.select(1))
        return public_rounds(*args, **kwargs)

    monkeypatch.setattr(queries, "public_rounds", with_one_more_query)
    with pytest.raises(AssertionError, match="rounds: 2 queries, over its budget of 1"):
        assert_within_budget("rounds", rounds_page(app))
