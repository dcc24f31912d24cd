"""Benchmark the 360Giving export on PostgreSQL: the JSON data package and the CSV of 1,000 and of 10,000
awarded grants, streamed by the page's own download route and read a chunk at a time.

    .venv/bin/python -m tests.benchmarks.bench_opendata               # 10,000 grants, then 1,000
    .venv/bin/python -m tests.benchmarks.bench_opendata --grants 50000

Prints the time of each export, the size written and the memory it took: the peak of the Python heap
while it ran (tracemalloc, in a second run of its own, since tracing slows it) and the process's peak
resident size so far. Passes or fails nothing. Needs PostgreSQL (the same URL as the tests); it creates a
database of its own and drops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import tracemalloc
import uuid
from datetime import timedelta

import psycopg
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

os.environ.setdefault("GRANTS_ENV", "testing")

from config import normalise_database_url  # noqa: E402
from grants import create_app  # noqa: E402
from grants.accounts import services as account_services  # noqa: E402
from grants.accounts import two_factor  # noqa: E402
from grants.bidforms import default as forms  # noqa: E402
from grants.core.db import utcnow  # noqa: E402
from grants.core.permissions import Role  # noqa: E402
from grants.extensions import db  # noqa: E402
from grants.rounds.models import Round  # noqa: E402

POSTGRES = normalise_database_url(os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres")
PLACES = 300


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sql(statement: str, **params) -> None:
    db.session.execute(db.text(statement), params)


def seed_places() -> None:
    """Local authority areas of every kind: unitary, district, metropolitan, London borough, county."""
    _sql(
        "INSERT INTO places (name, ons_code, region) SELECT 'Place ' || i,"
        " (ARRAY['E06', 'E07', 'E08', 'E09', 'E10', 'W06', 'S12'])[1 + i % 7] || lpad(i::text, 6, '0'),"
        " 'North West' FROM generate_series(1, :n) AS i",
        n=PLACES,
    )


def seed_round(code: str, grants: int, people: dict) -> None:
    """A decided round of ``grants`` approved bids, each with its decision, project and three tranches;
    the first tranche of every other project paid and the second of every fifth. Set-based SQL."""
    now = utcnow()
    round_ = Round(
        code=code,
        title=f"Benchmark wave {code}",
        opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=300),
        award_pence=2_700_000,
        budget_pence=2_700_000 * grants,
        status="decided",
    )
    db.session.add(round_)
    db.session.flush()
    forms.install(round_)  # the programme's form: its first questions are the grants' public description
    params = {"n": grants, "now": now, "code": code, "round": round_.id, "places": PLACES, **people}
    _sql(
        "INSERT INTO organisations (name, sector, org_id, charity_number, address_line_1, address_line_2, town,"
        " postcode, place_id, created_at, updated_at)"
        " SELECT 'Organisation ' || :code || ' ' || i, 'voluntary_community',"
        " CASE WHEN i % 10 = 0 THEN NULL ELSE 'GB-CHC-' || :code || lpad(i::text, 7, '0') END,"
        " CASE WHEN i % 10 = 0 THEN NULL ELSE lpad(i::text, 7, '0') END, i || ' High Street', '', 'Wigan',"
        " 'WN1 1AA', (SELECT min(id) FROM places) + i % :places, :now, :now FROM generate_series(1, :n) AS i",
        **params,
    )
    _sql(
        "INSERT INTO applications (round_id, reference, lead_organisation_id, lead_applicant_id, status, title,"
        " place_id, answers, match_funder, amount_requested_pence, section_states, submitted_at, created_at,"
        " updated_at)"
        " SELECT :round, :code || '-' || lpad(row_number() OVER (ORDER BY o.id)::text, 5, '0'), o.id, :applicant,"
        " 'approved', 'Partnership project ' || o.id, o.place_id, json_build_object("
        " 'issue', 'Agencies in the place hold pieces of the same problem and act alone; people fall between them.',"
        " 'shared_vision', 'Everyone gets the right help at the right time, and agencies act as one.'), '',"
        " 2700000 - (o.id % 3) * 50000 + (o.id % 7), '{}', :now, :now, :now"
        " FROM organisations o WHERE o.name LIKE 'Organisation ' || :code || ' %'",
        **params,
    )
    _sql(
        "INSERT INTO decisions (application_id, outcome, rationale, feedback_released, decided_by_id, decided_at,"
        " effective_at, created_at, updated_at) SELECT id, 'approved', 'Strong partnership.', false, :officer,"
        " :now - interval '40 days', :now - interval '30 days', :now, :now FROM applications WHERE round_id = :round",
        **params,
    )
    _sql(
        "INSERT INTO projects (application_id, round_id, reference, title, lead_organisation_id, place_id,"
        " award_pence, starts_on, ends_on, status, created_at, updated_at)"
        " SELECT id, round_id, reference, title, lead_organisation_id, place_id, amount_requested_pence,"
        " DATE '2025-10-01', DATE '2026-09-30', 'active', :now, :now FROM applications WHERE round_id = :round",
        **params,
    )
    _sql(
        "INSERT INTO tranches (project_id, sequence, percentage, amount_pence, due_on, status, created_at, updated_at)"
        " SELECT p.id, s.sequence, s.percentage,"
        " CASE WHEN s.sequence = 3 THEN p.award_pence - 5 * p.award_pence / 10 - 3 * p.award_pence / 10"
        " ELSE s.percentage * p.award_pence / 100 END, DATE '2025-10-01', 'scheduled', :now, :now"
        " FROM projects p CROSS JOIN (VALUES (1, 50), (2, 30), (3, 20)) AS s(sequence, percentage)"
        " WHERE p.round_id = :round",
        **params,
    )
    _sql(
        "UPDATE tranches t SET status = 'released', requested_at = :now, requested_by_id = :officer,"
        " released_at = :now FROM projects p WHERE p.id = t.project_id AND p.round_id = :round"
        " AND ((t.sequence = 1 AND p.id % 2 = 0) OR (t.sequence = 2 AND p.id % 5 = 0))",
        **params,
    )
    _sql(
        "INSERT INTO payments (tranche_id, project_id, amount_pence, reference, requested_by_id, approved_by_id,"
        " approved_at) SELECT t.id, t.project_id, t.amount_pence, 'PAY-' || t.id, :officer, :finance, :now"
        " FROM tranches t JOIN projects p ON p.id = t.project_id WHERE p.round_id = :round AND t.status = 'released'",
        **params,
    )
    db.session.commit()


def seed(grants: int) -> dict:
    people = {
        role: account_services.create_user(
            email=f"{role}@bench.example.org", name=role.title(), roles=[value], password=uuid.uuid4().hex
        )
        for role, value in (
            ("applicant", Role.APPLICANT),
            ("officer", Role.PROGRAMME_OFFICER),
            ("finance", Role.FINANCE_APPROVER),
        )
    }
    people["officer"].totp_secret = two_factor.encrypt(two_factor.new_secret())  # officers sign in with it
    people["officer"].two_factor_enabled_at = utcnow()
    db.session.flush()
    ids = {role: user.id for role, user in people.items()}
    seed_places()
    rounds = {}
    for size in (grants // 10, grants):
        code = f"B{size}"[:8]
        seed_round(code, size, ids)
        rounds[size] = db.session.scalar(db.select(Round.id).where(Round.code == code))
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"officer": people["officer"].get_id(), "rounds": rounds}


def download(client, url: str) -> tuple[int, int, bytes]:
    """The page's download, read a chunk at a time; returns (chunks, bytes, the first 2 KB)."""
    response = client.get(url, buffered=False)
    assert response.status_code == 200 and response.is_streamed, response.status
    chunks = size = 0
    head = b""
    try:
        for chunk in response.iter_encoded():
            chunks, size = chunks + 1, size + len(chunk)
            head = head or chunk[:2048]
    finally:
        response.close()
    return chunks, size, head


def measure(client, round_id: int, grants: int, format_: str) -> float:
    url = f"/open-data/360giving.{format_}?round={round_id}"
    started = time.perf_counter()
    chunks, size, head = download(client, url)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    download(client, url)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = grants / elapsed
    print(
        f"  {grants:>7,} grants {format_.upper():<4} {elapsed:6.2f} s ({rate:,.0f} grants/s),"
        f" {size / 1e6:6.1f} MB in {chunks:,} chunks; Python heap peak {traced_peak / 1e6:5.1f} MB,"
        f" process peak RSS so far {peak_rss_mb():.0f} MB"
    )
    if format_ == "json":
        assert head.lstrip().startswith(b"{"), head[:80]
    return elapsed


def check_whole_package(client, round_id: int, grants: int) -> None:
    """Outside the timings: the package parses and holds every grant."""
    response = client.get(f"/open-data/360giving.json?round={round_id}")
    package = json.loads(response.get_data())
    assert len(package["grants"]) == grants, len(package["grants"])


def run(grants: int) -> None:
    name = f"grants_bench_{uuid.uuid4().hex[:8]}"
    admin = libpq(POSTGRES)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database_url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            seeded = seed(grants)
            print(f"Seeded {grants + grants // 10:,} awarded grants in {time.perf_counter() - started:.1f} s.")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = seeded["officer"], True
            session["two_factor_at"] = int(time.time())  # grants.accounts.two_factor.VERIFIED
        print("360Giving export through the download route (PostgreSQL, streamed):")
        seconds = {}
        for size in sorted(seeded["rounds"]):
            for format_ in ("json", "csv"):
                seconds[f"{format_}:{size}"] = round(measure(client, seeded["rounds"][size], size, format_), 3)
        check_whole_package(client, seeded["rounds"][grants], grants)
        print("BENCH-RESULT " + json.dumps({"opendata": {"seconds": seconds, "peak_rss_mb": round(peak_rss_mb(), 1)}}))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grants", type=int, default=10_000, help="awarded grants (default 10,000; and a tenth)")
    arguments = parser.parse_args(argv)
    run(arguments.grants)


if __name__ == "__main__":
    main()
