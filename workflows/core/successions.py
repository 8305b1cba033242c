"""Live work follows units: when a unit ends, each open task waiting in its queue moves to the
queue of the unit that succeeds it for that step (agencies' successions, followed through
chains; for a district, the new commune of the record's commune), through the door. Run after
every plan load and daily (issue #10, item 5)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from agencies.models import Unit
from agencies.selectors import PERMISSION_PREFIX, succession_path, successor_for, today

from .declaration import declaration_of_flow
from .errors import Conflict
from .transitions import move_task

log = logging.getLogger(__name__)


def _acts(unit: Unit, successor: Unit, *, on: dt.date, near: Unit | None) -> str:
    """The acts that hand the work over, as an audit comment ("c-phuoc-binh → c-bac-ai-tay:
    1667/NQ-UBTVQH15 (16/06/2025), Điều 1 khoản 48"): the unit's own, and when the successor
    was picked by the record's commune, that commune's too."""
    rows = succession_path(unit, successor, on=on)
    if near is not None and near != unit:
        # When the commune did not lead there, the unit's own path says it all.
        with contextlib.suppress(ValueError):
            rows += succession_path(near, successor, on=on)
    parts = []
    for row in rows:
        text = row.act
        if row.act_date:
            text += f" ({row.act_date:%d/%m/%Y})"
        if row.act_clause:
            text += f", {row.act_clause}"
        parts.append(f"{row.predecessor.code} → {row.successor.code}: {text}")
    return "; ".join(parts)


def move_work_of_ended_units(*, on: dt.date | None = None) -> int:
    """Move every open human task whose queue's unit has ended by the day; returns how many
    moved. A task no successor takes stays where it is, for check_plan to list."""
    day = on or today()
    ended = {
        u.code: u for u in Unit.objects.exclude(valid_to__isnull=True).filter(valid_to__lt=day)
    }
    if not ended:
        return 0
    tasks = Task.objects.filter(
        flow_task_type="HUMAN",
        status__in=(STATUS.NEW, STATUS.ASSIGNED),
        owner_permission__startswith=PERMISSION_PREFIX,
    ).order_by("id")
    moved = 0
    for task in tasks:
        unit_code, _dot, _role = task.owner_permission.removeprefix(
            f"{PERMISSION_PREFIX}."
        ).rpartition(".")
        unit = ended.get(unit_code)
        declaration = declaration_of_flow(task.flow_task.flow_class)
        if unit is None or declaration is None:
            continue
        record = declaration.model._default_manager.filter(process_id=task.process_id).first()
        step = f"{declaration.matrix_process}.{task.flow_task.name}"
        near = declaration.near_unit(record) if record is not None else None
        successor = successor_for(unit, on=day, step=step, near=near)
        if successor is None:
            log.warning("No unit succeeds %s for %s on %s (task %s)", unit.code, step, day, task.pk)
            continue
        try:
            move_task(
                task_id=task.pk,
                to_unit=successor,
                acts=_acts(unit, successor, on=day, near=near),
                if_unit_id=unit.pk,
            )
        except Conflict:
            continue  # moved or completed meanwhile: what a second run finds too
        moved += 1
    return moved


def move_work_after_load(sender, **kwargs) -> int:
    """Receiver of agencies.signals.plan_loaded: the new data may have ended units."""
    return move_work_of_ended_units()
