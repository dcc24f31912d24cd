"""What the projects learn and share: the learning commitments carried over from their bids (done in
the first wave, under way in the second, planned in the third), and case studies and insights in
every state of review, most of the older projects' published to the public library with their
themes and places."""

from __future__ import annotations

from datetime import timedelta

from grants.demo.history import at
from grants.demo.learning import CASE_STUDIES, INSIGHT, NEXT_THEME
from grants.demo.scale.base import Scale
from grants.learning.models import LearningCommitment, LearningItem, learning_item_themes
from grants.projects.models import ProjectStatus

SEARCH_TERM = "hospital"  # in the older people's and the homelessness case studies: about a quarter of them
INSIGHTS = [
    INSIGHT,
    (
        "Give the partnership board real decisions",
        "Our board only started to matter when partners brought it decisions their own organisations would "
        "otherwise have taken alone.",
    ),
    (
        "Measure what residents notice",
        "The measures that moved partners were the ones residents told us about: waiting, repeating their story, "
        "and being passed on.",
    ),
    (
        "An enabler is a mirror, not a manager",
        "Our enabler helped most when she reflected back what partners said and did, and left the fixing to them.",
    ),
]
# The items each wave's projects wrote, and their states (None: by chance).
ITEMS = {
    "NP1": [
        ("case_study", "published"),
        ("insight", "published"),
        ("insight", "published"),
        ("case_study", "internal"),
    ],
    "NP2": [("case_study", None), ("insight", "published"), ("insight", "published"), ("insight", None)],
    "NP3": [("insight", "published"), ("insight", None)],
}


def plan_learning(scale: Scale) -> None:
    """Which projects have a published case study evidencing their commitment (what their last
    tranche waits for): every first-wave project, and most of the second's, but for those that
    stopped before their time."""
    for project in scale.projects:
        code = project.bid.round.code
        published = code == "NP1" or (code == "NP2" and scale.rng.random() < 0.7)
        project.published_case_study = published and not project.ended_before_its_time


def make_learning(scale: Scale) -> None:
    commitments = [(p, plan_id, plan) for p in scale.projects for plan_id, plan in p.bid.commitment_plans]
    rows = [_commitment(scale, project, plan_id, plan) for project, plan_id, plan in commitments]
    ids = scale.writer.ids(LearningCommitment, rows)
    case_studies = {p.id: i for (p, _, plan), i in zip(commitments, ids, strict=True) if plan["kind"] == "case_study"}
    items, item_themes = [], []
    for number, project in enumerate(scale.projects):
        if project.status == ProjectStatus.SETUP or project.ended_before_its_time:
            continue  # nothing written yet, or nothing written before it stopped
        for position, (kind, state) in enumerate(ITEMS[project.bid.round.code]):
            state = state or _chance_state(scale, project, kind)
            items.append(_item(scale, project, number + position, kind, state, case_studies.get(project.id)))
    item_ids = scale.writer.ids(LearningItem, items)
    themes = {slug: theme_id for theme_id, slug, _ in scale.themes}
    projects = {project.id: project for project in scale.projects}
    for item_id, row in zip(item_ids, items, strict=True):
        slug = scale.themes[projects[row["project_id"]].bid.theme][1]
        item_themes.append({"item_id": item_id, "theme_id": themes[slug]})
        if item_id % 3 == 0:
            item_themes.append({"item_id": item_id, "theme_id": themes[NEXT_THEME[slug]]})
    scale.writer.rows(learning_item_themes, item_themes)


def _chance_state(scale: Scale, project, kind: str) -> str:
    if kind == "case_study":
        return "published" if project.published_case_study else scale.rng.choice(["submitted", "returned"])
    return scale.rng.choice(["draft", "draft", "submitted", "returned"])


def _commitment(scale: Scale, project, plan_id: int, plan: dict) -> dict:
    code, kind = project.bid.round.code, plan["kind"]
    if kind == "case_study":
        status = "done" if project.published_case_study else "in_progress" if code == "NP2" else "planned"
    else:
        status = (
            "done" if code == "NP1" else scale.rng.choice(["planned", "in_progress"]) if code == "NP2" else "planned"
        )
        if project.ended_before_its_time and status == "done":
            status = "in_progress"  # it stopped before applying the approach elsewhere
    done = status == "done"
    applied = done and kind == "apply_elsewhere"
    slug = scale.themes[project.bid.theme][1]
    next_theme = next(theme_id for theme_id, s, _ in scale.themes if s == NEXT_THEME[slug])
    done_at = at(project.starts_on + timedelta(days=300)) if done else None
    when = at(project.bid.decided_on, 16)
    return {
        "project_id": project.id,
        "kind": kind,
        "description": plan["description"],
        "due_on": plan["target_date"],
        "status": status,
        "source_plan_id": plan_id,
        "evidence_url": f"https://example.org/learning/{project.bid.reference.lower()}-applied" if applied else None,
        "evidence_document_id": None,
        "evidence_note": "The case study is published in the learning library." if done and not applied else "",
        "applied_theme_id": next_theme if applied else None,
        "applied_place_id": project.bid.lead.place.id if applied else None,
        "applied_project_id": None,
        "applied_description": "The partnership used the same approach on another issue in its place."
        if applied
        else "",
        "done_at": done_at,
        "created_at": when,
        "updated_at": done_at or when,
    }


def _item(scale: Scale, project, number: int, kind: str, state: str, case_study: int | None) -> dict:
    slug = scale.themes[project.bid.theme][1]
    town = project.bid.lead.place.town
    if kind == "case_study":
        title, summary, body, worked, did_not = CASE_STUDIES[slug]
    else:
        title, summary = INSIGHTS[number % len(INSIGHTS)]
        title, body, worked, did_not = f"{title}: {town}", summary, "Listening first.", "Governance first."
    written = at(project.starts_on + timedelta(days=150 + number % 60))
    sent = state != "draft"
    reviewed = state in ("published", "internal", "returned")
    reviewed_at = at(written.date() + timedelta(days=14), 14) if reviewed else None
    return {
        "project_id": project.id,
        "commitment_id": case_study if kind == "case_study" and state == "published" else None,
        "kind": kind,
        "title": title.format(place=town),
        "summary": summary.format(place=town),
        "body": body.format(place=town),
        "what_worked": worked,
        "what_did_not": did_not,
        "place_id": project.bid.lead.place.id,
        "consent_to_publish": state != "internal",
        "status": state,
        "author_id": project.applicant,
        "submitted_at": at(written.date() + timedelta(days=7)) if sent else None,
        "reviewed_at": reviewed_at,
        "reviewed_by_id": scale.person("programme_officer", number) if reviewed else None,
        "review_comment": "Please say more about what did not work, and check consent with partners."
        if state == "returned"
        else None,
        "published_at": reviewed_at if state == "published" else None,
        "created_at": written,
        "updated_at": reviewed_at or written,
    }
