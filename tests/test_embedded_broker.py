"""Background work without Redis (issue #12, item 6): beat's obligation scan, sent to the
embedded broker (kombu's SQLAlchemy transport on a SQLite file) and run by a real worker, puts
a reminder due today under its recipient's bell within a minute.

On PostgreSQL the worker is a process of its own, as `make run` starts it; on SQLite the test
database lives in memory, which no other process can open, so the worker runs in a thread of the
test process (celery.contrib.testing.worker), on the same broker all the same."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import task_success
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from agencies.selectors import today
from workflows.core.models import Notification
from workflows.reporting import services
from workflows.reporting.models import Obligation
from workflows.reporting.reminders import REMINDER

pytestmark = [
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    # kombu 5.7's SQLAlchemy transport still asks SQLAlchemy 2.1 for `noload`.
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
    pytest.mark.django_db(transaction=True),  # the worker reads what the test committed
]
SCAN = settings.CELERY_BEAT_SCHEDULE["scan-obligations"]["task"]
MINUTE = 60.0


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def embedded_app(broker_url: str) -> Celery:
    """A Celery app of the project's settings on the embedded broker."""
    app = Celery("embedded-broker-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options={},
        worker_enable_remote_control=False,
        worker_hijack_root_logger=False,
    )
    app.autodiscover_tasks(lambda: settings.INSTALLED_APPS, force=True)
    return app


def wait_for(predicate: Callable[[], bool], *, until: float, what: str) -> None:
    while not predicate():
        if time.monotonic() > until:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def worker(tmp_path) -> Iterator[dict]:
    """A worker on its own queue of a broker in tmp_path: `done(until)` waits for the scan."""
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    queue = f"test-{uuid.uuid4().hex}"
    app = embedded_app(broker_url)
    if connection.vendor == "postgresql":
        log = tmp_path / "worker.log"
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "REDIS_URL": "",
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "config.celery_app", "worker"),
            *("--pool=solo", "--loglevel=INFO", "-Q", queue, "-n", f"{queue}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            until = time.monotonic() + MINUTE
            wait_for(lambda: b" ready." in log.read_bytes(), until=until, what="the worker")
            assert b"sqla+sqlite" in log.read_bytes()  # the embedded broker, not Redis

            def done(until: float) -> None:
                wait_for(lambda: b"succeeded" in log.read_bytes(), until=until, what="the scan")

            yield {"app": app, "queue": queue, "done": done}
        finally:
            process.terminate()
            process.wait(timeout=30)
        return

    finished = threading.Event()

    def on_success(sender=None, **kwargs) -> None:
        if sender is not None and sender.name == SCAN:
            finished.set()

    task_success.connect(on_success, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING"
        ):

            def done(until: float) -> None:
                assert finished.wait(timeout=max(0.0, until - time.monotonic())), "the scan"

            yield {"app": app, "queue": queue, "done": done}
    finally:
        task_success.disconnect(on_success)


def bell_count(client: Client) -> int:
    """The unread number the bell shows in the rendered menu (0 when it shows none)."""
    page = client.get(reverse("reporting:notifications")).content.decode()
    found = re.search(r'bell-count">.*?</span>(\d+)</span>', page)
    return int(found.group(1)) if found else 0


def test_a_reminder_due_today_reaches_the_bell_within_a_minute(worker, make_member):
    services.generate_obligations()
    # A duty of a unit that exists today, due 7 days from now: one of the plan's reminder days.
    obligation = next(
        duty
        for duty in Obligation.objects.outstanding()
        .filter(unit__code="kh-doh")
        .select_related("definition")
        .order_by("due_on")
        if 7 in duty.definition.reminder_days
    )
    due_on = today() + dt.timedelta(days=7)
    due_at = dt.datetime.combine(due_on, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=7)))
    Obligation.objects.filter(pk=obligation.pk).update(due_on=due_on, due_at=due_at)
    officer = make_member("kh-doh", "officer")
    client = Client()
    client.force_login(officer)
    assert bell_count(client) == 0

    started = time.monotonic()
    worker["app"].send_task(SCAN, queue=worker["queue"])
    worker["done"](started + MINUTE)

    wait_for(lambda: bell_count(client) > 0, until=started + MINUTE, what="the bell")
    reminder = Notification.objects.get(recipient=officer, kind=REMINDER)
    assert reminder.subject_id == obligation.pk
    assert reminder.sent_at is not None  # sent by the worker after its scan committed
    assert bell_count(client) == Notification.objects.filter(recipient=officer).count()
    page = client.get(reverse("reporting:notifications")).content.decode()
    assert reminder.title in page


def test_make_run_starts_a_worker_and_beat_and_stops_them_with_the_server(tmp_path):
    """config/run-local.sh, what `make run` ends with: the server, a worker and beat on the
    embedded broker, all three gone once the script is told to stop."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "celerybeat-schedule"),
        "HOTRO_LOG_DIR": str(tmp_path),
        "REDIS_URL": "",
    }
    script = subprocess.Popen(
        [
            shutil.which("sh") or "/bin/sh",
            "config/run-local.sh",
            sys.executable,
            f"127.0.0.1:{port}",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        until = time.monotonic() + MINUTE
        worker_log, beat_log = tmp_path / "celery-worker.log", tmp_path / "celery-beat.log"
        wait_for(
            lambda: worker_log.exists() and b" ready." in worker_log.read_bytes(),
            until=until,
            what="the worker",
        )
        wait_for(
            lambda: beat_log.exists() and b"beat: Starting" in beat_log.read_bytes(),
            until=until,
            what="beat",
        )
        assert b"sqla+sqlite" in worker_log.read_bytes()

        def serving() -> bool:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=1),
            ):
                return True
            return False

        wait_for(serving, until=until, what="the server")
        children = group(script.pid)
        assert len(children) >= 3  # worker, beat and the server (with its reloader)
    finally:
        script.terminate()
        script.wait(timeout=30)
    wait_for(lambda: not group(script.pid), until=time.monotonic() + 30, what="all to stop")


def group(pgid: int) -> list[int]:
    """The processes still running in the script's process group, the script's own excepted."""
    found = subprocess.run(
        [shutil.which("ps") or "/bin/ps", "-o", "pid=", "-g", str(pgid)],
        capture_output=True,
        text=True,
    )
    return [int(pid) for pid in found.stdout.split() if int(pid) != pgid]
