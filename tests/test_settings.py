"""Production settings: clean `check --deploy` with the documented variables, and refusal to
start (or to seed demo accounts) when something that must not default is missing."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

# The variables README.md documents for production.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "hotro.example.org",
    "DATABASE_URL": "postgres://hotro:secret@db.example.org:5432/hotro",
    "REDIS_URL": "redis://redis.example.org:6379/0",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://hotro.example.org",
    "DJANGO_EMAIL_HOST": "smtp.example.org",
}


def manage(*args: str, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with production variables only (none inherited)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update({key: value for key, value in PRODUCTION_ENV.items() if key not in without})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output and "?:" not in output


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"]
)
def test_production_refuses_to_start_without(missing):
    result = manage("check", without=(missing,))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_refuses_demo_accounts():
    result = manage("seed_demo")

    assert result.returncode != 0
    assert "DEMO_ALLOWED" in result.stderr
    assert "config.settings.production" in result.stderr


def test_only_laptop_and_test_settings_allow_demo_accounts():
    from config.settings import base

    assert base.DEMO_ALLOWED is False
    assert settings.DEMO_ALLOWED is True


PRODUCTION_PROBE = """
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
try:
    validate_password("demo12345")
    print("demo password accepted")
except ValidationError as error:
    print("demo password refused:", [e.code for e in error.error_list])
print("backends:", settings.AUTHENTICATION_BACKENDS[0])
print("lockout:", settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds())
print("proxies:", settings.TRUSTED_PROXY_COUNT)
print("cache:", settings.CACHES["default"]["BACKEND"], settings.CACHES["default"]["OPTIONS"])
print("csp:", bool(settings.CONTENT_SECURITY_POLICY))
print("cap:", settings.REQUEST_MAX_BYTES)
"""


def test_production_hardening():
    result = manage("shell", "-c", PRODUCTION_PROBE)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "demo password refused: ['password_is_demo']" in lines
    assert "backends: config.security.LockoutBackend" in lines
    assert "lockout: 5 900.0" in lines
    assert "proxies: 1" in lines
    assert (
        "cache: config.cache.ForgivingRedisCache "
        "{'socket_connect_timeout': 0.5, 'socket_timeout': 0.5}"
    ) in lines
    assert "csp: True" in lines
    assert f"cap: {25 * 1024 * 1024}" in lines


def test_a_dead_workers_task_is_redelivered_only_after_any_task_would_have_ended():
    from config.celery_app import app
    from workflows.core.tasks import RETRY

    conf = app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.result_backend is None  # no result backend to give the same timeout
    assert conf.task_time_limit + RETRY["retry_backoff_max"] < visibility < 60 * 60
