"""factory_boy factories: data for tests, written the way the product talks about it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from functools import wraps
from typing import Any, TypeVar

import factory
from werkzeug.security import generate_password_hash

from grants.accounts.models import User, UserRole
from grants.applications.models import (
    Application,
    BudgetLine,
    CommitmentPlan,
    OutcomeMeasurePlan,
    Partner,
)
from grants.bidforms.default import DEFAULT_FORM
from grants.bidforms.default import install as install_form
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.directory.models import Organisation, Place, Theme
from grants.documents.models import Document
from grants.enablers.models import EnablerAssignment, EnablerProfile
from grants.extensions import db
from grants.reviews.kept import keep_bid_scores
from grants.reviews.models import Decision, ReviewAssignment, Score
from grants.rounds.models import Round, RubricCriterion

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")

_Made = TypeVar("_Made", bound=Callable[..., Any])
_making: ContextVar[int] = ContextVar("making", default=0)  # how deep in ``committed_once`` (this thread)


@contextmanager
def committed_once() -> Iterator[None]:
    """What a factory or helper makes is committed once, when the outermost of them returns: inside, every
    object is only flushed (it has its id and is seen by the queries that follow). A commit is what a test
    relies on (kept when the test rolls back a refused change; every loaded object read afresh after it), so
    each call still ends with one, but a bid made from its round, organisation, people and partner is no
    longer a dozen commits, each reloading everything loaded before it."""
    token = _making.set(_making.get() + 1)
    try:
        yield
    finally:
        _making.reset(token)
    if _making.get() == 0:
        db.session.commit()


def made_once(helper: _Made) -> _Made:
    """``helper`` committed once (``committed_once``), however many factories it calls."""

    @wraps(helper)
    def make(*args: Any, **kwargs: Any) -> Any:
        with committed_once():
            return helper(*args, **kwargs)

    return make  # type: ignore[return-value]


def _commit() -> None:
    """Committed now, or, inside a factory or helper, flushed now and committed with the rest."""
    if _making.get():
        db.session.flush()
    else:
        db.session.commit()


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    """Every factory's object is flushed as it is made and committed once with whatever made it
    (``committed_once``): ``UserFactory()`` commits when it returns, as does ``complete_bid(...)`` with
    every factory it called."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"

    @classmethod
    def _generate(cls, strategy, params):
        if strategy != factory.enums.CREATE_STRATEGY:
            return super()._generate(strategy, params)
        with committed_once():
            return super()._generate(strategy, params)


class PlaceFactory(BaseFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Borough {n}")
    ons_code = factory.Sequence(lambda n: f"E0{n:07d}")
    region = "North West"


class ThemeFactory(BaseFactory):
    class Meta:
        model = Theme

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Wicked issue {n}")
    description = "An issue no single agency can solve alone."


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partnership Organisation {n}")
    sector = "voluntary_community"
    org_id = factory.Sequence(lambda n: f"GB-CHC-{1100000 + n}")
    charity_number = factory.LazyAttribute(lambda o: o.org_id.rsplit("-", 1)[-1])
    address_line_1 = "1 High Street"
    town = "Wigan"
    postcode = "WN1 1AA"
    place = factory.SubFactory(PlaceFactory)


TOTP_SECRET = "GRANTSTESTSECRETGRANTSTESTSECRET"  # base32: the factories' authenticator app


def totp_code(secret: str = TOTP_SECRET, *, step_offset: int = 0) -> str:
    """The code an authenticator app holding ``secret`` shows now (or ``step_offset`` steps away)."""
    import time

    import pyotp

    return pyotp.TOTP(secret).at(time.time() + step_offset * 30)


def _grant_roles(default=()):
    def grant(user, create, extracted, **kwargs):
        chosen = default if extracted is None else extracted
        user.role_grants = [UserRole(role=Role(role).value) for role in chosen]
        if create:
            _commit()  # kept, like the user, when a test rolls back a refused change

    return factory.PostGeneration(grant)


def enrol_two_factor(user, *, secret: str = TOTP_SECRET, commit: bool = True) -> None:
    """Two-factor sign-in set up for ``user`` with an authenticator app holding ``secret``."""
    from grants.accounts import two_factor

    user.totp_secret = two_factor.encrypt(secret)
    user.two_factor_enabled_at = utcnow()
    if commit:
        _commit()


def _two_factor():
    """Two-factor sign-in set up with ``TOTP_SECRET`` for people whose roles need it (after ``roles``);
    ``two_factor=False`` leaves it off, ``two_factor=True`` turns it on for anyone."""

    def enrol(user, create, extracted, **kwargs):
        from grants.accounts import two_factor

        wanted = extracted if extracted is not None else bool(user.roles & set(two_factor.DEFAULT_ROLES))
        if wanted:
            enrol_two_factor(user, commit=create)

    return factory.PostGeneration(enrol)


class UserFactory(BaseFactory):
    """``UserFactory(roles=[Role.STEERING_MEMBER])``; every user's password is ``PASSWORD``. People
    whose roles need two-factor sign-in have it set up with ``TOTP_SECRET`` (``two_factor=False``: not)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = _PASSWORD_HASH
    is_active = True
    roles = _grant_roles()
    two_factor = _two_factor()


class ApplicantFactory(UserFactory):
    """An applicant who belongs to an organisation."""

    organisation = factory.SubFactory(OrganisationFactory)
    roles = _grant_roles(default=[Role.APPLICANT])
    two_factor = _two_factor()


# --- Rounds and bids ----------------------------------------------------------------------------------


class RoundFactory(BaseFactory):
    """An open round, accepting bids now: 25 places of £27,000 with £10,000 match funding."""

    class Meta:
        model = Round

    code = factory.Sequence(lambda n: f"LV{n + 2}")
    title = factory.Sequence(lambda n: f"Local Vision wave {n + 2}")
    summary = "Funding for local partnerships to tackle a shared issue."
    opens_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))
    award_pence = 2_700_000
    match_required_pence = 1_000_000
    places = 25
    budget_pence = factory.LazyAttribute(lambda r: r.places * r.award_pence if r.places else 67_500_000)
    tranche_plan = factory.LazyFunction(lambda: [50, 30, 20])
    status = "open"

    @factory.post_generation
    def themes(round_, create, extracted, **kwargs):
        round_.themes = list(extracted) if extracted is not None else [ThemeFactory(), ThemeFactory()]
        if create:
            _commit()

    @factory.post_generation
    def form(round_, create, extracted, **kwargs):
        """The default form (``form=EXPRESSION_OF_INTEREST``, say, for another)."""
        if create:
            db.session.flush()
            install_form(round_, extracted if extracted is not None else DEFAULT_FORM)
            _commit()

    @factory.post_generation
    def criteria(round_, create, extracted, **kwargs):
        round_.criteria = (
            [
                RubricCriterion(position=1, title="Strength of the partnership", weight=60, scale_min=0, scale_max=5),
                RubricCriterion(position=2, title="Measurable outcomes", weight=40, scale_min=0, scale_max=5),
            ]
            if extracted is None
            else list(extracted)
        )
        if create:
            _commit()


class ApplicationFactory(BaseFactory):
    """A draft bid by an applicant's organisation; ``lead_applicant`` belongs to ``lead_organisation``."""

    class Meta:
        model = Application

    round = factory.SubFactory(RoundFactory)
    lead_organisation = factory.SubFactory(OrganisationFactory, sector="local_government")
    lead_applicant = factory.SubFactory(ApplicantFactory, organisation=factory.SelfAttribute("..lead_organisation"))
    status = "draft"
    section_states = factory.LazyFunction(dict)


class PartnerFactory(BaseFactory):
    class Meta:
        model = Partner

    application = factory.SubFactory(ApplicationFactory)
    organisation = factory.SubFactory(OrganisationFactory, sector="nhs")
    role = "Leads the work with GP practices."
    contact_name = factory.Sequence(lambda n: f"Partner Contact {n}")
    contact_email = factory.Sequence(lambda n: f"partner{n}@example.org")
    status = "confirmed"
    invitation_nonce = factory.Sequence(lambda n: f"{n:032x}")
    invited_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=2))
    responded_at = factory.LazyAttribute(lambda p: None if p.status == "invited" else utcnow() - timedelta(days=1))


class DocumentFactory(BaseFactory):
    class Meta:
        model = Document

    kind = "match_evidence"
    original_filename = "pledge-letter.pdf"
    stored_name = factory.Sequence(lambda n: f"{n:032x}.pdf")
    content_type = "application/pdf"
    size_bytes = 2048
    sha256 = "0" * 64


@made_once
def complete_bid(application: Application, **overrides) -> Application:
    """Fill every section of a draft so that it can be submitted: a confirmed NHS partner, a £10,000
    pledge with its letter, a measure, a learning commitment and a budget that adds up to £27,000."""
    application.title = overrides.get("title") or application.title or "Better together for older people"
    application.place = overrides.get("place") or PlaceFactory()
    application.themes = [application.round.themes[0]]
    application.answers = {
        **(application.answers or {}),
        "issue": "Older people move between hospital and home without a plan.",
        "shared_vision": "Everyone gets home safely, with the right support.",
        "systems_leadership": "No single service owns the journey home.",
        "outcomes": "Fewer delayed discharges.",
    }
    application.match_funder = "Wigan Health and Wellbeing Board"
    application.match_amount_pence = overrides.get("match_amount_pence", 1_000_000)
    application.amount_requested_pence = overrides.get("amount_requested_pence", 2_700_000)
    application.measures = [
        OutcomeMeasurePlan(
            position=1, name="Delayed discharges", unit="per month", baseline=40, target=20, direction="down"
        )
    ]
    application.commitments = [
        CommitmentPlan(
            position=1,
            kind="case_study",
            description="Publish what we learn.",
            target_date=date.today() + timedelta(days=365),
        )
    ]
    application.budget_lines = overrides.get("budget_lines") or [
        BudgetLine(position=1, description="Facilitated workshops", amount_pence=1_500_000),
        BudgetLine(position=2, description="Citizen panel", amount_pence=1_200_000),
    ]
    application.section_states = {page.key: "completed" for page in application.round.pages}
    _commit()
    PartnerFactory(application=application, status=overrides.get("partner_status", "confirmed"))
    DocumentFactory(application_id=application.id)
    db.session.expire(application)
    return application


# --- Assessment ---------------------------------------------------------------------------------------


class ReviewAssignmentFactory(BaseFactory):
    class Meta:
        model = ReviewAssignment

    application = factory.SubFactory(ApplicationFactory)
    reviewer = factory.SubFactory(UserFactory, roles=[Role.STEERING_MEMBER])
    due_on = factory.LazyFunction(lambda: date.today() + timedelta(days=14))
    status = "assigned"


@made_once
def under_review_bid(round_=None, **kwargs) -> Application:
    """A complete, submitted bid now under review, in an assessing round."""
    round_ = round_ or RoundFactory(status="assessing", assessment_deadline=date.today() + timedelta(days=30))
    application = complete_bid(ApplicationFactory(round=round_, **kwargs))
    round_.last_reference_number += 1
    application.reference = f"{round_.code}-{round_.last_reference_number:04d}"
    application.status = "under_review"
    application.submitted_at = utcnow()
    _commit()
    return application


@made_once
def submitted_review(application, values: list[int], reviewer=None, justification="Because.") -> ReviewAssignment:
    """A reviewer's submitted scores for the bid, one value per criterion in the rubric's order."""
    assignment = ReviewAssignmentFactory(
        application=application,
        status="submitted",
        submitted_at=utcnow(),
        **({"reviewer": reviewer} if reviewer else {}),
    )
    for criterion, value in zip(application.round.criteria, values, strict=True):
        db.session.add(
            Score(assignment=assignment, criterion_id=criterion.id, value=value, justification=justification)
        )
    keep_bid_scores(application.id)  # as submitting through the service keeps them
    _commit()
    return assignment


@made_once
def decide(application, outcome: str, rationale: str = "Agreed by the steering group.", **kwargs) -> Decision:
    decision = Decision(application_id=application.id, outcome=outcome, rationale=rationale, **kwargs)
    db.session.add(decision)
    _commit()
    return decision


# --- Projects and enablers ---------------------------------------------------------------------------


@made_once
def funded_project(round_=None, **kwargs):
    """A project created from an approved bid, as decisions taking effect would create it."""
    from grants.projects.services import create_project

    application = under_review_bid(round_, **kwargs)
    application.status = "approved"
    round_ = application.round
    if round_.closes_at > utcnow() - timedelta(days=60):  # bids closed before the decision
        round_.opens_at = min(round_.opens_at, utcnow() - timedelta(days=120))
        round_.closes_at = utcnow() - timedelta(days=60)
    _commit()
    project = create_project(application, decided_on=date.today() - timedelta(days=40))
    _commit()
    return project


class EnablerProfileFactory(BaseFactory):
    """An enabler (a user with the enabler role) and their profile: capacity 3, no specialisms."""

    class Meta:
        model = EnablerProfile

    user = factory.SubFactory(UserFactory, roles=[Role.ENABLER])
    bio = "Twenty years of leading change across councils and the NHS."
    capacity = 3
    approaches = factory.LazyFunction(list)
    regions = factory.LazyFunction(list)

    @factory.post_generation
    def themes(profile, create, extracted, **kwargs):
        profile.themes = list(extracted or [])
        if create:
            _commit()

    @factory.post_generation
    def places(profile, create, extracted, **kwargs):
        profile.places = list(extracted or [])
        if create:
            _commit()


@made_once
def assign(project, enabler_user, starts_on=None) -> EnablerAssignment:
    assignment = EnablerAssignment(
        project_id=project.id, enabler_id=enabler_user.id, starts_on=starts_on or date.today() - timedelta(days=30)
    )
    db.session.add(assignment)
    _commit()
    return assignment
