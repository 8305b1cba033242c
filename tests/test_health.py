"""Keeps working when Redis is gone: the cache turns an outage into misses within bounded
timeouts, and /health/ reports database, cache and broker without hanging."""

from __future__ import annotations

import logging
import os
import socket
import time

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from agencies.selectors import bump_matrix_version
from config.cache import ForgivingRedisCache

OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gone_url():
    return f"redis://127.0.0.1:{closed_port()}/0"


def forgiving(url: str, **options) -> ForgivingRedisCache:
    return ForgivingRedisCache(url, {"OPTIONS": {**OPTIONS, **options}})


def redis_cache_settings(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": url,
            "OPTIONS": OPTIONS,
        }
    }


def test_a_missing_redis_is_a_cache_miss(gone_url, caplog):
    cache = forgiving(gone_url, retry_after=0)
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert cache.get("k") is None
        assert cache.get("k", "fallback") == "fallback"
        cache.set("k", 1)
        assert cache.add("k", 1) is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.delete("k") is False
        cache.delete_many(["a", "b"])
        assert cache.has_key("k") is False
        assert cache.touch("k") is False
        assert cache.get_or_set("k", lambda: 7) == 7
        with pytest.raises(ValueError):
            cache.incr("k")
        with pytest.raises(ValueError):
            cache.decr("k")
        cache.clear()

    assert time.monotonic() - started < 5
    assert cache.is_available() is False
    # logged, but not once per call
    assert 1 <= len([r for r in caplog.records if r.name == "config.cache"]) <= 2


def test_after_an_error_redis_is_left_alone_for_a_moment(gone_url, monkeypatch):
    cache = forgiving(gone_url, retry_after=30)
    assert cache.get("k") is None
    calls = []
    monkeypatch.setattr(cache._cache, "get", lambda *args: calls.append(args))

    assert cache.get("k", "fallback") == "fallback"
    assert calls == []


@pytest.fixture
def silent_url():
    """A local server that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def test_a_hung_redis_costs_at_most_the_socket_timeout(silent_url):
    cache = forgiving(silent_url, retry_after=0)
    started = time.monotonic()

    assert cache.get("k") is None
    cache.set("k", 1)

    assert time.monotonic() - started < 3


def test_the_matrix_version_survives_a_redis_outage(gone_url):
    with override_settings(CACHES=redis_cache_settings(gone_url)):
        assert isinstance(caches["default"], ForgivingRedisCache)
        bump_matrix_version()  # incr raises ValueError, set is dropped: no error


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_with_redis_the_cache_works_as_django_s():
    cache = forgiving(os.environ["REDIS_URL"])
    cache.set("health-test", 41)

    assert cache.incr("health-test") == 42
    assert cache.get("health-test") == 42
    assert cache.is_available() is True
    cache.delete("health-test")


@pytest.mark.django_db
def test_health_without_redis_reports_local_cache_and_eager_broker(client):
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        CELERY_BROKER_URL="memory://",
    ):
        response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "local", "broker": "eager"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_with_redis_gone_says_so_quickly(client, gone_url):
    with override_settings(CACHES=redis_cache_settings(gone_url), CELERY_BROKER_URL=gone_url):
        started = time.monotonic()
        response = client.get("/health/")
        elapsed = time.monotonic() - started

    assert response.status_code == 200  # the site still works
    assert response.json() == {"database": "ok", "cache": "error", "broker": "error"}
    assert elapsed < 5


@pytest.mark.django_db
def test_health_needs_no_sign_in_and_only_reads(client):
    assert client.get("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
@pytest.mark.django_db
def test_health_with_redis(client):
    url = os.environ["REDIS_URL"]
    with override_settings(CACHES=redis_cache_settings(url), CELERY_BROKER_URL=url):
        response = client.get("/health/")

    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_health_is_503_without_the_database(client, monkeypatch):
    from django.db import DatabaseError

    import config.health

    def broken_cursor():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(config.health.connection, "cursor", broken_cursor)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_publishing_to_a_hung_broker_gives_up_quickly(silent_url):
    from celery import Celery
    from kombu.exceptions import OperationalError

    app = Celery("probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=silent_url, task_always_eager=False)

    @app.task
    def probe():
        return None

    started = time.monotonic()
    with pytest.raises(OperationalError):
        probe.delay()

    assert time.monotonic() - started < 15
