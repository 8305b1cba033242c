"""Reads over viewflow tasks that every process's inbox and pages share."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from agencies.models import Membership, Role, Unit
from agencies.selectors import has_membership, memberships_of, permissions_of, today

from .models import Notification


def actionable_tasks(user, *, process_ids=None) -> QuerySet[Task]:
    """Human tasks the user may act on now: assigned to them, or waiting in a queue of a
    unit and role they currently hold (one indexed statement, no per-row checks)."""
    tasks = Task.objects.filter(flow_task_type="HUMAN").filter(
        Q(status=STATUS.ASSIGNED, owner=user) | _queued_for(user)
    )
    if process_ids is not None:
        tasks = tasks.filter(process_id__in=process_ids)
    return tasks.order_by("created")


def worked_on(user) -> Q:
    """Records whose process has a task the user may act on now or has taken: who acts on a
    record, or acted on it, reads it, whatever the process's own reading rule says (a
    successor unit the matrix does not name; a unit a reloaded plan names no more)."""
    tasks = Task.objects.filter(flow_task_type="HUMAN").filter(Q(owner=user) | _queued_for(user))
    return Q(process_id__in=tasks.order_by().values("process_id"))


def _queued_for(user) -> Q:
    """Tasks waiting, untaken, in a queue of a unit and role the user holds today."""
    return Q(status=STATUS.NEW, owner__isnull=True, owner_permission__in=permissions_of(user))


def archived_tasks(user) -> QuerySet[Task]:
    """Human tasks the user completed, newest first."""
    return Task.objects.filter(flow_task_type="HUMAN", owner=user, status=STATUS.DONE).order_by(
        "-finished"
    )


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


# The plan rule naming the role whose members oversee their unit's work (V.2): they reassign
# its open tasks (the reporting regime reads the same rule for its dashboard and reminders).
SUPERVISOR_ROLE_RULE = "supervisor_role"


def supervisor_role(unit: Unit) -> str:
    """The role the rules of the unit's own plan name for supervisors; "" when they name none
    (then nobody supervises the unit's tasks)."""
    return str((unit.plan.rules or {}).get(SUPERVISOR_ROLE_RULE) or "")


def supervises(user, unit: Unit) -> bool:
    """Whether the user holds the plan's supervisor role in the unit today."""
    role = supervisor_role(unit)
    return bool(role) and has_membership(user, unit=unit, role=role)


def supervised_unit_ids(user) -> set[int]:
    """The units whose tasks the user supervises today, in one query (a record's page asks
    once for all its open tasks)."""
    supervising = memberships_of(user).filter(
        role__code=KeyTextTransform(SUPERVISOR_ROLE_RULE, "unit__plan__rules")
    )
    return set(supervising.values_list("unit_id", flat=True))


def current_members(*, unit: Unit, role: str) -> QuerySet:
    """Active users holding the role in the unit today: who a supervisor may hand a task of
    that unit and role to (the door checks each through agencies.selectors again)."""
    users = get_user_model()._default_manager
    day = today()
    if not unit.is_valid_on(day):
        return users.none()
    held = Membership.objects.valid_on(day).filter(unit=unit, role__code=role)
    return users.filter(is_active=True, pk__in=held.values("user_id")).order_by(
        "last_name", "first_name", "username"
    )


def notifications_for(user) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created", "-id")
