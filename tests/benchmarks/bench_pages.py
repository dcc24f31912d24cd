"""Benchmark the pages at programme scale: gunicorn (2 workers) serving Grants on PostgreSQL, measured
with wrk on this machine, each page beside a bare endpoint of the same app (``/healthz``: the same
middleware, no work) measured in the same run, and ``/healthz`` beside a bare Flask hello
(``tests/benchmarks/hello.py``) served by gunicorn the same way.

    .venv/bin/python -m tests.benchmarks.bench_pages --database-url postgresql://…/db --ids '{…}'

Normally run by ``make bench`` (``tests/benchmarks/bench.py``), which seeds the database with
``flask seed-scale`` and passes the ids it printed. Prints figures; passes or fails nothing. Ends with
a ``BENCH-RESULT {json}`` line for the driver.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

os.environ.setdefault("GRANTS_ENV", "testing")

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "benchmark-secret-key-" + "x" * 32
REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
CACHE_PREFIX = f"grants-bench-{os.getpid()}-pages:"
CONNECTIONS = 8
DURATION = 10  # seconds per page
WARM_UP = 2

HELLO = "bare Flask hello (tests/benchmarks/hello.py)"
HEALTHZ = "bare endpoint (/healthz)"

# RESULT requests errors p50_ms p95_ms p99_ms rps, as wrk's Lua ``done`` sees it (its latency distribution).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %.1f\\n", summary.requests, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
"""


def forget_kept_pages() -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{CACHE_PREFIX}*"):
        client.delete(key)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, port: int, *, keep_pages: bool = True) -> dict[str, str]:
    return {
        "PAGE_CACHE_SECONDS": "60" if keep_pages else "0",
        **os.environ,
        "GRANTS_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "MAIL_BACKEND": "capture",
        "SESSION_COOKIE_SECURE": "false",
        # As in production: Redis keeps the pages, shared by both workers (a prefix of this run's own).
        "REDIS_URL": REDIS,
        "CACHE_KEY_PREFIX": CACHE_PREFIX,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def sessions_for(database_url: str, emails: dict[str, str]) -> dict[str, str]:
    """A signed session cookie for each person, as if they had signed in with their second step;
    two-factor set up for them first where their roles need it."""
    from grants import create_app
    from grants.accounts import two_factor
    from grants.accounts.login import SIGNED_IN_AT
    from grants.accounts.models import User
    from grants.core.db import utcnow
    from grants.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "SERVER_NAME": None})
    cookies = {}
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        for who, email in emails.items():
            user = db.session.scalar(db.select(User).where(User.email == email))
            if user is None:
                raise SystemExit(f"seed-scale made no {who} ({email})")
            if not user.two_factor_enabled:
                user.totp_secret = two_factor.encrypt(two_factor.new_secret())
                user.two_factor_enabled_at = utcnow()
                db.session.commit()
            now = int(time.time())
            session = {
                "_user_id": user.session_token,
                "_fresh": True,
                two_factor.VERIFIED: now,
                SIGNED_IN_AT: now,
                "_permanent": True,
            }
            cookies[who] = f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps(session)}"
        db.session.remove()
        db.engine.dispose()
    return cookies


def start_server(
    database_url: str,
    port: int,
    log_path: Path,
    *,
    keep_pages: bool = True,
    app: str = "wsgi:app",
    ready: str = "/healthz",
) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the server's life
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", app]
    command += ["--log-level", "warning"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=server_environment(database_url, port, keep_pages=keep_pages), stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within a minute: see {log_path}")


def fetch(url: str, cookie: str | None) -> tuple[int, bytes, float]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            body = response.read()
            return response.status, body, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.perf_counter() - started


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


urllib.request.install_opener(urllib.request.build_opener(NoRedirect))


def wrk(url: str, cookie: str | None, script: Path, seconds: int = DURATION) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)$", output, flags=re.M)
    if not found:
        raise SystemExit(f"wrk printed no result for {url}:\n{output}")
    requests, errors, p50, p95, p99, rps = found.groups()
    return {
        "requests": int(requests),
        "errors": int(errors),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "rps": float(rps),
    }


def pages(ids: dict) -> list[tuple[str, str, str | None]]:
    """(name, path, who) for each page measured; who is None for an anonymous visitor."""
    return [
        (HEALTHZ, "/healthz", None),
        ("public rounds page", "/rounds/", None),
        ("officer's application list (50 a page)", "/manage/applications/", "officer"),
        (
            f"ranking page, round of {ids.get('ranking_bids', 1000):,} bids",
            f"/assessment/rounds/{ids['ranking_round_id']}",
            "chair",
        ),
        (
            f"project page, {ids.get('busiest_project_updates', 500):,} updates",
            f"/projects/{ids['project_500_updates_id']}",
            "officer",
        ),
        ("portfolio dashboard", "/portfolio/", "officer"),
        ("funding overview (/funding/), finance", "/funding/", "finance"),
        ("learning library search", f"/learning/?q={ids.get('search_term', 'care')}", None),
    ]


def measure(base: str, path: str, cookie: str | None, script: Path, seconds: int, work: Path) -> dict:
    """One page: fetched once (it must answer 200), warmed up, then measured."""
    status, body, first = fetch(base + path, cookie)
    if status != 200:
        raise SystemExit(f"{base}{path} answered {status}, not 200: see {work}")
    wrk(base + path, cookie, script, seconds=WARM_UP)
    figures = {**wrk(base + path, cookie, script, seconds=seconds), "bytes": len(body), "path": path}
    figures["first_ms"] = round(first * 1000, 1)
    return figures


def run(database_url: str, ids: dict, seconds: int = DURATION, *, keep_pages: bool = True) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make wrk` (apt-get install wrk)")
    people = {"officer": ids["officer_email"], "chair": ids["chair_email"], "finance": ids["finance_email"]}
    cookies = sessions_for(database_url, people)
    port, hello_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="grants-bench-pages-"))
    script = work / "result.lua"
    script.write_text(WRK_SCRIPT)
    server = start_server(database_url, port, work / "gunicorn.log", keep_pages=keep_pages)
    hello = start_server(database_url, hello_port, work / "hello.log", app="tests.benchmarks.hello:app", ready="/")
    results = {}
    kept = "kept pages served from Redis" if keep_pages else "every page rendered (PAGE_CACHE_SECONDS=0)"
    try:
        print(f"Pages, {kept} (gunicorn, 2 workers, PostgreSQL; wrk, {CONNECTIONS} connections, {seconds} s each):")
        # The bare Flask hello just before /healthz, on the same machine in the same minute.
        results[HELLO] = measure(f"http://127.0.0.1:{hello_port}", "/", None, script, seconds, work)
        for name, path, who in pages(ids):
            results[name] = measure(base, path, cookies.get(who) if who else None, script, seconds, work)
        healthz, bare = results[HEALTHZ]["rps"], results[HELLO]["rps"]
        print(
            f"  {'page':<44} {'req/s':>8} {'of /healthz':>11} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
        )
        for name, figures in results.items():
            figures["ratio"] = figures["rps"] / healthz if healthz else 0.0
            share = f"{figures['ratio']:>11.0%}"
            if name == HEALTHZ:
                figures["of_hello"] = healthz / bare if bare else 0.0
                share = f"{figures['of_hello']:>5.0%} hello"
            elif name == HELLO:
                share = f"{'':>11}"
            print(
                f"  {name:<44} {figures['rps']:>8.0f} {share} {figures['p50_ms']:>8.1f}"
                f" {figures['p95_ms']:>8.1f} {figures['p99_ms']:>8.1f} {figures['errors']:>7}"
            )
    finally:
        for process in (server, hello):
            process.terminate()
            process.wait(timeout=30)
        forget_kept_pages()
    print("BENCH-RESULT " + json.dumps({"pages" if keep_pages else "pages_rendered": results}))
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a database filled by `flask seed-scale`")
    parser.add_argument("--ids", required=True, help="the JSON seed-scale printed after SCALE-IDS")
    parser.add_argument("--seconds", type=int, default=DURATION, help=f"seconds per page (default {DURATION})")
    parser.add_argument("--render-every-time", action="store_true", help="keep no pages (PAGE_CACHE_SECONDS=0)")
    arguments = parser.parse_args(argv)
    run(
        arguments.database_url, json.loads(arguments.ids), arguments.seconds, keep_pages=not arguments.render_every_time
    )


if __name__ == "__main__":
    main()
