"""The shift over many projects added up by the database (``leadership.shift``, what the dashboard
shows) gives the same figures as the leadership pages' own arithmetic in Python on every answer
(``domain_scores``, ``paired_change``...), for programme staff and, with the small-numbers rule, for
anyone else: answers that vary from behaviour to behaviour, people who answered one stage only, a
midpoint, stages still open, projects too small to be shown alone, and a domain of an earlier
framework."""

from __future__ import annotations

import random

import pytest

from grants.extensions import db as _db
from grants.leadership import kept
from grants.leadership import queries as leadership
from grants.leadership.kept import keep_shifts
from grants.leadership.models import (
    AssessmentResponse,
    AssessmentScore,
    LeadershipBehaviour,
    LeadershipDomain,
    LeadershipFramework,
    Participant,
    StageClosure,
)
from grants.projects.models import Project
from tests.factories import RoundFactory, funded_project
from tests.progress.conftest import framework  # noqa: F401  (a fixture used here)


def respond(framework, project, number: int, stages: dict[str, int], rng: random.Random) -> None:  # noqa: F811
    """A participant answering each stage given, each behaviour a value around the stage's level."""
    person = Participant(project_id=project.id, name=f"Person {number}", email=f"p{project.id}-{number}@example.org")
    _db.session.add(person)
    _db.session.flush()
    for stage, level in stages.items():
        response = AssessmentResponse(participant_id=person.id, stage=stage, framework_id=framework.id)
        response.scores = [
            AssessmentScore(behaviour_id=behaviour.id, value=min(5, max(1, level + rng.choice((-1, 0, 0, 1)))))
            for domain in framework.domains
            for behaviour in domain.behaviours
        ]
        _db.session.add(response)


def earlier_framework_answer(project, number: int) -> None:
    """A person who answered an earlier framework, with a domain the current one no longer has."""
    old = LeadershipFramework(name="Earlier", version=0, is_current=False, scale=["1", "2", "3", "4", "5"])
    behaviour = LeadershipBehaviour(position=0, text="Old")
    old.domains = [LeadershipDomain(position=0, name="Aaa retired domain", behaviours=[behaviour])]
    _db.session.add(old)
    _db.session.flush()
    person = Participant(project_id=project.id, name="Old timer", email=f"old{number}@example.org")
    _db.session.add(person)
    _db.session.flush()
    for stage, value in (("baseline", 2), ("final", 4)):
        response = AssessmentResponse(participant_id=person.id, stage=stage, framework_id=old.id)
        response.scores = [AssessmentScore(behaviour_id=behaviour.id, value=value)]
        _db.session.add(response)


@pytest.fixture
def answered(db, framework):  # noqa: F811
    """Two rounds. Round one: a project of six pairs (both stages closed), one of three pairs (closed),
    one of five pairs with only the start closed. Round two: a project of seven pairs, closed, with people
    who answered the start only or the midpoint too, and one answer to an earlier framework."""
    rng = random.Random(27)
    first, second = RoundFactory(code="LV5"), RoundFactory(code="LV6")
    big, small, half_closed = (funded_project(first) for _ in range(3))
    other = funded_project(second)
    number = 0
    for project, pairs in ((big, 6), (small, 3), (half_closed, 5), (other, 7)):
        for _ in range(pairs):
            number += 1
            respond(framework, project, number, {"baseline": rng.randint(1, 3), "final": rng.randint(2, 5)}, rng)
    for stages in ({"baseline": 2}, {"baseline": 3, "midpoint": 3}, {"midpoint": 4, "final": 4}):
        number += 1
        respond(framework, other, number, stages, rng)
    earlier_framework_answer(other, number)
    for project, stages in ((big, ("baseline", "final")), (small, ("baseline", "final")), (half_closed, ("baseline",))):
        _db.session.add_all([StageClosure(project_id=project.id, stage=stage) for stage in stages])
    _db.session.add_all([StageClosure(project_id=other.id, stage=stage) for stage in ("baseline", "midpoint", "final")])
    keep_shifts([project.id for project in (big, small, half_closed, other)])  # as the service keeps them
    _db.session.commit()
    return first, second


def in_python(project_ids, *, staff: bool) -> dict:
    """The shift as the leadership pages work it out: every answer loaded and added up in Python."""
    scores = leadership.domain_scores(project_ids, closed_only=not staff)
    projects_of = leadership.participant_projects(project_ids)
    if not staff:
        pairs = leadership.pairs_by_project(scores, projects_of, sorted(set(projects_of.values())))
        scores = leadership.from_projects_shown_alone(scores, projects_of, pairs)
    current = _db.session.scalar(_db.select(LeadershipFramework).where(LeadershipFramework.is_current.is_(True)))
    names = [domain.name for domain in current.domains]
    domains = names + sorted({name for by_domain in scores.values() for name in by_domain} - set(names))
    return {
        "pairs": leadership.pairs_count(scores),
        "respondents": leadership.respondents(scores),
        "changes": [vars(change) for change in leadership.paired_change(scores, domains)],
    }


@pytest.mark.parametrize("staff", [True, False])
@pytest.mark.parametrize("which", ["all", "first", "second"])
def test_the_database_adds_up_what_python_does(db, answered, staff, which):
    first, second = answered
    statement = _db.select(Project.id)
    if which != "all":
        statement = statement.where(Project.round_id == (first if which == "first" else second).id)
    expected = in_python(statement, staff=staff)
    got = leadership.shift(statement, closed_only=not staff, shown_alone=not staff)
    assert got["pairs"] == expected["pairs"] and got["respondents"] == expected["respondents"]
    assert [change["domain"] for change in got["changes"]] == [change["domain"] for change in expected["changes"]]
    for mine, theirs in zip(got["changes"], expected["changes"], strict=True):
        assert mine["pairs"] == theirs["pairs"]
        assert mine["baseline"] == pytest.approx(theirs["baseline"], abs=1e-9)
        assert mine["final"] == pytest.approx(theirs["final"], abs=1e-9)
    assert got["pairs"] > 0 and got["changes"]  # something to compare in every case


def test_the_small_numbers_rule_holds_beyond_the_staff(db, answered):
    """Staff see all 22 pairs (the old timer's too); anyone else only the closed stages of projects with
    at least five pairs: the six of round one's big project and the eight of round two's (the
    three-pair project and the one whose end is still open are left out)."""
    every = _db.select(Project.id)
    assert leadership.shift(every)["pairs"] == 6 + 3 + 5 + 7 + 1
    shown = leadership.shift(every, closed_only=True, shown_alone=True)
    assert shown["pairs"] == 6 + 7 + 1
    assert shown["changes"][-1]["domain"] == "Aaa retired domain"  # after the current framework's domains


def test_nothing_answered_is_nothing_to_show(db, framework):  # noqa: F811
    funded_project(RoundFactory())
    assert leadership.shift(_db.select(Project.id)) == {
        "pairs": 0,
        "respondents": {"baseline": 0, "midpoint": 0, "final": 0},
        "changes": [],
    }


def _same(got: dict, expected: dict) -> None:
    assert got["pairs"] == expected["pairs"] and got["respondents"] == expected["respondents"]
    assert [change["domain"] for change in got["changes"]] == [change["domain"] for change in expected["changes"]]
    for mine, theirs in zip(got["changes"], expected["changes"], strict=True):
        assert mine["pairs"] == theirs["pairs"]
        assert mine["baseline"] == pytest.approx(theirs["baseline"], abs=1e-9)
        assert mine["final"] == pytest.approx(theirs["final"], abs=1e-9)


def test_the_kept_rows_added_up_per_project_give_what_python_does(db, answered):
    """What the progress report and the wave's page add up from the kept rows (each project alone, its
    closed stages only, and the projects shown alone together) is what every answer gives."""
    project_ids = list(_db.session.scalars(_db.select(Project.id).order_by(Project.id)))
    shifts, closed = kept.kept(project_ids), leadership.closed_stages(project_ids)
    current = _db.session.scalar(_db.select(LeadershipFramework).where(LeadershipFramework.is_current.is_(True)))
    names = [domain.name for domain in current.domains]
    for project_id in project_ids:
        shift = shifts.get(project_id, kept.NOTHING_ANSWERED)
        _same(kept.added_up([shift], names), in_python([project_id], staff=True))
        scores = leadership.domain_scores([project_id], closed_only=True)
        _same(
            kept.added_up([shift.seen(closed[project_id])], names),
            {
                "pairs": leadership.pairs_count(scores),
                "respondents": leadership.respondents(scores),
                "changes": [vars(c) for c in leadership.paired_change(scores, leadership.domain_order(names, scores))],
            },
        )
    seen = {project_id: shift.seen(closed[project_id]) for project_id, shift in shifts.items()}
    _same(kept.added_up(kept.shown_alone(seen).values(), names), in_python(project_ids, staff=False))
    _same(kept.added_up(shifts.values(), names), in_python(project_ids, staff=True))
