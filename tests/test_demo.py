"""What `make run` gives a newcomer: the embedded default on SQLite, seeded, every demo user able to sign in."""

import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from grants.demo.data import DEMO_PASSWORD, DEMO_USERS, ORGANISATIONS, PLACES, THEMES
from grants.directory.models import Organisation, Place, Theme
from grants.directory.reference import read_areas
from grants.extensions import db
from tests.conftest import make_test_app
from tests.helpers import error_summary, form_key, nav_labels
from tests.test_pages import expected_nav


def test_seed_prints_every_demo_account_and_its_password(demo_app):
    assert DEMO_PASSWORD in demo_app.seed_output
    for email, *_ in DEMO_USERS:
        assert email in demo_app.seed_output


def test_every_demo_account_signs_in_with_the_printed_password_which_the_password_rules_accept(demo_app):
    from grants.accounts.models import User
    from grants.accounts.passwords import password_problem

    with demo_app.app_context():
        for email, *_ in DEMO_USERS:
            assert password_problem(DEMO_PASSWORD, email) is None, email
            user = db.session.scalars(db.select(User).where(User.email == email)).one()
            assert user.check_password(DEMO_PASSWORD), email
            assert user.password_changed_at is not None, email


def test_seed_creates_the_programmes_reference_data(demo_app):
    with demo_app.app_context():
        # The demo loads every local authority area, as a first deployment does; its own places are among them.
        assert db.session.scalar(db.select(db.func.count()).select_from(Place)) == len(read_areas())
        codes = set(db.session.scalars(db.select(Place.ons_code)))
        assert {code for code, *_ in PLACES} <= codes
        assert db.session.scalar(db.select(db.func.count()).select_from(Theme)) == len(THEMES)
        wigan = db.session.scalars(db.select(Place).where(Place.ons_code == "E08000010")).one()
        assert wigan.name == "Wigan"
        sectors = set(db.session.scalars(db.select(Organisation.sector)))
        assert {"local_government", "nhs", "voluntary_community", "private", "police", "housing"} <= sectors
        org_ids = set(db.session.scalars(db.select(Organisation.org_id)))
        assert {row["org_id"] for row in ORGANISATIONS} <= org_ids


def test_seed_creates_a_decided_an_assessing_and_an_open_wave(demo_app):
    from grants.applications.models import Application
    from grants.projects.models import Project
    from grants.reviews.models import ReviewAssignment
    from grants.rounds.models import Round

    with demo_app.app_context():
        rounds = {r.code: r for r in db.session.scalars(db.select(Round))}
        assert [rounds[code].status for code in ("LV1", "LV2", "LV3")] == ["decided", "assessing", "open"]
        assert rounds["LV3"].is_accepting()

        def states(code):
            rows = db.session.execute(
                db.select(Application.status, db.func.count())
                .where(Application.round_id == rounds[code].id)
                .group_by(Application.status)
            )
            return dict(rows.all())

        wave1, wave2 = states("LV1"), states("LV2")
        # 25 approved and 4 on the reserve list; one of those may since have been approved into a place given up.
        assert sum(wave1.values()) >= 40 and wave1["approved"] + wave1["reserve"] == 29 and wave1["approved"] >= 25
        assert "rejected" in wave1
        assert sum(wave2.values()) >= 40 and wave2["under_review"] >= 30
        assert (
            db.session.scalar(db.select(db.func.count(Project.id)).where(Project.round_id == rounds["LV1"].id))
            == wave1["approved"]
        )
        # The pilot before wave 1 funded four places; the round spreading it, two.
        assert [rounds[code].status for code in ("LVP", "LVS")] == ["decided", "decided"]
        for code, funded in (("LVP", 4), ("LVS", 2)):
            count = db.select(db.func.count(Project.id)).where(Project.round_id == rounds[code].id)
            assert db.session.scalar(count) == funded
        scored = dict(
            db.session.execute(
                db.select(ReviewAssignment.status, db.func.count())
                .join(Application)
                .where(Application.round_id == rounds["LV2"].id)
                .group_by(ReviewAssignment.status)
            ).all()
        )
        assert scored["submitted"] > 0 and scored["assigned"] > 0, "wave 2 is part-scored"
        places = db.session.scalar(db.select(db.func.count(db.distinct(Application.place_id))))
        assert places >= 30


def test_wave_one_was_decided_in_rank_order_within_budget(demo_app):
    from grants.reviews.queries import round_assessment
    from grants.rounds.models import Round

    with demo_app.app_context():
        wave1 = db.session.scalars(db.select(Round).where(Round.code == "LV1")).one()
        ranked = round_assessment(wave1)
        outcomes = [a.decision.outcome for a in ranked]
        # The reserve list in rank order: the first may since have been approved into a place given up.
        assert outcomes[:25] == ["approved"] * 25 and outcomes[26:29] == ["reserve"] * 3
        assert outcomes[25] in ("approved", "reserve")
        assert sum(a.application.amount_requested_pence for a in ranked[:25]) <= wave1.budget_pence


def test_the_demo_applicant_has_a_bid_to_finish_in_the_open_wave(demo_app):
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "applicant@example.org", "password": DEMO_PASSWORD})
    page = client.get("/applications").get_data(as_text=True)
    assert "Systems Leadership – Local Vision, wave 3" in page and "Draft" in page


def test_every_demo_round_has_a_form_and_every_bid_answers_its_questions(demo_app):
    from grants.applications.models import Application
    from grants.bidforms.default import DEFAULT_FORM, EXPRESSION_OF_INTEREST
    from grants.bidforms.kinds import is_empty
    from grants.bidforms.queries import forms_of
    from grants.rounds.models import Round

    with demo_app.app_context():
        rounds = {round_.code: round_ for round_ in db.session.scalars(db.select(Round))}
        forms = forms_of({round_.id for round_ in rounds.values()})
        pages = {code: [page.key for page in forms[round_.id].pages] for code, round_ in rounds.items()}
        programme = [key for key, *_ in DEFAULT_FORM]
        assert pages == {
            **{code: programme for code in ("LVP", "LV1", "LV2", "LV3", "LVS")},
            "LV4E": [key for key, *_ in EXPRESSION_OF_INTEREST],
        }
        for round_ in rounds.values():  # the rubric looks at questions its round asks
            assert all(set(c.question_keys) <= set(forms[round_.id].by_key) for c in round_.criteria), round_.code
        bids = db.session.scalars(db.select(Application)).all()
        for bid in bids:
            form = forms[bid.round_id]
            shown = form.shown_pages(bid.answers)
            assert set(bid.answers) <= {question.key for question in form.answerable}, bid.id
            assert form.kept(bid.answers) == bid.answers, f"{bid.id} answers a question it is not asked"
            assert all(isinstance(value, str) and value.strip() for value in bid.answers.values()), bid.id
            assert set(bid.section_states) <= {page.key for page in shown}, bid.id
            if bid.submitted_at is None:
                continue
            assert bid.section_states == {page.key: "completed" for page in shown}, bid.reference
            unanswered = [
                question.key
                for page in shown
                for question in form.shown_questions(page, bid.answers)
                if not question.is_block and question.required and is_empty(bid.answers.get(question.key))
            ]
            assert unanswered == [], bid.reference
        assert sum(bool(bid.answers) for bid in bids) > 100


def test_the_expressions_of_interest_round_asks_its_own_short_form(demo_app):
    from collections import Counter

    from grants.applications.models import Application
    from grants.bidforms.kinds import block_required_by
    from grants.bidforms.queries import form_of
    from grants.rounds.models import Round

    with demo_app.app_context():
        round_ = db.session.scalars(db.select(Round).where(Round.code == "LV4E")).one()
        assert round_.is_accepting() and round_.title == "Local Vision: expressions of interest for wave 4"
        form = form_of(round_.id)
        for block in ("partnership", "match_funding", "measures", "commitments"):
            assert not form.has_block(block) and block_required_by(block, round_) is None, block
        assert form.has_block("place_themes") and form.has_block("budget")
        assert form.by_key["partner_names"].condition_key == "partners_agreed"
        bids = db.session.scalars(db.select(Application).where(Application.round_id == round_.id)).all()
        assert Counter(bid.status for bid in bids) == {"submitted": 4, "draft": 3}
        sent = [bid for bid in bids if bid.status == "submitted"]
        assert all(bid.reference.startswith("LV4E-") and bid.place and bid.themes for bid in sent)
        assert all(bid.amount_requested_pence == bid.budget_total_pence for bid in sent)
        # The conditional question: answered when partners have agreed, neither asked nor kept when not.
        agreed = {bid.answers.get("partners_agreed") for bid in sent}
        assert agreed == {"yes", "no"}
        for bid in sent:
            assert ("partner_names" in bid.answers) == (bid.answers["partners_agreed"] == "yes"), bid.reference
            assert ("partner_names" in bid.section_states) == (bid.answers["partners_agreed"] == "yes")
        assert any(bid.answers.get("partners_agreed") == "yes" and "partner_names" not in bid.answers for bid in bids)
        assert not any(bid.partners or bid.measures or bid.commitments or bid.match_funder for bid in bids)
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "officer@example.org", "password": DEMO_PASSWORD})
    page = client.get("/manage/applications/").get_data(as_text=True)
    assert "LV4E-0001" in page


def test_the_demo_steering_member_has_bids_to_review(demo_app):
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "steering.member@example.org", "password": DEMO_PASSWORD})
    page = client.get("/reviews/").get_data(as_text=True)
    assert "Conflict not yet declared" in page and "Scores submitted" in page


@pytest.mark.parametrize(("email", "name", "roles", "org"), DEMO_USERS, ids=[row[0] for row in DEMO_USERS])
def test_every_demo_user_signs_in_and_sees_the_navigation_of_their_roles(demo_app, email, name, roles, org):
    client = demo_app.test_client()
    assert client.get("/").status_code == 200
    response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert nav_labels(html) == expected_nav(*roles)
    assert name in html


def test_seed_demo_refuses_to_run_in_production(demo_app, monkeypatch):
    monkeypatch.setitem(demo_app.config, "ENV_NAME", "production")
    result = demo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "will not run in production without --force" in result.output


def test_the_demo_enabler_supports_wave_one_projects_with_months_of_updates(demo_app):
    from grants.enablers.models import EnablerAssignment, EnablerProfile
    from grants.projects.models import Project, ProjectUpdate

    with demo_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(EnablerProfile)) >= 8
        supported = db.select(db.func.count(db.distinct(EnablerAssignment.project_id))).join(Project)
        assert db.session.scalar(supported.where(Project.reference.like("LV1-%"))) == 25
        assert db.session.scalar(db.select(db.func.count()).select_from(ProjectUpdate)) >= 100
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "enabler@example.org", "password": DEMO_PASSWORD})
    page = client.get("/enabler").get_data(as_text=True)
    assert "LV1-" in page and "Your projects" in page


def test_wave_one_money_is_at_every_point_and_consistent(demo_app):
    from grants.funding.models import GrantAgreement, MatchFunding, Payment, Tranche
    from grants.funding.services.conditions import evaluate_project
    from grants.projects.models import Project

    with demo_app.app_context():

        def states(model):
            return set(db.session.scalars(db.select(model.status).distinct()))

        assert states(GrantAgreement) == {"draft", "issued", "signed", "ended"}
        # The one agreement ended is the signed agreement of the award given up, and only that.
        ended = db.session.execute(
            db.select(Project.status).join(GrantAgreement).where(GrantAgreement.status == "ended")
        ).scalars()
        assert list(ended) == ["withdrawn"]
        # Every first tranche waited for the match; one board never confirmed it (that award was given up),
        # and the projects setting up have a pledge.
        assert states(MatchFunding) == {"pledged", "confirmed", "received"}
        assert states(Tranche) == {"scheduled", "eligible", "requested", "released", "held", "cancelled"}
        for project in db.session.scalars(db.select(Project)):
            paid = db.session.scalar(
                db.select(db.func.coalesce(db.func.sum(Payment.amount_pence), 0)).where(
                    Payment.project_id == project.id
                )
            )
            assert paid <= project.award_pence
            before = [
                (t.status, [c.is_met for c in t.conditions])
                for t in db.session.scalars(
                    db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence)
                )
            ]
            assert evaluate_project(project) == []  # the story agrees with the service's own rules
            after = [
                (t.status, [c.is_met for c in t.conditions])
                for t in db.session.scalars(
                    db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence)
                )
            ]
            assert before == after, project.reference
        db.session.rollback()


def test_the_demo_finance_approver_has_releases_to_approve(demo_app):
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "finance@example.org", "password": DEMO_PASSWORD})
    page = client.get("/funding/?view=requested").get_data(as_text=True)
    assert "Waiting for approval: 3 tranches" in " ".join(page.split())
    assert page.count(">Approve<") == 3


def test_the_demo_enabler_has_a_funding_condition_to_confirm(demo_app):
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "enabler@example.org", "password": DEMO_PASSWORD})
    page = client.get("/enabler").get_data(as_text=True)
    assert "Funding condition" in page and "systems map is shared with its board" in page


def test_wave_one_reports_measures_and_self_assessments(demo_app):
    from grants.leadership import queries as leadership
    from grants.monitoring.models import OutcomeValue, ProgressReport
    from grants.projects.models import Project

    with demo_app.app_context():
        statuses = set(db.session.scalars(db.select(ProgressReport.status).distinct()))
        assert statuses == {"due", "submitted", "accepted", "changes_requested"}
        assert db.session.scalar(db.select(db.func.count(OutcomeValue.id))) >= 50
        project_ids = list(db.session.scalars(db.select(Project.id).where(Project.reference.like("LV1-%"))))
        scores = leadership.domain_scores(project_ids)
        # Halfway through the projects: answers at the start and halfway, none yet at the end.
        assert {stage for _, stage in scores} == {"baseline", "midpoint"}
        domains = sorted({d for by in scores.values() for d in by})
        halfway = {
            (participant, "final" if stage == "midpoint" else stage): by for (participant, stage), by in scores.items()
        }
        assert leadership.pairs_count(halfway) >= 30
        changes = leadership.paired_change(halfway, domains)
        assert all(change.change > 0 for change in changes)  # a believable shift, upwards in every domain
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "officer@example.org", "password": DEMO_PASSWORD})
    page = " ".join(client.get("/rounds/1/leadership").get_data(as_text=True).split())
    assert "halfway, 0 at the end" in page
    assert "Progress report" in client.get("/monitoring/reports").get_data(as_text=True)


def test_the_demo_keeps_each_projects_leadership_shift_as_a_recomputation_gives(demo_app):
    """Answers written by the seeding, not the service, are kept as the service would have kept them."""
    from grants.core.figures import differences
    from grants.leadership import kept

    with demo_app.app_context():
        assert differences()[kept.NAME] == []
        figures = kept.kept()
        assert sum(shift.pairs for shift in figures.values()) > 0
        assert sum(shift.respondents["midpoint"] for shift in figures.values()) >= 30


def test_wave_one_learning_is_in_every_state_and_published_across_themes(demo_app):
    from datetime import date

    from grants.funding.models import Tranche
    from grants.learning.models import LearningCommitment, LearningItem
    from grants.learning.services import learning_evidenced_for

    with demo_app.app_context():
        items = db.session.scalars(db.select(LearningItem)).all()
        assert {item.status for item in items} == {"draft", "submitted", "returned", "published", "internal"}
        published = [item for item in items if item.status == "published"]
        stories = {item.project.application.themes[0].slug for item in published if item.kind == "case_study"}
        assert {"safeguarding", "older-people", "alcohol-misuse", "physical-activity", "food-poverty"} <= stories
        commitments = db.session.scalars(db.select(LearningCommitment)).all()
        assert {c.state(date.today()) for c in commitments} == {"planned", "in_progress", "done", "overdue"}
        applied = [c for c in commitments if c.applied_project_id]
        assert applied and all(c.status == "done" and c.applied_project_id != c.project_id for c in applied)
        # Halfway through, no project is paid in full; several have the published learning their last
        # tranche will wait for.
        assert db.session.scalar(db.select(db.func.count(Tranche.id)).where(Tranche.status != "released")) >= 25
        from grants.projects.models import Project

        evidenced = [project for project in db.session.scalars(db.select(Project)) if learning_evidenced_for(project)]
        assert len(evidenced) >= 5
    client = demo_app.test_client()
    # The library on SQLite: the simple word search and the filters.
    safeguarding = client.get("/learning/?q=front+door&theme=safeguarding").get_data(as_text=True)
    assert "One front door" in safeguarding and "A safer night out" not in safeguarding
    assert "0 items" in client.get("/learning/?q=zzzz").get_data(as_text=True)
    assert "<entry>" in client.get("/learning/feed.atom").get_data(as_text=True)
    assert "Lessons applied across issues" in client.get("/learning/network/older-people").get_data(as_text=True)
    client.post("/sign-in", data={"email": "officer@example.org", "password": DEMO_PASSWORD})
    assert "Waiting for review" not in client.get("/learning/review").get_data(as_text=True)
    assert "Nothing is waiting for review" not in client.get("/learning/review").get_data(as_text=True)


def test_the_demo_has_a_compiled_progress_report_of_wave_one(demo_app):
    from grants.funding.models import Payment
    from grants.progress.models import ProgressCompilation

    result = demo_app.test_cli_runner().invoke(args=["seed-demo"])  # seeding again compiles nothing new
    assert result.exit_code == 0, result.output
    with demo_app.app_context():
        [compilation] = db.session.scalars(db.select(ProgressCompilation)).all()
        projects = {row["reference"] for row in compilation.rows}
        assert compilation.status == "done" and len([p for p in projects if p.startswith("LV1-")]) >= 25
        assert any(p.startswith("LVP-") for p in projects)
        paid = db.session.scalar(db.select(db.func.sum(Payment.amount_pence)))
        assert compilation.figures["released_pence"] == paid > 0
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "steering.member@example.org", "password": DEMO_PASSWORD})
    page = client.get("/progress/").get_data(as_text=True)
    assert "Compiled " in page and "LV1-00" in page and "Leadership: the change from the start to the end" in page


def test_the_demo_programme_dashboard_and_partnership_map_work_on_sqlite(demo_app):
    """The embedded default runs the dashboard's grouped queries (FILTER, UNION ALL, the leadership
    shift's) on SQLite too, as a chair and as an officer (who sees every answer)."""
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "steering.chair@example.org", "password": DEMO_PASSWORD})
    dashboard = client.get("/portfolio/")
    assert dashboard.status_code == 200
    page = dashboard.get_data(as_text=True)
    assert re.search(r"\b\d\d funded projects", page) and "Bids at each stage, by round" in page
    assert "Leadership shift" in page and "Projects by region" in page
    places = client.get("/portfolio/places")
    assert places.status_code == 200 and "Projects by place" in places.get_data(as_text=True)
    partnerships = client.get("/portfolio/partnerships")
    assert partnerships.status_code == 200
    assert "Organisations by sector and place" in partnerships.get_data(as_text=True)
    officer = demo_app.test_client()
    officer.post("/sign-in", data={"email": "officer@example.org", "password": DEMO_PASSWORD})
    page = officer.get("/portfolio/").get_data(as_text=True)
    assert "You see every answer" in page and "Compared: " in page


def test_on_sqlite_a_refused_first_attempt_leaves_a_forms_key_free(demo_app):
    """The embedded default: a form's key is claimed in the transaction of what it creates, never in a
    savepoint that SQLite would commit on its own, so a refused attempt keeps nothing."""
    import re

    from grants.core.once import FormSubmission
    from grants.funding.models import Tranche, TrancheCondition

    with demo_app.app_context():
        tranche_id = db.session.scalar(
            db.select(Tranche.id).where(Tranche.status == "scheduled").order_by(Tranche.id.desc())
        )
        before = db.session.scalar(db.select(db.func.count(TrancheCondition.id)))
    client = demo_app.test_client()
    assert client.post("/sign-in", data={"email": "officer@example.org", "password": DEMO_PASSWORD}).status_code == 302
    new = f"/funding/tranches/{tranche_id}/conditions/new"
    html = client.get(new).get_data(as_text=True)
    owner = re.search(r'<select[^>]*name="owner_id".*?<option value="([1-9]\d*)"', html, flags=re.S).group(1)
    form = {"submission": form_key(html), "kind": "custom", "description": "", "owner_id": owner}
    assert client.post(new, data=form).status_code == 400  # refused by the service: a custom one needs words
    with demo_app.app_context():
        assert db.session.scalar(db.select(db.func.count(FormSubmission.id))) == 0
    form["description"] = "The systems map is shared with the board"
    corrected = client.post(new, data=form)
    assert corrected.status_code == 302, error_summary(corrected.get_data(as_text=True))
    assert client.post(new, data=form).status_code == 303
    with demo_app.app_context():
        assert db.session.scalar(db.select(db.func.count(TrancheCondition.id))) == before + 1
        assert db.session.scalar(db.select(db.func.count(FormSubmission.id))) == 1


# --- The demo tells the truth about the day it is seeded ---------------------------------------------


def story_problems(today, now) -> list[str]:
    """What in the seeded demo is inconsistent with ``today``: anything dated after it that has
    already happened, anything due before it neither done nor shown as overdue, rounds whose state
    their dates contradict, projects whose state their dates contradict (active past their end,
    closing before it, finished after it or in the future)."""
    from grants.applications.models import Application
    from grants.conversations.models import ConversationRead, Message
    from grants.core.audit import AuditEvent
    from grants.enablers.models import EnablerAssignment
    from grants.funding.models import GrantAgreement, MatchFunding, Payment, Tranche
    from grants.leadership.models import AssessmentResponse, StageClosure
    from grants.learning.models import LearningCommitment, LearningItem
    from grants.monitoring.models import Milestone, ProgressReport
    from grants.projects.models import Project, ProjectEnding, ProjectUpdate
    from grants.reviews.models import ConflictDeclaration, Decision, ReviewAssignment
    from grants.rounds.models import Round

    problems = []

    def latest(column):
        return db.session.scalar(db.select(db.func.max(column)))

    for column in (
        AuditEvent.occurred_at,
        Application.created_at,
        Application.submitted_at,
        Application.withdrawn_at,
        ReviewAssignment.submitted_at,
        ConflictDeclaration.declared_at,
        Decision.decided_at,
        GrantAgreement.issued_at,
        GrantAgreement.signed_at,
        MatchFunding.confirmed_at,
        Tranche.eligible_at,
        Tranche.requested_at,
        Tranche.held_at,
        Tranche.released_at,
        Payment.approved_at,
        ProgressReport.submitted_at,
        ProgressReport.reviewed_at,
        LearningItem.submitted_at,
        LearningItem.published_at,
        LearningCommitment.done_at,
        AssessmentResponse.submitted_at,
        Tranche.cancelled_at,
        Project.finished_at,
        ProjectEnding.proposed_at,
        ProjectEnding.decided_at,
        StageClosure.closed_at,
        Message.created_at,
        ConversationRead.read_at,
    ):
        value = latest(column)
        if value is not None and value > now:
            problems.append(f"{column} at {value}, after {now}")
    for column in (
        MatchFunding.received_on,
        ProjectUpdate.happened_on,
        Milestone.done_on,
        EnablerAssignment.ends_on,
        ProjectEnding.repayment_received_on,
    ):
        value = latest(column)
        if value is not None and value > today:
            problems.append(f"{column} on {value}, after {today}")
    rounds = {round_.code: round_ for round_ in db.session.scalars(db.select(Round))}
    if [rounds[code].status for code in ("LVP", "LV1", "LV2", "LV3", "LVS")] != [
        "decided",
        "decided",
        "assessing",
        "open",
        "decided",
    ]:
        problems.append("the pilot and waves are not decided, decided, assessing, open, decided")
    for round_ in rounds.values():
        if round_.status == "open" and not round_.opens_at <= now < round_.closes_at:
            problems.append(f"{round_.code} is open outside its dates")
        if round_.status in ("assessing", "decided") and round_.closes_at > now:
            problems.append(f"{round_.code} is {round_.status} before it closes")
        if round_.status == "assessing" and round_.assessment_deadline < today:
            problems.append(f"{round_.code} is still being assessed after its deadline")
    for project in db.session.scalars(db.select(Project)):
        dates = f"{project.reference} is {project.status} from {project.starts_on} to {project.ends_on}"
        if project.status == "active" and not project.starts_on <= today <= project.ends_on:
            problems.append(dates)
        if project.status == "setup" and project.ends_on < today:
            problems.append(dates)
        if project.status in ("closing", "closed") and project.ends_on >= today:
            problems.append(dates)
        if project.is_finished and not (
            project.finished_at
            and project.finished_at <= now
            and project.starts_on <= project.finished_at.date()
            and (project.status == "closed" or project.finished_at.date() <= project.ends_on)
        ):
            problems.append(f"{dates}, finished at {project.finished_at}")
        if project.is_finished:
            logged = db.session.scalar(
                db.select(db.func.max(ProjectUpdate.happened_on)).where(ProjectUpdate.project_id == project.id)
            )
            if logged and project.finished_at and logged > project.finished_at.date():
                problems.append(f"{project.reference} has updates after it finished")
    reports = db.session.scalars(db.select(ProgressReport)).all()
    for report in reports:
        if report.submitted_at and report.submitted_at.date() <= report.period_end:
            problems.append(f"report {report.id} was submitted before its period ended")
    flagged = {  # reports shown as needing someone: overdue, waiting for review, or returned
        (report.project_id, report.id)
        for report in reports
        if report.is_overdue(today) or report.status in ("submitted", "changes_requested")
    }
    setting_up = set(db.session.scalars(db.select(Project.id).where(Project.status == "setup")))
    for tranche in db.session.scalars(db.select(Tranche).where(Tranche.status.not_in(["released", "cancelled"]))):
        if tranche.due_on >= today or tranche.status in ("eligible", "requested", "held"):
            continue
        if tranche.project_id in setting_up:  # waits for its agreement to be signed, as the project's pages say
            continue
        waiting_for = [
            report
            for report in reports
            if report.project_id == tranche.project_id and not report.is_final and report.period_end < tranche.due_on
        ]
        if tranche.sequence == 1 or not any((report.project_id, report.id) in flagged for report in waiting_for):
            problems.append(f"tranche {tranche.sequence} of project {tranche.project_id} is past due and unflagged")
    from grants.leadership.models import Participant

    finals = db.session.scalar(
        db.select(db.func.count(AssessmentResponse.id))
        .join(Participant, Participant.id == AssessmentResponse.participant_id)
        .join(Project, Project.id == Participant.project_id)
        .where(AssessmentResponse.stage == "final", Project.ends_on >= today)
    )
    if finals:
        problems.append("self-assessments at the end of projects that have not ended")
    return problems


def test_the_demo_tells_the_truth_about_today(demo_app):
    from grants.core.db import utcnow

    with demo_app.app_context():
        assert story_problems(utcnow().date(), utcnow()) == []


def _days_to_seed_on():
    """Two days before today at the edges of the demo's month-by-month timeline: the first of this
    month (or of last month, when today is the first) and the last day of the month before."""
    from datetime import date, timedelta

    first = date.today().replace(day=1)
    if first == date.today():
        first = (first - timedelta(days=1)).replace(day=1)
    return [first, first - timedelta(days=1)]


@pytest.mark.parametrize("day", _days_to_seed_on(), ids=["first of a month", "end of a month"])
def test_seeding_on_another_day_tells_the_truth_about_that_day(tmp_path, app, day):
    from datetime import UTC, datetime, time

    from grants.demo import seed_demo

    application = make_test_app(f"sqlite:///{tmp_path / 'grants.sqlite'}", TWO_FACTOR_REQUIRED=False)
    with application.app_context():
        upgrade()
        seed_demo(today=day)
        db.session.commit()
        assert story_problems(day, datetime.combine(day, time(12), tzinfo=UTC)) == []
        db.engine.dispose()


def test_seeding_again_finds_the_demo_and_changes_nothing(demo_app, monkeypatch):
    """A second `make run` starts at once: seed-demo sees the demo is there and does not seed it again."""
    import grants.demo
    from grants.core.audit import AuditEvent

    def counts():
        with demo_app.app_context():
            return {
                table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
                for table in db.metadata.sorted_tables
                if table.name != "form_submissions"
            }, db.session.scalar(db.select(db.func.max(AuditEvent.id)))

    def seed_again(*args, **kwargs):
        raise AssertionError("seed-demo seeded a demo that was already there")

    before = counts()
    monkeypatch.setattr(grants.demo, "seed_demo", seed_again)
    with demo_app.app_context():
        statements = []
        listen = ("before_cursor_execute", lambda *args: statements.append(args[2]))
        event.listen(db.engine, *listen)
        try:
            result = demo_app.test_cli_runner().invoke(args=["seed-demo", "--upgrade"])
        finally:
            event.remove(db.engine, *listen)
    assert result.exit_code == 0, result.output
    assert "Demo data already present" in result.output and "FRESH=1" in result.output
    for email, *_ in DEMO_USERS:
        assert f"{email} " in result.output
    assert result.output.count("(already there)") == len(DEMO_USERS) and DEMO_PASSWORD in result.output
    # Deciding takes a handful of queries: the schema's revision, the accounts, the rounds, the report.
    assert len(statements) <= 10, statements
    assert counts() == before

    # seed_demo itself, called again, adds nothing either (a new migration's part of the story is added so).
    monkeypatch.undo()
    with demo_app.app_context():
        from grants.demo import seed_demo

        seed_demo()
        db.session.commit()
    assert counts() == before


@pytest.fixture
def new_database_app(tmp_path):
    application = make_test_app(f"sqlite:///{tmp_path / 'grants.sqlite'}", TWO_FACTOR_REQUIRED=False)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def seeding(monkeypatch):
    """seed-demo's decisions without the demo's 15 seconds: seed_demo stands in for the story."""
    import grants.demo

    calls = []

    def seed_demo():
        calls.append("seeded")
        return []

    monkeypatch.setattr(grants.demo, "seed_demo", seed_demo)
    return calls


def test_seed_demo_asks_for_the_migrations_first(new_database_app, seeding):
    result = new_database_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "missing migrations" in result.output and "db upgrade" in result.output
    assert seeding == []


def test_seed_demo_with_upgrade_migrates_a_new_database_then_seeds(new_database_app, seeding):
    from grants.demo.database import schema_is_current

    result = new_database_app.test_cli_runner().invoke(args=["seed-demo", "--upgrade"])
    assert result.exit_code == 0, result.output
    assert "Applying the database migrations" in result.output and "Seeding the demo programme" in result.output
    assert seeding == ["seeded"]
    with new_database_app.app_context():
        assert schema_is_current()


def test_seed_demo_fresh_empties_the_database_and_seeds_anew(new_database_app, seeding):
    from grants.accounts.models import User
    from grants.demo.database import schema_is_current

    with new_database_app.app_context():
        upgrade()
        db.session.add(User(email="left.over@example.org", name="Left Over", password_hash="x"))
        db.session.commit()
    result = new_database_app.test_cli_runner().invoke(args=["seed-demo", "--fresh"])
    assert result.exit_code == 0, result.output
    assert "Emptying the database" in result.output and seeding == ["seeded"]
    with new_database_app.app_context():
        assert schema_is_current()
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_seed_demo_fresh_never_runs_in_production(demo_app, monkeypatch, seeding):
    from grants.accounts.models import User

    monkeypatch.setitem(demo_app.config, "ENV_NAME", "production")
    result = demo_app.test_cli_runner().invoke(args=["seed-demo", "--fresh", "--force"])
    assert result.exit_code != 0 and "never runs in production" in result.output
    with demo_app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) > 0
    assert seeding == []


# --- Co-chairs and the project team ------------------------------------------------------------------


def test_the_demo_has_two_co_chairs_and_every_wave_two_bid_has_one_free_to_decide_it(demo_app):
    from grants.accounts.models import User, UserRole
    from grants.applications.models import Application
    from grants.core.permissions import Role
    from grants.reviews.models import ConflictDeclaration
    from grants.rounds.models import Round

    assert [email for email, _, roles, _ in DEMO_USERS if Role.STEERING_CHAIR in roles] == [
        "steering.chair@example.org",
        "steering.cochair@example.org",
    ]
    with demo_app.app_context():
        chairs = set(
            db.session.scalars(db.select(User.id).join(UserRole).where(UserRole.role == Role.STEERING_CHAIR.value))
        )
        assert len(chairs) == 2
        wave2 = db.session.scalars(db.select(Round).where(Round.code == "LV2")).one()
        bids = db.session.scalars(
            db.select(Application.id).where(Application.round_id == wave2.id, Application.status == "under_review")
        ).all()
        conflicts = db.session.execute(
            db.select(ConflictDeclaration.application_id, ConflictDeclaration.reviewer_id).where(
                ConflictDeclaration.has_conflict, ConflictDeclaration.reviewer_id.in_(chairs)
            )
        ).all()
        assert conflicts, "a chair has declared a conflict with a wave 2 bid, so the other decides it"
        conflicted = {}
        for application_id, chair_id in conflicts:
            conflicted.setdefault(application_id, set()).add(chair_id)
        assert bids and all(chairs - conflicted.get(bid, set()) for bid in bids)


def test_wave_two_is_decided_end_to_end_as_seeded_each_bid_by_a_chair_free_to_decide_it(demo_app):
    """As seeded, the chairs can decide every wave 2 bid between them and make the decisions take effect:
    the top-ranked bid approved and made a project, the rest rejected. Nothing is kept (rolled back)."""
    from grants.accounts.models import User, UserRole
    from grants.core.permissions import Role
    from grants.reviews import decisions, queries
    from grants.reviews.models import DecisionOutcome
    from grants.rounds.models import Round, RoundStatus

    with demo_app.app_context():
        try:
            chairs = db.session.scalars(
                db.select(User).join(UserRole).where(UserRole.role == Role.STEERING_CHAIR.value).order_by(User.id)
            ).all()
            wave2 = db.session.scalars(db.select(Round).where(Round.code == "LV2")).one()
            ranked = [assessment.application_id for assessment in queries.round_assessment(wave2)]
            assert ranked
            deciders = set()
            for place, application_id in enumerate(ranked):
                chair = next(c for c in chairs if application_id not in queries.conflicted_application_ids(c))
                deciders.add(chair.id)
                outcome = DecisionOutcome.APPROVED if place == 0 else DecisionOutcome.REJECTED
                request = decisions.DecisionRequest(application_id, outcome, "Decided as the ranking stands.")
                decisions.record_decisions(wave2, [request], actor=chair)
            assert decisions.undecided(wave2) == []
            assert deciders == {chair.id for chair in chairs}, "each co-chair decides a bid the other cannot"
            applied = decisions.apply_decisions(wave2, actor=chairs[0])
            assert (applied.decisions, applied.projects) == (len(ranked), 1)
            assert wave2.status == RoundStatus.DECIDED
        finally:
            db.session.rollback()


def test_the_demo_project_lead_has_an_agreement_to_sign_and_a_report_to_revise(demo_app):
    from grants.accounts.models import User
    from grants.funding.models import GrantAgreement, Tranche
    from grants.monitoring.models import ProgressReport
    from grants.projects.models import Project

    with demo_app.app_context():
        lead = db.session.scalars(db.select(User).where(User.email == "project.lead@example.org")).one()
        [project] = db.session.scalars(
            db.select(Project).where(Project.lead_organisation_id == lead.organisation_id)
        ).all()
        assert project.application.lead_applicant_id == lead.id and project.status == "active"
        agreements = {
            a.version: a.status
            for a in db.session.scalars(db.select(GrantAgreement).where(GrantAgreement.project_id == project.id))
        }
        assert agreements == {1: "signed", 2: "issued"}
        tranches = [
            t.status
            for t in db.session.scalars(
                db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence)
            )
        ]
        assert tranches == ["released", "scheduled", "scheduled"]
        reports = {
            r.status
            for r in db.session.scalars(db.select(ProgressReport).where(ProgressReport.project_id == project.id))
        }
        assert {"accepted", "changes_requested", "due"} <= reports
        project_id, reference = project.id, project.reference
    client = demo_app.test_client()
    assert (
        client.post("/sign-in", data={"email": "project.lead@example.org", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    assert reference in client.get("/projects/").get_data(as_text=True)
    funding = " ".join(client.get(f"/projects/{project_id}/funding").get_data(as_text=True).split())
    assert "Tranche 1" in funding and "Released" in funding
    assert client.get(f"/projects/{project_id}/agreement/2").status_code == 200
    monitoring = client.get(f"/projects/{project_id}/monitoring").get_data(as_text=True)
    assert monitoring.count("Progress report") >= 1


# --- The end of a grant ----------------------------------------------------------------------------


def test_the_demo_has_a_project_in_every_state_none_active_past_its_end(demo_app):
    from grants.core.db import utcnow
    from grants.projects.models import FINISHED_STATUSES, Project, ProjectStatus

    with demo_app.app_context():
        today = utcnow().date()
        projects = db.session.scalars(db.select(Project).order_by(Project.reference)).all()
        assert {project.status for project in projects} == set(ProjectStatus)
        assert [p.reference for p in projects if p.status == ProjectStatus.ACTIVE and p.ends_on < today] == []
        past_their_end = {p.status for p in projects if p.ends_on < today}
        assert ProjectStatus.CLOSING in past_their_end and past_their_end <= {ProjectStatus.CLOSING, *FINISHED_STATUSES}
        assert all(p.finished_at is not None for p in projects if p.is_finished)
        closed = [p for p in projects if p.status == ProjectStatus.CLOSED]
        assert closed and all(p.closeout_note and p.finished_by_id for p in closed)


def test_a_closed_project_has_everything_done_and_another_says_why_not(demo_app):
    from grants.funding.models import MatchFunding, Tranche
    from grants.leadership.models import StageClosure
    from grants.learning.models import LearningCommitment
    from grants.monitoring.models import ProgressReport
    from grants.projects.ending import closeout_items
    from grants.projects.models import Project

    with demo_app.app_context():
        closed = db.session.scalars(db.select(Project).where(Project.status == "closed")).all()
        done = [project for project in closed if not project.closeout_exceptions]
        excused = [project for project in closed if project.closeout_exceptions]
        assert done and excused
        for project in done:
            assert all(item.done for item in closeout_items(project)), project.reference
            final = db.session.scalars(
                db.select(ProgressReport).where(ProgressReport.project_id == project.id, ProgressReport.is_final)
            ).one()
            assert final.status == "accepted"
            tranches = db.session.scalars(db.select(Tranche).where(Tranche.project_id == project.id)).all()
            assert {tranche.status for tranche in tranches} == {"released"}
            commitments = db.session.scalars(
                db.select(LearningCommitment).where(LearningCommitment.project_id == project.id)
            ).all()
            assert commitments and {commitment.status for commitment in commitments} == {"done"}
            stages = set(db.session.scalars(db.select(StageClosure.stage).where(StageClosure.project_id == project.id)))
            assert "final" in stages
            match = db.session.scalars(db.select(MatchFunding).where(MatchFunding.project_id == project.id)).one()
            assert match.status == "received"
        for project in excused:
            assert all(reason.strip() for reason in project.closeout_exceptions.values())
            cancelled = db.session.scalars(
                db.select(Tranche).where(Tranche.project_id == project.id, Tranche.status == "cancelled")
            ).all()
            assert cancelled and all(t.cancel_reason and t.cancelled_at <= project.finished_at for t in cancelled)
        closing = db.session.scalars(db.select(Project).where(Project.status == "closing")).all()
        assert closing and all(any(not item.done for item in closeout_items(project)) for project in closing)
        pages = [(project.id, project.reference) for project in done + closing]
    client = demo_app.test_client()
    client.post("/sign-in", data={"email": "officer@example.org", "password": DEMO_PASSWORD})
    for project_id, reference in pages:
        response = client.get(f"/projects/{project_id}/close-out")
        assert response.status_code == 200 and reference in response.get_data(as_text=True)
    page = " ".join(client.get(f"/projects/{pages[0][0]}/close-out").get_data(as_text=True).split())
    assert "Everything the partnership set out to do is done" in page


def test_an_award_given_up_before_any_payment_leaves_its_place_to_the_reserve_list(demo_app):
    from grants.applications.models import Application
    from grants.funding.models import Payment, Tranche
    from grants.notifications.models import Notification
    from grants.projects.models import Project, ProjectEnding

    with demo_app.app_context():
        [given_up] = db.session.scalars(db.select(Project).where(Project.status == "withdrawn")).all()
        assert db.session.scalar(db.select(db.func.count(Payment.id)).where(Payment.project_id == given_up.id)) == 0
        [ending] = db.session.scalars(db.select(ProjectEnding).where(ProjectEnding.project_id == given_up.id)).all()
        assert (ending.kind, ending.status) == ("withdrawn", "confirmed")
        assert (
            ending.proposed_by_id == given_up.application.lead_applicant_id
            and ending.decided_by.name == "Sarah Collins"
        )
        tranches = db.session.scalars(db.select(Tranche).where(Tranche.project_id == given_up.id)).all()
        assert {tranche.status for tranche in tranches} == {"cancelled"} and all(t.cancel_reason for t in tranches)
        told = db.session.scalars(db.select(Notification.template).where(Notification.template == "award_given_up"))
        assert list(told)
        # Its place is offered to the reserve list: a reserve bid approved into it is setting up, or the
        # reserve list still waits (while the round's places are all held).
        waiting = db.session.scalar(
            db.select(db.func.count(Application.id)).where(
                Application.round_id == given_up.round_id, Application.status == "reserve"
            )
        )
        from_reserve = db.session.scalar(
            db.select(db.func.count(Project.id)).where(Project.round_id == given_up.round_id, Project.status == "setup")
        )
        assert waiting + from_reserve == 4 and from_reserve <= 1


def test_projects_ended_early_keep_what_was_paid_and_owe_a_repayment(demo_app):
    from grants.funding.models import Payment, Tranche
    from grants.projects.models import Project, ProjectEnding

    with demo_app.app_context():
        endings = db.session.scalars(
            db.select(ProjectEnding).where(ProjectEnding.kind == "ended_early", ProjectEnding.status == "confirmed")
        ).all()
        assert len(endings) == 2
        for ending in endings:
            project = db.session.get(Project, ending.project_id)
            paid = db.session.scalar(
                db.select(db.func.sum(Payment.amount_pence)).where(Payment.project_id == project.id)
            )
            assert project.status == "ended_early" and 0 < ending.repayment_pence <= paid
            assert ending.decided_by_id != ending.proposed_by_id and ending.decided_by.name == "James Whitfield"
            unpaid = db.session.scalars(
                db.select(Tranche).where(Tranche.project_id == project.id, Tranche.status != "released")
            ).all()
            assert unpaid and all(t.status == "cancelled" and t.cancel_reason for t in unpaid)
        assert sorted(ending.repayment_received_on is not None for ending in endings) == [False, True]


def test_the_reminder_sweep_sends_nothing_about_a_finished_project(demo_app):
    from grants.notifications.models import Notification
    from grants.projects.models import FINISHED_STATUSES, Project
    from grants.reminders.sweep import run_reminders

    with demo_app.app_context():
        finished = set(db.session.scalars(db.select(Project.reference).where(Project.status.in_(FINISHED_STATUSES))))
        assert len(finished) == 5
        before = db.session.scalar(db.select(db.func.coalesce(db.func.max(Notification.id), 0)))
        counts = run_reminders()
        subjects = list(db.session.scalars(db.select(Notification.subject).where(Notification.id > before)))
        db.session.rollback()  # the sweep's reminders are not kept: other tests count the demo's rows
    assert sum(counts.values()) == len(subjects) > 0
    named = {word for subject in subjects for word in re.findall(r"LV[0-9A-Z]-\d{4}", subject or "")}
    assert named and not named & finished
