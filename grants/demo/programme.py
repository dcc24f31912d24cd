"""The demo programme's two waves: a decided wave 1 and an open wave 2, each with 40+ bids across
places, themes and states, so a newcomer sees a living programme. Dates are relative to today."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from grants.accounts import services as account_services
from grants.accounts.models import User, UserRole
from grants.applications.models import (
    Application,
    ApplicationStatus,
    BudgetLine,
    CommitmentPlan,
    OutcomeMeasurePlan,
    Partner,
)
from grants.bidforms import default as forms
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.core.times import from_london
from grants.demo.data import CHAIRS, DEMO_USERS, PLACES, PROJECT_LEAD, demo_password_hash
from grants.demo.history import happening_at, months_ago, now, today
from grants.demo.stories import STORIES, answers, partner_roles
from grants.directory.models import Organisation, Place, Theme
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db
from grants.projects.models import Project
from grants.projects.services import create_project
from grants.reviews import kept as review_kept
from grants.reviews import queries as review_queries
from grants.reviews.models import AssignmentStatus, ConflictDeclaration, Decision, ReviewAssignment, Score
from grants.rounds.models import SUGGESTED_RUBRIC, Round, RoundStatus, RubricCriterion

# Wave 1 (decided): 40 bids, 38 assessed. Wave 2 (being assessed): 44 bids. Wave 3 (open): 14 bids.
# Before them, a pilot of four places (decided): 6 bids. Since wave 1, a round for pilot places to
# spread the approach to another issue (decided three weeks ago): 3 bids.
WAVE_1_STATES = ["under_review"] * 38 + ["ineligible", "withdrawn"]
WAVE_2_STATES = ["under_review"] * 34 + ["draft"] * 6 + ["withdrawn"] * 2 + ["ineligible"] * 2
WAVE_3_STATES = ["submitted"] * 6 + ["draft"] * 6
DEMO_APPLICANT_PLACES = {"E08000010", "E06000052"}  # Wigan and Cornwall: the demo applicants' councils
EXTRA_STEERING_MEMBERS = [
    ("Helen Ward", "helen.ward"),
    ("Kwame Boateng", "kwame.boateng"),
    ("Siobhan Kelly", "siobhan.kelly"),
    ("Rob Taylor", "rob.taylor"),
]
JUSTIFICATIONS = {
    "high": [
        "Partners from every sector are named, with clear roles.",
        "A vision residents would recognise.",
        "Strong evidence that no single agency can solve this.",
        "Citizens help shape the work throughout.",
        "Measures with honest baselines and stretching targets.",
        "Commitments to share learning are specific.",
    ],
    "middle": [
        "The partnership is there but some roles are vague.",
        "The vision is shared but not yet vivid.",
        "The case for systems leadership is partly made.",
        "Community voice is mentioned more than planned.",
        "Measures are sensible but baselines are missing.",
        "Learning plans are general.",
    ],
    "low": [
        "Mostly one sector; partners' parts are unclear.",
        "Reads as one organisation's plan.",
        "Could be done by a single service.",
        "Little sign of residents' voice.",
        "Outcomes are hard to measure.",
        "Sharing learning is an afterthought.",
    ],
}
COUNCIL_NAMES = {"Kingston upon Hull, City of": "Hull City Council", "Bristol, City of": "Bristol City Council"}
PARTNER_KINDS = [
    ("nhs", "{region} NHS Integrated Care Partnership"),
    ("voluntary_community", "{place} Council for Voluntary Service"),
    ("police", "{place} Neighbourhood Policing Team"),
    ("housing", "{place} Homes"),
    ("public_health", "{place} Public Health Partnership"),
    ("private", "{place} Chamber of Commerce"),
]
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"
    b"endobj\n4 0 obj<</Length 88>>stream\nBT /F1 18 Tf 72 760 Td (Health and wellbeing board: pledge of match "
    b"funding) Tj ET\nendstream\nendobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def council(place: Place, lae: str) -> Organisation:
    org_id = f"GB-LAE-{lae}"
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.org_id == org_id))
    if organisation is None:
        name = COUNCIL_NAMES.get(place.name, f"{place.name} Council")
        organisation = Organisation(
            name=name,
            sector="local_government",
            org_id=org_id,
            place=place,
            address_line_1="Town Hall",
            town=place.name.split(",")[0],
            postcode="",
        )
        db.session.add(organisation)
    return organisation


def _partner_organisation(kind: tuple[str, str], place: Place) -> Organisation:
    sector, pattern = kind
    name = pattern.format(place=place.name.split(",")[0], region=place.region)
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(name=name, sector=sector, place=place, town=place.name.split(",")[0])
        db.session.add(organisation)
    return organisation


def lead_applicant(organisation: Organisation, lae: str, users: dict[str, User]) -> User:
    if organisation.org_id in users:
        return users[organisation.org_id]
    email = f"bids.{lae.lower()}@example.org"
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:  # an account with no password: it exists to be the bid's lead, not to sign in
        user = User(
            email=email,
            name=f"Partnership lead, {organisation.name}",
            organisation=organisation,
            role_grants=[UserRole(role=Role.APPLICANT.value)],
        )
        db.session.add(user)
    users[organisation.org_id] = user
    return user


PROJECT_MONTHS = 24  # two-year projects: wave 1's are halfway through
GUIDANCE = (
    "Bids come from a lead organisation on behalf of a local partnership. Tell us about the issue in "
    "your place, the vision the partners share, and why the issue needs leaders from across the "
    "system. Each funded project receives £27,000 over two years, matched by £10,000 from the local "
    "health and wellbeing board, and the support of an experienced enabler."
)
# The questions of the programme's form each criterion of its rubric assesses: the reviewer reads
# their answers beside the score.
CRITERION_QUESTIONS = {
    "Clarity of the shared vision": ["shared_vision"],
    "Fit of a systems-leadership approach to the issue": ["issue", "systems_leadership"],
    "Measurable outcomes": ["outcomes"],
    "Commitment to share and apply learning": ["learning_plan"],
}


def rubric(criteria=SUGGESTED_RUBRIC, questions=CRITERION_QUESTIONS) -> list[RubricCriterion]:
    """A round's rubric: each criterion (title, weight, guidance) with the questions it assesses."""
    return [
        RubricCriterion(
            position=position,
            title=title,
            weight=weight,
            guidance=guidance,
            scale_min=0,
            scale_max=5,
            question_keys=list(questions.get(title, [])),
        )
        for position, (title, weight, guidance) in enumerate(criteria, start=1)
    ]


def make_round(
    code: str,
    title: str,
    summary: str,
    opens_on: date,
    closes_on: date,
    status: str,
    themes: list[Theme],
    *,
    places: int = 25,
    project_months: int = PROJECT_MONTHS,
    guidance: str = GUIDANCE,
    form: forms.Spec = forms.DEFAULT_FORM,
    criteria: list[RubricCriterion] | None = None,
    **details,
) -> Round:
    """A round of the programme with its form (the programme's own questions unless another is given)."""

    def at_midday(day: date):  # rounds open and close at midday, UK time
        return from_london(datetime.combine(day, time(12, 0)))

    round_ = Round(
        code=code,
        title=title,
        summary=summary,
        status=status,
        guidance=guidance,
        opens_at=at_midday(opens_on),
        closes_at=at_midday(closes_on),
        assessment_deadline=closes_on + timedelta(days=35),
        project_months=project_months,
        places=places,
        budget_pence=places * 2_700_000,
        themes=themes,
        criteria=rubric() if criteria is None else criteria,
        **details,
    )
    db.session.add(round_)
    db.session.flush()
    forms.install(round_, form)
    return round_


def audit_bid(action: str, application: Application, when, actor=None, before=None, after=None) -> None:
    db.session.add(
        AuditEvent(
            action=action,
            occurred_at=when,
            actor_id=getattr(actor, "id", None),
            object_type="application",
            object_id=str(application.id),
            before=before,
            after=after,
        )
    )


def _fill(application: Application, story: dict, place: Place, rng: random.Random, sections: list[str]) -> None:
    """Write the bid's answers on the given pages of the programme's form, in the place's own words."""
    town = place.name.split(",")[0]
    # A funded project would start about two months after the round closes and run two years.
    start = application.round.closes_at.date() + timedelta(days=60)
    application.answers = answers(story, town, sections)
    if "issue" in sections:
        application.title = story["title"].format(place=town)
    if "outcomes" in sections:
        application.measures = [
            OutcomeMeasurePlan(position=i, name=name, unit=unit, baseline=baseline, target=target, direction=direction)
            for i, (name, unit, baseline, target, direction) in enumerate(story["measures"], start=1)
        ]
    if "match" in sections:
        application.match_funder = f"{town} Health and Wellbeing Board"
        application.match_amount_pence = 1_000_000
    if "learning" in sections:
        application.commitments = [
            CommitmentPlan(
                position=1,
                kind="case_study",
                description="Publish a case study of what changed.",
                target_date=start + timedelta(days=rng.randint(540, 640)),
            ),
            CommitmentPlan(
                position=2,
                kind="apply_elsewhere",
                description=f"Apply the approach to {rng.choice(story['next_issues'])} in {town}.",
                target_date=start + timedelta(days=rng.randint(640, 710)),
            ),
        ]
    if "budget" in sections:
        requested = rng.choice([2_700_000, 2_700_000, 2_650_000, 2_500_000])
        first = rng.choice([1_200_000, 1_350_000, 1_500_000])
        second = rng.choice([600_000, 750_000, 900_000])
        application.amount_requested_pence = requested
        application.budget_lines = [
            BudgetLine(position=1, description="Facilitated system workshops and action learning", amount_pence=first),
            BudgetLine(position=2, description="Community and citizen voice work", amount_pence=second),
            BudgetLine(
                position=3, description="Evaluation and sharing learning", amount_pence=requested - first - second
            ),
        ]
    if "issue" in sections:
        application.place = place
    application.section_states = {section: "completed" for section in sections}


def _partners(application: Application, place: Place, rng: random.Random, all_confirmed: bool, when) -> None:
    kinds = rng.sample(PARTNER_KINDS, rng.randint(2, 4))
    if not any(kind[0] == "nhs" for kind in kinds):
        kinds[0] = PARTNER_KINDS[0]
    roles = partner_roles()
    for number, kind in enumerate(kinds):
        organisation = _partner_organisation(kind, place)
        status = "confirmed" if all_confirmed or number == 0 else rng.choice(["confirmed", "invited", "declined"])
        first, last = (
            rng.choice(["Sam", "Priya", "Joe", "Fatima", "Owen", "Grace", "Ravi", "Niamh"]),
            rng.choice(["Hughes", "Begum", "Clarke", "Okoro", "Walsh", "Singh", "Evans", "Reid"]),
        )
        application.partners.append(
            Partner(
                organisation=organisation,
                role=roles[kind[0]],
                contact_name=f"{first} {last}",
                contact_email=f"{first.lower()}.{last.lower()}.{application.id}@example.org",
                status=status,
                invitation_nonce=f"{application.id:016x}{number:016x}",
                invited_at=when,
                responded_at=None if status == "invited" else when + timedelta(days=rng.randint(1, 6)),
            )
        )


def _evidence(application: Application, uploaded_by: User, when) -> None:
    stored_name, digest = storage.store_bytes(DEMO_PDF, "pdf")
    db.session.add(
        Document(
            application_id=application.id,
            kind="match_evidence",
            original_filename="Health and wellbeing board pledge letter.pdf",
            stored_name=stored_name,
            content_type=storage.TYPES["pdf"],
            size_bytes=len(DEMO_PDF),
            sha256=digest,
            uploaded_by_id=uploaded_by.id,
            uploaded_at=when,
        )
    )


def _bid(round_, place, lae, lead_user, status, story, rng, when, users, sections=None) -> Application:
    organisation = lead_user.organisation if lead_user else council(place, lae)
    lead = lead_user or lead_applicant(organisation, lae, users)
    db.session.flush()
    application = Application(
        round=round_,
        lead_organisation=organisation,
        lead_applicant=lead,
        status=ApplicationStatus.DRAFT,
        section_states={},
        created_at=when,
        updated_at=when,
    )
    db.session.add(application)
    db.session.flush()
    audit_bid("application.created", application, when, actor=lead, after={"round": round_.code})
    submitted = status in {"submitted", "under_review", "ineligible"} or (status == "withdrawn" and rng.random() < 0.5)
    if sections is None:
        pages = [page.key for page in round_.pages]
        sections = pages if submitted or status != "draft" else pages[: rng.randint(1, len(pages) - 1)]
    _fill(application, story, place, rng, sections)
    application.themes = [story["theme"]]
    _partners(application, place, rng, all_confirmed=submitted, when=when + timedelta(days=1))
    if "match" in sections:
        _evidence(application, lead, when + timedelta(days=2))
    if submitted:
        round_.last_reference_number += 1
        application.reference = f"{round_.code}-{round_.last_reference_number:04d}"
        application.submitted_at = when + timedelta(days=rng.randint(5, 20))
        application.status = ApplicationStatus.SUBMITTED
        audit_bid(
            "application.submitted",
            application,
            application.submitted_at,
            actor=lead,
            before={"status": "draft"},
            after={"status": "submitted", "reference": application.reference},
        )
    if status == "under_review":
        audit_bid(
            "application.under_review",
            application,
            round_.closes_at + timedelta(days=2),
            before={"status": "submitted"},
            after={"status": "under_review"},
        )
        application.status = ApplicationStatus.UNDER_REVIEW
    if status == "ineligible":
        reason = "The match funding pledge was not from the health and wellbeing board."
        audit_bid(
            "application.ineligible",
            application,
            round_.closes_at + timedelta(days=4),
            before={"status": "submitted"},
            after={"status": "ineligible", "reason": reason},
        )
        application.status = ApplicationStatus.INELIGIBLE
    if status == "withdrawn":
        application.withdrawn_at = when + timedelta(days=25)
        application.withdrawal_reason = rng.choice(
            [
                "Our health and wellbeing board could not confirm the match funding this year.",
                "The partners agreed to apply together with a neighbouring place instead.",
            ]
        )
        audit_bid(
            "application.withdrawn",
            application,
            application.withdrawn_at,
            actor=lead,
            before={"status": application.status},
            after={"status": "withdrawn", "reason": application.withdrawal_reason},
        )
        application.status = ApplicationStatus.WITHDRAWN
    application.updated_at = when
    return application


def _steering_group(demo_users: dict[str, User]) -> list[User]:
    """The demo's steering member and co-chairs, and four more members who exist only to review."""
    members = [demo_users[email] for email in ("steering.member@example.org", *CHAIRS) if email in demo_users]
    for name, handle in EXTRA_STEERING_MEMBERS:
        email = f"{handle}@example.org"
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:  # no password: they review in the story, they do not sign in
            user = User(email=email, name=name, role_grants=[UserRole(role=Role.STEERING_MEMBER.value)])
            db.session.add(user)
        members.append(user)
    db.session.flush()
    return members


def _quality(rng: random.Random) -> float:
    return min(1.0, max(0.0, rng.gauss(0.6, 0.2)))


def _assess(
    round_: Round,
    reviewers: list[User],
    rng: random.Random,
    *,
    scored_share: float,
    chairs: list[User],
    chair_conflict: bool = False,
) -> None:
    """Three reviewers for each bid under review; most declare no conflict and score it. A chair with
    a conflict leaves the bid to the other co-chair: both chairs never declare one on the same bid,
    and in a round being assessed the first chair has declared one, so the other decides that bid."""
    bids = db.session.scalars(
        db.select(Application)
        .where(Application.round_id == round_.id, Application.status == ApplicationStatus.UNDER_REVIEW)
        .order_by(Application.reference)
    ).all()
    criteria = round_.criteria
    officer_due = round_.assessment_deadline - timedelta(days=7)
    chair_conflict_due = chair_conflict and bool(chairs)
    for number, bid in enumerate(bids):
        quality = _quality(rng)
        chosen = [reviewers[(number + offset) % len(reviewers)] for offset in range(3)]
        conflicted_chairs: set[int] = set()
        for reviewer in chosen:
            when = round_.closes_at + timedelta(days=rng.randint(3, 10))
            assignment = ReviewAssignment(
                application=bid,
                reviewer=reviewer,
                due_on=officer_due,
                status=AssignmentStatus.ASSIGNED,
                created_at=when,
                updated_at=when,
            )
            db.session.add(assignment)
            is_chair = reviewer in chairs
            conflict = rng.random() < 0.03
            if is_chair and chair_conflict_due and reviewer is chairs[0]:
                conflict, chair_conflict_due = True, False
            if is_chair and conflict and conflicted_chairs | {reviewer.id} >= {chair.id for chair in chairs}:
                conflict = False  # one co-chair stays free to decide the bid
            if conflict:  # a declared conflict: taken off the bid
                if is_chair:
                    conflicted_chairs.add(reviewer.id)
                db.session.add(
                    ConflictDeclaration(
                        application_id=bid.id,
                        reviewer_id=reviewer.id,
                        has_conflict=True,
                        nature="I was a trustee of a partner organisation until last year.",
                        declared_at=when,
                    )
                )
                assignment.status = AssignmentStatus.CONFLICTED
                continue
            if rng.random() > scored_share + 0.15:
                continue  # not yet declared
            db.session.add(
                ConflictDeclaration(
                    application_id=bid.id, reviewer_id=reviewer.id, has_conflict=False, declared_at=when
                )
            )
            assignment.status = AssignmentStatus.IN_PROGRESS
            submitted = scored_share >= 1 or rng.random() < scored_share / (scored_share + 0.15)
            db.session.flush()
            for criterion in criteria:
                level = quality + rng.gauss(0, 0.15)
                value = round(
                    criterion.scale_min + max(0.0, min(1.0, level)) * (criterion.scale_max - criterion.scale_min)
                )
                band = "high" if level > 0.7 else "low" if level < 0.4 else "middle"
                justification = JUSTIFICATIONS[band][(criterion.position - 1) % 6]
                db.session.add(
                    Score(
                        assignment=assignment,
                        criterion_id=criterion.id,
                        value=value if submitted or rng.random() < 0.6 else None,
                        justification=justification,
                        updated_at=when,
                    )
                )
            if submitted:
                assignment.status, assignment.submitted_at = "submitted", when + timedelta(days=rng.randint(2, 9))
    db.session.flush()
    review_kept.keep_round_scores(round_.id)  # scored here without the services, which keep them


def _decide(round_: Round, chairs: list[User], decided_on: date, *, approved: int = 25, reserve: int = 4) -> None:
    """A round's decisions, in rank order within the budget, and the projects they created (wave 1:
    25 approved and 4 on the reserve list); each by a co-chair without a conflict with the bid."""
    decided_at = from_london(datetime.combine(decided_on, time(16, 0)))
    conflicted = {
        (row.application_id, row.reviewer_id)
        for row in db.session.scalars(db.select(ConflictDeclaration).where(ConflictDeclaration.has_conflict))
    }
    assessments = review_queries.round_assessment(round_)
    outcomes = ["approved"] * approved + ["reserve"] * reserve
    for position, assessment in enumerate(assessments):
        application = assessment.application
        chair = next(chair for chair in chairs if (application.id, chair.id) not in conflicted)
        outcome = outcomes[position] if position < len(outcomes) else "rejected"
        feedback = {
            "approved": "A partnership with every sector at the table and a clear case for working as a system.",
            "reserve": "A strong bid that narrowly missed the funding line.",
            "rejected": "The steering group wanted to see more partners sharing ownership of the issue.",
        }[outcome]
        db.session.add(
            Decision(
                application_id=application.id,
                outcome=outcome,
                decided_by_id=chair.id,
                rationale=f"Ranked {position + 1} of {len(assessments)} by weighted score.",
                feedback=feedback,
                feedback_released=True,
                decided_at=decided_at,
                effective_at=decided_at,
            )
        )
        audit_bid(
            f"application.{outcome}",
            application,
            decided_at,
            actor=chair,
            before={"status": "under_review"},
            after={"status": outcome},
        )
        application.status = outcome
        if outcome == "approved":
            with happening_at(decided_at):
                create_project(application, decided_on=decided_on, actor=chair)
    round_.status = RoundStatus.DECIDED
    db.session.flush()


def seed_programme(themes: dict[str, Theme], places: dict[str, Place], demo_users: dict[str, User]) -> bool:
    """Create the three waves, the pilot before them and the round that spreads it, unless they are
    already there. Returns whether anything was created.

    Wave 1's projects started on the first of the month thirteen months before this one and run for
    two years: its first tranches are paid, its second fell due last month. Wave 2 closed three weeks
    ago and is being assessed; wave 3 opened a month ago and is open. The pilot's projects started
    twenty months ago and ran for eighteen: they have ended (grants.demo.endings tells how). The
    round spreading the pilot was decided three weeks ago: its projects are setting up."""
    if db.session.scalar(db.select(Round.id).where(Round.code.in_(["LV1", "LV2", "LV3", "LVP", "LVS"]))):
        return False
    rng = random.Random(20261122)
    theme_list = [themes[slug] for slug in STORIES]
    stories = list(STORIES.values())
    users: dict[str, User] = {}
    reviewers = _steering_group(demo_users)
    chairs = [demo_users[email] for email in CHAIRS if email in demo_users] or reviewers[:1]
    others = [row for row in PLACES if row[0] not in DEMO_APPLICANT_PLACES]
    latest = now() - timedelta(days=22)  # room for a bid begun then to be submitted before today

    def bids(round_, rows, states, start_story, demo_leads=None):
        for number, (code, _, _, lae) in enumerate(rows):
            story = {
                **stories[(number + start_story) % len(stories)],
                "theme": theme_list[(number + start_story) % len(theme_list)],
            }
            when = min(round_.opens_at + timedelta(days=rng.randint(2, 40)), latest)
            lead_user = (demo_leads or {}).get(code)
            sections = None
            status = states[number % len(states)]
            if lead_user and code == "E08000010":  # Aisha's bid: most of the way there, to finish and submit
                status, sections = "draft", [page.key for page in round_.pages][:6]
            elif lead_user:
                status = "submitted"
            application = _bid(round_, places[code], lae, lead_user, status, story, rng, when, users, sections)
            if lead_user and code == "E08000010":
                application.section_states = {**application.section_states, "match": "in_progress"}

    starts_on = months_ago(13)  # wave 1's projects start on the first of the month after the decision
    decided_on = starts_on - timedelta(days=20)
    closes_on = decided_on - timedelta(days=40)
    wave1 = make_round(
        "LV1",
        "Systems Leadership – Local Vision, wave 1",
        "Funding for 25 local partnerships to tackle a wicked issue together, with an enabler each.",
        closes_on - timedelta(days=90),
        closes_on,
        "assessing",
        theme_list,
    )
    bids(wave1, others[:40], WAVE_1_STATES, 0)
    _assess(wave1, reviewers, rng, scored_share=1.0, chairs=chairs)
    _decide(wave1, chairs, decided_on)
    _project_lead(wave1, demo_users)

    wave2 = make_round(
        "LV2",
        "Systems Leadership – Local Vision, wave 2",
        "A second wave, open to public, private and not-for-profit leads of local partnerships.",
        today() - timedelta(days=110),
        today() - timedelta(days=20),
        "assessing",
        theme_list,
    )
    states = list(WAVE_2_STATES)
    rng.shuffle(states)
    withdrawn = states.index("withdrawn")  # the last place bids only in wave 2: its one bid is withdrawn
    states[withdrawn], states[-1] = states[-1], states[withdrawn]
    bids(wave2, others[5:49], states, 3)
    _assess(wave2, reviewers, rng, scored_share=0.55, chairs=chairs, chair_conflict=True)

    wave3 = make_round(
        "LV3",
        "Systems Leadership – Local Vision, wave 3",
        "A third wave, including partnerships for health and social care pioneers.",
        today() - timedelta(days=30),
        today() + timedelta(days=60),
        "open",
        theme_list,
    )
    demo_leads = {
        "E08000010": demo_users.get("applicant@example.org"),
        "E06000052": demo_users.get("applicant.cornwall@example.org"),
    }
    wave3_rows = [row for row in PLACES if row[0] in DEMO_APPLICANT_PLACES] + others[20:32]
    bids(wave3, wave3_rows, WAVE_3_STATES, 5, demo_leads)

    # The pilot, before wave 1: four places' eighteen-month projects, which ended three months ago.
    pilot_starts = months_ago(PILOT_STARTED_MONTHS_AGO)
    pilot_decided = pilot_starts - timedelta(days=20)
    pilot_closes = pilot_decided - timedelta(days=40)
    pilot = make_round(
        "LVP",
        "Systems Leadership – Local Vision pilot",
        "Four places tried the approach first, with eighteen-month projects and an enabler each.",
        pilot_closes - timedelta(days=90),
        pilot_closes,
        "assessing",
        theme_list,
        places=4,
        project_months=PILOT_MONTHS,
    )
    pilot_rows = others[40:46]
    bids(pilot, pilot_rows, ["under_review"] * len(pilot_rows), 6)
    _assess(pilot, reviewers, rng, scored_share=1.0, chairs=chairs)
    _decide(pilot, chairs, pilot_decided, approved=4, reserve=1)

    # Places from the pilot take the approach to another issue: decided three weeks ago, its
    # projects are setting up.
    spread = make_round(
        "LVS",
        "Systems Leadership – Local Vision: spreading the approach",
        "For places from the pilot to take what they learned to another issue, with twelve-month projects.",
        today() - timedelta(days=150),
        today() - timedelta(days=80),
        "assessing",
        theme_list,
        places=2,
        project_months=12,
    )
    bids(spread, pilot_rows[:3], ["under_review"] * 3, 1)
    _assess(spread, reviewers, rng, scored_share=1.0, chairs=chairs)
    _decide(spread, chairs, today() - timedelta(days=SPREAD_DECIDED_DAYS_AGO), approved=2, reserve=0)
    db.session.flush()
    return True


PILOT_MONTHS = 18
PILOT_STARTED_MONTHS_AGO = 20  # so its projects ended on the last day of the month three months ago
SPREAD_DECIDED_DAYS_AGO = 18


# Which wave 1 project (in reference order) the demo's project lead leads: see demo.funding.PLAN.
PROJECT_LEAD_POSITION = 5


def _project_lead(round_: Round, demo_users: dict[str, User]) -> None:
    """The lead of one funded bid becomes the demo's project lead, who signs in: a person at the lead
    organisation who wrote the bid, signs the agreement and sends the reports."""
    if PROJECT_LEAD in demo_users or account_services.user_by_email(PROJECT_LEAD) is not None:
        return
    projects = db.session.scalars(
        db.select(Project).where(Project.round_id == round_.id).order_by(Project.reference)
    ).all()
    if len(projects) <= PROJECT_LEAD_POSITION:
        return
    lead = projects[PROJECT_LEAD_POSITION].application.lead_applicant
    name = next(name for email, name, *_ in DEMO_USERS if email == PROJECT_LEAD)
    lead.email, lead.name = PROJECT_LEAD, name
    lead.set_password_hash(demo_password_hash())
    db.session.flush()
