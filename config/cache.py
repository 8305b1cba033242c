"""The Redis cache, forgiving: when Redis is gone, a read is a miss and a write is dropped.

Nothing the project keeps in the cache is the only copy of anything (the matrix version, reset
counters), so an outage must slow pages down, not fail them. Errors are logged, at most once a
minute per process; after one, Redis is not asked again for RETRY_AFTER seconds, so that a
request does not wait out a socket timeout for every cache call."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError)
_MISSING = object()


class ForgivingRedisCache(RedisCache):
    """Django's RedisCache, with connection errors and time-outs turned into misses.

    OPTIONS are those of RedisCache (passed on to redis-py's connection pool: socket_timeout,
    socket_connect_timeout, ...), plus `retry_after` (seconds to skip Redis after an error)."""

    retry_after: float = 5.0
    log_every: float = 60.0

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", self.retry_after))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0
        self._last_logged = -float("inf")

    def _guard(self, operation: str, fallback: Callable[[], Any], call: Callable[..., Any], *args):
        """call(*args), or fallback() when Redis is down or was down a moment ago."""
        now = time.monotonic()
        if now < self._down_until:
            return fallback()
        try:
            return call(*args)
        except OUTAGE as error:
            self._down_until = now + self.retry_after
            if now - self._last_logged >= self.log_every:
                self._last_logged = now
                logger.warning(
                    "Cache unavailable (%s: %s); treating it as empty for %.0f s",
                    operation,
                    error,
                    self.retry_after,
                )
            return fallback()

    def is_available(self) -> bool:
        """Ask Redis directly (for the health check): True when it answers PING."""
        try:
            client = self._cache.get_client(write=True)  # type: ignore[attr-defined]
            return bool(client.ping())
        except OUTAGE:
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", lambda: False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard("get", lambda: default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard("set", lambda: None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", lambda: False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", lambda: False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", dict, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", lambda: False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # A missing key makes incr raise ValueError; so does a missing Redis.
        value = self._guard("incr", lambda: _MISSING, super().incr, key, delta, version)
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # What could not be stored, as Django's set_many reports it: every key.
        return self._guard("set_many", lambda: list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._guard("delete_many", lambda: None, super().delete_many, keys, version)

    def clear(self):
        return self._guard("clear", lambda: False, super().clear)
