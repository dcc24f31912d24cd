"""Configuration: one class per environment, chosen by ``GRANTS_ENV``.

Every setting comes from the environment. ``development`` (the default) needs no services: SQLite
under ``instance/``, background jobs run in-process and email is captured in the database.
``production`` refuses to start without the secrets it must not guess.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
# Rate limits, each overridable from the environment (grants/core/limits.py explains them).
RATE_LIMITS = {
    "RATELIMIT_SIGN_IN_PER_ACCOUNT": "5 per minute",
    "RATELIMIT_SIGN_IN_PER_IP": "30 per minute",
    "RATELIMIT_PASSWORD_RESET_PER_EMAIL": "3 per 15 minutes",
    "RATELIMIT_PASSWORD_RESET_PER_IP": "20 per hour",
    "RATELIMIT_REGISTER_PER_IP": "10 per hour",
    "RATELIMIT_LINK_PER_TOKEN": "20 per minute",
    "RATELIMIT_LINK_PER_IP": "60 per minute",
    "RATELIMIT_API_AUTH_FAILURES_PER_IP": "30 per minute",
    "RATELIMIT_TWO_FACTOR_PER_ACCOUNT": "5 per minute;20 per hour",
    "RATELIMIT_REAUTH_PER_ACCOUNT": "5 per 15 minutes",
}
ROLE_NAMES = (
    "applicant",
    "steering_member",
    "steering_chair",
    "enabler",
    "programme_officer",
    "finance_approver",
    "admin",
)  # grants.core.permissions.Role (tests/test_config.py keeps them the same)
INSTANCE = ROOT / "instance"
# Attempts at one email before it is marked failed (grants/notifications/tasks.py).
MAIL_MAX_ATTEMPTS = 6


def longest_retry_wait(base_seconds: float) -> float:
    """The longest an email's retry can be set to wait: the backoff doubles from ``base_seconds`` after
    each failed attempt but the last. A retry waits on the broker, which must not hand it to a second
    worker meanwhile, so this stays below the visibility timeout (checked at start-up)."""
    return base_seconds * 2 ** (MAIL_MAX_ATTEMPTS - 2)


class ConfigError(RuntimeError):
    """The environment does not describe a configuration Grants can start with."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment; safe for production unless overridden."""

    name = "base"

    def __init__(self, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.SECRET_KEY = env.get("SECRET_KEY")
        database_url = env.get("DATABASE_URL")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url) if database_url else None
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = env.get("REDIS_URL") or None
        self.BASE_URL = (env.get("BASE_URL") or "").rstrip("/")
        if env.get("SERVER_NAME"):
            self.SERVER_NAME = env["SERVER_NAME"]
        self.PREFERRED_URL_SCHEME = env.get("PREFERRED_URL_SCHEME", "https")
        # How many reverse proxies in front of gunicorn set X-Forwarded-* (0: trust none).
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", "0"))

        # Email: "capture" keeps every message in the database (readable by programme officers)
        # and prints it to the log; "smtp" sends through MAIL_SERVER.
        self.MAIL_BACKEND_SET = bool(env.get("MAIL_BACKEND"))
        self.MAIL_BACKEND = env.get("MAIL_BACKEND") or ("smtp" if env.get("MAIL_SERVER") else "capture")
        # Print private links (password resets) from captured email to the log: development only.
        self.LOG_SENSITIVE_EMAIL = False
        self.MAIL_SERVER = env.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = int(env.get("MAIL_PORT", "25"))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = _bool(env.get("MAIL_USE_TLS"))
        self.MAIL_USE_SSL = _bool(env.get("MAIL_USE_SSL"))
        self.MAIL_TIMEOUT = float(env.get("MAIL_TIMEOUT", "30"))
        self.MAIL_RETRY_BASE_SECONDS = float(env.get("MAIL_RETRY_BASE_SECONDS", "30"))
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "Grants <no-reply@grants.example.org>")

        # Background jobs. Without a broker the tasks run in-process, after the commit that queued them.
        self.CELERY_TASK_ALWAYS_EAGER = _bool(env.get("CELERY_TASK_ALWAYS_EAGER"), default=self.REDIS_URL is None)
        self.CELERY_TASK_DEFAULT_QUEUE = env.get("CELERY_QUEUE", "grants")
        self.CELERY_TASK_SOFT_TIME_LIMIT = int(env.get("CELERY_TASK_SOFT_TIME_LIMIT", "600"))
        self.CELERY_TASK_TIME_LIMIT = int(env.get("CELERY_TASK_TIME_LIMIT", "900"))
        self.CELERY_VISIBILITY_TIMEOUT = int(env.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
        # How often a worker looks for jobs whose worker died (unacknowledged for longer than the
        # visibility timeout) to hand them out again.
        self.CELERY_RESTORE_CHECK_SECONDS = int(env.get("CELERY_RESTORE_CHECK_SECONDS", "60"))
        # Without a broker there is no beat either: each serving process runs the periodic jobs itself
        # (grants/core/schedule.py), looking for due ones this often.
        self.EMBEDDED_SCHEDULE = _bool(env.get("EMBEDDED_SCHEDULE"), default=self.CELERY_TASK_ALWAYS_EAGER)
        self.EMBEDDED_SCHEDULE_TICK_SECONDS = float(env.get("EMBEDDED_SCHEDULE_TICK_SECONDS", "10"))

        self.SESSION_COOKIE_NAME = "grants_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool(env.get("SESSION_COOKIE_SECURE"), default=True)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # Host names the site answers to (a request for any other Host is refused with 400); in
        # production, BASE_URL's host unless TRUSTED_HOSTS lists them.
        self.TRUSTED_HOSTS = [host.strip() for host in env.get("TRUSTED_HOSTS", "").split(",") if host.strip()] or None
        # Form fields in memory at most 500 KB each (a bid's longest answer is far shorter), 1,000 parts.
        self.MAX_FORM_MEMORY_SIZE = int(env.get("MAX_FORM_FIELD_KB", "500")) * 1024
        self.MAX_FORM_PARTS = 1000
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=int(env.get("SESSION_HOURS", "8")))
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = 8 * 3600
        self.PASSWORD_RESET_MAX_AGE = int(env.get("PASSWORD_RESET_MINUTES", "60")) * 60
        self.HSTS = True
        self.SERVICE_NAME = env.get("SERVICE_NAME", "Grants")
        self.SERVICE_PHASE = env.get("SERVICE_PHASE", "Beta")
        self.SUPPORT_EMAIL = env.get("SUPPORT_EMAIL", "grants-support@grants.example.org")
        self.PAGE_SIZE = 50
        self.UPLOAD_FOLDER = env.get("UPLOAD_FOLDER") or str(INSTANCE / "uploads")
        self.PARTNER_LINK_DAYS = int(env.get("PARTNER_LINK_DAYS", "21"))
        self.EMAIL_CONFIRMATION_DAYS = int(env.get("EMAIL_CONFIRMATION_DAYS", "7"))
        # Two-factor sign-in (grants/accounts/two_factor.py): required of these roles unless
        # TWO_FACTOR_REQUIRED=false. The secrets are encrypted with TWO_FACTOR_KEY (SECRET_KEY if unset);
        # "new,old" changes it: the first encrypts, every one listed still decrypts.
        self.TWO_FACTOR_REQUIRED = _bool(env.get("TWO_FACTOR_REQUIRED"), default=True)
        self.TWO_FACTOR_ROLES = [
            role.strip()
            for role in (
                env.get("TWO_FACTOR_ROLES") or "programme_officer,finance_approver,steering_chair,admin"
            ).split(",")
            if role.strip()
        ]
        self.TWO_FACTOR_KEY = env.get("TWO_FACTOR_KEY") or None
        # Whole pages kept for a while (grants/core/cache.py): Redis when REDIS_URL is set, else in memory
        # in development and not at all in production. CACHE_TYPE (Flask-Caching) chooses otherwise.
        self.PAGE_CACHE_SECONDS = int(env.get("PAGE_CACHE_SECONDS", "60"))
        for key in ("CACHE_TYPE", "CACHE_REDIS_URL", "CACHE_KEY_PREFIX"):
            if env.get(key):
                setattr(self, key, env[key])
        # Personal data of a withdrawn applicant may be anonymised this long after the withdrawal.
        self.PERSONAL_DATA_RETENTION_DAYS = int(env.get("PERSONAL_DATA_RETENTION_DAYS", "365"))
        # Rate limits (grants/core/limits.py has the table). On unless RATELIMIT_ENABLED=false; counted in
        # memory (one process) unless RATELIMIT_STORAGE_URI is set: production uses REDIS_URL.
        self.RATELIMIT_ENABLED = _bool(env.get("RATELIMIT_ENABLED"), default=True)
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.RATELIMIT_KEY_PREFIX = env.get("RATELIMIT_KEY_PREFIX") or "grants-limits"
        self.RATELIMIT_STRATEGY = "moving-window"
        for key, default in RATE_LIMITS.items():
            setattr(self, key, env.get(key) or default)
        # Open data (360Giving): the grant identifier prefix the funder registered with 360Giving, and
        # the funder as it appears in the data. The defaults are examples: set them before publishing.
        self.OPEN_DATA_PREFIX = env.get("OPEN_DATA_PREFIX") or "360G-grantsexample"
        self.FUNDER_ORG_ID = env.get("FUNDER_ORG_ID") or f"{self.OPEN_DATA_PREFIX}-FUNDER"
        self.FUNDER_NAME = env.get("FUNDER_NAME") or "Example Funder"
        self.FUNDER_WEBSITE = env.get("FUNDER_WEBSITE") or None
        self.OPEN_DATA_LICENSE = env.get("OPEN_DATA_LICENSE") or "https://creativecommons.org/licenses/by/4.0/"
        # Templates compiled once and kept as Python bytecode in a directory of this user's own under the
        # system's temporary directory (Jinja's FileSystemBytecodeCache), for every later process and
        # application to load instead of compiling again; a template whose source changed is compiled anew.
        # On in the tests, which start many applications; TEMPLATE_BYTECODE_CACHE=true turns it on elsewhere.
        self.TEMPLATE_BYTECODE_CACHE = _bool(env.get("TEMPLATE_BYTECODE_CACHE"))
        self.TESTING = False
        self.DEBUG = False

    def validate(self) -> None:
        """Raise ConfigError if the application must not start with these settings."""
        missing = [key for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI") if not getattr(self, key)]
        if missing:
            names = ", ".join("DATABASE_URL" if key == "SQLALCHEMY_DATABASE_URI" else key for key in missing)
            raise ConfigError(
                f"Grants cannot start in {self.name} without {names}. "
                "Set it in the environment (see the configuration table in docs/deployment.md)."
            )
        if not 0 < self.CELERY_TASK_SOFT_TIME_LIMIT < self.CELERY_TASK_TIME_LIMIT < self.CELERY_VISIBILITY_TIMEOUT:
            raise ConfigError(
                "The task limits must grow: CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < "
                "CELERY_VISIBILITY_TIMEOUT (otherwise the broker hands a running task to a second worker)."
            )
        longest_wait = longest_retry_wait(self.MAIL_RETRY_BASE_SECONDS)
        if self.MAIL_RETRY_BASE_SECONDS <= 0 or longest_wait >= self.CELERY_VISIBILITY_TIMEOUT:
            raise ConfigError(
                f"MAIL_RETRY_BASE_SECONDS={self.MAIL_RETRY_BASE_SECONDS:g} makes the longest wait before an email is "
                f"retried {longest_wait:g} s; it must be more than 0 and less than CELERY_VISIBILITY_TIMEOUT "
                f"({self.CELERY_VISIBILITY_TIMEOUT} s), or the broker hands the waiting retry to a second worker."
            )
        unknown = sorted(set(self.TWO_FACTOR_ROLES) - set(ROLE_NAMES))
        if unknown:
            raise ConfigError(f"TWO_FACTOR_ROLES names roles Grants does not have: {', '.join(unknown)}.")
        if self.MAIL_BACKEND not in {"capture", "smtp"}:
            raise ConfigError(f"MAIL_BACKEND must be 'capture' or 'smtp', not {self.MAIL_BACKEND!r}.")
        if not self.BASE_URL.startswith(("http://", "https://")):
            raise ConfigError(
                f"Grants cannot start in {self.name} without BASE_URL, the site's address for links in email "
                "(for example https://grants.example.org)."
            )


def _development_secret_key() -> str:
    """A random key kept in instance/, so development sessions survive a restart."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class DevelopmentConfig(Config):
    name = "development"

    def __init__(self, environ=None):
        super().__init__(environ)
        self.BASE_URL = self.BASE_URL or "http://127.0.0.1:5000"
        self.LOG_SENSITIVE_EMAIL = True
        INSTANCE.mkdir(parents=True, exist_ok=True)
        self.TEMPLATES_AUTO_RELOAD = True
        self.SECRET_KEY = self.SECRET_KEY or _development_secret_key()
        self.SQLALCHEMY_DATABASE_URI = self.SQLALCHEMY_DATABASE_URI or f"sqlite:///{INSTANCE / 'grants.sqlite'}"
        self.SESSION_COOKIE_SECURE = False
        self.PREFERRED_URL_SCHEME = "http"
        self.HSTS = False
        self.SERVICE_PHASE = "Demo"
        # Every demo account shares a published password, so a second factor protects nothing here;
        # staff may still turn it on from their account page. TWO_FACTOR_REQUIRED=true to try the rule.
        self.TWO_FACTOR_REQUIRED = _bool((environ if environ is not None else os.environ).get("TWO_FACTOR_REQUIRED"))


class TestingConfig(Config):
    name = "testing"

    def __init__(self, environ=None):
        super().__init__(environ)
        env = os.environ if environ is None else environ
        self.TESTING = True
        self.BASE_URL = self.BASE_URL or "http://127.0.0.1:5000"
        self.SECRET_KEY = self.SECRET_KEY or "testing-secret-key-not-for-production"
        self.SQLALCHEMY_DATABASE_URI = self.SQLALCHEMY_DATABASE_URI or "sqlite://"
        # Tests switch CSRF on where they test it; everywhere else forms post without a token.
        self.WTF_CSRF_ENABLED = False
        self.SESSION_COOKIE_SECURE = False
        self.PREFERRED_URL_SCHEME = "http"
        self.MAIL_BACKEND = env.get("MAIL_BACKEND", "capture")
        # Pages are not kept (each test counts a page's own queries), except where a test turns it on:
        # tests/core/test_cache.py and the browser journeys' server. Kept in memory, forgotten per test.
        self.CACHE_TYPE = env.get("CACHE_TYPE") or "SimpleCache"
        self.PAGE_CACHE_SECONDS = int(env.get("PAGE_CACHE_SECONDS", "0"))
        # In tests, jobs run in-process unless a test asks for the real worker; the periodic jobs run
        # only when a test runs them (or asks for the embedded schedule).
        self.CELERY_TASK_ALWAYS_EAGER = _bool(env.get("CELERY_TASK_ALWAYS_EAGER"), default=True)
        self.EMBEDDED_SCHEDULE = _bool(env.get("EMBEDDED_SCHEDULE"))
        self.TEMPLATE_BYTECODE_CACHE = _bool(env.get("TEMPLATE_BYTECODE_CACHE"), default=True)


class ProductionConfig(Config):
    name = "production"

    def __init__(self, environ=None):
        super().__init__(environ)
        env = os.environ if environ is None else environ
        # Every web process shares the rate-limit counts through Redis. Without REDIS_URL (a
        # single-process deployment) they stay in memory, and a warning is logged at start.
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or self.REDIS_URL or "memory://"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        if self.TRUSTED_HOSTS is None and self.BASE_URL:
            self.TRUSTED_HOSTS = [urlsplit(self.BASE_URL).hostname]

    def validate(self) -> None:
        super().validate()
        if self.MAIL_BACKEND == "capture" and not self.MAIL_BACKEND_SET:
            raise ConfigError(
                "Grants cannot start in production without MAIL_SERVER (or MAIL_BACKEND=capture to keep email "
                "in the database on purpose)."
            )


CONFIGS = {cls.name: cls for cls in (DevelopmentConfig, TestingConfig, ProductionConfig)}


def config_for(name: str | None = None, environ: dict[str, str] | None = None) -> Config:
    """The configuration named by ``name`` or ``GRANTS_ENV`` (default: development)."""
    env = os.environ if environ is None else environ
    name = (name or env.get("GRANTS_ENV") or "development").strip().lower()
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise ConfigError(f"GRANTS_ENV must be one of {', '.join(sorted(CONFIGS))}, not {name!r}.") from None
    config = cls(environ)
    config.validate()
    return config
