"""Beat tasks every process shares; thin: each calls one function (docs/architecture.md, Time)."""

from __future__ import annotations

from celery import shared_task
from viewflow.workflow.timers import fire_due_timers

from . import departures, successions
from .notifications import send_pending

RETRY = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(**RETRY)
def fire_timers() -> int:
    """Fire the viewflow timers that are due, e.g. review steps waiting too long (V.2)."""
    return fire_due_timers()


@shared_task(**RETRY)
def send_notifications() -> int:
    """Send what an earlier run recorded but could not send (mail server down, worker killed)."""
    return send_pending()


@shared_task(**RETRY)
def move_work_of_ended_units() -> int:
    """Move open tasks of units that ended to their successors' queues (daily)."""
    return successions.move_work_of_ended_units()


@shared_task(**RETRY)
def release_departed_tasks() -> int:
    """Give back to their queues the tasks of people whose membership ended since (daily)."""
    return departures.release_departed_tasks()
