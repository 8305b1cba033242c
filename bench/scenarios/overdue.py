"""P3 overdue scan: the beat task that records the day's reminders and overdue escalations for
every obligation and sends them after commit, run twice on BENCH_DAY in a worker process of its
own: the first run enqueues, the second must enqueue nothing new."""

from __future__ import annotations

import time

from django.db.models import Count

from workflows.core.models import Notification
from workflows.reporting.models import Obligation

from ..counting import counting, is_transaction_control
from ..lifecycle import bench_clock
from ..workers import run_workers


def _notifications_by_kind() -> dict[str, int]:
    return dict(Notification.objects.values_list("kind").annotate(n=Count("pk")))


def scan_once() -> dict:
    """One run of `workflows.reporting.tasks.scan_obligations` as a worker executes it; SQL
    before the scan's commit records, SQL after it sends (workflows.core.notifications)."""
    from workflows.reporting.tasks import scan_obligations

    before = _notifications_by_kind()
    with counting() as count:
        started = time.perf_counter()
        scan_obligations.apply(throw=True)
        seconds = time.perf_counter() - started
    committed = next(
        (i for i, sql in enumerate(count.sql) if sql.strip().upper() == "COMMIT"),
        len(count.sql),  # inside an outer transaction (a test) nothing is sent
    )
    recording = count.sql[: committed + 1]
    after = _notifications_by_kind()
    return {
        "seconds": seconds,
        "statements": count.statements,
        "transaction_statements": count.transaction_control,
        "recording_statements": _statements(recording),
        "sending_statements": _statements(count.sql[committed + 1 :]),
        "enqueued": sum(after.values()) - sum(before.values()),
        "enqueued_by_kind": {kind: after[kind] - before.get(kind, 0) for kind in after},
    }


def _statements(sql: list[str]) -> int:
    return sum(1 for statement in sql if not is_transaction_control(statement))


def scan_worker(*, index: int, barrier) -> dict:
    """The worker process: two scans on BENCH_DAY."""
    barrier.wait()
    with bench_clock():
        obligations = Obligation.objects.count()
        outstanding = Obligation.objects.outstanding().count()
        first = scan_once()
        second = scan_once()
    return {
        "obligations": obligations,
        "outstanding": outstanding,
        "first": first,
        "second": second,
    }


def run() -> dict:
    """P3 in a fresh process running the Celery task, whose peak RSS is the worker figure."""
    (result,) = run_workers(f"{__name__}:scan_worker", 1)
    peak = result.pop("peak_rss_mb")
    first, second = result["first"], result["second"]
    return {
        **result,
        "available": True,
        "constant_recording_statements": first["recording_statements"]
        == second["recording_statements"],
        "worker_peak_rss_mb": peak,
    }
