"""Live work follows people: a task taken by someone who no longer holds its unit and role
goes back to that unit and role's queue, through the door (transitions.release_task). Two
ways in: agencies' `membership_ended` signal, at once, and a daily sweep for memberships whose
end passed without any save (issue #10, item 5)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from agencies.models import Role, Unit
from agencies.selectors import has_membership, permission_for, permissions_of, today

from .errors import Conflict
from .transitions import release_task

log = logging.getLogger(__name__)


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _release(task: Task, *, reason: str) -> bool:
    """Release one task the read found taken; False when it moved on meanwhile (completed,
    released or reassigned under the lock), which is what a second run finds too."""
    try:
        release_task(task_id=task.pk, reason=reason, if_owner=task.owner)
    except Conflict:
        return False
    return True


def release_on_membership_end(
    sender, *, user, unit: Unit, role: Role, ended_on: dt.date, **kwargs
) -> int:
    """Receiver of agencies.signals.membership_ended: the user's taken tasks of that unit and
    role return to its queue, unless the user still holds them the day after the end through
    another membership. Runs in the transaction that ended the membership."""
    if has_membership(user, unit=unit, role=role.code, on=max(today(), ended_on + dt.timedelta(1))):
        return 0
    permission = permission_for(unit_code=unit.code, role_code=role.code)
    taken = Task.objects.filter(
        flow_task_type="HUMAN", status=STATUS.ASSIGNED, owner=user, owner_permission=permission
    ).select_related("owner")
    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "The membership of %(user)s in %(unit)s as %(role)s ended on %(day)s: the task is "
            "back in the unit's queue."
        ) % {
            "user": user.get_full_name() or user.get_username(),
            "unit": unit.name,
            "role": role.name,
            "day": _fmt(ended_on),
        }
    return sum(_release(task, reason=reason) for task in taken)


def release_departed_tasks() -> int:
    """The daily sweep: every taken human task whose owner no longer holds its permission
    today (membership ended, user deactivated) goes back to its queue. One query over the
    taken tasks, then one per owner for what they hold; a second run releases nothing."""
    held: dict[int, set[str]] = {}
    released = 0
    taken = Task.objects.filter(
        flow_task_type="HUMAN", status=STATUS.ASSIGNED, owner__isnull=False
    ).select_related("owner")
    for task in taken.order_by("owner_id", "pk").iterator():
        owner = task.owner
        if owner.pk not in held:
            held[owner.pk] = permissions_of(owner) if owner.is_active else set()
        if task.owner_permission in held[owner.pk]:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            reason = _(
                "%(user)s no longer holds the unit and role of this task on %(day)s: it is back "
                "in the unit's queue."
            ) % {"user": owner.get_full_name() or owner.get_username(), "day": _fmt(today())}
        released += _release(task, reason=reason)
    if released:
        log.info("released %d tasks whose owners left their unit or role", released)
    return released
