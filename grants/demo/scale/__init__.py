"""``flask --app wsgi seed-scale``: a national programme at scale, for benchmarks.

Five waves with thousands of bids (one round of exactly ``--ranking-bids`` bids under review, scored
by three reviewers each, for the chair's ranking page), ``--projects`` funded projects with their
agreements, tranches, payments, reports, measures and learning, and ``--updates`` entries in the
enablers' logs, one project holding exactly ``--busiest-project-updates`` of them. Projects past their
end are closing or closed; a few gave up their award or ended early. Every row is valid
by the models' constraints and workflows; rows are written with bulk inserts (SQLAlchemy Core, a few
thousand rows a statement), so the default size takes well under a minute on PostgreSQL.

It prints what it made, how long it took, and one line a script can parse::

    SCALE-IDS {"ranking_round_id": 4, "busiest_project_id": 412, "officer_email": ..., ...}
"""

from __future__ import annotations

import json
import random
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import Engine

from grants.demo.scale import bids, funding, learning, monitoring, people, projects, reviews
from grants.demo.scale.base import DOMAIN, Scale, SizeError, Sizes
from grants.extensions import db
from grants.rounds.models import Round


def seed_scale(sizes: Sizes, *, seed: int, password: str | None = None) -> dict:
    """Make the programme in the current transaction (the caller commits); returns the ids a
    benchmark needs."""
    sizes.check()
    codes = [wave.code for wave in bids.WAVES]
    if db.session.scalar(db.select(Round.code).where(Round.code.in_(codes)).limit(1)):
        raise SizeError("This database already holds programme-scale data (rounds NP1–NP5). Use a fresh database.")
    scale = Scale(sizes, random.Random(seed))
    plan = bids.plan_states(sizes)
    leads = max(len(states) for states in plan.values())
    people.make_places(scale, leads)
    people.make_themes(scale)
    people.make_organisations(scale, leads)
    bids.make_rounds(scale, plan)
    bids.plan_bids(scale, plan)
    bids.decide_by_quality(scale)
    people.make_people(scale, password, list({bid.lead.id: bid.lead for bid in scale.bids}.values()))
    bids.make_bids(scale)
    reviews.make_reviews(scale)
    reviews.make_decisions(scale)
    projects.plan_projects(scale)
    people.make_enabler_profiles(scale, sum(not p.is_finished for p in scale.projects))
    projects.assign_enablers(scale)
    busiest = projects.plan_updates(scale)
    monitoring.plan_reports(scale)
    learning.plan_learning(scale)
    projects.make_projects(scale)
    monitoring.make_monitoring(scale)
    learning.make_learning(scale)
    funding.make_funding(scale)
    monitoring.make_self_assessments(scale)
    ranking = next(round_ for round_ in scale.rounds if round_.code == bids.RANKING_WAVE)
    return {
        "counts": dict(scale.writer.counts),
        "ids": {
            "ranking_round_id": ranking.id,
            "ranking_bids": sizes.ranking_bids,
            "busiest_project_id": busiest.id,
            "project_500_updates_id": busiest.id,  # the name the benchmark knows it by
            "busiest_project_updates": len(busiest.updates),
            "busiest_project_enabler_email": _enabler_email(scale, busiest.enabler),
            "open_round_id": scale.rounds[-1].id,
            "round_ids": {round_.code: round_.id for round_ in scale.rounds},
            "officer_email": f"officer.01@{DOMAIN}",
            "finance_email": f"finance.01@{DOMAIN}",
            "chair_email": f"chair@{DOMAIN}",
            "admin_email": f"admin@{DOMAIN}",
            "applicant_email": f"lead.{busiest.bid.lead.id}@{DOMAIN}",
            "search_term": learning.SEARCH_TERM,
        },
    }


def _enabler_email(scale: Scale, user_id: int) -> str:
    return f"enabler.{scale.people['enabler'].index(user_id) + 1:02d}@{DOMAIN}"


def analyze() -> None:
    """Fresh planner statistics for every table, and GIN indexes' pending entries merged (the learning
    library's search index), as a database this size would have after autovacuum."""
    if db.engine.dialect.name != "postgresql" or not isinstance(db.engine, Engine):  # (tests: one connection)
        db.session.execute(db.text("ANALYZE"))
        return
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


@click.command("seed-scale")
@click.option("--applications", default=5_000, show_default=True, help="Bids across the five waves.")
@click.option("--projects", default=1_000, show_default=True, help="Funded projects (approved bids).")
@click.option("--updates", default=50_000, show_default=True, help="Project updates in the enablers' logs.")
@click.option(
    "--ranking-bids", default=1_000, show_default=True, help="Bids under review in the round the chair ranks."
)
@click.option("--busiest-project-updates", default=500, show_default=True, help="Updates of the project with the most.")
@click.option("--seed", default=13, show_default=True, help="Random seed: the same seed makes the same programme.")
@click.option("--password", default=None, help="Everyone's password (default: a random one nobody knows).")
@click.option("--force", is_flag=True, help="Seed even in production.")
@with_appcontext
def seed_scale_command(applications, projects, updates, ranking_bids, busiest_project_updates, seed, password, force):
    """Fill the database with a national programme at scale, for benchmarks."""
    if current_app.config["ENV_NAME"] == "production" and not force:
        raise click.ClickException(
            "seed-scale fills the database with made-up data; it will not run in production without --force."
        )
    sizes = Sizes(applications, projects, updates, ranking_bids, busiest_project_updates)
    started = time.perf_counter()
    try:
        made = seed_scale(sizes, seed=seed, password=password)
    except SizeError as error:
        db.session.rollback()
        raise click.UsageError(str(error)) from None
    db.session.commit()
    written = time.perf_counter()
    analyze()
    db.session.commit()
    finished = time.perf_counter()
    _report(made, seed, password, written - started, finished - written)


def _report(made: dict, seed: int, password: str | None, writing: float, analyzing: float) -> None:
    counts, ids = made["counts"], made["ids"]
    click.echo(f"Programme-scale data (seed {seed}):")
    for table, count in sorted(counts.items()):
        click.echo(f"  {table:<28} {count:>9,}")
    click.echo(f"Wrote {sum(counts.values()):,} rows in {writing:.1f} s; VACUUM ANALYZE took {analyzing:.1f} s.")
    round_id = ids["ranking_round_id"]
    click.echo(f"Round {round_id} has {ids['ranking_bids']:,} bids under review: /assessment/rounds/{round_id}")
    click.echo(
        f"Project {ids['busiest_project_id']} has {ids['busiest_project_updates']:,} updates: "
        f"/projects/{ids['busiest_project_id']}"
    )
    click.echo(
        f"Everyone's email ends @{DOMAIN}; "
        + ("their password is the one given with --password." if password else "nobody knows their password.")
    )
    click.echo("SCALE-IDS " + json.dumps(ids, sort_keys=True))
