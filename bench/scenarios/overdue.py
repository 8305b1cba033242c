"""P3 overdue scan: the beat task that records the day's reminders and overdue escalations for
every obligation and sends them after commit, run twice on BENCH_DAY in a worker process of its
own: the first run enqueues, the second must enqueue nothing new."""

from __future__ import annotations

import time

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Mod
from django.utils import timezone

from workflows.core.models import Notification
from workflows.reporting.models import Obligation
from workflows.reporting.reminders import scan_obligations
from workflows.reporting.tasks import scan_obligations as scan_task

from ..counting import counting, is_transaction_control
from ..lifecycle import bench_clock
from ..workers import run_workers


def _notifications_by_kind() -> dict[str, int]:
    return dict(Notification.objects.values_list("kind").annotate(n=Count("pk")))


def scan_once() -> dict:
    """One run of `workflows.reporting.tasks.scan_obligations` as a worker executes it. The
    task records notices and queues their sending in a transaction, and the queued send runs
    once committed (inline here: the harness's Celery is eager). Wrapped in one more
    transaction, whose first commit callback marks the moment the scan is committed, the
    scan (the P3 figure) and the sending are timed and counted apart."""
    before = _notifications_by_kind()
    committed_at: list[float] = []
    with counting() as count:
        started = time.perf_counter()
        with transaction.atomic():
            transaction.on_commit(lambda: committed_at.append(time.perf_counter()))
            scan_task.apply(throw=True)
        finished = time.perf_counter()
    committed = next(
        (i for i, sql in enumerate(count.sql) if sql.strip().upper() == "COMMIT"),
        len(count.sql),  # inside an outer transaction (a test) nothing is sent
    )
    scanned = committed_at[0] if committed_at else finished
    after = _notifications_by_kind()
    return {
        "seconds": finished - started,
        "scan_seconds": scanned - started,
        "sending_seconds": finished - scanned,
        "statements": count.statements,
        "transaction_statements": count.transaction_control,
        "scan_statements": _statements(count.sql[: committed + 1]),
        "sending_statements": _statements(count.sql[committed + 1 :]),
        "enqueued": sum(after.values()) - sum(before.values()),
        "enqueued_by_kind": {kind: after[kind] - before.get(kind, 0) for kind in after},
    }


def _statements(sql: list[str]) -> int:
    return sum(1 for statement in sql if not is_transaction_control(statement))


def scan_with_half_outstanding() -> int:
    """Statements of a scan after every other outstanding duty is marked submitted, rolled
    back: equal to the first run's when the scan's statements do not grow with the duties."""
    with transaction.atomic():
        half = Obligation.objects.outstanding().alias(odd=Mod(F("id"), 2)).filter(odd=1)
        Obligation.objects.filter(pk__in=half.values("pk")).update(submitted_at=timezone.now())
        with counting() as count:
            scan_obligations()
        transaction.set_rollback(True)
    return _statements(count.sql)


def scan_worker(*, index: int, barrier) -> dict:
    """The worker process: a rolled-back probe with half the outstanding duties, then two
    scans on BENCH_DAY."""
    barrier.wait()
    # Content types are cached per process: read once here, so no run counts that read.
    ContentType.objects.get_for_model(Obligation)
    with bench_clock():
        obligations = Obligation.objects.count()
        outstanding = Obligation.objects.outstanding().count()
        half = scan_with_half_outstanding()
        first = scan_once()
        second = scan_once()
    return {
        "obligations": obligations,
        "outstanding": outstanding,
        "first": first,
        "second": second,
        "scan_statements_with_half_outstanding": half,
    }


def run() -> dict:
    """P3 in a fresh process that runs the Celery task itself (`task.apply()`, the code a
    worker executes), whose peak RSS is the worker figure."""
    (result,) = run_workers(f"{__name__}:scan_worker", 1)
    peak = result.pop("peak_rss_mb")
    return {**result, "worker_peak_rss_mb": peak}
