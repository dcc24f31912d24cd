import pytest

from config import ConfigError, DevelopmentConfig, config_for, normalise_database_url
from grants import create_app

PRODUCTION = {
    "GRANTS_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "DATABASE_URL": "postgresql://db.example/grants",
    "BASE_URL": "https://grants.example.org",
    "MAIL_SERVER": "smtp.example.org",
}


def test_production_refuses_to_start_without_secret_key():
    environ = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    with pytest.raises(ConfigError, match="without SECRET_KEY"):
        config_for(environ=environ)


def test_production_refuses_to_start_without_database_url():
    environ = {key: value for key, value in PRODUCTION.items() if key != "DATABASE_URL"}
    with pytest.raises(ConfigError, match="without DATABASE_URL"):
        config_for(environ=environ)


def test_production_refuses_to_start_without_its_own_address():
    environ = {key: value for key, value in PRODUCTION.items() if key != "BASE_URL"}
    with pytest.raises(ConfigError, match="without BASE_URL"):
        config_for(environ=environ)


def test_production_refuses_to_capture_email_unless_told_to():
    environ = {key: value for key, value in PRODUCTION.items() if key != "MAIL_SERVER"}
    with pytest.raises(ConfigError, match="without MAIL_SERVER"):
        config_for(environ=environ)
    assert config_for(environ={**environ, "MAIL_BACKEND": "capture"}).MAIL_BACKEND == "capture"


def test_create_app_in_production_without_secrets_fails_with_the_message(monkeypatch):
    monkeypatch.setenv("GRANTS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/grants")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_with_its_secrets_is_secure_by_default():
    config = config_for(environ=PRODUCTION)
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db.example/grants"
    assert config.SESSION_COOKIE_SECURE and config.SESSION_COOKIE_HTTPONLY
    assert config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.WTF_CSRF_ENABLED and config.HSTS and not config.DEBUG
    assert config.CELERY_TASK_ALWAYS_EAGER, "no REDIS_URL: jobs run in-process"
    assert config.MAIL_BACKEND == "smtp" and not config.LOG_SENSITIVE_EMAIL
    assert not config_for(environ={**PRODUCTION, "REDIS_URL": "redis://r:6379/0"}).CELERY_TASK_ALWAYS_EAGER


def test_development_is_the_default_and_needs_no_services(tmp_path, monkeypatch):
    import config as config_module

    monkeypatch.setattr(config_module, "INSTANCE", tmp_path)
    config = config_for(environ={})
    assert isinstance(config, DevelopmentConfig)
    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'grants.sqlite'}"
    assert config.CELERY_TASK_ALWAYS_EAGER
    assert config.MAIL_BACKEND == "capture"
    assert config.SECRET_KEY and config.SECRET_KEY == config_for(environ={}).SECRET_KEY  # kept across restarts
    assert (tmp_path / "secret_key").exists()


def test_mail_server_switches_email_to_smtp():
    config = config_for(environ={**PRODUCTION, "MAIL_SERVER": "smtp.example", "MAIL_PORT": "587", "MAIL_USE_TLS": "1"})
    assert (config.MAIL_BACKEND, config.MAIL_SERVER, config.MAIL_PORT, config.MAIL_USE_TLS) == (
        "smtp",
        "smtp.example",
        587,
        True,
    )


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="GRANTS_ENV must be one of"):
        config_for(environ={"GRANTS_ENV": "staging"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def test_workers_acknowledge_late_with_limits_below_the_brokers_visibility_timeout(app):
    conf = app.extensions["celery"].conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit < conf.broker_transport_options["visibility_timeout"]
    with pytest.raises(ConfigError, match="task limits must grow"):
        config_for(environ={**PRODUCTION, "CELERY_TASK_TIME_LIMIT": "7200"})


def test_an_email_retry_never_waits_as_long_as_the_brokers_visibility_timeout(app):
    from config import MAIL_MAX_ATTEMPTS, longest_retry_wait
    from grants.notifications.tasks import MAX_ATTEMPTS, retry_delay

    assert MAX_ATTEMPTS == MAIL_MAX_ATTEMPTS
    assert longest_retry_wait(30) == 480  # 30 s doubled after each of the first four failures
    with app.app_context():
        waits = [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS) for _ in range(200)]
    assert 0 <= min(waits) and max(waits) <= longest_retry_wait(app.config["MAIL_RETRY_BASE_SECONDS"])
    config_for(environ={**PRODUCTION, "MAIL_RETRY_BASE_SECONDS": "200"})  # 3,200 s: below the default 3,600
    with pytest.raises(ConfigError, match=r"longest wait before an email is retried 3840 s.*CELERY_VISIBILITY_TIMEOUT"):
        config_for(environ={**PRODUCTION, "MAIL_RETRY_BASE_SECONDS": "240"})
    with pytest.raises(ConfigError, match="MAIL_RETRY_BASE_SECONDS"):
        config_for(environ={**PRODUCTION, "MAIL_RETRY_BASE_SECONDS": "60", "CELERY_VISIBILITY_TIMEOUT": "960"})


def test_two_factor_is_required_of_staff_in_production_and_off_in_the_demo(tmp_path, monkeypatch):
    import config as config_module
    from grants.accounts.two_factor import DEFAULT_ROLES
    from grants.core.permissions import Role

    production = config_for(environ=PRODUCTION)
    assert production.TWO_FACTOR_REQUIRED
    assert set(production.TWO_FACTOR_ROLES) == {role.value for role in DEFAULT_ROLES}
    assert config_for("testing", environ={}).TWO_FACTOR_REQUIRED
    monkeypatch.setattr(config_module, "INSTANCE", tmp_path)
    assert not config_for(environ={}).TWO_FACTOR_REQUIRED
    assert config_for(environ={"TWO_FACTOR_REQUIRED": "true"}).TWO_FACTOR_REQUIRED
    # The role names config.py knows are the application's.
    assert set(config_module.ROLE_NAMES) == {role.value for role in Role}


def test_two_factor_roles_must_be_roles_grants_has():
    with pytest.raises(ConfigError, match="TWO_FACTOR_ROLES names roles Grants does not have: superuser"):
        config_for(environ={**PRODUCTION, "TWO_FACTOR_ROLES": "admin,superuser"})
    narrowed = config_for(environ={**PRODUCTION, "TWO_FACTOR_ROLES": "admin, finance_approver"})
    assert narrowed.TWO_FACTOR_ROLES == ["admin", "finance_approver"]


def test_the_web_entry_point_keeps_what_loading_made_out_of_the_collectors_sight(tmp_path):
    """``wsgi.py`` freezes what the app's loading made: a request's collections walk only its own objects."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "GRANTS_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    frozen = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    assert int(frozen) > 10_000


def test_templates_are_kept_compiled_in_the_tests_only_unless_asked(tmp_path, monkeypatch):
    assert config_for(environ=PRODUCTION).TEMPLATE_BYTECODE_CACHE is False
    assert config_for(environ={**PRODUCTION, "TEMPLATE_BYTECODE_CACHE": "true"}).TEMPLATE_BYTECODE_CACHE is True
    monkeypatch.chdir(tmp_path)
    assert config_for(environ={"GRANTS_ENV": "development"}).TEMPLATE_BYTECODE_CACHE is False
    assert config_for(environ={"GRANTS_ENV": "testing"}).TEMPLATE_BYTECODE_CACHE is True


def test_a_template_one_application_compiled_is_loaded_by_the_next_without_compiling(monkeypatch):
    from jinja2 import FileSystemBytecodeCache

    from tests.conftest import make_test_app  # gives the run's own Celery back

    first = make_test_app("sqlite://")
    assert isinstance(first.jinja_env.bytecode_cache, FileSystemBytecodeCache)
    first.jinja_env.get_template("errors/error.html")  # compiled here, or loaded if an earlier run kept it

    second = make_test_app("sqlite://")
    compiled = []
    original = second.jinja_env.compile
    monkeypatch.setattr(
        second.jinja_env, "compile", lambda *args, **kwargs: compiled.append(args) or original(*args, **kwargs)
    )
    template = second.jinja_env.get_template("errors/error.html")
    assert compiled == []
    assert template.render  # loaded, ready to render

    unkept = make_test_app("sqlite://", TEMPLATE_BYTECODE_CACHE=False)
    assert unkept.jinja_env.bytecode_cache is None
    monkeypatch.setattr(
        unkept.jinja_env, "compile", lambda *args, **kwargs: compiled.append(args) or original(*args, **kwargs)
    )
    unkept.jinja_env.get_template("errors/error.html")
    assert len(compiled) == 1  # without the cache the template is compiled again
