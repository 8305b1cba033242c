"""GET /health/: can this process reach its database, cache and Celery broker?

No sign-in, JSON, every check bounded by a short timeout. 200 while the database answers (the
site works, more slowly, without Redis: config.cache), 503 otherwise. Values are "ok" or
"error"; the cache is "local" without Redis (in-process), the broker "eager" without one (Celery
runs tasks in the web process)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 1.0  # seconds, connecting included


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health: database unavailable: %s", error)
        return "error"
    return "ok"


def check_cache() -> str:
    is_available = getattr(cache, "is_available", None)
    if is_available is None:
        return "local"
    return "ok" if is_available() else "error"


def check_broker() -> str:
    url = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not url or url.startswith("memory://"):
        return "eager"
    from kombu import Connection

    connection_ = Connection(
        url,
        connect_timeout=BROKER_TIMEOUT / 2,
        transport_options={"socket_timeout": BROKER_TIMEOUT / 2, "max_retries": 0},
    )
    try:
        connection_.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
        )
    except Exception as error:  # noqa: BLE001 (kombu re-raises each transport's errors as its own)
        logger.warning("Health: broker unavailable: %s", error)
        return "error"
    finally:
        connection_.release()
    return "ok"


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "cache": check_cache(), "broker": check_broker()}
    return JsonResponse(checks, status=200 if checks["database"] == "ok" else 503)
