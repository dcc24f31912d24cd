"""The access matrix: every rule of the URL map, how to build its URL from a shared world of objects,
and what each person (and an anonymous visitor) gets for GET and for POST.

The world holds two applicant organisations: A owns every object the URLs name; B is "another
organisation". Each entry names, for every person in ``WHO``, the expected answer:

- a status code (200, 400, 401, 403, 404, 410 ...);
- ``SIGN_IN``: a redirect to the sign-in page;
- ``REDIRECT``: a redirect somewhere else (the page sends the person on, e.g. to their own home);
- ``OK`` (POST only): the person may use the action; an empty form gets anything but a refusal
  (403/404/401/sign-in) or a server error;
- ``SIGNED_OUT``: signing out, which ends at the sign-in page.

A refusal must change nothing (see ``written``). A rule added to the app without an entry here fails
``test_every_route_has_a_matrix_entry``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db as _db
from tests.helpers import table_activity

SIGN_IN = "sign-in"
REDIRECT = "redirect"
OK = "ok"
SIGNED_OUT = "signed-out"

WHO = (
    "anonymous",
    "applicant",  # the lead applicant of organisation A, which owns every object in the URLs
    "applicant_other",  # an applicant of organisation B
    "steering_member",  # reviews A's bid under review
    "steering_chair",
    "enabler",  # supports A's project
    "enabler_other",  # an enabler with no project
    "programme_officer",
    "finance_approver",
    "admin",
)
SIGNED_IN = WHO[1:]


# --- The world ---------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, str] = field(default_factory=dict)  # who -> session token ("" for anonymous)
    bearer: dict[str, str | None] = field(default_factory=dict)  # who -> an API token with all their roles
    user_ids: dict[str, int] = field(default_factory=dict)
    ids: SimpleNamespace = field(default_factory=SimpleNamespace)
    tokens: SimpleNamespace = field(default_factory=SimpleNamespace)
    connection: object = None
    base: dict[str, str] = field(default_factory=dict)  # each table's digest once the world was built
    # Where the case now running started from: each table's write counts, and the digests it expects.
    activity: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)


def _write_file(stored_name: str, data: bytes = b"%PDF-1.4 test\n") -> None:
    from grants.documents import storage

    path = storage.path_of(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build_world() -> World:  # noqa: PLR0915 - one story, told in order
    from grants.accounts.tokens import make_confirmation_token, make_reset_token
    from grants.api import services as api_services
    from grants.applications.tokens import make_partner_token
    from grants.funding.models import GrantAgreement, MatchFunding, Tranche, TrancheCondition
    from grants.funding.services import agreements
    from grants.leadership import services as leadership
    from grants.leadership.models import AssessmentInvitation, Participant
    from grants.learning.models import LearningCommitment, LearningItem
    from grants.monitoring.models import Milestone, OutcomeMeasure, ProgressReport
    from grants.notifications.models import Notification
    from grants.progress import services as progress_services
    from grants.progress.models import ProgressCompilation
    from grants.projects.models import ProjectUpdate
    from tests.factories import (
        ApplicantFactory,
        ApplicationFactory,
        DocumentFactory,
        EnablerProfileFactory,
        OrganisationFactory,
        PartnerFactory,
        ReviewAssignmentFactory,
        RoundFactory,
        UserFactory,
        assign,
        funded_project,
        submitted_review,
        under_review_bid,
    )

    session = _db.session
    org_a, org_b = OrganisationFactory(name="Wigan Council"), OrganisationFactory(name="Tees Valley Council")
    people = {
        "applicant": ApplicantFactory(organisation=org_a, name="Applicant A"),
        "applicant_other": ApplicantFactory(organisation=org_b, name="Applicant B"),
        "steering_member": UserFactory(roles=[Role.STEERING_MEMBER], name="Steering Member", two_factor=True),
        "steering_chair": UserFactory(roles=[Role.STEERING_CHAIR], name="Steering Chair"),
        "enabler": EnablerProfileFactory(user=UserFactory(roles=[Role.ENABLER], name="Enabler")).user,
        "enabler_other": EnablerProfileFactory(user=UserFactory(roles=[Role.ENABLER], name="Other Enabler")).user,
        "programme_officer": UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Programme Officer"),
        "finance_approver": UserFactory(roles=[Role.FINANCE_APPROVER], name="Finance Approver"),
        "admin": UserFactory(roles=[Role.ADMIN], name="Administrator"),
    }
    lead, officer = people["applicant"], people["programme_officer"]
    ids = SimpleNamespace()

    # An open round with A's draft bid, an invited partner and a document.
    round_open = RoundFactory(status="open")
    bid_draft = ApplicationFactory(round=round_open, lead_organisation=org_a, lead_applicant=lead)
    partner = PartnerFactory(application=bid_draft, status="invited", responded_at=None)
    draft_document = DocumentFactory(application_id=bid_draft.id)
    _write_file(draft_document.stored_name)
    ids.round_open, ids.bid_draft, ids.partner, ids.draft_document = (
        round_open.id,
        bid_draft.id,
        partner.id,
        draft_document.id,
    )
    ids.criterion = round_open.criteria[0].id
    ids.theme, ids.theme_slug = round_open.themes[0].id, round_open.themes[0].slug
    ids.round_draft = RoundFactory(status="draft").id
    from grants.bidforms.queries import form_of

    draft_form = form_of(ids.round_draft)
    ids.form_page, ids.form_question = draft_form.page("vision").id, draft_form.by_key["issue"].id

    # An assessing round with A's bid under review, read by the steering member.
    round_assess = RoundFactory(status="assessing", assessment_deadline=date.today() + timedelta(days=30))
    bid_review = under_review_bid(round_assess, lead_organisation=org_a, lead_applicant=lead, title="Home safely")
    assignment = ReviewAssignmentFactory(
        application=bid_review, reviewer=people["steering_member"], status="in_progress"
    )
    other_review = submitted_review(bid_review, [4, 3])
    review_document = session.scalars(
        _db.select(type(draft_document)).where(type(draft_document).application_id == bid_review.id)
    ).first()
    _write_file(review_document.stored_name)
    ids.round_assess, ids.bid_review, ids.assignment, ids.other_review = (
        round_assess.id,
        bid_review.id,
        assignment.id,
        other_review.id,
    )
    ids.review_document = review_document.id
    # A's bid under review in another round, which the steering member (assigned to it) and the chair declared a
    # conflict with: neither sees it again (``CONFLICTED``).
    from grants.reviews import services as review_services

    bid_conflicted = under_review_bid(
        RoundFactory(status="assessing", assessment_deadline=date.today() + timedelta(days=30)),
        lead_organisation=org_a,
        lead_applicant=lead,
        title="Safe at home",
    )
    conflicted = ReviewAssignmentFactory(application=bid_conflicted, reviewer=people["steering_member"])
    review_services.declare(conflicted, has_conflict=True, nature="I chair its board.", actor=conflicted.reviewer)
    review_services.declare_chair_conflict(bid_conflicted, "A trustee of the lead.", actor=people["steering_chair"])
    session.commit()
    ids.bid_conflicted, ids.conflicted_assignment = bid_conflicted.id, conflicted.id

    # The conversation on A's bid: an officer's clarification request, with a file.
    from grants.conversations import services as conversations

    request = conversations.send_on_bid(bid_review, actor=officer, body="Which board signs?", clarification=True)
    session.commit()
    message_document = DocumentFactory(application_id=bid_review.id, kind="message", message_id=request.id)
    _write_file(message_document.stored_name)
    ids.clarification, ids.message_document = request.id, message_document.id
    # And on the bid they declared a conflict with: a clarification request with a file, and its answer.
    conflicted_request = conversations.send_on_bid(
        bid_conflicted, actor=officer, body="Who chairs the partnership board?", clarification=True
    )
    conflicted_answer = conversations.send_on_bid(
        bid_conflicted, actor=lead, body="The council's leader.", answers=conflicted_request
    )
    session.commit()
    conflicted_document = DocumentFactory(
        application_id=bid_conflicted.id, kind="message", message_id=conflicted_answer.id
    )
    _write_file(conflicted_document.stored_name)
    ids.conflicted_clarification, ids.conflicted_answer = conflicted_request.id, conflicted_answer.id
    ids.conflicted_message_document = conflicted_document.id

    # A's funded project: its enabler, log, money, monitoring, learning and leadership.
    project = funded_project(lead_organisation=org_a, lead_applicant=lead, title="Wigan deal")
    project.round.status = "decided"
    session.commit()
    assign(project, people["enabler"])
    ids.project, ids.round_project = project.id, project.round_id
    update = ProjectUpdate(
        project_id=project.id,
        author_id=people["enabler"].id,
        happened_on=date.today() - timedelta(days=2),
        kind="workshop",
        what_happened="The partners met.",
        rag="green",
    )
    milestone = Milestone(project_id=project.id, title="Board formed", due_on=date.today() + timedelta(days=20))
    session.add_all([update, milestone])
    session.commit()
    ids.update, ids.milestone = update.id, milestone.id
    ids.measure = session.scalar(_db.select(OutcomeMeasure.id).where(OutcomeMeasure.project_id == project.id))

    agreement = session.scalar(_db.select(GrantAgreement).where(GrantAgreement.project_id == project.id))
    agreements.issue_agreement(agreement, actor=officer)
    session.commit()
    ids.agreement_version = agreement.version
    tranche = session.scalar(_db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence))
    condition = TrancheCondition(
        tranche_id=tranche.id, kind="custom", description="Steering group formed", owner_id=people["enabler"].id
    )
    session.add(condition)
    session.commit()
    ids.tranche, ids.condition = tranche.id, condition.id
    match = session.scalar(_db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    match_document = DocumentFactory(application_id=None, kind="match_evidence")
    _write_file(match_document.stored_name)
    match.evidence_document_id = match_document.id
    session.commit()
    ids.match_document = match_document.id

    # The end of A's project: its lead has recorded that the award is given up, waiting for an officer. And
    # another of A's projects, started and paid, which an officer may end early.
    from grants.projects import ending
    from tests.projects.helpers import pay_first_tranche

    given_up = ending.record_withdrawal(project, reason="The council withdrew its support.", actor=lead)
    session.commit()
    ids.ending = given_up.id
    paid = funded_project(lead_organisation=org_a, lead_applicant=lead, title="Wigan paid")
    pay_first_tranche(paid, officer, people["finance_approver"])
    ids.project_paid = paid.id

    ids.report = session.scalar(
        _db.select(ProgressReport.id).where(ProgressReport.project_id == project.id).order_by(ProgressReport.id)
    )
    commitment = session.scalar(_db.select(LearningCommitment).where(LearningCommitment.project_id == project.id))
    evidence = DocumentFactory(application_id=None, kind="learning_evidence")
    _write_file(evidence.stored_name)
    commitment.evidence_document_id = evidence.id
    session.commit()
    ids.commitment = commitment.id
    # Another project's learning, applied to A's project: A's team confirms it.
    elsewhere = funded_project(title="Cornwall deal")
    applied = LearningCommitment(
        project_id=elsewhere.id,
        kind="apply_elsewhere",
        description="Use the approach on discharge.",
        status="done",
        applied_project_id=project.id,
        applied_description="The huddle runs in Wigan too.",
        evidence_url="https://example.org/applied",
    )
    session.add(applied)
    session.commit()
    ids.applied_commitment = applied.id

    def item(status, title, author):
        published = status == "published"
        found = LearningItem(
            project_id=project.id,
            title=title,
            summary="What the partnership learnt.",
            status=status,
            consent_to_publish=published,
            published_at=utcnow() - timedelta(days=1) if published else None,
            submitted_at=utcnow() - timedelta(days=2) if status != "draft" else None,
            place_id=project.place_id,
            author_id=author.id,
        )
        session.add(found)
        session.commit()
        return found.id

    ids.item_draft = item("draft", "Our first lessons", lead)
    ids.item_submitted = item("submitted", "What we learnt", lead)
    ids.item_published = item("published", "Lessons for others", lead)

    framework = leadership.ensure_framework(officer)
    session.commit()
    ids.domain = framework.domains[0].id
    participant = Participant(project_id=project.id, name="Pat Leader", email="pat@example.org", added_by_id=lead.id)
    session.add(participant)
    session.flush()
    answer_token = secrets.token_urlsafe(32)
    session.add(
        AssessmentInvitation(
            participant_id=participant.id,
            stage="baseline",
            framework_id=framework.id,
            token_digest=leadership.digest(answer_token),
        )
    )
    session.commit()
    ids.participant = participant.id

    # Programme-wide things: an email, an API token, a compiled progress report.
    notification = Notification(
        recipient_email=lead.email, recipient_id=lead.id, template="test", subject="Hello", body_text="Hello"
    )
    session.add(notification)
    token, _secret = api_services.create_token(
        officer, name="Warehouse", roles=["programme_officer"], expires_in_days=None
    )
    session.commit()
    ids.notification, ids.api_token = notification.id, token.id
    progress_services.start_compile(officer, "officer")
    session.commit()  # the compile runs in-process
    ids.compilation = session.scalar(_db.select(ProgressCompilation.id).where(ProgressCompilation.status == "done"))
    assert ids.compilation, "the progress report compiled"

    world = World(ids=ids)
    world.bearer = {"anonymous": None} | {
        who: api_services.create_token(
            person, name="Matrix", roles=[role.value for role in person.roles], expires_in_days=None
        )[1]
        for who, person in people.items()
    }
    session.commit()
    world.tokens.reset = make_reset_token(people["applicant_other"])
    world.tokens.confirm = make_confirmation_token(people["applicant_other"])
    world.tokens.partner = make_partner_token(partner)
    world.tokens.answer = answer_token
    world.users = {"anonymous": ""} | {who: person.get_id() for who, person in people.items()}
    world.user_ids = {who: person.id for who, person in people.items()}
    return world


@contextmanager
def world_transaction(app):
    """Build the world once inside an outer transaction that is rolled back at the end; ``savepoint()``
    gives each test a savepoint of its own inside it, so what one test changes the next never sees."""
    from tests.conftest import rolled_back

    with rolled_back(app) as connection:
        world = build_world()
        _db.session.remove()
        world.connection = connection
        world.base = snapshot(world)  # every case starts from here, its own changes rolled back
        yield world


@contextmanager
def savepoint(world):
    nested = world.connection.begin_nested()
    world.activity, world.expected = table_activity(world.connection), world.base
    try:
        yield
    finally:
        _db.session.remove()
        if nested.is_active:
            nested.rollback()


# --- Nothing changes ---------------------------------------------------------------------------------
#
# A refusal must leave every table as it was. Each table's content is summed up as a digest of all its rows
# (the audit trail's without its records of refusals, which are recorded on purpose). Digesting every table
# after every refusal would cost more than the request, so only the tables PostgreSQL says this transaction
# wrote to since the case started (``pg_stat_xact_user_tables``: rows inserted, updated and deleted, counted
# whether or not the savepoint they were written in is rolled back) are digested again and compared.


def digests(connection, tables) -> dict[str, str]:
    """Each of these tables' content as a digest (its row count and the sum of its rows' hashes), in one query."""
    parts = []
    for name in tables:
        where = " WHERE action !~ '(refused|_failed|rate_limited)$'" if name == "audit_events" else ""
        digest = "count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0)"
        parts.append(f"SELECT '{name}', (SELECT {digest} FROM \"{name}\" t{where})")  # noqa: S608 - our own table names
    return dict(connection.exec_driver_sql(" UNION ALL ".join(parts)).all()) if parts else {}


def snapshot(world) -> dict[str, str]:
    """Every table's digest."""
    names = world.connection.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    ).scalars()
    return digests(world.connection, list(names))


def _touched(world) -> list[str]:
    now = table_activity(world.connection)
    return sorted(name for name, counts in now.items() if counts != world.activity.get(name))


def rebase(world) -> None:
    """What the case has written so far (its own setting up) is where it starts from."""
    world.expected = {**world.expected, **digests(world.connection, _touched(world))}
    world.activity = table_activity(world.connection)


def written(world) -> list[str]:
    """The tables whose content the case changed (its setting up apart, after ``rebase``)."""
    now = digests(world.connection, _touched(world))
    return [name for name, digest in now.items() if digest != world.expected.get(name)]


# --- The matrix --------------------------------------------------------------------------------------

BEARER = "bearer"  # the API: each person calls it with an API token of their own, carrying all their roles
CELLS = {"in": SIGN_IN, "->": REDIRECT, "ok": OK, "out": SIGNED_OUT}


@dataclass(frozen=True)
class Entry:
    """One rule: its URL arguments from the world, and each person's answer on GET and on POST."""

    args: Callable[[World], dict]
    get: dict[str, object] | None
    post: dict[str, object] | None
    bearer: bool = False


def _row(text: str | None) -> dict[str, object] | None:
    if text is None:
        return None
    cells = text.split()
    assert len(cells) == len(WHO), f"{text!r}: one answer for each of {WHO}"
    return {who: CELLS[cell] if cell in CELLS else int(cell) for who, cell in zip(WHO, cells, strict=True)}


def _entries(table: dict[str, tuple]) -> dict[str, Entry]:
    return {
        key: Entry(args, _row(get), _row(post), bearer=BEARER in rest)
        for key, (args, get, post, *rest) in table.items()
    }


def key_of(rule) -> str:
    return f"{rule.endpoint} {rule.rule}"


# Each rule: (URL arguments, GET answers, POST answers[, BEARER]); None where the rule has no such method.
# The columns are WHO's, in order:
#
#     anonymous | applicant | applicant_other | steering_member | steering_chair | enabler |
#     enabler_other | programme_officer | finance_approver | admin
#
# "in": sent to sign in; "->": sent elsewhere; "ok": allowed (POST); "out": signed out.
# Objects belong to organisation A (``applicant``); another organisation's applicant gets 404 where the
# area hides what exists (bids, projects, their funding, monitoring, learning), 403 where a role is
# missing outright.
MATRIX: dict[str, Entry] = _entries(
    {
        "accounts.account /account": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "accounts.change_password /account/password": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            "  in   ok   ok   ok   ok   ok   ok   ok   ok   ok",
        ),
        "accounts.forgot_password /password/forgot": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            "  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
        ),
        "accounts.register /register": (
            lambda w: {},
            " 200   ->   ->   ->   ->   ->   ->   ->   ->   ->",
            "  ok   ->   ->   ->   ->   ->   ->   ->   ->   ->",
        ),
        "accounts.register_sent /register/check-your-email": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "accounts.confirm_email /register/confirm/<token>": (
            lambda w: {"token": w.tokens.confirm},
            " 200  200  200  200  200  200  200  200  200  200",
            "  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
        ),
        "accounts.reset_password /password/reset/<token>": (
            lambda w: {"token": w.tokens.reset},
            " 200  200  200  200  200  200  200  200  200  200",
            "  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
        ),
        "accounts.sign_in /sign-in": (
            lambda w: {},
            " 200   ->   ->   ->   ->   ->   ->   ->   ->   ->",
            "  ok   ->   ->   ->   ->   ->   ->   ->   ->   ->",
        ),
        "accounts.sign_out /sign-out": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            "  in  out  out  out  out  out  out  out  out  out",
        ),
        "accounts.two_factor_challenge /sign-in/two-factor": (
            lambda w: {},
            "  in   ->   ->   ->   ->   ->   ->   ->   ->   ->",
            "  in   ->   ->   ->   ->   ->   ->   ->   ->   ->",
        ),
        "accounts.two_factor_page /account/two-factor": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "accounts.two_factor_setup /account/two-factor/set-up": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            "  in   ok   ok   ok   ok   ok   ok   ok   ok   ok",
        ),
        # Two-factor is on for the chair, officer, finance approver and admin (their roles need it),
        # and for the steering member (who chose it, so may turn it off).
        "accounts.two_factor_recovery_codes /account/two-factor/recovery-codes": (
            lambda w: {},
            None,
            "  in  404  404   ok   ok  404  404   ok   ok   ok",
        ),
        "accounts.two_factor_turn_off /account/two-factor/turn-off": (
            lambda w: {},
            "  in   ->   ->  200  200   ->   ->  200  200  200",
            "  in   ->   ->   ok  403   ->   ->  403  403  403",
        ),
        "admin.reset_two_factor /admin/people/<int:user_id>/two-factor/reset": (
            lambda w: {"user_id": w.user_ids["programme_officer"]},
            "  in  403  403  403  403  403  403  403  403  200",
            "  in  403  403  403  403  403  403  403  403   ok",
        ),
        "admin.audit_log /admin/audit": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  200",
            None,
        ),
        "admin.user_roles /admin/people/<int:user_id>/roles": (
            lambda w: {"user_id": w.user_ids["applicant_other"]},
            "  in  403  403  403  403  403  403  403  403  200",
            "  in  403  403  403  403  403  403  403  403   ok",
        ),
        "admin.users /admin/people": (
            lambda w: {},
            "  in  403  403  403  403  403  403  403  403  200",
            None,
        ),
        "api.application /api/v1/applications/<int:application_id>": (
            lambda w: {"application_id": w.ids.bid_review},
            " 401  200  404  200  200  403  403  200  403  403",
            None,
            BEARER,
        ),
        "api.applications /api/v1/applications": (
            lambda w: {},
            " 401  200  200  200  200  403  403  200  403  403",
            None,
            BEARER,
        ),
        "api.learning_item /api/v1/learning-items/<int:item_id>": (
            lambda w: {"item_id": w.ids.item_draft},
            " 401  200  404  200  200  200  404  200  200  404",
            None,
            BEARER,
        ),
        "api.learning_items /api/v1/learning-items": (
            lambda w: {},
            " 401  200  200  200  200  200  200  200  200  200",
            None,
            BEARER,
        ),
        "api.openapi_document /api/v1/openapi.json": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "api.project /api/v1/projects/<int:project_id>": (
            lambda w: {"project_id": w.ids.project},
            " 401  200  404  200  200  200  404  200  200  403",
            None,
            BEARER,
        ),
        "api.projects /api/v1/projects": (
            lambda w: {},
            " 401  200  200  200  200  200  200  200  200  403",
            None,
            BEARER,
        ),
        "api.round_ /api/v1/rounds/<int:round_id>": (
            lambda w: {"round_id": w.ids.round_open},
            " 401  200  200  200  200  200  200  200  200  200",
            None,
            BEARER,
        ),
        "api.rounds /api/v1/rounds": (
            lambda w: {},
            " 401  200  200  200  200  200  200  200  200  200",
            None,
            BEARER,
        ),
        "api.tranches /api/v1/tranches": (
            lambda w: {},
            " 401  200  200  200  200  200  200  200  200  403",
            None,
            BEARER,
        ),
        "api_pages.docs /api/docs": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "api_pages.new_token /account/api-tokens/new": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            "  in   ok   ok   ok   ok   ok   ok   ok   ok   ok",
        ),
        "api_pages.revoke_token /account/api-tokens/<int:token_id>/revoke": (
            lambda w: {"token_id": w.ids.api_token},
            "  in  404  404  404  404  404  404  200  404  404",
            "  in  404  404  404  404  404  404   ok  404  404",
        ),
        "api_pages.tokens /account/api-tokens": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "applications.bid_pdf /applications/<int:application_id>/bid.pdf": (
            lambda w: {"application_id": w.ids.bid_review},
            "  in  200  404  200  200  404  404  200  404  404",
            None,
        ),
        "applications.check /applications/<int:application_id>/check": (
            lambda w: {"application_id": w.ids.bid_draft},
            "  in  200  404  404  404  404  404  403  404  404",
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "applications.document /applications/<int:application_id>/documents/<int:document_id>": (
            lambda w: {"application_id": w.ids.bid_review, "document_id": w.ids.review_document},
            "  in  200  404  200  200  404  404  200  404  404",
            None,
        ),
        "applications.index /applications": (
            lambda w: {},
            "  in  200  200  403  403  403  403  403  403  403",
            None,
        ),
        "applications.partner_form /applications/<int:application_id>/partners/<int:partner_id>/edit": (
            lambda w: {"application_id": w.ids.bid_draft, "partner_id": w.ids.partner},
            "  in  200  404  404  404  404  404  403  404  404",
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "applications.partner_form /applications/<int:application_id>/partners/new": (
            lambda w: {"application_id": w.ids.bid_draft},
            "  in  200  404  404  404  404  404  403  404  404",
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "applications.partnership /applications/<int:application_id>/partnership": (
            lambda w: {"application_id": w.ids.bid_draft},
            "  in  200  404  404  404  404  404  403  404  404",
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "applications.remove_partner /applications/<int:application_id>/partners/<int:partner_id>/remove": (
            lambda w: {"application_id": w.ids.bid_draft, "partner_id": w.ids.partner},
            None,
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "applications.resend_invitation /applications/<int:application_id>/partners/<int:partner_id>/resend": (
            lambda w: {"application_id": w.ids.bid_draft, "partner_id": w.ids.partner},
            None,
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "applications.section /applications/<int:application_id>/sections/<section>": (
            lambda w: {"application_id": w.ids.bid_draft, "section": "issue"},
            "  in  200  404  404  404  404  404  403  404  404",
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "applications.preview /manage/rounds/<int:round_id>/form/preview/<page_key>": (
            lambda w: {"round_id": w.ids.round_draft, "page_key": "vision"},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "applications.show /applications/<int:application_id>": (
            lambda w: {"application_id": w.ids.bid_draft},
            "  in  200  404  404  404  404  404  200  404  404",
            None,
        ),
        "applications.start /rounds/<int:round_id>/start": (
            lambda w: {"round_id": w.ids.round_open},
            "  in   ->  200  403  403  403  403  403  403  403",
            "  in   ok   ok  403  403  403  403  403  403  403",
        ),
        "applications.submitted /applications/<int:application_id>/submitted": (
            lambda w: {"application_id": w.ids.bid_review},
            "  in  200  404  404  404  404  404  200  404  404",
            None,
        ),
        "applications.withdraw /applications/<int:application_id>/withdraw": (
            lambda w: {"application_id": w.ids.bid_draft},
            "  in  200  404  404  404  404  404  403  404  404",
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "assessment.reserves /assessment/rounds/<int:round_id>/reserves": (
            lambda w: {"round_id": w.ids.round_project},
            "  in  403  403  403  200  403  403  403  403  403",
            "  in  403  403  403   ok  403  403  403  403  403",
        ),
        "assessment.apply /assessment/rounds/<int:round_id>/apply": (
            lambda w: {"round_id": w.ids.round_assess},
            "  in  403  403  403  200  403  403  403  403  403",
            "  in  403  403  403   ok  403  403  403  403  403",
        ),
        "assessment.bid /assessment/applications/<int:application_id>": (
            lambda w: {"application_id": w.ids.bid_review},
            "  in  403  403  403  200  403  403  200  403  403",
            "  in  403  403  403   ok  403  403  403  403  403",
        ),
        "assessment.bulk /assessment/rounds/<int:round_id>/bulk": (
            lambda w: {"round_id": w.ids.round_assess},
            None,
            "  in  403  403  403   ok  403  403  403  403  403",
        ),
        "assessment.declare_conflict /assessment/applications/<int:application_id>/conflict": (
            lambda w: {"application_id": w.ids.bid_review},
            "  in  403  403  403  200  403  403  403  403  403",
            "  in  403  403  403   ok  403  403  403  403  403",
        ),
        "assessment.index /assessment/": (
            lambda w: {},
            "  in  403  403  403  200  403  403  200  403  403",
            None,
        ),
        "assessment.look_again /assessment/assignments/<int:assignment_id>/look-again": (
            lambda w: {"assignment_id": w.ids.other_review},
            None,
            "  in  403  403  403   ok  403  403  403  403  403",
        ),
        "assessment.round_view /assessment/rounds/<int:round_id>": (
            lambda w: {"round_id": w.ids.round_assess},
            "  in  403  403  403  200  403  403  200  403  403",
            None,
        ),
        "assets.static /assets/<path:filename>": (
            lambda w: {"filename": "govuk-frontend.min.css"},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        # A bid's conversation: the programme team and the lead organisation, no one else (a 404: another
        # organisation cannot tell it exists). Those assessing the bid read its clarification requests and
        # answers (and their files) beside the bid, never the conversation; a reviewer or chair who declared
        # a conflict sees none of it (``CONFLICTED``).
        "conversations.bid /applications/<int:application_id>/messages": (
            lambda w: {"application_id": w.ids.bid_review},
            "  in  200  404  404  404  404  404  200  404  404",
            "  in   ok  404  404  404  404  404   ok  404  404",
        ),
        "conversations.answer /applications/<int:application_id>/messages/<int:message_id>/answer": (
            lambda w: {"application_id": w.ids.bid_review, "message_id": w.ids.clarification},
            "  in  200  404  404  404  404  404  403  404  404",
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "conversations.file /messages/<int:message_id>/files/<int:document_id>": (
            lambda w: {"message_id": w.ids.clarification, "document_id": w.ids.message_document},
            "  in  200  404  200  200  404  404  200  404  404",
            None,
        ),
        # A project's: its team, the programme team and its current enabler.
        "conversations.project /projects/<int:project_id>/messages": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  404  404  200  404  200  404  404",
            "  in   ok  404  404  404   ok  404   ok  404  404",
        ),
        "directory.organisation /organisation": (
            lambda w: {},
            "  in  200  200  403  403  403  403  403  403  403",
            "  in   ok   ok  403  403  403  403  403  403  403",
        ),
        "directory.theme /manage/themes/<int:theme_id>": (
            lambda w: {"theme_id": w.ids.theme},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "directory.theme /manage/themes/new": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "directory.themes /manage/themes": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "enablers.edit /manage/enablers/<int:user_id>": (
            lambda w: {"user_id": w.user_ids["enabler"]},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "enablers.end /manage/projects/<int:project_id>/enabler/end": (
            lambda w: {"project_id": w.ids.project},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "enablers.home /enabler": (
            lambda w: {},
            "  in  403  403  403  403  200  200  403  403  403",
            None,
        ),
        "enablers.invite /manage/enablers/invite": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "enablers.match /manage/projects/<int:project_id>/enabler": (
            lambda w: {"project_id": w.ids.project},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "enablers.pool /manage/enablers": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "enablers.profile /enabler/profile": (
            lambda w: {},
            "  in  403  403  403  403  200  200  403  403  403",
            "  in  403  403  403  403   ok   ok  403  403  403",
        ),
        "exports.download /exports/<name>.<any(csv, xlsx):file_format>": (
            lambda w: {"name": "applications", "file_format": "csv"},
            "  in  403  403  403  200  403  403  200  403  403",
            None,
        ),
        "exports.index /exports/": (
            lambda w: {},
            "  in  403  403  200  200  403  403  200  200  403",
            None,
        ),
        "form_builder.choose_kind /manage/rounds/<int:round_id>/form/questions/new": (
            lambda w: {"round_id": w.ids.round_draft},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.copy /manage/rounds/<int:round_id>/form/copy": (
            lambda w: {"round_id": w.ids.round_draft},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.move_page /manage/rounds/<int:round_id>/form/pages/<int:page_id>/move": (
            lambda w: {"round_id": w.ids.round_draft, "page_id": w.ids.form_page},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.move_question /manage/rounds/<int:round_id>/form/questions/<int:question_id>/move": (
            lambda w: {"round_id": w.ids.round_draft, "question_id": w.ids.form_question},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.new_page /manage/rounds/<int:round_id>/form/pages/new": (
            lambda w: {"round_id": w.ids.round_draft},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.new_question /manage/rounds/<int:round_id>/form/questions/new/<kind>": (
            lambda w: {"round_id": w.ids.round_draft, "kind": "short_text"},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.overview /manage/rounds/<int:round_id>/form/": (
            lambda w: {"round_id": w.ids.round_draft},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "form_builder.page /manage/rounds/<int:round_id>/form/pages/<int:page_id>": (
            lambda w: {"round_id": w.ids.round_draft, "page_id": w.ids.form_page},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.question /manage/rounds/<int:round_id>/form/questions/<int:question_id>": (
            lambda w: {"round_id": w.ids.round_draft, "question_id": w.ids.form_question},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.remove_page /manage/rounds/<int:round_id>/form/pages/<int:page_id>/remove": (
            lambda w: {"round_id": w.ids.round_draft, "page_id": w.ids.form_page},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "form_builder.remove_question /manage/rounds/<int:round_id>/form/questions/<int:question_id>/remove": (
            lambda w: {"round_id": w.ids.round_draft, "question_id": w.ids.form_question},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.add_condition /funding/tranches/<int:tranche_id>/conditions/new": (
            lambda w: {"tranche_id": w.ids.tranche},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.agreement /projects/<int:project_id>/agreement/<int:version>": (
            lambda w: {"project_id": w.ids.project, "version": w.ids.agreement_version},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        # A's paid project, whose agreement is signed (A's enabler supports the other project).
        "funding.agreement_pdf /projects/<int:project_id>/agreement/<int:version>.pdf": (
            lambda w: {"project_id": w.ids.project_paid, "version": 1},
            "  in  200  404  200  200  404  404  200  200  404",
            None,
        ),
        "funding.approvals /funding/approvals": (
            lambda w: {},
            "  in  403  403  403  403  403  403  403  200  403",
            None,
        ),
        "funding.confirm_condition /funding/conditions/<int:condition_id>/confirm": (
            lambda w: {"condition_id": w.ids.condition},
            "  in  403  404  403  403  200  404  403  403  404",
            "  in  403  404  403  403   ok  404  403  403  404",
        ),
        "funding.confirm_match /projects/<int:project_id>/match/confirm": (
            lambda w: {"project_id": w.ids.project},
            "  in  403  403  403  403  403  403  200  200  403",
            "  in  403  403  403  403  403  403   ok   ok  403",
        ),
        "funding.document /projects/<int:project_id>/funding/documents/<int:document_id>": (
            lambda w: {"project_id": w.ids.project, "document_id": w.ids.match_document},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "funding.export /funding/tranches.csv": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  200  403",
            None,
        ),
        "funding.hold /funding/tranches/<int:tranche_id>/hold": (
            lambda w: {"tranche_id": w.ids.tranche},
            "  in  403  403  403  403  403  403  200  200  403",
            "  in  403  403  403  403  403  403   ok   ok  403",
        ),
        "funding.index /funding/": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  200  403",
            None,
        ),
        "funding.issue /projects/<int:project_id>/agreement/<int:version>/issue": (
            lambda w: {"project_id": w.ids.project, "version": w.ids.agreement_version},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.match_received /projects/<int:project_id>/match/received": (
            lambda w: {"project_id": w.ids.project},
            "  in  403  403  403  403  403  403   ->   ->  403",  # only pledged: confirm it first
            "  in  403  403  403  403  403  403   ok   ok  403",
        ),
        "funding.project /projects/<int:project_id>/funding": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "funding.remove_condition /funding/conditions/<int:condition_id>/remove": (
            lambda w: {"condition_id": w.ids.condition},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.propose_waiver /funding/conditions/<int:condition_id>/waive": (
            lambda w: {"condition_id": w.ids.condition},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.agree_waiver /funding/conditions/<int:condition_id>/waive/agree": (
            lambda w: {"condition_id": w.ids.condition},
            None,
            "  in  403  403  403  403  403  403  403   ok  403",
        ),
        "funding.withdraw_waiver /funding/conditions/<int:condition_id>/waive/withdraw": (
            lambda w: {"condition_id": w.ids.condition},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.reopen_condition /funding/conditions/<int:condition_id>/reopen": (
            lambda w: {"condition_id": w.ids.condition},
            "  in  403  404  403  403  200  404  200  403  404",
            "  in  403  404  403  403   ok  404   ok  403  404",
        ),
        "funding.request_release /funding/tranches/<int:tranche_id>/request": (
            lambda w: {"tranche_id": w.ids.tranche},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.resume /funding/tranches/<int:tranche_id>/resume": (
            lambda w: {"tranche_id": w.ids.tranche},
            None,
            "  in  403  403  403  403  403  403   ok   ok  403",
        ),
        "funding.return_request /funding/tranches/<int:tranche_id>/return": (
            lambda w: {"tranche_id": w.ids.tranche},
            "  in  403  403  403  403  403  403  403  200  403",
            "  in  403  403  403  403  403  403  403   ok  403",
        ),
        "funding.round_terms /manage/rounds/<int:round_id>/agreement-terms": (
            lambda w: {"round_id": w.ids.round_open},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.schedule /projects/<int:project_id>/funding/schedule": (
            lambda w: {"project_id": w.ids.project},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.sign /projects/<int:project_id>/agreement/<int:version>/sign": (
            lambda w: {"project_id": w.ids.project, "version": w.ids.agreement_version},
            None,
            "  in   ok  404  403  403  403  404  403  403  404",
        ),
        "funding.tranche /funding/tranches/<int:tranche_id>": (
            lambda w: {"tranche_id": w.ids.tranche},
            "  in  403  403  403  403  403  403  200  200  403",
            "  in  403  403  403  403  403  403  403   ok  403",  # approving needs the finance approver role
        ),
        "funding.variation /projects/<int:project_id>/agreement/variation": (
            lambda w: {"project_id": w.ids.project},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "funding.withdraw /projects/<int:project_id>/agreement/<int:version>/withdraw": (
            lambda w: {"project_id": w.ids.project, "version": w.ids.agreement_version},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "leadership.add_participant /projects/<int:project_id>/leadership/participants/new": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  403  403  403  404  200  403  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "leadership.answer /self-assessment/<token>": (
            lambda w: {"token": w.tokens.answer},
            " 200  200  200  200  200  200  200  200  200  200",
            "  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
        ),
        "leadership.change_participant /projects/<int:project_id>/leadership/participants/<int:participant_id>/change": (  # noqa: E501
            lambda w: {"project_id": w.ids.project, "participant_id": w.ids.participant},
            "  in  200  404  403  403  403  404  200  403  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "leadership.close_stage /projects/<int:project_id>/leadership/stages/<stage>/close": (
            lambda w: {"project_id": w.ids.project, "stage": "baseline"},
            None,
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "leadership.domain /leadership/framework/domains/<int:domain_id>": (
            lambda w: {"domain_id": w.ids.domain},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "leadership.domain /leadership/framework/domains/new": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "leadership.framework /leadership/framework": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "leadership.invite /projects/<int:project_id>/leadership/invite": (
            lambda w: {"project_id": w.ids.project},
            None,
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "leadership.new_version /leadership/framework/new-version": (
            lambda w: {},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "leadership.participant /projects/<int:project_id>/leadership/participants/<int:participant_id>": (
            lambda w: {"project_id": w.ids.project, "participant_id": w.ids.participant},
            "  in  403  404  403  403  403  404  200  200  404",
            None,
        ),
        "leadership.project /projects/<int:project_id>/leadership": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "leadership.remove_domain /leadership/framework/domains/<int:domain_id>/remove": (
            lambda w: {"domain_id": w.ids.domain},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "leadership.scale /leadership/framework/scale": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "leadership.wave /rounds/<int:round_id>/leadership": (
            lambda w: {"round_id": w.ids.round_project},
            "  in  403  403  200  200  403  403  200  200  403",
            None,
        ),
        "learning.commitment /projects/<int:project_id>/commitments/<int:commitment_id>": (
            lambda w: {"project_id": w.ids.project, "commitment_id": w.ids.commitment},
            "  in  200  404  200  200  200  404  200  200  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "learning.evidence /projects/<int:project_id>/commitments/<int:commitment_id>/evidence": (
            lambda w: {"project_id": w.ids.project, "commitment_id": w.ids.commitment},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "learning.item /projects/<int:project_id>/learning/items/<int:item_id>": (
            lambda w: {"project_id": w.ids.project, "item_id": w.ids.item_submitted},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "learning.confirm_applied /projects/<int:project_id>/learning/applied/<int:commitment_id>/confirm": (
            lambda w: {"project_id": w.ids.project, "commitment_id": w.ids.applied_commitment},
            None,
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "learning.plan /projects/<int:project_id>/commitments/<int:commitment_id>/change": (
            lambda w: {"project_id": w.ids.project, "commitment_id": w.ids.commitment},
            "  in  200  404  403  403  403  404  200  403  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "learning.plan /projects/<int:project_id>/commitments/new": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  403  403  403  404  200  403  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "learning.project /projects/<int:project_id>/learning": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "learning.review /projects/<int:project_id>/learning/items/<int:item_id>/review": (
            lambda w: {"project_id": w.ids.project, "item_id": w.ids.item_submitted},
            None,
            "  in  403  404  403  403  403  404   ok  403  404",
        ),
        "learning.reviews /learning/review": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "learning.withdraw /projects/<int:project_id>/learning/items/<int:item_id>/withdraw": (
            lambda w: {"project_id": w.ids.project, "item_id": w.ids.item_published},
            None,
            "  in  403  404  403  403  403  404   ok  403  404",
        ),
        "learning.write /projects/<int:project_id>/learning/items/<int:item_id>/edit": (
            lambda w: {"project_id": w.ids.project, "item_id": w.ids.item_draft},
            "  in  200  404  403  403  200  404  403  403  404",
            "  in   ok  404  403  403   ok  404  403  403  404",
        ),
        "learning.write /projects/<int:project_id>/learning/items/new": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  403  403  200  404  403  403  404",
            "  in   ok  404  403  403   ok  404  403  403  404",
        ),
        "library.feed /learning/feed.atom": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "library.index /learning/": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "library.item /learning/items/<int:item_id>": (
            lambda w: {"item_id": w.ids.item_published},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "library.network /learning/network": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "library.network_theme /learning/network/<slug>": (
            lambda w: {"slug": w.ids.theme_slug},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "library.project /learning/projects/<int:project_id>": (
            lambda w: {"project_id": w.ids.project},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "main.accessibility /accessibility": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "main.cookies /cookies": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "main.glossary /glossary": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "main.healthz /healthz": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "main.home /": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "main.privacy /privacy": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "main.section /menu/<group>": (
            lambda w: {"group": "admin"},
            "  in  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "manage_applications.export /manage/applications/export.csv": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "manage_applications.index /manage/applications/": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "manage_applications.show /manage/applications/<int:application_id>": (
            lambda w: {"application_id": w.ids.bid_draft},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "monitoring.milestone /projects/<int:project_id>/milestones/<int:milestone_id>": (
            lambda w: {"project_id": w.ids.project, "milestone_id": w.ids.milestone},
            "  in  200  404  403  403  403  404  200  403  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "monitoring.measure /projects/<int:project_id>/measures/<int:measure_id>": (
            lambda w: {"project_id": w.ids.project, "measure_id": w.ids.measure},
            "  in  403  404  403  403  403  404  200  403  404",
            "  in  403  404  403  403  403  404   ok  403  404",
        ),
        "monitoring.measure /projects/<int:project_id>/measures/new": (
            lambda w: {"project_id": w.ids.project},
            "  in  403  404  403  403  403  404  200  403  404",
            "  in  403  404  403  403  403  404   ok  403  404",
        ),
        "monitoring.milestone /projects/<int:project_id>/milestones/new": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  403  403  403  404  200  403  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "monitoring.project /projects/<int:project_id>/monitoring": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "monitoring.remove_milestone /projects/<int:project_id>/milestones/<int:milestone_id>/remove": (
            lambda w: {"project_id": w.ids.project, "milestone_id": w.ids.milestone},
            "  in  200  404  403  403  403  404  200  403  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "monitoring.report /projects/<int:project_id>/reports/<int:report_id>": (
            lambda w: {"project_id": w.ids.project, "report_id": w.ids.report},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "monitoring.reports /monitoring/reports": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "monitoring.review /projects/<int:project_id>/reports/<int:report_id>/review": (
            lambda w: {"project_id": w.ids.project, "report_id": w.ids.report},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "monitoring.write_report /projects/<int:project_id>/reports/<int:report_id>": (
            lambda w: {"project_id": w.ids.project, "report_id": w.ids.report},
            None,
            "  in   ok  404  403  403  403  404  403  403  404",
        ),
        "notifications.outbox /email/": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  200",
            None,
        ),
        "notifications.send_again /email/<int:notification_id>/resend": (
            lambda w: {"notification_id": w.ids.notification},
            None,
            "  in  403  403  403  403  403  403   ok  403   ok",
        ),
        "notifications.show /email/<int:notification_id>": (
            lambda w: {"notification_id": w.ids.notification},
            "  in  403  403  403  403  403  403  200  403  200",
            None,
        ),
        "opendata.download /open-data/360giving.<any(json, csv):format_>": (
            lambda w: {"format_": "json"},
            "  in  403  403  403  403  403  403  200  403  200",
            None,
        ),
        "opendata.index /open-data/": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  200",
            None,
        ),
        "partners.respond /partner/<token>": (
            lambda w: {"token": w.tokens.partner},
            " 200  200  200  200  200  200  200  200  200  200",
            "  ok   ok   ok   ok   ok   ok   ok   ok   ok   ok",
        ),
        "portfolio.dashboard /portfolio/": (
            lambda w: {},
            "  in  403  403  200  200  403  403  200  403  200",
            None,
        ),
        "portfolio.places /portfolio/places": (
            lambda w: {},
            "  in  403  403  200  200  403  403  200  403  200",
            None,
        ),
        "portfolio.partnership_map /portfolio/partnerships": (
            lambda w: {},
            "  in  403  403  200  200  403  403  200  403  200",
            None,
        ),
        "privacy.anonymise /manage/personal-data/people/<int:user_id>/anonymise": (
            lambda w: {"user_id": w.user_ids["applicant_other"]},  # leads no bids: refused, with the reason
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "privacy.download /account/personal-data/download": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "privacy.index /manage/personal-data/": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "privacy.personal_data /account/personal-data": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "progress.csv /progress/<int:compilation_id>.csv": (
            lambda w: {"compilation_id": w.ids.compilation},
            "  in  403  403  200  200  403  403  200  403  200",
            None,
        ),
        "progress.index /progress/": (
            lambda w: {},
            "  in  403  403  200  200  403  403  200  403  200",
            None,
        ),
        "progress.show /progress/<int:compilation_id>": (
            lambda w: {"compilation_id": w.ids.compilation},
            "  in  403  403  200  200  403  403  200  403  200",
            None,
        ),
        "progress.pdf /progress/<int:compilation_id>.pdf": (
            lambda w: {"compilation_id": w.ids.compilation},
            "  in  403  403  200  200  403  403  200  403  200",
            None,
        ),
        # A's project's row of the report: its readers who may open the project (an administrator may not).
        "progress.project_pdf /progress/<int:compilation_id>/projects/<int:project_id>.pdf": (
            lambda w: {"compilation_id": w.ids.compilation, "project_id": w.ids.project},
            "  in  403  403  200  200  403  403  200  403  404",
            None,
        ),
        "progress.start /progress/compile": (
            lambda w: {},
            None,
            "  in  403  403  403  403  403  403   ok  403   ok",
        ),
        "progress.xlsx /progress/<int:compilation_id>.xlsx": (
            lambda w: {"compilation_id": w.ids.compilation},
            "  in  403  403  200  200  403  403  200  403  200",
            None,
        ),
        "projects.cancel_ending /projects/<int:project_id>/endings/<int:ending_id>/cancel": (
            lambda w: {"project_id": w.ids.project, "ending_id": w.ids.ending},
            None,
            "  in   ok  404  404  404  404  404   ok  403  404",
        ),
        "projects.closeout /projects/<int:project_id>/close-out": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  200  200  200  404  200  200  404",
            "  in  403  404  403  403  403  404   ok  403  404",
        ),
        "projects.confirm_ending /projects/<int:project_id>/endings/<int:ending_id>/confirm": (
            lambda w: {"project_id": w.ids.project, "ending_id": w.ids.ending},
            None,
            "  in  403  404  404  404  404  404   ok  403  404",
        ),
        "projects.end_early /projects/<int:project_id>/end-early": (
            lambda w: {"project_id": w.ids.project_paid},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "projects.ending_page /projects/<int:project_id>/endings/<int:ending_id>": (
            lambda w: {"project_id": w.ids.project, "ending_id": w.ids.ending},
            "  in  200  404  404  404  404  404  200  200  404",
            None,
        ),
        "projects.give_up /projects/<int:project_id>/give-up": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  403  403  403  404  200  403  404",
            "  in   ok  404  403  403  403  404   ok  403  404",
        ),
        "projects.index /projects/": (
            lambda w: {},
            "  in  200  200  200  200   ->   ->  200  200  403",
            None,
        ),
        "projects.rag /projects/<int:project_id>/rag": (
            lambda w: {"project_id": w.ids.project},
            None,
            "  in  403  404  403  403  403  404   ok  403  404",
        ),
        "projects.record_repayment /projects/<int:project_id>/endings/<int:ending_id>/repayment": (
            lambda w: {"project_id": w.ids.project, "ending_id": w.ids.ending},
            None,
            "  in  403  403  403  403  403  403   ok   ok  403",
        ),
        "projects.repayment_received /projects/<int:project_id>/endings/<int:ending_id>/repaid": (
            lambda w: {"project_id": w.ids.project, "ending_id": w.ids.ending},
            None,
            "  in  403  403  403  403  403  403   ok   ok  403",
        ),
        "projects.show /projects/<int:project_id>": (
            lambda w: {"project_id": w.ids.project},
            "  in  200  404  200  200  200  404  200  200  404",
            None,
        ),
        "projects.start_closeout /projects/<int:project_id>/close-out/start": (
            lambda w: {"project_id": w.ids.project},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "projects.update /projects/<int:project_id>/updates/<int:update_id>/edit": (
            lambda w: {"project_id": w.ids.project, "update_id": w.ids.update},
            "  in  403  404  403  403  200  404  403  403  404",
            "  in  403  404  403  403   ok  404  403  403  404",
        ),
        "projects.update /projects/<int:project_id>/updates/new": (
            lambda w: {"project_id": w.ids.project},
            "  in  403  404  403  403  200  404  403  403  404",
            "  in  403  404  403  403   ok  404  403  403  404",
        ),
        "reminders.mine /account/reminders": (
            lambda w: {},
            "  in  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "review_admin.assign /manage/applications/<int:application_id>/reviewers": (
            lambda w: {"application_id": w.ids.bid_review},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "review_admin.auto_assign /manage/rounds/<int:round_id>/reviewers/auto": (
            lambda w: {"round_id": w.ids.round_assess},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "review_admin.index /manage/rounds/<int:round_id>/reviewers": (
            lambda w: {"round_id": w.ids.round_assess},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "review_admin.ineligible /manage/applications/<int:application_id>/ineligible": (
            lambda w: {"application_id": w.ids.bid_review},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "review_admin.unassign /manage/assignments/<int:assignment_id>/unassign": (
            lambda w: {"assignment_id": w.ids.other_review},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "reviews.ask_team /reviews/applications/<int:application_id>/ask": (
            lambda w: {"application_id": w.ids.bid_review},
            None,
            "  in  403  403   ok   ok  403  403  403  403  403",
        ),
        "reviews.assignment /reviews/<int:assignment_id>": (
            lambda w: {"assignment_id": w.ids.assignment},
            "  in  403  403  200  403  403  403  403  403  403",
            "  in  403  403   ok  403  403  403  403  403  403",
        ),
        "reviews.declare_conflict /reviews/<int:assignment_id>/conflict": (
            lambda w: {"assignment_id": w.ids.assignment},
            "  in  403  403  200  403  403  403  403  403  403",
            "  in  403  403   ok  403  403  403  403  403  403",
        ),
        "reviews.index /reviews/": (
            lambda w: {},
            "  in  403  403  200  403  403  403  403  403  403",
            None,
        ),
        "round_admin.criterion /manage/rounds/<int:round_id>/criteria/<int:criterion_id>": (
            lambda w: {"round_id": w.ids.round_open, "criterion_id": w.ids.criterion},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "round_admin.criterion /manage/rounds/<int:round_id>/criteria/new": (
            lambda w: {"round_id": w.ids.round_open},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "round_admin.edit /manage/rounds/<int:round_id>/edit": (
            lambda w: {"round_id": w.ids.round_open},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "round_admin.index /manage/rounds/": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "round_admin.move /manage/rounds/<int:round_id>/status": (
            lambda w: {"round_id": w.ids.round_open},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "round_admin.new /manage/rounds/new": (
            lambda w: {},
            "  in  403  403  403  403  403  403  200  403  403",
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "round_admin.remove_criterion /manage/rounds/<int:round_id>/criteria/<int:criterion_id>/remove": (
            lambda w: {"round_id": w.ids.round_open, "criterion_id": w.ids.criterion},
            None,
            "  in  403  403  403  403  403  403   ok  403  403",
        ),
        "round_admin.show /manage/rounds/<int:round_id>": (
            lambda w: {"round_id": w.ids.round_open},
            "  in  403  403  403  403  403  403  200  403  403",
            None,
        ),
        "rounds.index /rounds/": (
            lambda w: {},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
        "rounds.show /rounds/<int:round_id>": (
            lambda w: {"round_id": w.ids.round_open},
            " 200  200  200  200  200  200  200  200  200  200",
            None,
        ),
    }
)


# The rules that name a bid under review, on a bid the steering member and the chair declared a conflict
# with (the steering member's review of it, for the reviews' rules): neither sees nor does anything with it,
# whatever else their roles allow; the programme officer still reads it. Same columns as ``MATRIX``.
CONFLICTED: dict[str, Entry] = _entries(
    {
        "assessment.bid /assessment/applications/<int:application_id>": (
            lambda w: {"application_id": w.ids.bid_conflicted},
            "  in  403  403  403  404  403  403  200  403  403",
            "  in  403  403  403  404  403  403  403  403  403",
        ),
        # The bid as submitted, its conversation and a clarification answer's file: the steering member
        # and the chair who declared a conflict learn none of them exists, as another organisation would not.
        "applications.bid_pdf /applications/<int:application_id>/bid.pdf": (
            lambda w: {"application_id": w.ids.bid_conflicted},
            "  in  200  404  404  404  404  404  200  404  404",
            None,
        ),
        "conversations.bid /applications/<int:application_id>/messages": (
            lambda w: {"application_id": w.ids.bid_conflicted},
            "  in  200  404  404  404  404  404  200  404  404",
            "  in   ok  404  404  404  404  404   ok  404  404",
        ),
        "conversations.answer /applications/<int:application_id>/messages/<int:message_id>/answer": (
            lambda w: {"application_id": w.ids.bid_conflicted, "message_id": w.ids.conflicted_clarification},
            "  in  200  404  404  404  404  404  403  404  404",
            "  in   ok  404  404  404  404  404  403  404  404",
        ),
        "conversations.file /messages/<int:message_id>/files/<int:document_id>": (
            lambda w: {"message_id": w.ids.conflicted_answer, "document_id": w.ids.conflicted_message_document},
            "  in  200  404  404  404  404  404  200  404  404",
            None,
        ),
        "reviews.ask_team /reviews/applications/<int:application_id>/ask": (
            lambda w: {"application_id": w.ids.bid_conflicted},
            None,
            "  in  403  403  404  404  403  403  403  403  403",
        ),
        "reviews.assignment /reviews/<int:assignment_id>": (
            lambda w: {"assignment_id": w.ids.conflicted_assignment},
            "  in  403  403  404  403  403  403  403  403  403",
            "  in  403  403  404  403  403  403  403  403  403",
        ),
    }
)


# --- Calling the routes ------------------------------------------------------------------------------


def app_rules(app) -> dict:
    return {key_of(rule): rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


@contextmanager
def case_of(app, world):
    """One case: rate-limit counts from nothing (a matrix calls the same door many times), and its
    changes rolled back after it."""
    from grants.core import cache, limits

    limits.reset(app)
    cache.clear(app)
    with savepoint(world):
        yield world


def client_as(app, world, who: str):
    """A client signed in as that person of the world (their session token), or anonymous."""
    from tests.fixtures.clients import mark_signed_in

    client = app.test_client()
    if who != "anonymous":
        with client.session_transaction() as session:
            mark_signed_in(session, world.users[who])
    return client


def path_for(app, world, key: str, method: str, entry: Entry | None = None) -> str:
    """The entry's URL (``MATRIX``'s, unless another entry is given), checked to reach the very rule the
    entry is for."""
    from flask import url_for

    rule = app_rules(app)[key]
    with app.test_request_context():
        path = url_for(rule.endpoint, **(entry or MATRIX[key]).args(world))
    matched, _ = app.url_map.bind("localhost").match(path.split("?")[0], method=method, return_rule=True)
    assert matched is rule, f"{path} reaches {matched.rule}, not {rule.rule}"
    return path
