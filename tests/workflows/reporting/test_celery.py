"""A real Celery worker on Redis runs the beat-scheduled obligation scan twice: each recipient
gets exactly one email (issue: reporting obligations, acceptance)."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from config.celery_app import app
from workflows.core.models import Notification
from workflows.reporting import services
from workflows.reporting.models import Obligation

pytestmark = [
    # The test process is eager; send_task goes to the broker anyway, which is the point.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # the worker reads what the test committed
]
SCAN = settings.CELERY_BEAT_SCHEDULE["scan-obligations"]["task"]
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # how Django's file backend separates messages


def database_url() -> str:
    """The pytest-django test database, for the worker's settings."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_for(predicate, *, timeout: float = 60, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def worker(tmp_path):
    """A solo worker on a queue of its own, with file-based email in tmp_path/mail."""
    assert settings.REDIS_URL, "celery tests need REDIS_URL (a Redis server)"
    queue = f"test-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
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
        wait_for(lambda: b" ready." in log.read_bytes(), what="the worker to start")
        yield {"queue": queue, "log": log, "mail": tmp_path / "mail"}
    finally:
        process.terminate()
        process.wait(timeout=30)


def sent_to(mail_dir) -> Counter:
    """Recipients of every message the worker's email backend wrote."""
    recipients = Counter()
    for path in mail_dir.glob("*.log"):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                recipients[email.message_from_bytes(chunk)["To"]] += 1
    return recipients


def test_beat_scan_run_twice_emails_each_recipient_once(worker, make_member):
    # Today Ninh Thuận's departments have passed their work to Khánh Hòa's (the successions):
    # the escalations the plan names for DOLISA reach its successor for reports, Sở Y tế's.
    supervisors = [make_member("wu", "supervisor"), make_member("kh-doh", "supervisor")]
    services.generate_obligations()  # today every duty of 2019–2025 is past its due day
    overdue = Obligation.objects.filter(submitted_at__isnull=True)
    assert overdue.filter(unit__code="wu").exists()

    for _ in range(2):
        app.send_task(SCAN, queue=worker["queue"])
    wait_for(
        lambda: worker["log"].read_bytes().count(b"succeeded") >= 2,
        timeout=120,
        what="both scans to finish",
    )

    assert sent_to(worker["mail"]) == Counter({user.email: 1 for user in supervisors})
    notices = Notification.objects.all()
    assert not notices.filter(sent_at__isnull=True).exists()
    # Told of every overdue duty but DOLISA's own provincial reports, which escalate to the
    # PPC's successor (no member here); their obliged unit's supervisors ended with it.
    told = overdue.exclude(unit__code="dolisa", definition__code="provincial_yearly_report")
    assert notices.filter(recipient=supervisors[1]).count() == told.count()
    assert (
        notices.filter(recipient=supervisors[0]).count() == overdue.filter(unit__code="wu").count()
    )
