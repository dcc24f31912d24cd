"""The funded projects of the decided waves, their enablers (with some changes of enabler in their
history) and the enablers' logs: the updates spread over the projects in proportion to how long each
has run, with one project holding exactly the number asked for.

A project whose end date passed more than a couple of months ago has been closed, with everything
done; one that ended since is closing. A few that had run a while ended before their time: their
awards given up before any payment, or ended early after some (see ``end_some_early``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from grants.applications.models import ApplicationStatus
from grants.core.dates import add_months, first_of_next_month
from grants.demo.enablers import RISKS, WORK
from grants.demo.history import at
from grants.demo.scale.base import Bid, Scale, SizeError
from grants.projects.models import FINISHED_STATUSES, EnablerAssignment, Project, ProjectStatus, ProjectUpdate

NEXT_STEPS = [
    "Agree the next partnership session and who brings the data.",
    "Write up the workshop's map and share it with every partner's board.",
    "Set up a coaching session for the new NHS lead.",
    "Invite two residents from the panel to the next board meeting.",
]
MOODS = {"green": (7, 2, 1), "amber": (3, 5, 2), "red": (2, 4, 4)}  # the next update's RAG, by the last
CLOSED_AFTER_DAYS = 75  # a project that ended longer ago than this has been closed; one that ended since is closing
# Of the projects that have run for four months or more, one in this many gave up its award (before any
# payment: its board never confirmed the match) and one in this many ended early (after its first tranche).
GIVEN_UP_EVERY, ENDED_EARLY_EVERY = 50, 40
SUPPORT_ENDS = {  # an enabler's assignment ends with the project (grants.projects.ending)
    ProjectStatus.CLOSED: "The project closed.",
    ProjectStatus.WITHDRAWN: "The partnership gave up its award.",
    ProjectStatus.ENDED_EARLY: "The project ended early.",
}
CLOSEOUT_NOTE = (
    "Closed with everything done: the final report accepted, every tranche paid, the match funding received "
    "and the learning shared."
)


@dataclass
class ProjectPlan:
    bid: Bid
    starts_on: date
    ends_on: date
    status: str
    id: int = 0
    enabler: int | None = None
    previous: tuple[int, date] | None = None  # an earlier enabler, and the day they handed over
    updates: list[tuple[date, str]] = field(default_factory=list)  # (happened on, RAG), oldest first
    reports: list[dict] = field(default_factory=list)  # grants.demo.scale.monitoring.plan_reports
    published_case_study: bool = False  # evidence for the learning_evidenced condition
    finished_on: date | None = None  # the day it was closed, given up or ended early

    @property
    def last_day(self) -> date:
        """The last day it has been running: today, its end, or the day it was given up or ended early."""
        return min(self.ends_on, date.today(), self.finished_on or date.max)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def ended_before_its_time(self) -> bool:
        return self.status in (ProjectStatus.WITHDRAWN, ProjectStatus.ENDED_EARLY)

    @property
    def applicant(self) -> int:
        return self.bid.lead.applicant_id


def plan_projects(scale: Scale) -> None:
    """A project for each approved bid, from the first of the month after its decision; a few of the
    latest wave still setting up (their agreement not yet signed). Those past their end are closing,
    or closed a month or two after it."""
    for bid in scale.bids:
        if bid.status != ApplicationStatus.APPROVED:
            continue
        starts = first_of_next_month(bid.decided_on)
        ends = add_months(starts, bid.round.project_months) - timedelta(days=1)
        status, finished = ProjectStatus.ACTIVE, None
        if ends < scale.today - timedelta(days=CLOSED_AFTER_DAYS):
            status, finished = ProjectStatus.CLOSED, ends + timedelta(days=scale.rng.randint(45, CLOSED_AFTER_DAYS - 5))
        elif ends < scale.today:
            status = ProjectStatus.CLOSING
        if bid.round.code == "NP3" and scale.rng.random() < 0.03:
            status = ProjectStatus.SETUP
        scale.projects.append(ProjectPlan(bid, starts, ends, status, finished_on=finished))
    end_some_early(scale)


def end_some_early(scale: Scale) -> None:
    """Of the projects that have run for four months or more, a few gave up their award a month or
    two in (their board never confirmed the match, so nothing was paid) and a few ended early part way
    through (after their first tranche at least)."""
    running = [
        project
        for project in scale.projects
        if project.status != ProjectStatus.SETUP and (project.last_day - project.starts_on).days >= 120
    ]
    for project in running[1::GIVEN_UP_EVERY]:
        project.status = ProjectStatus.WITHDRAWN
        project.finished_on = project.starts_on + timedelta(days=scale.rng.randint(30, 90))
    for project in running[3::ENDED_EARLY_EVERY]:  # never one given up: 1 + 50k is never 3 + 40j
        span = (project.last_day - project.starts_on).days
        project.status = ProjectStatus.ENDED_EARLY
        project.finished_on = project.starts_on + timedelta(days=scale.rng.randint(span * 2 // 5, span * 4 // 5))


def assign_enablers(scale: Scale) -> None:
    """An enabler from the project's region with room, else whoever has most room; half the projects
    still setting up are waiting for theirs. Some projects changed enabler part way through."""
    load = {user_id: 0 for user_id, _ in scale.enablers}
    for number, project in enumerate(scale.projects):
        if project.status == ProjectStatus.SETUP and number % 2:
            continue
        local = [user_id for user_id, regions in scale.enablers if project.bid.lead.place.region in regions]
        room = [user_id for user_id in local if load[user_id] < scale.enabler_capacity] or list(load)
        project.enabler = min(room, key=lambda user_id: (load[user_id], user_id))
        if not project.is_finished:
            load[project.enabler] += 1
        running = (project.last_day - project.starts_on).days
        if project.status != ProjectStatus.SETUP and running > 120 and scale.rng.random() < 0.08:
            others = [user_id for user_id in load if user_id != project.enabler]
            project.previous = (scale.rng.choice(others), project.starts_on + timedelta(days=running * 2 // 5))


def _allocate(total: int, weights: list[float], cap: int) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders first), none above ``cap``."""
    counts, open_, left = [0] * len(weights), list(range(len(weights))), total
    while left > 0 and open_:
        weight = sum(weights[i] for i in open_)
        shares = {i: left * weights[i] / weight for i in open_}
        extra = left - sum(int(share) for share in shares.values())
        for rank, i in enumerate(sorted(open_, key=lambda i: int(shares[i]) - shares[i])):
            add = min(int(shares[i]) + (rank < extra), cap - counts[i])
            counts[i] += add
            left -= add
        open_ = [i for i in open_ if counts[i] < cap]
    return counts


def plan_updates(scale: Scale) -> ProjectPlan:
    """Every update's day and RAG; returns the project with exactly ``--busiest-project-updates``,
    the longest-running one. The others share the rest by how long each has run, none holding more
    than it (unless the rest is too many for that)."""
    sizes, rng = scale.sizes, scale.rng
    logged = [p for p in scale.projects if p.enabler and p.status != "setup" and p.last_day > p.starts_on]
    if not logged:
        raise SizeError("No project has an enabler to log its updates: ask for more --projects.")
    busiest = next((p for p in logged if p.bid.round.code == "NP2" and p.status == ProjectStatus.ACTIVE), logged[0])
    others = [p for p in logged if p is not busiest]
    rest = sizes.updates - sizes.busiest_updates
    if rest and not others:
        raise SizeError("Only one project logs updates: ask for more --projects, or --updates no more than its.")
    cap = sizes.busiest_updates if rest <= sizes.busiest_updates * len(others) else rest
    weights = [(p.last_day - p.starts_on).days * rng.uniform(0.6, 1.4) for p in others]
    counts = [sizes.busiest_updates, *_allocate(rest, weights, cap)]
    for project, count in zip([busiest, *others], counts, strict=True):
        span = (project.last_day - project.starts_on).days
        days = sorted(project.starts_on + timedelta(days=rng.randint(0, span)) for _ in range(count))
        mood = rng.choice(["green", "green", "amber"])
        for day in days:
            mood = rng.choices(["green", "amber", "red"], weights=MOODS[mood])[0]
            project.updates.append((day, mood))
    return busiest


def make_projects(scale: Scale) -> None:
    rows = []
    for number, project in enumerate(scale.projects):
        bid, created = project.bid, at(project.bid.decided_on, 16)
        last = project.updates[-1] if project.updates else (None, None)
        finished = at(project.finished_on, 15) if project.finished_on else None
        # Closed or given up by a programme officer; an early end confirmed by a finance approver.
        finisher = "finance_approver" if project.status == ProjectStatus.ENDED_EARLY else "programme_officer"
        rows.append(
            {
                "application_id": bid.id,
                "round_id": bid.round.id,
                "reference": bid.reference,
                "title": bid.title,
                "lead_organisation_id": bid.lead.id,
                "place_id": bid.lead.place.id,
                "award_pence": bid.amount_pence,
                "starts_on": project.starts_on,
                "ends_on": project.ends_on,
                "status": ProjectStatus(project.status).value,
                "rag": last[1],
                "rag_override": None,
                "rag_override_reason": None,
                "rag_overridden_by_id": None,
                "rag_overridden_at": None,
                "last_update_on": last[0],
                "finished_at": finished,
                "finished_by_id": scale.person(finisher, number) if finished else None,
                "closeout_note": CLOSEOUT_NOTE if project.status == ProjectStatus.CLOSED else None,
                "closeout_exceptions": None,
                "created_at": created,
                "updated_at": finished or created,
            }
        )
    for project, project_id in zip(scale.projects, scale.writer.ids(Project, rows), strict=True):
        project.id = project_id
    _assignments(scale)
    _updates(scale)


def _assignments(scale: Scale) -> None:
    rows, officer = [], scale.person("programme_officer")
    for project in scale.projects:
        if project.enabler is None:
            continue
        starts = project.starts_on
        if project.previous:
            enabler, handed_over = project.previous
            rows.append(
                _assignment(project, enabler, starts, handed_over, officer, "Moved to support a project nearer home.")
            )
            starts = handed_over
        ends = max(project.finished_on, starts) if project.finished_on else None
        rows.append(_assignment(project, project.enabler, starts, ends, officer, SUPPORT_ENDS.get(project.status)))
    scale.writer.rows(EnablerAssignment, rows)


def _assignment(project: ProjectPlan, enabler: int, starts: date, ends: date | None, officer: int, end_reason) -> dict:
    when = at(starts - timedelta(days=7))
    return {
        "project_id": project.id,
        "enabler_id": enabler,
        "starts_on": starts,
        "ends_on": ends,
        "reason": "Best match for the project's issues and region",
        "end_reason": end_reason,
        "capacity_override_reason": None,
        "assigned_by_id": officer,
        "created_at": when,
        "updated_at": at(ends) if ends else when,
    }


def _updates(scale: Scale) -> None:
    rng, rows = scale.rng, []
    for project in scale.projects:
        for number, (day, rag) in enumerate(project.updates):
            kind, happened, shifting = WORK[(project.id + number) % len(WORK)]
            author = project.previous[0] if project.previous and day < project.previous[1] else project.enabler
            when = at(day, 17)
            rows.append(
                {
                    "project_id": project.id,
                    "author_id": author,
                    "happened_on": day,
                    "kind": kind,
                    "hours": rng.choice([1.5, 2, 3, 3.5, 6]),
                    "what_happened": happened,
                    "shifting": shifting,
                    "risks": RISKS[(project.id + number) % len(RISKS)],
                    "rag": rag,
                    "next_steps": NEXT_STEPS[number % len(NEXT_STEPS)],
                    "private_note": "The lead is stretched; worth a call from the programme team."
                    if rag == "red"
                    else None,
                    "version": 1,
                    "created_at": when,
                    "updated_at": when,
                }
            )
    scale.writer.rows(ProjectUpdate, rows)
