"""Grants: a workflow service for place-based systems-leadership grant programmes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import ROOT, Config, config_for

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = ROOT / "templates"
MIGRATIONS_DIR = ROOT / "migrations"

# Areas, each a package with a blueprint. Their models, tasks and navigation load with them.
AREAS = (
    "main",
    "accounts",
    "directory",
    "documents",
    "rounds",
    "applications",
    "reviews",
    "projects",
    "conversations",
    "enablers",
    "funding",
    "monitoring",
    "leadership",
    "learning",
    "progress",
    "notifications",
    "reminders",
    "portfolio",
    "exports",
    "opendata",
    "api",
    "admin",
    "privacy",
)


def create_app(config: Config | Mapping | str | None = None) -> Flask:
    """Build the application.

    ``config`` is a Config instance, the name of an environment, a mapping of settings laid over the
    environment's configuration (``GRANTS_ENV``, default ``development``), or None.
    """
    from grants.core.templating import GrantsFlask

    app = GrantsFlask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(PACKAGE_DIR / "static"),
        template_folder=None,
    )
    if isinstance(config, Config):
        settings = config
    elif isinstance(config, str):
        settings = config_for(config)
    else:
        settings = config_for()
    app.config.from_object(settings)
    app.config["ENV_NAME"] = settings.name
    if isinstance(config, Mapping):
        app.config.update(config)

    _configure_logging(app)
    _init_extensions(app)
    _register_areas(app)
    _register_statuses(app)
    _learn_rate_limits(app)
    _register_cli(app)
    _start_schedule(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("grants").setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _init_extensions(app: Flask) -> None:
    from grants.core import once, schedule  # noqa: F401  (their tables; once's daily task)
    from grants.core.cache import init_cache
    from grants.core.db import enable_sqlite_foreign_keys
    from grants.core.jobs import celery_init_app, install_session_hooks
    from grants.core.limits import init_limits
    from grants.core.security import init_security
    from grants.core.templating import init_templating
    from grants.extensions import csrf, db, login_manager, migrate, wtforms_helpers

    trusted_proxies = int(app.config.get("TRUSTED_PROXIES", 0) or 0)
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies, x_host=trusted_proxies)

    db.init_app(app)
    with app.app_context():
        enable_sqlite_foreign_keys(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    init_limits(app)
    init_cache(app)
    login_manager.init_app(app)
    wtforms_helpers.init_app(app)
    init_templating(app, TEMPLATES_DIR)
    init_security(app)
    install_session_hooks()
    celery_init_app(app)


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` matches only numbers a database id can be; a larger one is simply not found."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _register_areas(app: Flask) -> None:
    import importlib

    app.url_map.converters["int"] = BoundedIntConverter
    for area in AREAS:
        module = importlib.import_module(f"grants.{area}")
        module.init_app(app)


def _register_statuses(app: Flask) -> None:
    """Every template compares a status with its enum member (``application.status == ApplicationStatus.DRAFT``)."""
    for status in status_enums():
        app.add_template_global(status, status.__name__)


def status_enums() -> tuple[type[StrEnum], ...]:
    """The workflow states templates may name, each beside its model."""
    from grants.applications.models import ApplicationStatus, PartnerStatus
    from grants.funding.models import AgreementStatus, MatchStatus, TrancheStatus
    from grants.leadership.models import AssessmentStage
    from grants.learning.models import CommitmentStatus, ItemStatus
    from grants.monitoring.models import ReportStatus
    from grants.notifications.models import NotificationStatus
    from grants.progress.models import CompilationStatus
    from grants.projects.models import EndingKind, EndingStatus, ProjectStatus
    from grants.reviews.models import AssignmentStatus, DecisionOutcome
    from grants.rounds.models import RoundStatus

    return (
        ApplicationStatus,
        PartnerStatus,
        RoundStatus,
        AssignmentStatus,
        DecisionOutcome,
        ProjectStatus,
        EndingKind,
        EndingStatus,
        AgreementStatus,
        TrancheStatus,
        MatchStatus,
        ReportStatus,
        CommitmentStatus,
        ItemStatus,
        NotificationStatus,
        CompilationStatus,
        AssessmentStage,
    )


def _learn_rate_limits(app: Flask) -> None:
    """The application's limiter learns every view the areas marked (``grants.core.limits``)."""
    from grants.core.limits import learn_views

    learn_views(app)


def _start_schedule(app: Flask) -> None:
    """Without a broker, a serving process runs the periodic jobs itself (``grants.core.schedule``)."""
    from grants.core import schedule

    schedule.init_app(app)


def _register_cli(app: Flask) -> None:
    from grants.accounts.cli import users_cli
    from grants.core.cli import jobs_cli
    from grants.core.figures import figures_cli
    from grants.demo import seed_demo_command
    from grants.demo.scale import seed_scale_command
    from grants.directory.cli import reference_data_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(figures_cli)
    app.cli.add_command(reference_data_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_scale_command)
