"""The test harness: a real PostgreSQL database created and dropped by the run, per-test rollback,
clients signed in by role, and a real Celery worker on a real Redis.

Services are found from ``DATABASE_URL`` and ``REDIS_URL`` (or the local defaults). Outside CI a
missing service skips the tests that need it, with the reason; under ``CI=true`` it fails them, and
any skipped test fails the run.

``make test`` runs the suite on two workers (pytest-xdist, ``--dist loadgroup``). Each worker is a
session of its own: its own database, Celery queue, SMTP server, upload folder and browser servers, all
named or numbered afresh, so nothing is shared but PostgreSQL and Redis themselves.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import psycopg
import pytest
import redis as redis_lib
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import make_url

from config import normalise_database_url
from grants import create_app
from grants.extensions import db as _db

os.environ["GRANTS_ENV"] = "testing"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"

# Property tests draw examples at the machine's pace: on a busy two-core machine (the suite runs two
# workers beside the browser's server) an example can take longer than Hypothesis's 200 ms default,
# which would fail a property that holds. The properties are checked in full; only the clock is off.
settings.register_profile("grants", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("grants")

pytest_plugins = [
    "tests.fixtures.clients",
    "tests.fixtures.workers",
    "tests.fixtures.smtp",
    "tests.fixtures.mail",
    "tests.fixtures.demo",
]


def service_missing(what: str, error: Exception):
    message = f"{what} is not reachable ({error}). Start it, or set the URL in the environment."
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# Worlds too dear to build twice (a served process, a whole programme run, the seeded demo): each of
# these modules runs on one worker, which builds its world once. Every other test is sent on its own to
# whichever worker is free; the smaller module worlds (the access matrix's, the CSRF suite's) are built by
# each worker that runs some of their cases.
ONE_WORKER_MODULES = (
    "tests/browser/",
    "tests/programme/test_programme_run.py",
    "tests/test_demo.py",
    "tests/test_demo_conversations.py",
    "tests/test_demo_applicant_home.py",
    "tests/security/test_fuzz_forms.py",
    "tests/performance/test_home_applicant.py",
)


# Modules that share one world between them run together on one worker, which builds it once: the
# browser modules that serve the seeded demo (``demo_template`` in tests/browser/conftest.py).
SERVED_DEMO = "the served demo"
SHARED_WORLDS = {
    "tests/browser/test_crawl.py": SERVED_DEMO,
    "tests/browser/test_homes.py": SERVED_DEMO,
}


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup``, grouping by the modules above. (pytest-xdist 3.8's own ``xdist_group``
    marks have no effect on pytest 9: a test's id can no longer be given the group's suffix.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class DearWorldsOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:  # the grouping hook xdist's schedulers override
            module = nodeid.split("::", 1)[0]
            if module in SHARED_WORLDS:
                return SHARED_WORLDS[module]
            return module if module.startswith(ONE_WORKER_MODULES) else nodeid

    return DearWorldsOnOneWorker(config, log)


def pytest_sessionfinish(session, exitstatus):
    """Under CI a skipped test is a defect: the run fails and says which. Under pytest-xdist the
    controller's reporter holds every worker's reports, so it is the controller that fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped:
        reporter.write_line(
            f"CI=true: {len(skipped)} test(s) were skipped; skipped tests are not allowed in CI.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = normalise_database_url(os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES)
    try:
        with psycopg.connect(_libpq(url), connect_timeout=5, autocommit=True) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        service_missing("PostgreSQL", error)
    return url


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def new_database(server_url: str, prefix: str, *, template: str | None = None) -> str:
    """An empty PostgreSQL database of the tests' own, named afresh (``prefix_<random>``); its URL. With
    ``template`` (a database's name, which nobody may be connected to), a copy of that database instead.

    A test database need not survive a crash of the server, so its commits do not wait for the write-ahead
    log to reach the disk, and no query is compiled to machine code (worth it only for long queries):
    both are settings of this database alone, not of the server, and change nothing a test can see."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
        connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        connection.execute(f'ALTER DATABASE "{name}" SET jit = off')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    """Drops a database ``new_database`` made, whoever is still connected to it."""
    url = make_url(database_url)
    with psycopg.connect(_libpq(url.set(database="postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(postgres_server_url):
    """A database of this run's own, dropped at the end."""
    url = new_database(postgres_server_url, "grants_test")
    yield url
    drop_database(url)


def _create_test_app(database_url: str, **overrides):
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None, **overrides})


def make_test_app(database_url: str, **overrides):
    """Another application for the test run. Building one makes its Celery current; the previous
    current Celery (the main test app's) is given back, so tasks keep running in the main app."""
    from celery import current_app as current_celery

    previous = current_celery._get_current_object()
    application = _create_test_app(database_url, **overrides)
    previous.set_current()
    previous.set_default()
    return application


@pytest.fixture(scope="session")
def upload_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="session")
def app(database_url, upload_folder):
    """The application on the run's PostgreSQL database, migrated to head."""
    from tests.fixtures.clients import IsolatedClient

    application = _create_test_app(database_url, UPLOAD_FOLDER=str(upload_folder))
    application.test_client_class = IsolatedClient
    assert application.config["TESTING"], "tests must run with GRANTS_ENV=testing"
    with application.app_context():
        upgrade()
    return application


@contextmanager
def rolled_back(app):
    """Inside an app context, every session of ``app`` bound to one connection whose transaction is rolled
    back at the end, whatever was committed meanwhile (a commit releases a savepoint); yields the connection.
    The ``db`` fixture gives each test one; a module builds a world of its own once in one."""
    with app.app_context():
        engines = _db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection  # every session uses this one connection
        # db.engines is the application's own mapping (not a copy): fail loudly if that changes
        assert _db.session.get_bind() is connection
        _db.session.remove()
        _db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield connection
        finally:
            _db.session.remove()
            engines[None] = engine
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def db(app):
    """The database for one test: everything it does, including commits, is rolled back after.
    The application's rate-limit counts start afresh too (the application is shared by the run)."""
    from grants.core.cache import clear as forget_kept_pages
    from grants.core.limits import reset as reset_rate_limits

    reset_rate_limits(app)
    forget_kept_pages(app)
    with rolled_back(app):
        yield _db


@pytest.fixture
def committed_db(app):
    """For tests where another process (a Celery worker) must see the data: real commits,
    every table emptied afterwards."""
    with app.app_context():
        yield _db
        _db.session.remove()
        empty_every_table()


def empty_every_table() -> None:
    """Every table of the application's database emptied and its ids started again, as ``TRUNCATE`` of them all
    would, but truncating only the tables that were written to."""
    with _db.engine.begin() as connection:
        used = connection.exec_driver_sql(_USED_TABLES.format(tables=_every_table())).scalars().all()
        if used:
            tables = ", ".join(f'"{name}"' for name in used)
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


# The tables a test wrote to: those with rows, and those whose id sequence has moved (rows written, then
# deleted). Emptying only these leaves the database as emptying every table would, in a fraction of the time.
_USED_TABLES = """
    SELECT name FROM ({tables}) AS with_rows
    UNION
    SELECT owner.relname FROM pg_sequences
    JOIN pg_depend ON pg_depend.objid = (quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass
    JOIN pg_class AS owner ON owner.oid = pg_depend.refobjid
    WHERE last_value IS NOT NULL AND pg_depend.deptype IN ('a', 'i') AND schemaname = current_schema()
"""


def _every_table() -> str:
    return " UNION ALL ".join(
        f"SELECT '{table.name}' AS name WHERE EXISTS (SELECT 1 FROM \"{table.name}\")"  # noqa: S608 - the models' own
        for table in _db.metadata.sorted_tables
    )


# --- Redis --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    try:
        redis_lib.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis_lib.RedisError as error:
        service_missing("Redis", error)
    return url
