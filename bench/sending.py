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


@contextmanager
def published() -> Iterator[None]:
    """Celery not eager inside the block: `delay()` publishes to the in-memory broker, which no
    worker reads (a real broker would hand the message to the worker process)."""
    conf = current_app.conf
    if not str(conf.broker_url).startswith("memory://"):
        raise RuntimeError(f"the benchmark publishes to memory://, not {conf.broker_url}")
    eager = conf.task_always_eager
    conf.task_always_eager = False
    try:
        yield
    finally:
        conf.task_always_eager = eager


def drain() -> dict:
    """The worker's part of what was published: the messages taken off the queue, then one run
    of the sending task's code (every notice still unsent, one email per recipient), timed and
    counted on its own."""
    with current_app.connection_for_write() as connection:
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
