"""Sending as a worker's work, not the request's: in production the door's step records its
notices and, once committed, publishes the sending task to the broker; a Celery worker sends the
mail later. The harness's Celery is eager (no broker), which would send inline in the timed step.
Inside `published`, tasks are published to kombu's in-memory broker instead, so a step pays what
a web request pays (its notice rows and the publish), and `drain` then does the worker's part
apart: the published messages are taken off the queue and one send delivers what they asked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from celery import current_app

from workflows.core.notifications import send_pending

from .counting import counting

MEMORY = "memory://"


def _use_broker(url: str) -> None:
    """Point the app's publishing at `url`: its connection and producer pools are made from
    the broker URL on first use and kept, so they are dropped to be made again (Celery keeps
    them in these two attributes; it offers no public way to change a configured broker)."""
    current_app.conf.broker_url = url
    current_app._pool = None
    current_app.amqp._producer_pool = None


@contextmanager
def published() -> Iterator[None]:
    """Celery not eager inside the block: `delay()` publishes to kombu's in-memory broker,
    which no worker reads (a real broker would hand the message to the worker process),
    whichever broker the settings name (Redis in CI)."""
    conf = current_app.conf
    eager, broker = conf.task_always_eager, conf.broker_url
    conf.task_always_eager = False
    _use_broker(MEMORY)
    try:
        yield
    finally:
        conf.task_always_eager = eager
        _use_broker(broker)


def drain() -> dict:
    """The worker's part of what was published: the messages taken off the queue, then one run
    of the sending task's code (every notice still unsent, one email per recipient), timed and
    counted on its own."""
    with current_app.connection_for_write(MEMORY) as connection:
        channel = connection.default_channel
        messages = channel.queue_purge(current_app.conf.task_default_queue) or 0
    started = time.perf_counter()
    with counting() as count:
        emails = send_pending()
    return {
        "messages": messages,
        "emails": emails,
        "seconds": time.perf_counter() - started,
        "statements": count.statements,
    }
