"""Wave 1's learning, halfway through its projects: commitments in every state (some overdue by their
date), case studies and insights in every state of review, published ones across the themes, and
lessons already applied to other issues, places and projects. Several projects whose second tranche
is paid (see demo.funding.PLAN) have published a case study early, which is the evidence their last
tranche will wait for."""

from __future__ import annotations

from datetime import date, timedelta

from grants.accounts.models import User
from grants.demo.history import at, past_event
from grants.demo.history import today as story_today
from grants.directory.models import Theme
from grants.extensions import db
from grants.learning.models import CommitmentStatus, ItemStatus, LearningCommitment, LearningItem
from grants.projects.models import Project

# What each project's learning has reached, in the order of demo.funding.PLAN (by reference).
# (case study commitment, item state, apply-elsewhere commitment)
STATES = (
    [("planned", None, "planned")] * 6
    + [("planned", None, "planned"), ("overdue", None, "planned"), ("planned", None, "planned")]
    + [("in_progress", "draft", "planned"), ("in_progress", "internal", "planned")]
    + [("overdue", "draft", "in_progress"), ("in_progress", "returned", "in_progress")]
    + [("in_progress", "insight", "in_progress"), ("in_progress", "submitted", "overdue")]
    + [("done", "published", "done")] * 3
    + [("in_progress", "submitted", "in_progress"), ("in_progress", "returned", "done")]
    + [("done", "published", "done")] * 5
)
# Where each theme's approach was taken next.
NEXT_THEME = {
    "older-people": "health-social-care",
    "safeguarding": "mental-health",
    "alcohol-misuse": "mental-health",
    "physical-activity": "older-people",
    "food-poverty": "homelessness",
    "health-social-care": "older-people",
    "mental-health": "safeguarding",
    "homelessness": "food-poverty",
}
CASE_STUDIES = {
    "older-people": (
        "Twelve journeys home: what older people in {place} taught the partnership",
        "Staff from the hospital, social care, housing and two charities followed twelve older people home "
        "and found four hand-offs nobody owned. A shared discharge huddle now owns them.",
        "We began by asking twelve older people and their families to tell us, step by step, how they got home "
        "from hospital. Front-line staff from every partner listened together.\n\nThe stories showed four "
        "moments where responsibility passed between services and nobody held it. The partnership agreed that "
        "a daily huddle of ward staff, reablement, housing and the voluntary sector would own those moments, "
        "with authority to act without waiting for sign-off.",
        "Hearing the stories together, not in separate reports. Giving the huddle authority to decide.",
        "We tried to agree a shared data set first; it took months and stalled the work. Start with people's "
        "stories, then find the data that matters.",
    ),
    "safeguarding": (
        "One front door: how {place}'s agencies learned to decide together",
        "Police, health, children's and adults' social care and schools now decide on referrals in one room. "
        "Decisions within 24 hours rose, and repeat referrals fell.",
        "Referrals in {place} used to bounce between teams. The partnership brought the decision-makers into "
        "one room for three mornings a week and asked them to decide together, recording disagreements openly."
        "\n\nAfter six months the enabler ran an action learning set on what still got in the way: mostly "
        "unwritten rules about information sharing that nobody had checked.",
        "Co-locating decision-makers, not just information. Writing down and testing the unwritten rules.",
        "A new IT system was expected to fix sharing on its own. It did not; the relationships did.",
    ),
    "alcohol-misuse": (
        "A safer night out in {place}: licensing, police and health at one table",
        "Licensing, police, A&E and the night-time businesses agreed a shared plan for the town centre, "
        "and alcohol-related attendances on weekend nights fell.",
        "The partnership started with a walk through the town centre at 1am: councillors, police, A&E staff, "
        "bar managers and street pastors together.\n\nWhat they saw changed the conversation from enforcement "
        "to shared responsibility: a safe space, later transport, and staff trained to spot harm early.",
        "The night walk. Bringing the businesses in as partners rather than suspects.",
        "We underestimated how long it takes to change licensing conditions; plan for it from the start.",
    ),
    "physical-activity": (
        "Active {place}: making movement part of everyday life",
        "Schools, planners, GPs and community groups mapped where people could be active and what stopped "
        "them. Small changes in many places did more than one big programme.",
        "Instead of launching a new programme, the partnership asked residents in two neighbourhoods what "
        "stopped them being active. The answers were about safety, cost and time, not motivation.\n\nPartners "
        "changed what they already controlled: school gates opened at weekends, GP social prescribers linked "
        "to walking groups, and planners added safe routes to two new estates.",
        "Asking residents first. Each partner changing something it already controlled.",
        "Measuring activity with a survey alone missed the people we most wanted to reach.",
    ),
    "food-poverty": (
        "From surplus to support: {place}'s food network",
        "Food banks, supermarkets, growers and the council built one network that moves surplus food to "
        "where it is needed and connects people to advice on money and debt.",
        "Food projects in {place} competed for the same donations and volunteers. The partnership mapped every "
        "project and every source of surplus food, and agreed to share a single logistics route.\n\nThe bigger "
        "shift was connecting food support to advice: people collecting food now meet a money adviser in the "
        "same place.",
        "One shared route for surplus food. Advice offered where people already are.",
        "We launched the network before agreeing how decisions would be made; the first months were hard.",
    ),
    "health-social-care": (
        "Designing care together in {place}",
        "Commissioners, providers, people who use services and carers redesigned the care pathway together, "
        "with carers holding a seat at the partnership board.",
        "The partnership gave people who use services and carers an equal place in redesigning the pathway: "
        "paid for their time, briefed as fully as officers, and holding two seats on the board.",
        "Equal footing for people with lived experience. Paying them for their time.",
        "Our early meetings were full of jargon; a plain-language rule helped everyone.",
    ),
    "mental-health": (
        "Early help for young people's mental health in {place}",
        "Schools, primary care, police and the voluntary sector agreed one way to offer early help, so young "
        "people are not passed between services.",
        "Young people told the partnership they had to tell their story five times before anyone helped. "
        "Partners agreed a single conversation, held by whoever the young person trusts, with the others "
        "supporting that person.",
        "Trusting the person the young person chose. A shared, short record of the conversation.",
        "Waiting lists for specialist services did not shrink on their own; that needs another conversation.",
    ),
    "homelessness": (
        "No one leaves without a home to go to: {place}",
        "Prisons, hospitals, housing and charities now plan somewhere to live before anyone is discharged or "
        "released, and rough sleeping after release fell.",
        "The partnership looked at everyone who slept rough within a week of leaving prison or hospital and "
        "traced what had happened. In every case, someone knew but nobody had the authority to act.\n\nA "
        "shared protocol now gives the housing options team notice and the authority to act early.",
        "Tracing real cases together. Giving one team clear authority.",
        "Private landlords were brought in late; they should have been partners from the start.",
    ),
}
INSIGHT = (
    "Start with stories, not structures",
    "Our partnership spent its first two months on governance. The turning point came when front-line staff "
    "told stories of the people they served. Start there.",
)


def seed_learning(officer: User | None) -> None:
    if officer is None or db.session.scalar(db.select(LearningItem.id).limit(1)):
        return
    projects = db.session.scalars(
        db.select(Project).where(Project.reference.like("LV1-%")).order_by(Project.reference)
    ).all()
    themes = {theme.slug: theme for theme in db.session.scalars(db.select(Theme))}
    by_theme: dict[str, list[Project]] = {}
    for project in projects:
        for theme in project.application.themes:
            by_theme.setdefault(theme.slug, []).append(project)
    today = story_today()
    for number, (project, (case_state, item_state, apply_state)) in enumerate(zip(projects, STATES, strict=False)):
        commitments = db.session.scalars(
            db.select(LearningCommitment)
            .where(LearningCommitment.project_id == project.id)
            .order_by(LearningCommitment.id)
        ).all()
        case = next((c for c in commitments if c.kind == "case_study"), None)
        apply = next((c for c in commitments if c.kind == "apply_elsewhere"), None)
        lead = project.application.lead_applicant
        slug = project.application.themes[0].slug if project.application.themes else "older-people"
        place = project.place.name if project.place else "the area"
        item = None
        if item_state:
            item = _item(project, lead, officer, slug, place, item_state, case, number, themes)
        if case is not None:
            _progress(case, case_state, today, project, item if item_state == "published" else None)
        if apply is not None:
            _apply(apply, apply_state, today, project, slug, themes, by_theme, place)
    db.session.flush()
    _publish_across_themes(projects, officer, themes)


# The library should have a case study on each of these, whatever the projects' stages.
LIBRARY_THEMES = ("safeguarding", "older-people", "alcohol-misuse", "physical-activity", "food-poverty")


def _publish_across_themes(projects: list[Project], officer: User, themes: dict) -> None:
    """An early case study, published mid-project, for each library theme that has none yet."""
    published = {
        theme.slug
        for item in db.session.scalars(
            db.select(LearningItem).where(
                LearningItem.status == ItemStatus.PUBLISHED, LearningItem.kind == "case_study"
            )
        )
        for theme in item.project.application.themes
    }
    written = set(db.session.scalars(db.select(LearningItem.project_id)))
    for slug in LIBRARY_THEMES:
        if slug in published:
            continue
        project = next(
            (p for p in projects if p.id not in written and slug in {t.slug for t in p.application.themes}), None
        )
        if project is None:
            continue
        place = project.place.name if project.place else "the area"
        _item(project, project.application.lead_applicant, officer, slug, place, "published", None, 1, themes)
        written.add(project.id)
        published.add(slug)


def _progress(commitment: LearningCommitment, state: str, today: date, project: Project, item) -> None:
    if state == "overdue":
        commitment.status = CommitmentStatus.PLANNED if commitment.id % 2 else CommitmentStatus.IN_PROGRESS
        commitment.due_on = today - timedelta(days=21 + commitment.id % 30)
        return
    commitment.status = state
    if state == "done":
        commitment.done_at = item.published_at if item else at(today - timedelta(days=30))
        commitment.evidence_note = "The case study is published in the learning library."


def _apply(commitment, state, today, project, slug, themes, by_theme, place) -> None:
    if state == "overdue":
        commitment.status = CommitmentStatus.IN_PROGRESS
        commitment.due_on = today - timedelta(days=12 + commitment.id % 20)
        return
    commitment.status = state
    if state != "done":
        return
    target = themes.get(NEXT_THEME.get(slug, ""))
    commitment.applied_theme_id = target.id if target else None
    commitment.applied_place_id = project.place_id
    peers = [other for other in by_theme.get(target.slug if target else "", []) if other.id != project.id]
    if peers:
        commitment.applied_project_id = peers[commitment.id % len(peers)].id
    commitment.applied_description = (
        f"The partnership used the same approach, with the same enabler-led action learning, on "
        f"{target.name.lower() if target else 'another issue'} in {place}."
    )
    commitment.evidence_url = f"https://example.org/learning/{project.reference.lower()}-applied"
    commitment.done_at = at(today - timedelta(days=10 + commitment.id % 40))


def _item(project, lead, officer, slug, place, state, case, number, themes) -> LearningItem:
    start = project.starts_on
    title, summary, body, worked, did_not = CASE_STUDIES.get(slug, CASE_STUDIES["older-people"])
    kind = "case_study"
    if state == "insight":
        title, summary = INSIGHT
        body, worked, did_not, kind, state = summary, "Listening first.", "Governance first.", "insight", "published"
    item = LearningItem(
        project_id=project.id,
        commitment_id=case.id if case is not None and kind == "case_study" else None,
        kind=kind,
        title=title.format(place=place),
        summary=summary,
        body=body.format(place=place),
        what_worked=worked,
        what_did_not=did_not,
        place_id=project.place_id,
        consent_to_publish=state != "internal",
        status=ItemStatus.DRAFT,
        author_id=lead.id,
        created_at=at(start + timedelta(days=200)),
    )
    item.themes = list(project.application.themes)
    next_theme = themes.get(NEXT_THEME.get(slug, ""))
    if number % 3 == 0 and next_theme is not None and next_theme not in item.themes:
        item.themes.append(next_theme)
    db.session.add(item)
    db.session.flush()
    if state == "draft":
        return item
    item.status, item.submitted_at = "submitted", at(start + timedelta(days=230 + number))
    past_event("learning.item_submitted", item, item.submitted_at, lead, {"status": "submitted"})
    if state == "submitted":
        return item
    item.reviewed_at, item.reviewed_by_id = at(start + timedelta(days=240 + number), 14), officer.id
    if state == "returned":
        item.review_comment = "Lovely story. Please say more about what did not work, and check consent with partners."
    if state == "published":
        item.published_at = item.reviewed_at
    item.status = state
    past_event(f"learning.item_{state}", item, item.reviewed_at, officer, {"status": state})
    return item
