"""Benchmark compiling the progress report (every project's updates, money, match funding, outcomes,
leadership shift and commitments) on a database filled by ``flask seed-scale``.

    .venv/bin/python -m tests.benchmarks.bench_progress --database-url postgresql://…/db

Run by ``make bench`` at programme scale (1,000 projects) and at a tenth of it, each in a process of
its own so that each peak memory is its own. Prints figures and a ``BENCH-RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

os.environ.setdefault("GRANTS_ENV", "testing")


def run(database_url: str) -> dict:
    from grants import create_app
    from grants.extensions import db
    from grants.progress.compile import compile_progress
    from grants.progress.models import ProgressCompilation
    from grants.projects.models import Project

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None})
    with app.app_context():
        projects = db.session.scalar(db.select(db.func.count()).select_from(Project))
        db.session.execute(db.delete(ProgressCompilation).where(ProgressCompilation.status.in_(["queued", "running"])))
        compilation = ProgressCompilation(trigger="cli")
        db.session.add(compilation)
        db.session.commit()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        done = compile_progress(compilation.id)
        elapsed = time.perf_counter() - started
        status, rows = done.status, len(done.rows or [])
        db.session.remove()
        db.engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "projects": projects,
        "rows": rows,
        "status": status,
        "seconds": round(elapsed, 3),
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(rss, 1),
    }
    print(
        f"  compile progress for {projects:>6,} projects: {elapsed:6.2f} s ({status}, {rows:,} rows;"
        f" process peak {result['peak_rss_mb']:.0f} MB, {result['rss_before_mb']:.0f} MB before)"
    )
    print("BENCH-RESULT " + json.dumps({"progress": result}))
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a database filled by `flask seed-scale`")
    run(parser.parse_args(argv).database_url)


if __name__ == "__main__":
    main()
