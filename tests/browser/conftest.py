"""Browser journeys: Grants served by a process of its own on a fresh PostgreSQL database, driven by
Playwright through Debian's headless Chromium (no browser download), with axe-core checking
every page. A failed journey leaves screenshots of every open page in test-artifacts/browser/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from config import ROOT
from tests.browser.accessibility import axe_path
from tests.browser.clock import CLOCKS, ServerClock
from tests.browser.visitor import Visitor, slug
from tests.conftest import SERVED_DEMO, SHARED_WORLDS, drop_database, make_test_app, new_database, service_missing

# Debian's headless build of Chromium (package chromium-headless-shell): the same engine without a window
# system, lighter to run. ``CHROMIUM=/usr/bin/chromium`` runs the journeys in the full browser instead.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- The browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", FileNotFoundError(f"{CHROMIUM} (apt-get install chromium-headless-shell)"))
    if not axe_path().exists():
        service_missing("axe-core", FileNotFoundError(f"{axe_path()} (npm ci)"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- The served application ---------------------------------------------------------------------------


class LiveServer:
    def __init__(self, url: str, database_url: str, app, log: Path, mailbox, serves_demo: bool = False):
        self.url, self.database_url, self.app, self.log = url, database_url, app, log
        self.serves_demo = serves_demo
        self.mailbox = mailbox  # the mail server the served process sends to: people's inboxes

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server's output without its request log: errors, tracebacks, captured email."""
        kept = [line for line in self.log.read_text(errors="replace").splitlines() if "[werkzeug]" not in line]
        return "\n".join(kept[-lines:])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 (our own http URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url} within {seconds} s")


@dataclass
class Template:
    """A database the served ones are copied from, and the uploaded files its rows name."""

    database: str
    uploads: Path


@contextmanager
def _template(postgres_server_url: str, tmp_path_factory, prefix: str, *, copy_of: Template | None = None, fill=None):
    url = new_database(postgres_server_url, prefix, template=copy_of.database if copy_of else None)
    uploads = tmp_path_factory.mktemp(f"{prefix}-uploads")
    if copy_of:
        shutil.copytree(copy_of.uploads, uploads, dirs_exist_ok=True)
    app = make_test_app(url, UPLOAD_FOLDER=str(uploads))
    try:
        with app.app_context():
            from grants.extensions import db

            (fill or upgrade)()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()  # nobody may be connected to a database being copied
        yield Template(make_url(url).database, uploads)
    finally:
        drop_database(url)


@pytest.fixture(scope="session")
def migrated_template(postgres_server_url, tmp_path_factory):
    """A database at the migrations' head, made once for this worker: each module's served database is a
    copy of it (``CREATE DATABASE … TEMPLATE``, a fraction of a second) instead of migrated afresh."""
    with _template(postgres_server_url, tmp_path_factory, "grants_browser_head") as template:
        yield template


@pytest.fixture(scope="session")
def demo_template(postgres_server_url, tmp_path_factory, migrated_template):
    """The demo programme ``make run`` seeds, seeded once for this worker on a copy of the migrated
    database, for the modules that serve it (those ``SHARED_WORLDS`` puts with the served demo)."""
    from grants.demo import seed_demo

    with _template(
        postgres_server_url, tmp_path_factory, "grants_browser_demo", copy_of=migrated_template, fill=seed_demo
    ) as template:
        yield template


@pytest.fixture(scope="module")
def live_server(request, postgres_server_url, redis_url, tmp_path_factory, chromium, smtp_server, migrated_template):
    """Grants on a database of this module's own, served by its own process; ``app`` is bound to the
    same database in this process, to set up people and to read the outbox. Its email goes to
    ``smtp_server`` (``live_server.mailbox``), where the emailed links are read as people read them.

    The database is a copy of the migrated one, or, in a module ``SHARED_WORLDS`` puts with the served demo
    (on one worker, which seeds it once), of the seeded demo with its uploaded files."""
    module = Path(request.module.__file__).relative_to(ROOT).as_posix()
    serves_demo = SHARED_WORLDS.get(module) == SERVED_DEMO
    template = request.getfixturevalue("demo_template") if serves_demo else migrated_template
    database_url = new_database(postgres_server_url, "grants_browser", template=template.database)
    name = make_url(database_url).database
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    uploads = tmp_path_factory.mktemp("browser-uploads")
    shutil.copytree(template.uploads, uploads, dirs_exist_ok=True)
    # The output goes to a file, never a pipe: a pipe nobody reads fills up after some hundreds of
    # logged requests and the server stops answering.
    log = tmp_path_factory.mktemp("browser-server") / "server.log"
    output = log.open("w")
    clock = ServerClock(log.parent / "clock")
    # Pages are kept as in production: in Redis, shared with this process, whose writes (people set up
    # by a test) move the data version too.
    page_cache = {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"{name}-pages:",
        "PAGE_CACHE_SECONDS": "60",
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.browser.serve"),
            *("--port", str(port), "--uploads", str(uploads), "--clock", str(clock.path)),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            **page_cache,
            "DATABASE_URL": database_url,
            "GRANTS_ENV": "testing",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "MAIL_SERVER": smtp_server.host,
            "MAIL_PORT": str(smtp_server.port),
            "MAIL_USE_TLS": "false",
        },
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    CLOCKS[url] = clock
    try:
        _wait_until_up(url, process, log)
        app = make_test_app(
            database_url, UPLOAD_FOLDER=str(uploads), BASE_URL=url, **{**page_cache, "PAGE_CACHE_SECONDS": 60}
        )
        yield LiveServer(url, database_url, app, log, smtp_server, serves_demo)
        with app.app_context():
            from grants.extensions import db

            db.engine.dispose()
    finally:
        CLOCKS.pop(url, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        output.close()
        drop_database(database_url)


@pytest.fixture(scope="module")
def demo(live_server):
    """The demo programme ``make run`` seeds, on the module's served database."""
    assert live_server.serves_demo, "a module whose tests read the demo is put with it in SHARED_WORLDS"
    return live_server


@pytest.fixture
def person(request, chromium, live_server):
    """``person("Priya, applicant")``: a visitor with a browser context of their own. When the test
    fails every open page is kept as a screenshot; when it passes, every page any of them reached must
    have been checked by axe."""
    visitors: list[Visitor] = []
    contexts = []

    def make(name: str) -> Visitor:
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        # axe-core is in every page from its start (a script the browser keeps compiled for the next page),
        # not injected into each page it checks; it does nothing until a check runs it.
        context.add_init_script(path=str(axe_path()))
        context.set_default_timeout(15_000)
        contexts.append(context)
        visitor = Visitor(name, context.new_page(), live_server.url)
        visitors.append(visitor)
        return visitor

    yield make
    failed = getattr(request.node, "report_call", None) is None or request.node.report_call.failed
    if failed:
        print(f"--- the server's output (request log left out) ---\n{live_server.log_tail()}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for number, visitor in enumerate(visitors, 1):
            target = ARTIFACTS / f"{slug(request.node.name)}-{number}-{slug(visitor.name)}.png"
            try:
                visitor.page.screenshot(path=str(target), full_page=True)
            except Exception as error:  # a closed page has nothing to show
                print(f"no screenshot of {visitor.name}: {error}")
    for context in contexts:
        context.close()
    if not failed:
        unchecked = {visitor.name: visitor.unchecked() for visitor in visitors if visitor.unchecked()}
        assert not unchecked, f"pages reached without an accessibility check: {unchecked}"
