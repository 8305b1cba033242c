"""The transition door: every change of state of a process record goes through `perform`,
which locks, checks the actor, moves the FSM and the viewflow task together, and audits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from agencies.selectors import permissions_of

from .errors import Conflict, PermissionDenied
from .models import AuditEvent
from .nodes import actor_data

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


@dataclass
class StepContext:
    """What an `apply` callback knows of the action being performed."""

    user: Any
    task: Task
    comment: str
    data: dict = field(default_factory=dict)

    @property
    def actor(self) -> dict:
        return self.task.data.get("actor", {})


def lock_process(process_id: int) -> Process:
    """Row lock on the process (PostgreSQL); concurrent actions on it queue behind this one."""
    return Process.objects.select_for_update().get(pk=process_id)


def open_task(*, process: Process, flow_tasks: tuple, user, task_id: int | None = None) -> Task:
    """The open task of these steps that the user may act on, or a clear 403/409."""
    tasks = Task.objects.filter(process=process, flow_task__in=flow_tasks, status__in=OPEN)
    if task_id is not None:
        tasks = tasks.filter(pk=task_id)
    candidates = list(tasks)
    if not candidates:
        raise Conflict(
            _("This step is no longer open: someone else has acted on it, reload the page.")
        )
    held = permissions_of(user)
    mine = [t for t in candidates if t.owner_permission in held]
    if not mine:
        raise PermissionDenied(
            _("You do not hold the unit and role that the plan assigns to this step.")
        )
    task = next((t for t in mine if t.owner_id == user.pk), mine[0])
    if task.owner_id is not None and task.owner_id != user.pk:
        raise PermissionDenied(_("This task is assigned to another officer."))
    return task


def record_event(
    *,
    subject: models.Model,
    action: str,
    user=None,
    task: Task | None = None,
    process: Process | None = None,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    data: dict | None = None,
    actor: dict | None = None,
) -> AuditEvent:
    """Append one audit event; the unit, role and clause come from the task's actor, or from
    `actor` (see nodes.actor_data) for an action that no task carries."""
    if task is not None:
        actor = task.data.get("actor", {})
    actor = actor or {}
    return AuditEvent.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        process=process,
        task=task,
        actor=user,
        unit_id=actor.get("unit_id"),
        role=actor.get("role", ""),
        step=task.flow_task.name if task is not None else "",
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        clause=actor.get("clause", ""),
        data=data or {},
    )


def require_reason(reason: str) -> str:
    """Returns, rejections and waivers must say why (they are read later by the unit)."""
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required.")})
    return reason.strip()


@contextmanager
def transition_errors(record: models.Model) -> Iterator[None]:
    """An FSM refusal or a concurrent change of the record becomes a Conflict (HTTP 409)."""
    try:
        yield
    except TransitionNotAllowed as exc:
        raise Conflict(
            _("This action is not possible while the record is “%(status)s”.")
            % {"status": record.get_status_display()}
        ) from exc
    except ConcurrentTransition as exc:
        raise Conflict(_("Someone else changed this record at the same time.")) from exc


@contextmanager
def entered(
    *,
    model: type[models.Model],
    pk: int,
    flow_tasks: tuple,
    user,
    task_id: int | None = None,
) -> Iterator[tuple[Process, Any, Task]]:
    """Inside one transaction: the locked process, its record read after the lock, and the
    open task of one of `flow_tasks` that the user may act on (else 403/409)."""
    with transaction.atomic():
        process_id = model._default_manager.filter(pk=pk).values_list("process_id", flat=True)
        process = lock_process(process_id.get())
        record = model._default_manager.get(pk=pk)
        process.subject = record  # routing conditions read the record without another query
        task = open_task(process=process, flow_tasks=flow_tasks, user=user, task_id=task_id)
        task.process = process
        yield process, record, task


def perform(
    *,
    model: type[models.Model],
    pk: int,
    flow_tasks: tuple,
    user,
    action: str,
    apply: Callable[[Any, StepContext], Any],
    comment: str = "",
    data: dict | None = None,
    task_id: int | None = None,
):
    """Run one human step in one transaction: lock, authorise by membership, FSM transition,
    viewflow task completion and routing, audit record. Nothing changes if any part refuses."""
    with entered(model=model, pk=pk, flow_tasks=flow_tasks, user=user, task_id=task_id) as (
        process,
        record,
        task,
    ):
        context = StepContext(user=user, task=task, comment=comment, data=data or {})
        from_status = record.status
        with transition_errors(record):
            result = apply(record, context)
            record.save()
        if task.status == STATUS.NEW:
            # Taking the task from the queue: the permission was checked above, and complete()
            # saves the task, so viewflow's assign() and its extra UPDATE are not needed.
            task.owner, task.status, task.assigned = user, STATUS.ASSIGNED, timezone.now()
        activation = task.flow_task.activation_class(task)
        activation.start(None)
        activation.execute()
        record_event(
            subject=record,
            action=action,
            user=user,
            task=task,
            process=process,
            from_status=from_status,
            to_status=record.status,
            comment=comment,
            data=context.data,
        )
    return result if result is not None else record


def started(record: models.Model, *, process: Process, user, actor) -> None:
    """A new record's process, just started, is saved on it and its creation audited under
    the matrix row that let the user create it."""
    record.process = process
    type(record)._default_manager.filter(pk=record.pk).update(process=process)
    record_event(
        subject=record,
        action="create",
        user=user,
        process=process,
        to_status=record.status,
        actor=actor_data(actor),
    )


def edit_in_step(
    *,
    model: type[models.Model],
    pk: int,
    flow_tasks: tuple,
    user,
    change: Callable[[Any], None],
    comment: str = "",
):
    """The holder of one of the steps edits the record without moving it: the same lock and
    permission as a transition, and an "edit" event."""
    with entered(model=model, pk=pk, flow_tasks=flow_tasks, user=user) as (process, record, task):
        change(record)
        record.save()
        record_event(
            subject=record,
            action="edit",
            user=user,
            task=task,
            process=process,
            from_status=record.status,
            to_status=record.status,
            comment=comment,
        )
    return record
