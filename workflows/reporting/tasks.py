"""Beat tasks of the reporting regime: thin, each calls one service (docs/architecture.md,
Time)."""

from __future__ import annotations

from celery import shared_task

from workflows.core.tasks import RETRY

from . import reminders, services


@shared_task(**RETRY)
def generate_obligations() -> int:
    """Create the duties that plan data added since the last run (IV.12, V.1)."""
    return services.generate_obligations()


@shared_task(**RETRY)
def scan_obligations() -> None:
    """Record and send the day's reminders and overdue escalations (V.2)."""
    reminders.scan_obligations()
