"""Each project's monitoring: progress reports on its round's schedule (accepted, but for the latest
one due, which may be waiting for review, sent back or still to do), milestones, the outcome measures from its bid
with a value for every report sent, and leadership self-assessments in a tenth of the projects."""

from __future__ import annotations

from datetime import timedelta

from grants.demo.history import at
from grants.demo.monitoring import CHANGES, MILESTONES, NARRATIVES
from grants.demo.scale.base import Scale
from grants.demo.scale.people import person_name
from grants.extensions import db
from grants.leadership.kept import keep_shifts
from grants.leadership.models import (
    STAGES,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentScore,
    Participant,
    StageClosure,
)
from grants.leadership.services import digest, ensure_framework
from grants.monitoring.models import Milestone, OutcomeMeasure, OutcomeValue, ProgressReport
from grants.monitoring.services import report_periods
from grants.projects.models import ProjectStatus

SENT = ("submitted", "accepted", "changes_requested")


def plan_reports(scale: Scale) -> None:
    """A running project's latest report due is in any state; the earlier ones are accepted. A project
    given up or ended early sent none after it stopped."""
    for number, project in enumerate(scale.projects):
        periods = report_periods(project.starts_on, project.ends_on, project.bid.round.report_every_months)
        past = [sequence for sequence, period in enumerate(periods, start=1) if period[2] <= scale.today]
        latest = past[-1] if past and project.status in (ProjectStatus.ACTIVE, ProjectStatus.CLOSING) else None
        for sequence, (start, end, due, is_final) in enumerate(periods, start=1):
            status = "accepted"
            if project.status == ProjectStatus.SETUP or due > scale.today:
                status = "due"
            elif project.ended_before_its_time and (is_final or due + timedelta(days=7) > project.finished_on):
                status = "due"
            elif sequence == latest:
                status = scale.rng.choices(SENT + ("due",), weights=(45, 20, 15, 20))[0]
            report = _report(scale, project, number + sequence, sequence, is_final, start, end, due, status)
            project.reports.append(report)


def _report(scale, project, number, sequence, is_final, start, end, due, status) -> dict:
    sent, reviewed = status in SENT, status in ("accepted", "changes_requested")
    submitted_at = at(due - timedelta(days=3)) if sent else None
    return {
        "sequence": sequence,
        "is_final": is_final,
        "period_start": start,
        "period_end": end,
        "due_on": due,
        "status": status,
        "narrative": NARRATIVES[number % len(NARRATIVES)] if sent else "",
        "partnership_change": CHANGES[number % len(CHANGES)] if sent else "",
        "rag": scale.rng.choice(["green", "green", "amber", "red"]) if sent else None,
        "submitted_at": submitted_at,
        "submitted_by_id": project.applicant if sent else None,
        "reviewed_at": max(submitted_at, at(due + timedelta(days=7), 14)) if reviewed else None,
        "reviewed_by_id": scale.person("programme_officer", number) if reviewed else None,
        "review_comment": "Please add the outcome figures for the period and say what the citizens' panel decided."
        if status == "changes_requested"
        else None,
        "submissions": 1 if sent else 0,
        "created_at": at(project.bid.decided_on, 16),
        "updated_at": submitted_at or at(project.bid.decided_on, 16),
    }


def reports_accepted_before(project, due_on, last: bool) -> bool:
    """grants.monitoring.services.reports_accepted_for, on the plan: the reports a tranche waits for."""
    relevant = [r for r in project.reports if not r["is_final"] and r["period_end"] < due_on]
    if last:
        relevant += [r for r in project.reports if r["is_final"]]
    relevant = relevant or project.reports[:1]
    return all(report["status"] == "accepted" for report in relevant)


def make_monitoring(scale: Scale) -> None:
    rows = [{"project_id": p.id, **report} for p in scale.projects for report in p.reports]
    report_ids = iter(scale.writer.ids(ProgressReport, rows))
    for project in scale.projects:
        for report in project.reports:
            report["id"] = next(report_ids)
    _milestones(scale)
    _measures(scale)


def _milestones(scale: Scale) -> None:
    rng, rows = scale.rng, []
    owners = ["The partnership board", "Council lead", "NHS lead", "Voluntary sector lead"]
    for project in scale.projects:
        for number, (title, month) in enumerate(MILESTONES):
            due = project.starts_on + timedelta(days=month * project.bid.round.project_months * 30 // 12)
            done = due + timedelta(days=rng.randint(-20, 25))
            finished = project.status != ProjectStatus.SETUP and done <= project.last_day and rng.random() < 0.8
            when = at(project.bid.decided_on, 16)
            rows.append(
                {
                    "project_id": project.id,
                    "title": title,
                    "due_on": due,
                    "done_on": done if finished else None,
                    "owner": owners[(project.id + number) % len(owners)],
                    "created_at": when,
                    "updated_at": when,
                }
            )
    scale.writer.rows(Milestone, rows)


def _measures(scale: Scale) -> None:
    measures = []
    for project in scale.projects:
        for plan_id, plan in project.bid.measure_plans:
            when = at(project.bid.decided_on, 16)
            row = {k: plan[k] for k in ("position", "name", "unit", "baseline", "target", "direction")}
            measures.append(
                (
                    project,
                    row | {"project_id": project.id, "source_plan_id": plan_id, "created_at": when, "updated_at": when},
                )
            )
    ids = scale.writer.ids(OutcomeMeasure, [row for _, row in measures])
    values = []
    for (project, measure), measure_id in zip(measures, ids, strict=True):
        sent = [report for report in project.reports if report["status"] in SENT]
        for report in sent:
            progress = report["sequence"] / len(project.reports)
            change = (measure["target"] - measure["baseline"]) * progress * scale.rng.uniform(0.6, 1.1)
            values.append(
                {
                    "measure_id": measure_id,
                    "report_id": report["id"],
                    "recorded_on": report["period_end"],
                    "value": round(measure["baseline"] + change, 1),
                    "recorded_by_id": project.applicant,
                    "created_at": report["submitted_at"],
                }
            )
    scale.writer.rows(OutcomeValue, values)


def make_self_assessments(scale: Scale) -> None:
    """Four participants in every tenth project of the first two waves, at the start and, as far as
    the project has got, halfway and at the end; most rate themselves higher as they go."""
    framework = ensure_framework()
    db.session.flush()
    behaviours = [behaviour.id for domain in framework.domains for behaviour in domain.behaviours]
    chosen = [p for n, p in enumerate(scale.projects) if n % 10 == 0 and p.bid.round.code in ("NP1", "NP2")]
    people = [(p, n) for p in chosen for n in range(4)]
    rows = [
        {
            "project_id": project.id,
            "name": person_name(project.id + n * 5),
            "email": f"participant.{project.id}.{n}@scale.example.org",
            "organisation_name": ["Council", "NHS trust", "Police", "Community charity"][n],
            "added_by_id": project.applicant,
            "created_at": at(project.starts_on + timedelta(days=10)),
        }
        for project, n in people
    ]
    participant_ids = scale.writer.ids(Participant, rows)
    stages = []
    for (project, _), participant_id in zip(people, participant_ids, strict=True):
        for stage, day, share in (("baseline", 20, 0.0), ("midpoint", 190, 0.5), ("final", None, 1.0)):
            when = project.ends_on - timedelta(days=10) if day is None else project.starts_on + timedelta(days=day)
            if when <= project.last_day and (stage != "final" or project.status == ProjectStatus.CLOSED):
                stages.append((participant_id, stage, at(when), share))
    _responses(scale, framework.id, behaviours, stages)
    _closures(scale)
    keep_shifts([project.id for project in chosen])  # as submitting through the service keeps them


def _responses(scale: Scale, framework_id: int, behaviours: list[int], stages) -> None:
    rng = scale.rng
    invitations = [
        {
            "participant_id": participant_id,
            "stage": stage,
            "framework_id": framework_id,
            "token_digest": digest(f"scale-{participant_id}-{stage}-{rng.random()}"),
            "sent_at": when - timedelta(days=4),
            "used_at": when,
        }
        for participant_id, stage, when, _ in stages
    ]
    scale.writer.rows(AssessmentInvitation, invitations)
    responses = [
        {"participant_id": participant_id, "stage": stage, "framework_id": framework_id, "submitted_at": when}
        for participant_id, stage, when, _ in stages
    ]
    response_ids = scale.writer.ids(AssessmentResponse, responses)
    start = {(p, b): rng.choice([1, 2, 2, 3, 3, 3, 4]) for p in {s[0] for s in stages} for b in behaviours}
    scores = [
        {
            "response_id": response_id,
            "behaviour_id": behaviour,
            "value": max(1, min(5, round(start[participant_id, behaviour] + share * 1.2 + rng.uniform(-0.6, 0.6)))),
        }
        for (participant_id, _, _, share), response_id in zip(stages, response_ids, strict=True)
        for behaviour in behaviours
    ]
    scale.writer.rows(AssessmentScore, scores)


def _closures(scale: Scale) -> None:
    """A finished project's stages of self-assessment closed with it (grants.projects.ending)."""
    rows = [
        {
            "project_id": project.id,
            "stage": stage,
            "closed_at": at(project.finished_on, 15),
            "closed_by_id": scale.person("programme_officer", project.id),
        }
        for project in scale.projects
        if project.finished_on
        for stage in STAGES
    ]
    scale.writer.rows(StageClosure, rows)
