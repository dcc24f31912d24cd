"""Each project's leadership shift, kept (``ProjectShiftCounts``, ``ProjectDomainShift``) as its answers
change: how many answered each stage, how many answered both the start and the end, and per domain the
sums of those people's scores at the start and the end. Sums add up over projects, so the dashboard and
the progress report read a few rows per project instead of every answer. A submission calls
``keep_shift`` in its own transaction; the demo and programme-scale seeding call ``keep_shifts`` for
the projects they answered in; ``check`` and ``repair`` recompute every project from scratch
(``flask figures check``).

The rows count every stage, closed or not: who may see which is decided as they are read (``seen``)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from sqlalchemy.dialects import postgresql, sqlite

from grants.core.db import utcnow
from grants.extensions import db
from grants.leadership.models import STAGES, ProjectDomainShift, ProjectShiftCounts
from grants.leadership.queries import MIN_GROUP, DomainChange, domain_means
from grants.projects.models import Project

NAME = "leadership shift"


@dataclass(frozen=True)
class ProjectShift:
    """A project's figures: stage → how many answered; how many pairs; domain → (people compared, sum of
    their scores at the start, sum at the end)."""

    respondents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    pairs: int = 0
    domains: dict[str, tuple[int, float, float]] = field(default_factory=dict)

    def seen(self, closed) -> ProjectShift:
        """Only what the closed stages say (``closed``: the stages closed): as anyone but staff sees it."""
        both = "baseline" in closed and "final" in closed
        return ProjectShift(
            {stage: count if stage in closed else 0 for stage, count in self.respondents.items()},
            self.pairs if both else 0,
            dict(self.domains) if both else {},
        )

    def agrees_with(self, other: ProjectShift) -> bool:
        """The same counts, and sums equal but for the last digits of their arithmetic."""
        return (
            self.respondents == other.respondents
            and self.pairs == other.pairs
            and self.domains.keys() == other.domains.keys()
            and all(_close(self.domains[name], other.domains[name]) for name in self.domains)
        )

    def describe(self) -> str:
        answered = ", ".join(f"{self.respondents[stage]} {stage}" for stage in STAGES)
        domains = "; ".join(
            f"{name} {compared} compared, {start:.4f} → {end:.4f}"
            for name, (compared, start, end) in sorted(self.domains.items())
        )
        return f"answered {answered}; {self.pairs} pairs" + (f"; {domains}" if domains else "")


NOTHING_ANSWERED = ProjectShift()


def _close(mine: tuple[int, float, float], theirs: tuple[int, float, float]) -> bool:
    return mine[0] == theirs[0] and all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(mine, theirs, strict=True))


def recomputed(project_ids) -> dict[int, ProjectShift]:
    """From the answers themselves, for the projects given (a list of ids or a select of them) that have
    any: one query. Each person's score in a domain is the mean of its behaviours, as the pages show it."""
    if isinstance(project_ids, list) and not project_ids:
        return {}
    answers: dict[int, dict[int, dict[str, dict[str, float]]]] = defaultdict(lambda: defaultdict(dict))
    for project_id, participant_id, stage, domain, mean in db.session.execute(
        domain_means(project_ids, closed_only=False)
    ):
        answers[project_id][participant_id].setdefault(stage, {})[domain] = float(mean)
    return {project_id: _figures(people) for project_id, people in answers.items()}


def _figures(people: dict[int, dict[str, dict[str, float]]]) -> ProjectShift:
    respondents = dict.fromkeys(STAGES, 0)
    sums: dict[str, list] = {}
    pairs = 0
    for participant_id in sorted(people):  # one order, so that two recomputations add up alike
        stages = people[participant_id]
        for stage in stages:
            respondents[stage] += 1
        if "baseline" not in stages or "final" not in stages:
            continue
        pairs += 1
        start, end = stages["baseline"], stages["final"]
        for domain in start.keys() & end.keys():
            figures = sums.setdefault(domain, [0, 0.0, 0.0])
            figures[0] += 1
            figures[1] += start[domain]
            figures[2] += end[domain]
    return ProjectShift(respondents, pairs, {name: (n, start, end) for name, (n, start, end) in sorted(sums.items())})


def kept(project_ids=None) -> dict[int, ProjectShift]:
    """The figures as kept, for the projects given (a list of ids or a select of them; every one if None),
    of those with a row: two queries."""
    counts = db.select(
        ProjectShiftCounts.project_id,
        *(getattr(ProjectShiftCounts, f"answered_{stage}") for stage in STAGES),
        ProjectShiftCounts.pairs,
    )
    domains = db.select(
        ProjectDomainShift.project_id,
        ProjectDomainShift.domain,
        ProjectDomainShift.compared,
        ProjectDomainShift.baseline_sum,
        ProjectDomainShift.final_sum,
    ).order_by(ProjectDomainShift.project_id, ProjectDomainShift.domain)
    if project_ids is not None:
        if isinstance(project_ids, list) and not project_ids:
            return {}
        counts = counts.where(ProjectShiftCounts.project_id.in_(project_ids))
        domains = domains.where(ProjectDomainShift.project_id.in_(project_ids))
    by_project: dict[int, dict[str, tuple[int, float, float]]] = defaultdict(dict)
    for project_id, domain, compared, start, end in db.session.execute(domains):
        by_project[project_id][domain] = (compared, start, end)
    return {
        row.project_id: ProjectShift(
            {stage: getattr(row, f"answered_{stage}") for stage in STAGES}, row.pairs, by_project[row.project_id]
        )
        for row in db.session.execute(counts)
    }


def added_up(shifts, domain_order: list[str]) -> dict:
    """Many projects' figures as one: ``{"pairs", "respondents", "changes"}`` as ``queries.shift`` gives
    them, the domains in ``domain_order`` first, then the others by name."""
    respondents = dict.fromkeys(STAGES, 0)
    pairs = 0
    sums: dict[str, list] = {}
    for shift in shifts:
        pairs += shift.pairs
        for stage, count in shift.respondents.items():
            respondents[stage] += count
        for name, (compared, start, end) in shift.domains.items():
            figures = sums.setdefault(name, [0, 0.0, 0.0])
            figures[0] += compared
            figures[1] += start
            figures[2] += end
    names = [name for name in domain_order if name in sums] + sorted(set(sums) - set(domain_order))
    return {
        "pairs": pairs,
        "respondents": respondents,
        "changes": [
            asdict(DomainChange(name, sums[name][0], sums[name][1] / sums[name][0], sums[name][2] / sums[name][0]))
            for name in names
        ],
    }


def shown_alone(shifts: dict[int, ProjectShift]) -> dict[int, ProjectShift]:
    """Only the projects big enough to be shown on their own (see ``queries.from_projects_shown_alone``)."""
    return {project_id: shift for project_id, shift in shifts.items() if shift.pairs >= MIN_GROUP}


# --- Keeping them ---------------------------------------------------------------------------------------


def keep_shift(project_id: int) -> None:
    """Recompute one project's figures and keep them. The project's row of counts is locked first, so that
    of two participants submitting at once the second waits, then counts the first one's answers too."""
    keep_shifts([project_id])


def keep_shifts(project_ids: list[int]) -> int:
    """Recompute these projects' figures and keep them (for answers written without the service: the demo
    programme, programme-scale seeding). Answers how many projects' figures changed."""
    db.session.flush()
    some = sorted(set(project_ids))
    was = kept(some)
    changed = 0
    for start in range(0, len(some), _AT_ONCE):
        chunk = some[start : start + _AT_ONCE]
        _lock_all(chunk)
        fresh = recomputed(chunk)
        for project_id in chunk:
            now = fresh.get(project_id, NOTHING_ANSWERED)
            changed += not now.agrees_with(was.get(project_id, NOTHING_ANSWERED))
        _write(chunk, fresh)
    return changed


def check() -> list[str]:
    """Every project whose kept figures differ from a recomputation from scratch, described for a person."""
    differing = _differing(kept(), recomputed(db.select(Project.id)))
    references = dict(
        db.session.execute(db.select(Project.id, Project.reference).where(Project.id.in_(list(differing)))).all()
    )
    return [
        f"{references.get(project_id) or f'project {project_id}'}: kept {was.describe()}; is {now.describe()}"
        for project_id, (was, now) in sorted(differing.items())
    ]


def repair() -> int:
    """Write the recomputed figures of every project whose kept ones differ; answers how many."""
    db.session.flush()
    differing = sorted(_differing(kept(), recomputed(db.select(Project.id))))
    for start in range(0, len(differing), _AT_ONCE):
        chunk = differing[start : start + _AT_ONCE]
        _lock_all(chunk)
        _write(chunk, recomputed(chunk))  # recomputed once locked: an answer kept meanwhile is counted
    return len(differing)


def _differing(was: dict[int, ProjectShift], now: dict[int, ProjectShift]) -> dict[int, tuple]:
    return {
        project_id: (was.get(project_id, NOTHING_ANSWERED), now.get(project_id, NOTHING_ANSWERED))
        for project_id in sorted(set(was) | set(now))
        if not was.get(project_id, NOTHING_ANSWERED).agrees_with(now.get(project_id, NOTHING_ANSWERED))
    }


_AT_ONCE = 500  # projects locked and recomputed together: well within any database's limit of parameters


def _lock_all(project_ids: list[int]) -> None:
    """These projects' rows of counts, made where missing (by this transaction or, a moment ago, another),
    then locked in the order of their ids, so that two callers never wait for each other."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    db.session.execute(
        insert(ProjectShiftCounts)
        .values(
            [{"project_id": project_id, **_counts(NOTHING_ANSWERED), "updated_at": now} for project_id in project_ids]
        )
        .on_conflict_do_nothing(index_elements=[ProjectShiftCounts.project_id])
    )
    db.session.execute(
        db.select(ProjectShiftCounts.project_id)
        .where(ProjectShiftCounts.project_id.in_(project_ids))
        .order_by(ProjectShiftCounts.project_id)
        .with_for_update()
    )


def _counts(shift: ProjectShift) -> dict[str, int]:
    return {**{f"answered_{stage}": shift.respondents[stage] for stage in STAGES}, "pairs": shift.pairs}


def _write(project_ids: list[int], fresh: dict[int, ProjectShift]) -> None:
    """Each project's counts updated, its domains' rows replaced (a handful each)."""
    now = utcnow()
    db.session.execute(
        db.update(ProjectShiftCounts),
        [
            {"project_id": project_id, **_counts(fresh.get(project_id, NOTHING_ANSWERED)), "updated_at": now}
            for project_id in project_ids
        ],
    )
    db.session.execute(
        db.delete(ProjectDomainShift)
        .where(ProjectDomainShift.project_id.in_(project_ids))
        .execution_options(synchronize_session=False)
    )
    rows = [
        {"project_id": project_id, "domain": name, "compared": n, "baseline_sum": start, "final_sum": end}
        for project_id in project_ids
        for name, (n, start, end) in fresh.get(project_id, NOTHING_ANSWERED).domains.items()
    ]
    if rows:
        db.session.execute(db.insert(ProjectDomainShift), rows)
