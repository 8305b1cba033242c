"""Reads over viewflow tasks that every process's inbox and pages share."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from agencies.models import Role, Unit
from agencies.selectors import permissions_of

from .models import Notification


def actionable_tasks(user, *, process_ids=None) -> QuerySet[Task]:
    """Human tasks the user may act on now: assigned to them, or waiting in a queue of a
    unit and role they currently hold (one indexed statement, no per-row checks)."""
    perms = permissions_of(user)
    tasks = Task.objects.filter(flow_task_type="HUMAN").filter(
        Q(status=STATUS.ASSIGNED, owner=user)
        | Q(status=STATUS.NEW, owner__isnull=True, owner_permission__in=perms)
    )
    if process_ids is not None:
        tasks = tasks.filter(process_id__in=process_ids)
    return tasks.order_by("created")


def archived_tasks(user) -> QuerySet[Task]:
    """Human tasks the user completed, newest first."""
    return Task.objects.filter(flow_task_type="HUMAN", owner=user, status=STATUS.DONE).order_by(
        "-finished"
    )


def open_tasks(process_id: int | None) -> QuerySet[Task]:
    """The open human tasks of a process: where the work is now."""
    return Task.objects.filter(
        process_id=process_id,
        flow_task_type="HUMAN",
        status__in=(STATUS.NEW, STATUS.ASSIGNED),
    ).select_related("owner")


def with_actors(tasks) -> list[dict]:
    """Tasks with the unit and role objects their actor data names (two queries in all)."""
    tasks = list(tasks)
    actors = [t.data.get("actor", {}) for t in tasks]
    units = Unit.objects.in_bulk([a.get("unit") for a in actors], field_name="code")
    roles = Role.objects.in_bulk([a.get("role") for a in actors], field_name="code")
    return [
        {"task": t, "unit": units.get(a.get("unit")), "role": roles.get(a.get("role"))}
        for t, a in zip(tasks, actors, strict=True)
    ]


def notifications_for(user) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created", "-id")
