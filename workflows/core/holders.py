"""What nobody holds on a day: matrix steps with no unit to act, duties with no unit to owe
them, open tasks waiting in a queue nobody is a member of (issue: nothing owed by no one)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.apps import apps
from django.utils.translation import gettext as _
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from agencies.models import Membership, Responsibility, Unit
from agencies.selectors import PERMISSION_PREFIX, permission_for, plans_in_force, successors_of


def _row_is_held(row: Responsibility, day: dt.date) -> bool:
    """Held when the row's unit (or a unit of its kind) exists on the day, or when one that has
    ended passed the step to one that does (the successions, as routing follows them)."""
    step = f"{row.process}.{row.step}"
    if row.unit is not None:
        return bool(successors_of(row.unit, on=day, step=step))
    of_kind = Unit.objects.filter(kind=row.unit_kind, valid_from__lte=day)
    if of_kind.valid_on(day).exists():
        return True
    return any(successors_of(unit, on=day, step=step) for unit in of_kind)


def unheld_steps(day: dt.date) -> list[str]:
    """Steps the installed processes implement, of each plan in force that uses the process,
    with no matrix row whose unit exists on the day (per category where rows name one)."""
    problems = []
    implemented = {
        tuple(step.split(".", 1))
        for config in apps.get_app_configs()
        for step in getattr(config, "plan_steps", ())
    }
    for plan in plans_in_force(day):
        rows = Responsibility.objects.filter(plan=plan).select_related("unit", "category")
        used = {row.process for row in rows}
        current = defaultdict(list)
        for row in rows:
            if row.is_valid_on(day):
                current[row.process, row.step, row.category].append(row)
        for process, step in sorted(implemented):
            if process not in used:
                continue
            groups = {key: found for key, found in current.items() if key[:2] == (process, step)}
            if not groups:
                groups = {(process, step, None): []}
            for (_process, _step, category), found in groups.items():
                if not any(_row_is_held(row, day) for row in found):
                    problems.append(
                        _("%(plan)s: step %(step)s%(category)s has no holder on %(day)s")
                        % {
                            "plan": plan.code,
                            "step": f"{process}.{step}",
                            "category": f" ({category.code})" if category else "",
                            "day": day.strftime("%d/%m/%Y"),
                        }
                    )
    return problems


def unheld_duties(day: dt.date) -> list[str]:
    """Duties owed by no unit: each process app that keeps duties answers for its own."""
    return [
        problem
        for config in apps.get_app_configs()
        for problem in getattr(config, "unheld_duties", lambda _day: [])(day)
    ]


def orphan_tasks(day: dt.date) -> list[str]:
    """Open human tasks in a queue (unit and role) that no current member holds, and tasks
    taken by someone who no longer holds them."""
    held: dict[str, set[int]] = defaultdict(set)
    memberships = Membership.objects.valid_on(day).filter(
        user__is_active=True, unit__valid_from__lte=day
    )
    for unit_code, role_code, user_id in memberships.exclude(unit__valid_to__lt=day).values_list(
        "unit__code", "role__code", "user_id"
    ):
        held[permission_for(unit_code=unit_code, role_code=role_code)].add(user_id)
    tasks = Task.objects.filter(
        flow_task_type="HUMAN",
        status__in=(STATUS.NEW, STATUS.ASSIGNED),
        owner_permission__startswith=PERMISSION_PREFIX,
    ).only("id", "process_id", "flow_task", "owner_permission", "owner_id", "status")
    problems = []
    for task in tasks.order_by("id"):
        holders = held.get(task.owner_permission, set())
        queue = task.owner_permission.removeprefix(f"{PERMISSION_PREFIX}.")
        if not holders:
            problems.append(
                _("task %(task)d (%(step)s) waits in the queue of %(queue)s, which nobody holds")
                % {"task": task.pk, "step": task.flow_task.name, "queue": queue}
            )
        elif task.owner_id is not None and task.owner_id not in holders:
            problems.append(
                _("task %(task)d (%(step)s) is taken by someone who no longer holds %(queue)s")
                % {"task": task.pk, "step": task.flow_task.name, "queue": queue}
            )
    return problems


def unheld(day: dt.date) -> list[str]:
    return unheld_steps(day) + unheld_duties(day) + orphan_tasks(day)
