"""The programme dashboard: every figure equals the same figure added up here from the records
themselves, for the whole programme and for one round; who may see it; the small-numbers rule for
the steering group; and a fixed number of queries whatever the programme's size."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from grants.applications.models import Application
from grants.core.money import format_pence
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import MatchFunding, Payment, Tranche, TrancheCondition
from grants.learning.models import LearningCommitment
from grants.monitoring.models import ProgressReport
from grants.projects.models import STATUS_LABELS, Project
from grants.reviews.models import ReviewAssignment
from grants.rounds.models import Round
from tests.endings import ended_projects
from tests.factories import ThemeFactory, UserFactory, funded_project
from tests.helpers import QueryCounter, h1, text
from tests.portfolio.conftest import table

LIVE = ("active", "closing")


def everything(model):
    return _db.session.scalars(_db.select(model)).all()


def expected(round_id: int | None) -> dict:
    """Every figure, added up in Python from every record (never with the dashboard's queries)."""
    today = date.today()
    every = [p for p in everything(Project) if round_id in (None, p.round_id)]
    projects = [p for p in every if p.status != "withdrawn"]  # an award given up is not a funded project
    ids = {p.id for p in projects}
    every_id = {p.id for p in every}
    live = {p.id for p in projects if p.status in LIVE}
    running = [p for p in projects if p.status in ("setup", *LIVE)]
    awarded = sum(p.award_pence for p in projects)
    released = sum(payment.amount_pence for payment in everything(Payment) if payment.project_id in ids)
    funded_tranches = [t for t in everything(Tranche) if t.project_id in ids]
    remaining = sum(t.amount_pence for t in funded_tranches if t.status not in ("released", "cancelled"))
    not_paid = sum(t.amount_pence for t in funded_tranches if t.status == "cancelled")
    match = Counter()
    for record in everything(MatchFunding):
        if record.project_id in ids:
            match[record.status] += record.amount_pence
    themes = Counter(theme.name for p in projects for theme in p.application.themes)
    places = Counter(p.place.name for p in projects if p.place)
    regions = Counter(p.place.region for p in projects if p.place)
    places_in = Counter(region for region, _ in {(p.place.region, p.place.id) for p in projects if p.place})
    rag = Counter(p.rag for p in running)
    statuses = Counter(p.status for p in every)
    status_awards = Counter()
    for p in every:
        status_awards[p.status] += p.award_pence

    applications = [a for a in everything(Application) if round_id in (None, a.round_id)]
    assignments = everything(ReviewAssignment)
    scored_ids = {a.application_id for a in assignments if a.status == "submitted"}
    eligible = [a for a in applications if a.status in ("under_review", "approved", "reserve", "rejected")]
    funnel = {}
    for round_ in everything(Round):
        if round_.status == "draft" or round_id not in (None, round_.id):
            continue
        bids = [a for a in applications if a.round_id == round_.id]
        funnel[round_.code] = [
            len(bids),
            sum(a.submitted_at is not None for a in bids),
            sum(a in eligible for a in bids),
            sum(a in eligible and a.id in scored_ids for a in bids),
            sum(a.status == "approved" for a in bids),
        ]
    by_id = {a.id: a for a in everything(Application)}
    tranches = {t.id: t for t in everything(Tranche)}
    overdue = {
        "Progress reports": sum(
            r.project_id in live and r.status in ("due", "changes_requested") and r.due_on < today
            for r in everything(ProgressReport)
        ),
        "Reviews": sum(
            a.status in ("assigned", "in_progress")
            and a.due_on < today
            and by_id[a.application_id].status in ("submitted", "under_review")
            and by_id[a.application_id].round.status in ("open", "closed", "assessing")
            and round_id in (None, by_id[a.application_id].round_id)
            for a in assignments
        ),
        "Learning commitments": sum(
            c.project_id in live and c.status != "done" and c.due_on is not None and c.due_on < today
            for c in everything(LearningCommitment)
        ),
        "Tranche conditions not met by the tranche's date": sum(
            c.met_at is None
            and tranches[c.tranche_id].status == "scheduled"
            and tranches[c.tranche_id].due_on < today
            and tranches[c.tranche_id].project_id in every_id
            and tranches[c.tranche_id].project.status in ("setup", *LIVE)
            for c in everything(TrancheCondition)
        ),
    }
    return {
        "projects": len(projects),
        "funds": [
            ["Awarded", awarded],
            ["Released", released],
            ["Still to release", remaining],
            ["Not to be paid (tranches cancelled when a project ended)", not_paid],
        ],
        "by_status": [[STATUS_LABELS[status], statuses[status], status_awards[status]] for status in STATUS_LABELS],
        "match": [
            ["Pledged, not yet confirmed", match["pledged"]],
            ["Confirmed, not yet received", match["confirmed"]],
            ["Received", match["received"]],
            ["All match funding pledged", sum(match.values())],
        ],
        "rag": [["Red", rag["red"]], ["Amber", rag["amber"]], ["Green", rag["green"]], ["Not yet rated", rag[None]]],
        "themes": themes,
        "places": places,
        "regions": {region: [places_in[region], count] for region, count in regions.items()},
        "funnel": funnel,
        "overdue": overdue,
    }


def money_rows(rows):
    return [[label, format_pence(pence)] for label, pence in rows]


def check_page(html: str, figures: dict) -> None:
    assert table(html, "Grant funds") == money_rows(figures["funds"])
    assert table(html, "Match funding") == money_rows(figures["match"])
    assert [row[:2] for row in table(html, "Projects by status")] == [
        [label, str(count)] for label, count, _ in figures["by_status"]
    ]
    assert [row[2].removesuffix(" given up") for row in table(html, "Projects by status")] == [
        format_pence(award) for _, _, award in figures["by_status"]
    ]
    assert table(html, "Projects by RAG") == [[label, str(count)] for label, count in figures["rag"]]
    if figures["projects"]:
        assert {row[0]: int(row[1]) for row in table(html, "Projects by theme")} == figures["themes"]
        regions = {row[0]: [int(row[1]), int(row[2])] for row in table(html, "Projects by region")}
        assert regions == figures["regions"]
    else:
        assert "Projects by region" not in html and "No funded project yet" in html
    assert "Projects by place" not in html  # a page of its own
    funnel = {
        row[0].split(":")[0]: [int(cell) for cell in row[1:]] for row in table(html, "Bids at each stage, by round")
    }
    funnel.pop("All rounds", None)
    assert funnel == figures["funnel"]
    page = text(html)
    for label, count in figures["overdue"].items():
        assert f"{label} {count}" in page
    assert f"{figures['projects']} funded project" in page


def test_every_figure_equals_the_records_added_up(db, programme, client_for):
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/").get_data(as_text=True)
    assert h1(html) == "Programme dashboard"
    figures = expected(None)
    check_page(html, figures)
    # The data holds something of each kind, so a figure stuck at nought would be caught.
    assert figures["funds"][1][1] > 0 and figures["funds"][2][1] > 0
    assert figures["match"][0][1] > 0 and figures["match"][2][1] > 0
    assert all(count > 0 for count in figures["overdue"].values())
    assert figures["funnel"]["LV8"] == [8, 6, 3, 2, 0]
    assert figures["funnel"]["LV9"] == [3, 3, 3, 0, 3]


def test_one_rounds_figures_leave_the_other_rounds_out(db, programme, client_for):
    client = client_for(UserFactory(roles=[Role.STEERING_CHAIR]))
    bidding = client.get(f"/portfolio/?round={programme.bidding_round.id}").get_data(as_text=True)
    figures = expected(programme.bidding_round.id)
    check_page(bidding, figures)
    assert figures["projects"] == 0 and list(figures["funnel"]) == ["LV8"]
    assert "LV9" not in text(bidding).split("Bids at each stage, by round", 1)[1]

    funded = client.get(f"/portfolio/?round={programme.funded_round.id}").get_data(as_text=True)
    check_page(funded, expected(programme.funded_round.id))
    assert f'<option value="{programme.funded_round.id}" selected>' in funded


def test_a_round_that_is_not_there_is_a_clear_404(db, programme, client_for):
    response = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/?round=999999")
    assert response.status_code == 404
    assert "There is no round with that number. Go back to the dashboard" in text(response.get_data(as_text=True))


def test_a_draft_round_cannot_be_chosen(db, programme, client_for):
    from tests.factories import RoundFactory

    draft = RoundFactory(status="draft")
    response = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(f"/portfolio/?round={draft.id}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PROGRAMME_OFFICER, 200),
        (Role.STEERING_CHAIR, 200),
        (Role.STEERING_MEMBER, 200),
        (Role.ADMIN, 200),
        (Role.APPLICANT, 403),
        (Role.ENABLER, 403),
        (Role.FINANCE_APPROVER, 403),
    ],
)
@pytest.mark.parametrize("path", ["/portfolio/", "/portfolio/places", "/portfolio/partnerships"])
def test_who_may_see_the_portfolio(db, client_for, role, status, path):
    assert client_for(UserFactory(roles=[role])).get(path).status_code == status


def test_visitors_are_asked_to_sign_in(db, client):
    response = client.get("/portfolio/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_steering_group_sees_leadership_only_of_projects_big_enough(db, programme, client_for):
    """Five people compared in LV9-0001, two in LV9-0002: staff see all seven; the steering group only
    the five, as on the progress report."""
    officer = text(client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/").get_data(as_text=True))
    member = text(client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get("/portfolio/").get_data(as_text=True))
    assert "Compared: 7 people who answered at both the start and the end" in officer
    assert "Compared: 5 people who answered at both the start and the end" in member
    pairs = [pair for pairs in programme.portfolio.pairs.values() for pair in pairs]
    start = sum(b for b, _ in pairs) / len(pairs)
    end = sum(f for _, f in pairs) / len(pairs)
    assert f"{start:.1f} {end:.1f} {end - start:+.1f} 7" in officer


def test_charts_have_their_numbers_in_tables_and_a_text_alternative(db, programme, client_for):
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/").get_data(as_text=True)
    charts = html.count('role="img"')
    assert charts >= 6
    assert html.count('aria-labelledby="funds-chart-title funds-chart-desc"') == 1
    for caption in (
        "Grant funds",
        "Match funding",
        "Projects by RAG",
        "Projects by theme",
        "Bids at each stage, by round",
    ):
        assert table(html, caption)


def grow(programme, extra: int) -> None:
    """More projects and bids, each with its money, so that an N+1 query would show."""
    for _ in range(extra):
        funded_project(programme.funded_round)


def test_the_dashboard_runs_the_same_number_of_queries_whatever_the_size(app, db, programme, client_for):
    client = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    client.get("/portfolio/")  # warm: the first request loads what any first request loads
    with QueryCounter() as small:
        assert client.get("/portfolio/").status_code == 200
    grow(programme, 6)
    with QueryCounter() as large:
        html = client.get("/portfolio/").get_data(as_text=True)
    assert "9 funded projects" in text(html)
    assert large.count == small.count, (small.count, large.count)
    assert small.count <= 25


def test_the_dashboard_links_to_the_downloads_its_reader_may_use(db, programme, client_for):
    round_id = programme.funded_round.id
    officer = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(f"/portfolio/?round={round_id}")
    member = client_for(UserFactory(roles=[Role.STEERING_MEMBER])).get("/portfolio/")
    officer_html, member_html = officer.get_data(as_text=True), member.get_data(as_text=True)
    assert f'href="/exports/?round={round_id}"' in officer_html
    assert f'href="/open-data/?round={round_id}"' in officer_html
    assert f'href="/portfolio/partnerships?round={round_id}"' in officer_html
    assert 'href="/exports/"' in member_html  # steering members may download the projects


def test_projects_that_have_ended_are_counted_by_their_end(db, officer, finance, client_for):
    """A closed, a given-up and an ended-early project beside an active and a new one: the award given
    up is not money awarded, cancelled tranches are not still to release, the RAG is of the running
    projects, and each end has its own row."""
    ended = ended_projects(officer, finance)
    for project in ended.all:
        project.rag = "red"
    ended.active.rag = "green"
    _db.session.commit()
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get(f"/portfolio/?round={ended.active.round_id}")
    html = html.get_data(as_text=True)
    check_page(html, expected(ended.active.round_id))

    assert table(html, "Grant funds") == money_rows(
        [
            ["Awarded", 4 * 2_700_000],  # not the award given up
            ["Released", 3 * 1_350_000],  # the first tranche of the active, closed and ended-early projects
            ["Still to release", 1_350_000 + 2_700_000],  # the active project's rest, the new project's all
            ["Not to be paid (tranches cancelled when a project ended)", 2 * 1_350_000],
        ]
    )
    assert table(html, "Projects by status") == [
        ["Setting up", "1", "£27,000.00"],
        ["Active", "1", "£27,000.00"],
        ["Closing", "0", "£0.00"],
        ["Closed", "1", "£27,000.00"],
        ["Award given up", "1", "£27,000.00 given up"],
        ["Ended early", "1", "£27,000.00"],
    ]
    # Every project rated red but the active one: only the two still running are counted.
    assert table(html, "Projects by RAG") == [["Red", "1"], ["Amber", "0"], ["Green", "1"], ["Not yet rated", "0"]]
    page = text(html)
    assert "4 funded projects, 2 still running, and 1 award given up" in page
    assert "Not counted as awarded: £27,000.00 of 1 award given up before any payment" in page


def _figure(html: str, chart_id: str) -> str:
    match = re.search(rf'<figure class="grants-chart" id="{chart_id}">(.*?)</figure>', html, flags=re.S)
    assert match, chart_id
    return match.group(1)


def test_charts_label_every_bar_in_full_with_an_axis_and_a_legend(db, programme, client_for):
    long_theme = ThemeFactory(name="Integrating services for older people and their carers across the borough")
    programme.portfolio.projects[0].application.themes.append(long_theme)
    db.session.commit()
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/").get_data(as_text=True)
    themes = _figure(html, "theme-chart")
    labels = [text(label) for label in re.findall(r'<span class="grants-bars__label">(.*?)</span>', themes)]
    assert "Integrating services for older people and their carers across the borough" in labels
    assert not any(label.endswith("…") for label in labels)
    assert "Number of projects" in text(themes)
    assert re.search(r'<ul class="govuk-list grants-legend"[^>]*>\s*<li>', themes)
    funds = _figure(html, "funds-chart")
    assert "Amount in pounds (£)" in text(funds)
    legend = re.search(r'<ul class="govuk-list grants-legend".*?</ul>', funds, flags=re.S).group(0)
    assert all(word in text(legend) for word in ("Awarded", "Released", "Still to release", "Not to be paid"))
    assert "<svg" not in funds  # page text, not shrunk with a drawing


def test_each_chart_has_one_table_and_no_repeated_sentence(db, programme, client_for):
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/portfolio/").get_data(as_text=True)
    assert "The numbers are in the table below" not in html
    for caption in ("Grant funds", "Match funding", "Projects by RAG", "Projects by theme"):
        assert html.count(f">{caption}</caption>") == 1, caption


def test_the_chart_css_keeps_labels_at_14px_or_more(app):
    css = (Path(app.static_folder) / "grants.css").read_text()
    sizes = [int(size) for size in re.findall(r"\.grants-(?:bars|legend|chart)[^{]*\{[^}]*font-size:\s*(\d+)px", css)]
    assert sizes and min(sizes) >= 14
