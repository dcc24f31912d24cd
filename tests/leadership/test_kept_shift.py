"""Each project's leadership shift is kept as participants answer, and always equals a recomputation from
every answer (``flask figures check``), which reports a wrong kept row and repairs it; two participants
of one project answering at the same moment are both counted."""

from __future__ import annotations

import secrets
import threading

import pytest

from grants.core.figures import differences
from grants.extensions import db as _db
from grants.leadership import kept, services
from grants.leadership import queries as leadership
from grants.leadership.models import AssessmentInvitation, Participant, ProjectDomainShift, ProjectShiftCounts
from grants.projects.models import Project
from tests.factories import funded_project


@pytest.fixture
def framework(db):
    framework = services.ensure_framework()
    db.session.commit()
    return framework


def _invited(framework, project, number: int, stage: str) -> str:
    """A participant of ``project`` invited to ``stage`` (made the first time): returns the link's token."""
    email = f"p{project.id}-{number}@example.org"
    person = _db.session.scalar(_db.select(Participant).where(Participant.email == email))
    if person is None:
        person = Participant(project_id=project.id, name=f"Person {number}", email=email)
        _db.session.add(person)
        _db.session.flush()
    token = secrets.token_urlsafe(32)
    _db.session.add(
        AssessmentInvitation(
            participant_id=person.id, stage=stage, framework_id=framework.id, token_digest=services.digest(token)
        )
    )
    _db.session.commit()
    return token


def _answers(framework, level: int, number: int) -> dict[int, int]:
    """A rating for every behaviour, varying around ``level`` so that domain means are not whole."""
    behaviours = [b for domain in framework.domains for b in domain.behaviours]
    return {b.id: min(5, max(1, level + (b.id + number) % 3 - 1)) for b in behaviours}


def _submit(framework, project, number: int, stage: str, level: int) -> None:
    services.submit_self_assessment(_invited(framework, project, number, stage), _answers(framework, level, number))
    _db.session.commit()


def _agrees(*projects) -> None:
    """Nothing kept differs from a recomputation, and every project asked about has its figures kept."""
    assert differences()[kept.NAME] == []
    ids = [project.id for project in projects]
    was, now = kept.kept(ids), kept.recomputed(ids)
    assert set(now) <= set(was)
    assert all(was[project_id].agrees_with(now.get(project_id, kept.NOTHING_ANSWERED)) for project_id in was)


def test_answers_submitted_are_kept_as_a_recomputation_gives(db, framework):
    project, other = funded_project(), funded_project()
    _agrees(project, other)
    for number in range(6):
        _submit(framework, project, number, "baseline", 2)
        _agrees(project, other)
    _submit(framework, other, 0, "baseline", 3)
    for number in range(4):
        _submit(framework, project, number, "final", 4)
    _submit(framework, project, 0, "midpoint", 3)
    _agrees(project, other)
    figures = kept.kept([project.id])[project.id]
    assert figures.respondents == {"baseline": 6, "midpoint": 1, "final": 4} and figures.pairs == 4
    assert {name: compared for name, (compared, _, _) in figures.domains.items()} == {
        domain.name: 4 for domain in framework.domains
    }
    shift = leadership.shift([project.id])
    assert shift["pairs"] == 4 and [change["domain"] for change in shift["changes"]] == [
        domain.name for domain in framework.domains
    ]
    assert all(change["final"] > change["baseline"] for change in shift["changes"])


def test_an_answer_sent_twice_is_counted_once(db, framework):
    project = funded_project()
    token = _invited(framework, project, 1, "baseline")
    services.submit_self_assessment(token, _answers(framework, 2, 1))
    _db.session.commit()
    with pytest.raises(services.LeadershipError):
        services.submit_self_assessment(token, _answers(framework, 5, 1))
    _db.session.rollback()
    _agrees(project)
    assert kept.kept([project.id])[project.id].respondents["baseline"] == 1


# --- Checked and repaired ----------------------------------------------------------------------------------


@pytest.fixture
def answered(db, framework):
    project = funded_project()
    for number in range(5):
        _submit(framework, project, number, "baseline", 2)
        _submit(framework, project, number, "final", 4)
    return project


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["figures", "check", *args])


def test_a_wrong_kept_figure_is_reported_and_repaired(app, db, answered):
    assert differences()[kept.NAME] == [] and _cli(app).exit_code == 0
    right = leadership.shift([answered.id])
    db.session.execute(db.update(ProjectShiftCounts).values(pairs=9, answered_final=1))
    domain = db.session.scalars(db.select(ProjectDomainShift.domain).order_by(ProjectDomainShift.domain)).first()
    db.session.execute(db.update(ProjectDomainShift).where(ProjectDomainShift.domain == domain).values(final_sum=1.0))
    db.session.commit()

    [problem] = differences()[kept.NAME]
    assert problem.startswith(f"{answered.reference}: kept answered 5 baseline, 0 midpoint, 1 final; 9 pairs")
    assert "is answered 5 baseline, 0 midpoint, 5 final; 5 pairs" in problem
    result = _cli(app)
    assert result.exit_code == 1 and "leadership shift: 1 differ" in result.output
    assert answered.reference in result.output

    result = _cli(app, "--repair")
    assert result.exit_code == 0 and "leadership shift: 1 repaired" in result.output
    assert differences()[kept.NAME] == [] and _cli(app).exit_code == 0
    assert leadership.shift([answered.id]) == right


def test_a_missing_or_stray_kept_row_is_reported(db, answered):
    quiet = funded_project()
    db.session.execute(db.delete(ProjectDomainShift))
    db.session.execute(db.delete(ProjectShiftCounts))
    db.session.add(ProjectShiftCounts(project_id=quiet.id, answered_baseline=2, pairs=0))
    db.session.add(ProjectDomainShift(project_id=quiet.id, domain="Stray", compared=1, baseline_sum=1, final_sum=2))
    db.session.commit()
    problems = differences()[kept.NAME]
    assert [problem.split(":")[0] for problem in problems] == [answered.reference, quiet.reference]
    assert kept.repair() == 2
    db.session.commit()
    assert differences()[kept.NAME] == []
    assert leadership.shift(db.select(Project.id))["pairs"] == 5


# --- At the same moment (PostgreSQL, real commits) -------------------------------------------------------


def _answered_at_once(app, ratings: dict[str, dict[str, str]]) -> list[int]:
    """Each link's answers posted from a thread of its own, the threads meeting at a barrier."""
    barrier = threading.Barrier(len(ratings))
    statuses: list[int] = []

    def run(token):
        barrier.wait(10)
        statuses.append(app.test_client().post(f"/self-assessment/{token}", data=ratings[token]).status_code)

    threads = [threading.Thread(target=run, args=(token,)) for token in ratings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_participants_of_one_project_answering_at_once_are_all_counted(app, committed_db):
    """Each submission recomputes its project's figures once it holds the project's row of counts: the
    second waits for the first, then counts its answer too, so no answer is left out of the kept rows."""
    for _ in range(3):
        framework = services.ensure_framework()
        project = funded_project()
        for number in range(4):
            _submit(framework, project, number, "baseline", 2)
        tokens = [_invited(framework, project, number, "final") for number in range(4)]
        ratings = {
            token: {f"behaviour_{b}": str(v) for b, v in _answers(framework, 4, number).items()}
            for number, token in enumerate(tokens)
        }
        project_id = project.id
        _db.session.remove()
        statuses = _answered_at_once(app, ratings)
        assert len(statuses) == 4 and all(status < 400 for status in statuses)
        _db.session.expire_all()
        figures = kept.kept([project_id])[project_id]
        assert figures.pairs == 4 and figures.respondents == {"baseline": 4, "midpoint": 0, "final": 4}
        assert figures.agrees_with(kept.recomputed([project_id])[project_id])
    assert differences()[kept.NAME] == []
