"""The world the form fuzzer posts into: the demo programme (three waves, 25 funded projects with
tranches, agreements, reports, learning, leadership) seeded once per module inside a transaction that
is rolled back at the end, plus the few things the demo has no link for (a reset link, a partner's and
a participant's link, an API token, an email in the outbox, a draft round).

``TARGETS`` names, for every form-handling POST rule of the URL map, who may use it and the URL
arguments: ``test_every_post_route_is_fuzzed`` fails when a new POST route has no entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import select

from grants.accounts import services as account_services
from grants.accounts.models import User
from grants.accounts.tokens import make_confirmation_token, make_reset_token
from grants.api import services as api_services
from grants.applications.models import Application, Partner
from grants.applications.tokens import make_partner_token
from grants.bidforms.default import DEFAULT_FORM
from grants.bidforms.kinds import KINDS
from grants.bidforms.models import FormPage, FormQuestion
from grants.core.permissions import Role
from grants.enablers.models import EnablerAssignment
from grants.extensions import db
from grants.funding.models import GrantAgreement, MatchFunding, Tranche, TrancheCondition
from grants.leadership.models import (
    AssessmentInvitation,
    LeadershipDomain,
    LeadershipFramework,
    Participant,
    StageClosure,
)
from grants.leadership.services import digest
from grants.learning.models import LearningCommitment, LearningItem
from grants.monitoring.models import Milestone, OutcomeMeasure, ProgressReport
from grants.notifications.models import Notification
from grants.projects.models import LIVE_STATUSES, Project, ProjectUpdate
from grants.reviews.models import ConflictDeclaration, ReviewAssignment
from grants.rounds.models import Round, RubricCriterion
from tests.form_specs import EVERY_KIND

PARTICIPANT_TOKEN = "fuzz-participant-link-0123456789abcdef"
NEW_PASSWORD = "a registration not yet confirmed"


@dataclass
class World:
    """Ids and secrets only (never model instances), so nothing outlives a session."""

    users: dict[str, int] = field(default_factory=dict)
    reset_token: str = ""
    confirm_token: str = ""
    partner_token: str = ""
    api_token_id: int = 0
    notification_id: int = 0
    draft_round_id: int = 0
    every_kind_bid_id: int = 0  # a draft bid in an open round whose form asks a question of every kind
    complete_bid_id: int = 0
    decided_round_id: int = 0
    # The end of a grant: a project in close-out, one running (unpaid), one paid, an award given up waiting
    # for an officer, and an early end confirmed with a repayment to record: (project id, ending id).
    closing_project_id: int = 0
    running_project_id: int = 0
    paid_project_id: int = 0
    waiting_ending: tuple[int, int] = (0, 0)
    ended_early: tuple[int, int] = (0, 0)
    clarification: tuple[int, int] = (0, 0)  # a bid under review and an officer's clarification request on it


@dataclass(frozen=True)
class Target:
    """One POST rule to fuzz: its URL, the person who posts (None: anonymous), and the pages where its
    form may be found when the rule itself answers only POST."""

    key: str
    endpoint: str
    url: str
    user_id: int | None
    session_token: str | None  # what a signed-in session carries for the person (None: anonymous)
    pages: tuple[str, ...] = ()
    session: dict | None = None  # anything else the session holds (a sign-in half-way through)


def _one(statement):
    found = db.session.scalars(statement.limit(1)).first()
    assert found is not None, f"the fuzz world has nothing for {statement}"
    return found


def _user(email: str) -> int:
    return _one(select(User.id).where(User.email == email))


def build_world() -> World:
    from grants.applications import services
    from grants.demo import seed_demo
    from tests.factories import (
        ApplicantFactory,
        ApplicationFactory,
        RoundFactory,
        complete_bid,
        decide,
        enrol_two_factor,
        funded_project,
        under_review_bid,
    )

    seed_demo()
    db.session.commit()
    world = World()
    for role, email in (
        ("applicant", "applicant@example.org"),
        ("member", "steering.member@example.org"),
        ("chair", "steering.chair@example.org"),
        ("cochair", "steering.cochair@example.org"),
        ("enabler", "enabler@example.org"),
        ("officer", "officer@example.org"),
        ("finance", "finance@example.org"),
        ("admin", "admin@example.org"),
    ):
        world.users[role] = _user(email)
    # The demo's staff have no second factor (the demo does not ask for one); the fuzzed service does.
    for role in ("chair", "cochair", "officer", "finance", "admin", "member"):
        enrol_two_factor(db.session.get(User, world.users[role]))

    officer = db.session.get(User, world.users["officer"])
    world.reset_token = make_reset_token(db.session.get(User, world.users["applicant"]))
    account_services.register_applicant(name="Una Newcomer", email="una.newcomer@example.org", password=NEW_PASSWORD)
    newcomer = db.session.scalars(select(User).where(User.email == "una.newcomer@example.org")).one()
    world.confirm_token = make_confirmation_token(newcomer)  # a registration not yet confirmed
    partner = _one(select(Partner).where(Partner.application_id == _draft_bid(world).id).order_by(Partner.id))
    partner.status, partner.responded_at = "invited", None
    db.session.commit()
    world.partner_token = make_partner_token(partner)
    token, _secret = api_services.create_token(
        officer, name="Fuzzed", roles=[Role.PROGRAMME_OFFICER.value], expires_in_days=None
    )
    db.session.commit()
    world.api_token_id = token.id
    notification = Notification(
        recipient_email="someone@example.org",
        template="fuzz",
        dedupe_key="fuzz:1",
        subject="A message that could not be sent",
        body_text="Hello",
        status="failed",
        attempts=5,
        last_error="mail server unavailable",
    )
    db.session.add(notification)
    framework = _one(select(LeadershipFramework).where(LeadershipFramework.is_current.is_(True)))
    participant = _one(select(Participant))
    used_stages = set(
        db.session.scalars(
            select(AssessmentInvitation.stage).where(AssessmentInvitation.participant_id == participant.id)
        )
    )
    stage = next(stage for stage in ("baseline", "midpoint", "final") if stage not in used_stages)
    db.session.add(
        AssessmentInvitation(
            participant_id=participant.id,
            stage=stage,
            framework_id=framework.id,
            token_digest=digest(PARTICIPANT_TOKEN),
        )
    )
    draft_round = RoundFactory(status="draft", code="LVF", title="A draft wave for the fuzzer")
    # Hostile answers to a question of every kind; "schools: yes" asks the conditional page too.
    every_kind = ApplicationFactory(
        round=RoundFactory(code="LVK", title="A wave asking every kind of question", form=EVERY_KIND),
        answers={"schools": "yes"},
    )
    world.every_kind_bid_id = every_kind.id
    # A bid ready to submit, and a wave whose every bid has a decision waiting to take effect.
    ready = complete_bid(ApplicationFactory(round=_round("open")))
    world.users["newcomer"] = ApplicantFactory(name="New Applicant").id  # no bid in the open wave yet
    assert services.submission_problems(ready) == [], services.submission_problems(ready)
    decided = under_review_bid(
        RoundFactory(status="assessing", code="LVD", title="A wave ready to decide", assessment_deadline=today_plus(30))
    )
    decide(decided, "approved", decided_by_id=world.users["chair"])
    funded_project()  # just funded: its match funding only pledged (every demo project's is confirmed)
    db.session.commit()
    # A waiver waiting for a finance approver's agreement, proposed by the officer.
    from grants.funding.services import waivers

    waivers.propose_waiver(_waivable_condition(), actor=officer, reason="Agreed by the steering group")
    db.session.commit()
    _build_endings(world, officer)
    _ask_a_clarification(world, officer)
    _room_for_a_reserve()
    world.notification_id = notification.id
    world.draft_round_id = draft_round.id
    world.complete_bid_id = ready.id
    world.decided_round_id = decided.round_id
    return world


def _ask_a_clarification(world: World, officer: User) -> None:
    from grants.conversations import services as conversations

    bid = _bid_under_review()
    asked = conversations.send_on_bid(bid, actor=officer, body="Which board signs the pledge?", clarification=True)
    db.session.commit()
    world.clarification = (bid.id, asked.id)


def _room_for_a_reserve() -> None:
    """The decided wave with a reserve list has a place and budget left, so its page offers the form."""
    round_id = _one(
        select(Application.round_id)
        .join(Round, Round.id == Application.round_id)
        .where(Application.status == "reserve", Round.status == "decided")
        .order_by(Application.round_id)
    )
    wave = db.session.get(Round, round_id)
    wave.budget_pence += 10_000_000
    wave.places = (wave.places + 5) if wave.places else None
    db.session.commit()


def _build_endings(world: World, officer: User) -> None:
    from grants.projects import ending
    from tests.factories import funded_project
    from tests.projects.helpers import begin_closeout, pay_first_tranche, start

    finance = db.session.get(User, world.users["finance"])
    closing = funded_project()
    start(closing, officer)
    begin_closeout(closing, officer)
    running = funded_project(closing.round)
    start(running, officer)
    paid = funded_project(closing.round)
    pay_first_tranche(paid, officer, finance)
    waiting = funded_project(closing.round)
    given_up = ending.record_withdrawal(
        waiting, reason="The council withdrew.", actor=waiting.application.lead_applicant
    )
    ended = funded_project(closing.round)
    pay_first_tranche(ended, officer, finance)
    proposal = ending.propose_early_end(
        ended, reason="The partnership broke up.", repayment_pence=100_000, actor=officer
    )
    ending.confirm_ending(proposal, actor=finance)
    db.session.commit()
    world.closing_project_id, world.running_project_id, world.paid_project_id = closing.id, running.id, paid.id
    world.waiting_ending = (waiting.id, given_up.id)
    world.ended_early = (ended.id, proposal.id)


# --- Who posts where ------------------------------------------------------------------------------------


def _draft_bid(w: World) -> Application:
    """A draft bid, in the open wave, with a partner: its lead applicant edits it."""
    return _one(
        select(Application)
        .join(Round)
        .where(Application.status == "draft", Round.status == "open", Application.partners.any())
        .order_by(Application.id)
    )


def _every_kind_bid(w: World) -> Application:
    bid = db.session.get(Application, w.every_kind_bid_id)
    assert bid is not None
    return bid


def _every_kind_page(w: World, page: str) -> Resolved:
    bid = _every_kind_bid(w)
    return bid.lead_applicant_id, {"application_id": bid.id, "section": page}


def _bid_under_review() -> Application:
    return _one(select(Application).where(Application.status == "under_review").order_by(Application.id))


def _chair_bid(w: World) -> Application:
    conflicted = select(ConflictDeclaration.application_id).where(
        ConflictDeclaration.reviewer_id == w.users["chair"], ConflictDeclaration.has_conflict.is_(True)
    )
    return _one(
        select(Application)
        .where(Application.status == "under_review", Application.id.not_in(conflicted))
        .order_by(Application.id)
    )


def _project(w: World) -> Project:
    """A funded project the demo enabler works with."""
    return _one(
        select(Project)
        .join(EnablerAssignment, EnablerAssignment.project_id == Project.id)
        .where(EnablerAssignment.enabler_id == w.users["enabler"], EnablerAssignment.ends_on.is_(None))
        .order_by(Project.id)
    )


def _lead(project: Project) -> int:
    return project.application.lead_applicant_id


def _tranche(status: str) -> Tranche:
    return _one(select(Tranche).where(Tranche.status == status).order_by(Tranche.id))


def _agreement(status: str) -> GrantAgreement:
    return _one(select(GrantAgreement).where(GrantAgreement.status == status).order_by(GrantAgreement.id))


def _round(status: str) -> Round:
    return _one(select(Round).where(Round.status == status).order_by(Round.id))


Resolved = tuple[int | None, dict] | tuple[int | None, dict, tuple[str, ...]]
Resolver = Callable[[World], Resolved]


def _applicant_bid(w: World, **extra) -> Resolved:
    bid = _draft_bid(w)
    return (
        bid.lead_applicant_id,
        {"application_id": bid.id, **extra},
        (
            url_for("applications.show", application_id=bid.id),
            url_for("applications.partnership", application_id=bid.id),
        ),
    )


def _partner(w: World) -> Resolved:
    bid = _draft_bid(w)
    partner = _one(select(Partner).where(Partner.application_id == bid.id).order_by(Partner.id))
    return (
        bid.lead_applicant_id,
        {"application_id": bid.id, "partner_id": partner.id},
        (url_for("applications.partnership", application_id=bid.id),),
    )


def _project_page(project: Project, *endpoints: str) -> tuple[str, ...]:
    return tuple(url_for(endpoint, project_id=project.id) for endpoint in endpoints)


def _officer_project(*pages: str) -> Resolver:
    def resolve(w: World) -> Resolved:
        project = _project(w)
        return w.users["officer"], {"project_id": project.id}, _project_page(project, *pages)

    return resolve


def _tranche_action(status: str, who: str = "officer") -> Resolver:
    def resolve(w: World) -> Resolved:
        tranche = _tranche(status)
        pages = (
            url_for("funding.project", project_id=tranche.project_id),
            url_for("funding.tranche", tranche_id=tranche.id),
        )
        return w.users[who], {"tranche_id": tranche.id}, pages

    return resolve


def _condition(met: bool, custom: bool = False, owner: bool = False) -> Resolver:
    def resolve(w: World) -> Resolved:
        statement = select(TrancheCondition).join(Tranche).where(Tranche.status.in_(("scheduled", "eligible")))
        statement = statement.where(TrancheCondition.met_at.is_not(None) if met else TrancheCondition.met_at.is_(None))
        if custom:
            statement = statement.where(TrancheCondition.kind == "custom")
        condition = _one(statement.order_by(TrancheCondition.id))
        pages = (url_for("funding.project", project_id=condition.tranche.project_id),)
        user = condition.owner_id if owner else w.users["officer"]
        return user, {"condition_id": condition.id}, pages

    return resolve


def _waivable_condition(pending: bool = False) -> TrancheCondition:
    from grants.funding.models import WAIVABLE_KINDS

    proposed = TrancheCondition.waiver_proposed_at
    statement = (
        select(TrancheCondition)
        .join(Tranche)
        .where(
            Tranche.status.in_(("scheduled", "eligible")),
            TrancheCondition.kind.in_(WAIVABLE_KINDS),
            TrancheCondition.met_at.is_(None),
            TrancheCondition.waived_at.is_(None),
            proposed.is_not(None) if pending else proposed.is_(None),
        )
    )
    return _one(statement.order_by(TrancheCondition.id))


def _waiver(who: str, pending: bool) -> Resolver:
    def resolve(w: World) -> Resolved:
        condition = _waivable_condition(pending)
        pages = (url_for("funding.tranche", tranche_id=condition.tranche_id),) if pending else ()
        return w.users[who], {"condition_id": condition.id}, pages

    return resolve


def _agreement_action(status: str, who: str = "officer") -> Resolver:
    def resolve(w: World) -> Resolved:
        agreement = _agreement(status)
        user = _lead(agreement.project) if who == "lead" else w.users[who]
        pages = (
            url_for("funding.project", project_id=agreement.project_id),
            url_for("funding.agreement", project_id=agreement.project_id, version=agreement.version),
        )
        return user, {"project_id": agreement.project_id, "version": agreement.version}, pages

    return resolve


def _match(status: str) -> Resolver:
    def resolve(w: World) -> Resolved:
        # A running project's: a finished project's money offers no form to change it.
        match = _one(
            select(MatchFunding)
            .join(Project, Project.id == MatchFunding.project_id)
            .where(MatchFunding.status == status, Project.status.in_(LIVE_STATUSES))
            .order_by(MatchFunding.id)
        )
        project_id = match.project_id
        return w.users["officer"], {"project_id": project_id}, (url_for("funding.project", project_id=project_id),)

    return resolve


def _report(status: str, who: str) -> Resolver:
    def resolve(w: World) -> Resolved:
        report = _one(select(ProgressReport).where(ProgressReport.status == status).order_by(ProgressReport.id))
        project = db.session.get(Project, report.project_id)
        user = _lead(project) if who == "lead" else w.users[who]
        pages = (url_for("monitoring.report", project_id=project.id, report_id=report.id),)
        return user, {"project_id": project.id, "report_id": report.id}, pages

    return resolve


def _milestone(w: World) -> Resolved:
    milestone = _one(select(Milestone).order_by(Milestone.id))
    pages = (url_for("monitoring.project", project_id=milestone.project_id),)
    return w.users["officer"], {"project_id": milestone.project_id, "milestone_id": milestone.id}, pages


def _commitment(status: str) -> Resolver:
    def resolve(w: World) -> Resolved:
        commitment = _one(
            select(LearningCommitment).where(LearningCommitment.status == status).order_by(LearningCommitment.id)
        )
        project = db.session.get(Project, commitment.project_id)
        pages = (url_for("learning.project", project_id=project.id),)
        return _lead(project), {"project_id": project.id, "commitment_id": commitment.id}, pages

    return resolve


def _item(status: str, who: str) -> Resolver:
    def resolve(w: World) -> Resolved:
        item = _one(select(LearningItem).where(LearningItem.status == status).order_by(LearningItem.id))
        project = db.session.get(Project, item.project_id)
        user = _lead(project) if who == "lead" else w.users[who]
        pages = (url_for("learning.item", project_id=project.id, item_id=item.id),)
        return user, {"project_id": project.id, "item_id": item.id}, pages

    return resolve


def _update(w: World) -> Resolved:
    project = _project(w)
    update = _one(
        select(ProjectUpdate)
        .where(ProjectUpdate.project_id == project.id, ProjectUpdate.author_id == w.users["enabler"])
        .order_by(ProjectUpdate.id.desc())
    )
    return w.users["enabler"], {"project_id": project.id, "update_id": update.id}


def _assignment(status: str) -> Resolver:
    def resolve(w: World) -> Resolved:
        assignment = _one(
            select(ReviewAssignment)
            .join(Application)
            .where(ReviewAssignment.status == status, Application.status == "under_review")
            .order_by(ReviewAssignment.id)
        )
        return assignment.reviewer_id, {"assignment_id": assignment.id}

    return resolve


def _ask_team(w: World) -> Resolved:
    """A reviewer scoring a bid under review asks the programme team, from the bid's page of their review."""
    reviewer_id, args = _assignment("in_progress")(w)
    assignment = db.session.get(ReviewAssignment, args["assignment_id"])
    pages = (url_for("reviews.assignment", assignment_id=assignment.id),)
    return reviewer_id, {"application_id": assignment.application_id}, pages


def _complete_bid(w: World) -> Resolved:
    bid = db.session.get(Application, w.complete_bid_id)
    return bid.lead_applicant_id, {"application_id": bid.id}


def _unassign(w: World) -> Resolved:
    assignment = db.session.get(ReviewAssignment, _assignment("assigned")(w)[1]["assignment_id"])
    pages = (url_for("review_admin.index", round_id=assignment.application.round_id),)
    return w.users["officer"], {"assignment_id": assignment.id}, pages


def _project_with(model) -> Resolver:
    def resolve(w: World) -> Resolved:
        project_id = _one(select(model.project_id).order_by(model.project_id))
        pages = (url_for("leadership.project", project_id=project_id),)
        return w.users["officer"], {"project_id": project_id}, pages

    return resolve


def _stage_to_close(w: World) -> Resolved:
    """A stage still open that someone was invited to (the first such invitation, not the fuzzer's own)."""
    closed = select(StageClosure.id).where(
        StageClosure.project_id == Participant.project_id, StageClosure.stage == AssessmentInvitation.stage
    )
    project_id, stage = db.session.execute(
        select(Participant.project_id, AssessmentInvitation.stage)
        .join(Participant, Participant.id == AssessmentInvitation.participant_id)
        .where(~closed.exists())
        .order_by(AssessmentInvitation.id)
        .limit(1)
    ).one()
    pages = (url_for("leadership.project", project_id=project_id),)
    return w.users["officer"], {"project_id": project_id, "stage": stage}, pages


def _measure(w: World) -> Resolved:
    measure = _one(select(OutcomeMeasure).order_by(OutcomeMeasure.id))
    pages = (url_for("monitoring.project", project_id=measure.project_id),)
    return w.users["officer"], {"project_id": measure.project_id, "measure_id": measure.id}, pages


def _applied_here(w: World) -> Resolved:
    commitment = _one(
        select(LearningCommitment)
        .where(
            LearningCommitment.kind == "apply_elsewhere",
            LearningCommitment.status == "done",
            LearningCommitment.applied_project_id.is_not(None),
            LearningCommitment.applied_confirmed_at.is_(None),
        )
        .order_by(LearningCommitment.id)
    )
    project_id = commitment.applied_project_id
    pages = (url_for("learning.project", project_id=project_id),)
    return w.users["officer"], {"project_id": project_id, "commitment_id": commitment.id}, pages


def _participant(w: World) -> Resolved:
    person = _one(select(Participant).order_by(Participant.id))
    pages = (url_for("leadership.project", project_id=person.project_id),)
    return w.users["officer"], {"project_id": person.project_id, "participant_id": person.id}, pages


def _criterion(w: World) -> Resolved:
    criterion = _one(
        select(RubricCriterion).where(RubricCriterion.round_id == w.draft_round_id).order_by(RubricCriterion.id)
    )
    pages = (url_for("round_admin.show", round_id=w.draft_round_id),)
    return w.users["officer"], {"round_id": w.draft_round_id, "criterion_id": criterion.id}, pages


def _form_page(w: World) -> Resolved:
    """A page of the draft round's form (not its first, so it can move up), found on the form's overview."""
    page = _one(select(FormPage).where(FormPage.round_id == w.draft_round_id, FormPage.key == "vision"))
    pages = (url_for("form_builder.overview", round_id=w.draft_round_id),)
    return w.users["officer"], {"round_id": w.draft_round_id, "page_id": page.id}, pages


def _form_question(w: World) -> Resolved:
    """A question of the draft round's form with another below it on its page (it can move down)."""
    question = _one(
        select(FormQuestion).where(FormQuestion.round_id == w.draft_round_id, FormQuestion.key == "outcomes")
    )
    pages = (url_for("form_builder.overview", round_id=w.draft_round_id),)
    return w.users["officer"], {"round_id": w.draft_round_id, "question_id": question.id}, pages


def _draft_round(w: World) -> Resolved:
    return w.users["officer"], {"round_id": w.draft_round_id}


def _domain(w: World) -> Resolved:
    domain = _one(
        select(LeadershipDomain)
        .join(LeadershipFramework)
        .where(LeadershipFramework.is_current.is_(True))
        .order_by(LeadershipDomain.id)
    )
    return w.users["officer"], {"domain_id": domain.id}, (url_for("leadership.framework"),)


def _withdrawn_applicant(w: World) -> Resolved:
    """An applicant whose bids are all withdrawn, their withdrawals moved back past the retention
    period (the demo's are recent), for an officer to anonymise."""
    live = select(Application.lead_applicant_id).where(Application.status != "withdrawn")
    lead_id = _one(
        select(Application.lead_applicant_id)
        .where(Application.status == "withdrawn", Application.lead_applicant_id.not_in(live))
        .order_by(Application.id)
    )
    for bid in db.session.scalars(select(Application).where(Application.lead_applicant_id == lead_id)):
        bid.withdrawn_at -= timedelta(days=800)
    db.session.commit()
    return w.users["officer"], {"user_id": lead_id}


def _half_signed_in(user_id: int) -> dict:
    """The session of a person whose password was right and who still owes a two-factor code."""
    import time

    from grants.accounts.two_factor import PENDING

    user = db.session.get(User, user_id)
    return {PENDING: {"id": user.id, "token": user.session_token, "at": int(time.time()) + 3600, "next": "/"}}


def _ending(which: str, who: str) -> Resolver:
    """A proposal to end a project, on its page: ``which`` is ``waiting_ending`` or ``ended_early``."""

    def resolve(w: World) -> Resolved:
        project_id, ending_id = getattr(w, which)
        pages = (url_for("projects.ending_page", project_id=project_id, ending_id=ending_id),)
        return w.users[who], {"project_id": project_id, "ending_id": ending_id}, pages

    return resolve


def _as(who: str, **args) -> Resolver:
    return lambda w: (w.users[who] if who else None, dict(args))


# Keyed by rule (an endpoint may serve "new" and "edit" rules). A rule with one entry per variant
# (the application's sections) has keys "rule[variant]".
TARGETS: dict[str, Resolver] = {
    "/account/api-tokens/<int:token_id>/revoke": lambda w: (
        w.users["officer"],
        {"token_id": w.api_token_id},
        (url_for("api_pages.tokens"),),
    ),
    "/account/api-tokens/new": _as("officer"),
    "/account/password": _as("officer"),
    "/admin/people/<int:user_id>/roles": lambda w: (w.users["admin"], {"user_id": w.users["applicant"]}),
    "/applications/<int:application_id>/check": _complete_bid,
    "/applications/<int:application_id>/partners/<int:partner_id>/edit": _partner,
    "/applications/<int:application_id>/partners/<int:partner_id>/remove": _partner,
    "/applications/<int:application_id>/partners/<int:partner_id>/resend": _partner,
    "/applications/<int:application_id>/partners/new": _applicant_bid,
    "/applications/<int:application_id>/partnership": _applicant_bid,
    **{
        f"/applications/<int:application_id>/sections/<section>[{section}]": (
            lambda w, section=section: _applicant_bid(w, section=section)
        )
        for section, *_ in DEFAULT_FORM  # the pages of the demo's open wave
        if section != "partnership"  # served by /applications/<id>/partnership
    },
    # Hostile input in a question of every kind, on each page of a round's own form.
    **{
        f"/applications/<int:application_id>/sections/<section>[every:{page}]": (
            lambda w, page=page: _every_kind_page(w, page)
        )
        for page, *_ in EVERY_KIND
    },
    "/applications/<int:application_id>/withdraw": _applicant_bid,
    # Hostile words and files in a bid's conversation (an officer's, with the clarification box), in the
    # applicant's answer to a clarification request, and in a project's conversation (its enabler's).
    "/applications/<int:application_id>/messages": lambda w: (
        w.users["officer"],
        {"application_id": w.clarification[0]},
    ),
    "/applications/<int:application_id>/messages/<int:message_id>/answer": lambda w: (
        db.session.get(Application, w.clarification[0]).lead_applicant_id,
        {"application_id": w.clarification[0], "message_id": w.clarification[1]},
    ),
    "/projects/<int:project_id>/messages": lambda w: (w.users["enabler"], {"project_id": _project(w).id}),
    "/assessment/applications/<int:application_id>": lambda w: (
        w.users["chair"],
        {"application_id": _chair_bid(w).id},
    ),
    "/assessment/applications/<int:application_id>/conflict": lambda w: (
        w.users["chair"],
        {"application_id": _chair_bid(w).id},
    ),
    "/assessment/assignments/<int:assignment_id>/look-again": lambda w: (
        w.users["chair"],
        {
            "assignment_id": _one(
                select(ReviewAssignment.id).where(
                    ReviewAssignment.status == "submitted", ReviewAssignment.application_id == _chair_bid(w).id
                )
            )
        },
        (url_for("assessment.bid", application_id=_chair_bid(w).id),),
    ),
    "/assessment/rounds/<int:round_id>/apply": lambda w: (w.users["chair"], {"round_id": w.decided_round_id}),
    "/assessment/rounds/<int:round_id>/reserves": lambda w: (
        w.users["chair"],
        {
            "round_id": _one(
                select(Application.round_id)
                .join(Round, Round.id == Application.round_id)
                .where(Application.status == "reserve", Round.status == "decided")
                .order_by(Application.round_id)
            )
        },
    ),
    "/assessment/rounds/<int:round_id>/bulk": lambda w: (
        w.users["chair"],
        {"round_id": _round("assessing").id},
        (url_for("assessment.round_view", round_id=_round("assessing").id),),
    ),
    "/email/<int:notification_id>/resend": lambda w: (
        w.users["officer"],
        {"notification_id": w.notification_id},
        (url_for("notifications.show", notification_id=w.notification_id),),
    ),
    "/enabler/profile": _as("enabler"),
    "/funding/conditions/<int:condition_id>/confirm": _condition(met=False, custom=True, owner=True),
    "/funding/conditions/<int:condition_id>/remove": _condition(met=False, custom=True),
    "/funding/conditions/<int:condition_id>/reopen": _condition(met=True),
    "/funding/conditions/<int:condition_id>/waive": _waiver("officer", pending=False),
    "/funding/conditions/<int:condition_id>/waive/agree": _waiver("finance", pending=True),
    "/funding/conditions/<int:condition_id>/waive/withdraw": _waiver("officer", pending=True),
    "/funding/tranches/<int:tranche_id>": _tranche_action("requested", "finance"),
    "/funding/tranches/<int:tranche_id>/conditions/new": _tranche_action("scheduled"),
    "/funding/tranches/<int:tranche_id>/hold": _tranche_action("eligible"),
    "/funding/tranches/<int:tranche_id>/request": _tranche_action("eligible"),
    "/funding/tranches/<int:tranche_id>/resume": _tranche_action("held"),
    "/funding/tranches/<int:tranche_id>/return": _tranche_action("requested", "finance"),
    "/leadership/framework/domains/<int:domain_id>": _domain,
    "/leadership/framework/domains/<int:domain_id>/remove": _domain,
    "/leadership/framework/domains/new": _as("officer"),
    "/leadership/framework/new-version": lambda w: (w.users["officer"], {}, (url_for("leadership.framework"),)),
    "/leadership/framework/scale": _as("officer"),
    "/manage/applications/<int:application_id>/ineligible": lambda w: (
        w.users["officer"],
        {"application_id": _bid_under_review().id},
    ),
    "/manage/applications/<int:application_id>/reviewers": lambda w: (
        w.users["officer"],
        {"application_id": _bid_under_review().id},
    ),
    "/manage/assignments/<int:assignment_id>/unassign": _unassign,
    "/manage/enablers/<int:user_id>": lambda w: (w.users["officer"], {"user_id": w.users["enabler"]}),
    "/manage/enablers/invite": _as("officer"),
    "/manage/projects/<int:project_id>/enabler": _officer_project(),
    "/manage/projects/<int:project_id>/enabler/end": _officer_project("enablers.match"),
    "/manage/rounds/<int:round_id>/agreement-terms": lambda w: (w.users["officer"], {"round_id": w.draft_round_id}),
    "/manage/rounds/<int:round_id>/form/copy": _draft_round,
    "/manage/rounds/<int:round_id>/form/pages/new": _draft_round,
    "/manage/rounds/<int:round_id>/form/pages/<int:page_id>": _form_page,
    "/manage/rounds/<int:round_id>/form/pages/<int:page_id>/move": _form_page,
    "/manage/rounds/<int:round_id>/form/pages/<int:page_id>/remove": _form_page,
    "/manage/rounds/<int:round_id>/form/questions/new": _draft_round,
    # The officer's preview checks what it is sent as the applicant's page would, and keeps nothing.
    **{
        f"/manage/rounds/<int:round_id>/form/preview/<page_key>[{page}]": (
            lambda w, page=page: (w.users["officer"], {"round_id": _every_kind_bid(w).round_id, "page_key": page})
        )
        for page, *_ in EVERY_KIND
    },
    # Hostile details for a question of every kind.
    **{
        f"/manage/rounds/<int:round_id>/form/questions/new/<kind>[{kind}]": (
            lambda w, kind=kind: (w.users["officer"], {"round_id": w.draft_round_id, "kind": kind})
        )
        for kind in KINDS
    },
    "/manage/rounds/<int:round_id>/form/questions/<int:question_id>": _form_question,
    "/manage/rounds/<int:round_id>/form/questions/<int:question_id>/move": _form_question,
    "/manage/rounds/<int:round_id>/form/questions/<int:question_id>/remove": _form_question,
    "/manage/rounds/<int:round_id>/criteria/<int:criterion_id>": _criterion,
    "/manage/rounds/<int:round_id>/criteria/<int:criterion_id>/remove": _criterion,
    "/manage/rounds/<int:round_id>/criteria/new": lambda w: (w.users["officer"], {"round_id": w.draft_round_id}),
    "/manage/rounds/<int:round_id>/edit": lambda w: (w.users["officer"], {"round_id": w.draft_round_id}),
    "/manage/rounds/<int:round_id>/reviewers/auto": lambda w: (
        w.users["officer"],
        {"round_id": _round("assessing").id},
        (url_for("review_admin.index", round_id=_round("assessing").id),),
    ),
    "/manage/rounds/<int:round_id>/status": lambda w: (
        w.users["officer"],
        {"round_id": w.draft_round_id},
        (url_for("round_admin.show", round_id=w.draft_round_id),),
    ),
    "/manage/rounds/new": _as("officer"),
    "/manage/themes/<int:theme_id>": lambda w: (
        w.users["officer"],
        {"theme_id": _one(select(Round).limit(1)).themes[0].id},
    ),
    "/manage/themes/new": _as("officer"),
    "/organisation": _as("applicant"),
    "/partner/<token>": lambda w: (None, {"token": w.partner_token}),
    "/password/forgot": _as(""),
    "/password/reset/<token>": lambda w: (None, {"token": w.reset_token}),
    "/manage/personal-data/people/<int:user_id>/anonymise": _withdrawn_applicant,
    "/progress/compile": lambda w: (w.users["officer"], {}, (url_for("progress.index"),)),
    "/projects/<int:project_id>/close-out": lambda w: (w.users["officer"], {"project_id": w.closing_project_id}),
    "/projects/<int:project_id>/close-out/start": lambda w: (
        w.users["officer"],
        {"project_id": w.running_project_id},
        (url_for("projects.closeout", project_id=w.running_project_id),),
    ),
    "/projects/<int:project_id>/give-up": lambda w: (
        _lead(db.session.get(Project, w.running_project_id)),
        {"project_id": w.running_project_id},
    ),
    "/projects/<int:project_id>/end-early": lambda w: (w.users["officer"], {"project_id": w.paid_project_id}),
    "/projects/<int:project_id>/endings/<int:ending_id>/confirm": _ending("waiting_ending", "officer"),
    "/projects/<int:project_id>/endings/<int:ending_id>/cancel": _ending("waiting_ending", "officer"),
    "/projects/<int:project_id>/endings/<int:ending_id>/repayment": _ending("ended_early", "finance"),
    "/projects/<int:project_id>/endings/<int:ending_id>/repaid": _ending("ended_early", "finance"),
    "/projects/<int:project_id>/agreement/<int:version>/issue": _agreement_action("draft"),
    "/projects/<int:project_id>/agreement/<int:version>/sign": _agreement_action("issued", "lead"),
    "/projects/<int:project_id>/agreement/<int:version>/withdraw": _agreement_action("issued"),
    "/projects/<int:project_id>/agreement/variation": _officer_project(),
    "/projects/<int:project_id>/commitments/<int:commitment_id>": _commitment("in_progress"),
    "/projects/<int:project_id>/commitments/<int:commitment_id>/change": _commitment("planned"),
    "/projects/<int:project_id>/commitments/new": lambda w: (_lead(_project(w)), {"project_id": _project(w).id}),
    "/projects/<int:project_id>/funding/schedule": lambda w: (
        w.users["officer"],
        {"project_id": _agreement("draft").project_id},
    ),
    "/projects/<int:project_id>/leadership/invite": _project_with(Participant),
    "/projects/<int:project_id>/leadership/stages/<stage>/close": _stage_to_close,
    "/projects/<int:project_id>/leadership/participants/new": _officer_project(),
    "/projects/<int:project_id>/leadership/participants/<int:participant_id>/change": _participant,
    "/projects/<int:project_id>/learning/items/<int:item_id>/edit": _item("draft", "lead"),
    "/projects/<int:project_id>/learning/items/<int:item_id>/review": _item("submitted", "officer"),
    "/projects/<int:project_id>/learning/items/<int:item_id>/withdraw": _item("published", "officer"),
    "/projects/<int:project_id>/learning/items/new": lambda w: (_lead(_project(w)), {"project_id": _project(w).id}),
    "/projects/<int:project_id>/match/confirm": _match("pledged"),
    "/projects/<int:project_id>/match/received": _match("confirmed"),
    "/projects/<int:project_id>/milestones/<int:milestone_id>": _milestone,
    "/projects/<int:project_id>/milestones/<int:milestone_id>/remove": _milestone,
    "/projects/<int:project_id>/milestones/new": _officer_project(),
    "/projects/<int:project_id>/learning/applied/<int:commitment_id>/confirm": _applied_here,
    "/projects/<int:project_id>/measures/new": _officer_project(),
    "/projects/<int:project_id>/measures/<int:measure_id>": _measure,
    "/projects/<int:project_id>/rag": _officer_project("projects.show"),
    "/projects/<int:project_id>/reports/<int:report_id>": _report("due", "lead"),
    "/projects/<int:project_id>/reports/<int:report_id>/review": _report("submitted", "officer"),
    "/projects/<int:project_id>/updates/<int:update_id>/edit": _update,
    "/projects/<int:project_id>/updates/new": lambda w: (w.users["enabler"], {"project_id": _project(w).id}),
    "/register": _as(""),
    "/register/confirm/<token>": lambda w: (None, {"token": w.confirm_token}),
    "/reviews/applications/<int:application_id>/ask": _ask_team,
    "/reviews/<int:assignment_id>": _assignment("in_progress"),
    "/reviews/<int:assignment_id>/conflict": _assignment("in_progress"),
    "/rounds/<int:round_id>/start": lambda w: (w.users["newcomer"], {"round_id": _round("open").id}),
    "/self-assessment/<token>": lambda w: (None, {"token": PARTICIPANT_TOKEN}),
    "/sign-in": _as(""),
    "/sign-in/two-factor": lambda w: (None, {}, (), _half_signed_in(w.users["officer"])),
    "/account/two-factor/set-up": _as("applicant"),
    "/account/two-factor/recovery-codes": lambda w: (w.users["officer"], {}, (url_for("accounts.two_factor_page"),)),
    "/account/two-factor/turn-off": _as("member"),
    "/admin/people/<int:user_id>/two-factor/reset": lambda w: (w.users["admin"], {"user_id": w.users["officer"]}),
    "/sign-out": lambda w: (w.users["officer"], {}, (url_for("main.home"),)),
}


def post_rules(app) -> dict[str, str]:
    """Every rule of the URL map that takes a POST, with its endpoint."""
    return {rule.rule: rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def resolve_targets(app, world: World) -> dict[str, Target]:
    rules = post_rules(app)
    targets = {}
    with app.test_request_context():
        for key, resolver in TARGETS.items():
            rule = key.split("[", 1)[0]
            resolved = resolver(world)
            user_id, args = resolved[0], resolved[1]
            pages = resolved[2] if len(resolved) > 2 else ()
            extra = resolved[3] if len(resolved) > 3 else None
            endpoint = rules[rule]
            url = url_for(endpoint, **args)
            token = db.session.get(User, user_id).get_id() if user_id else None
            targets[key] = Target(key, endpoint, url, user_id, token, pages, extra)
    return targets


def today_plus(days: int) -> date:
    return date.today() + timedelta(days=days)
