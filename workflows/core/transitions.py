"""The transition door: every change of state of a process record goes through this module.
It locks, checks the actor against the responsibility matrix, moves the FSM and the viewflow
task together, and audits, in one transaction (docs/architecture.md, "The door")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from agencies.models import Unit
from agencies.selectors import Actor, has_membership, permission_for, permissions_of

from . import notices
from .declaration import (
    Action,
    ProcessDeclaration,
    actor_data,
    declaration_of,
    declaration_of_flow,
)
from .errors import Conflict, PermissionDenied
from .models import AuditEvent, ProcessRecord
from .permissions import require_actor
from .selectors import supervises, supervisor_role

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


class _Stay:
    """Returned by an `apply` callback: the step completes, the record keeps its state."""


STAY = _Stay()


@dataclass
class StepContext:
    """What an `apply` callback knows of the action being performed."""

    user: Any
    task: Any  # the open task; None for an action that no task carries
    comment: str
    actor: dict
    data: dict = field(default_factory=dict)

    @property
    def step(self) -> str:
        return self.task.flow_task.name if self.task is not None else ""

    def others_open(self) -> bool:
        """Whether other tasks of this step are still open: a parallel round not yet done."""
        return (
            open_tasks(self.task.process_id)
            .filter(flow_task=self.task.flow_task)
            .exclude(pk=self.task.pk)
            .exists()
        )


def open_tasks(process_id: int | None) -> QuerySet[Task]:
    """The open human tasks of a process: where the work is now."""
    return Task.objects.filter(
        process_id=process_id, flow_task_type="HUMAN", status__in=OPEN
    ).select_related("owner")


def lock_process(process_id: int | Subquery) -> Process:
    """Row lock on the process (PostgreSQL); concurrent actions on it queue behind this one.
    Given a subquery of the id (a record's process), the lock reads it in the same statement."""
    return Process.objects.select_for_update().get(pk=process_id)


def open_task(*, process: Process, flow_tasks: tuple, user, task_id: int | None = None) -> Task:
    """The open task of these steps that the user may act on, or a clear 403/409."""
    tasks = Task.objects.filter(process=process, flow_task__in=flow_tasks, status__in=OPEN)
    if task_id is not None:
        tasks = tasks.filter(pk=task_id)
    candidates = list(tasks)
    if not candidates:
        raise no_longer_open()
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


def users_task(*, record: models.Model, user) -> Task | None:
    """The open task of the record's process that the user could act on now, if any (what the
    record's page offers; the door checks again under the lock)."""
    process_id = getattr(record, "process_id", None)
    if process_id is None:
        return None
    held = permissions_of(user)
    tasks = Task.objects.filter(process_id=process_id, flow_task_type="HUMAN", status__in=OPEN)
    mine = [
        t
        for t in tasks
        if t.owner_id == user.pk or (t.owner_id is None and t.owner_permission in held)
    ]
    return next((t for t in mine if t.owner_id == user.pk), mine[0] if mine else None)


def _record_event(
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
    """Append one audit event; the unit, role and clause come from `actor` (see
    declaration.actor_data) when given, else from the task's actor."""
    if task is not None and actor is None:
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


def _audit_step(
    declaration: ProcessDeclaration,
    record: models.Model,
    context: StepContext,
    from_status: str = "",
    *,
    process: Process | None,
    action: str,
    created: list[Task] | None,
) -> AuditEvent:
    """Audit a step on its record, by whom, at which task, under which unit and role, with
    what comment and data (the step's context), and record the notices it causes (of the tasks
    it `created`; None, or no process, for an action that hands no work on)."""
    event = _record_event(
        subject=record,
        action=action,
        user=context.user,
        task=context.task,
        process=process,
        from_status=from_status,
        to_status=getattr(record, "status", ""),
        comment=context.comment,
        data=context.data,
        actor=context.actor,
    )
    if created is not None and process is not None:
        notices.after_step(
            declaration=declaration,
            record=record,
            process=process,
            action=action,
            user=context.user,
            event=event,
            created=created,
        )
    return event


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
            # Django makes get_status_display on each model with a status field.
            % {"status": record.get_status_display()}  # type: ignore[attr-defined]
        ) from exc
    except ConcurrentTransition as exc:
        raise Conflict(_("Someone else changed this record at the same time.")) from exc


def _declared(model: type[models.Model], action: str) -> tuple[ProcessDeclaration, Action]:
    declaration = declaration_of(model)
    declared = declaration.action(action)
    if declared is None:
        raise LookupError(f"{model.__name__} declares no action {action!r}")
    return declaration, declared


def _move(record: models.Model, action: Action, move: Any) -> None:
    """Apply the action's FSM transition with the arguments `apply` returned (none for None)."""
    if action.fsm_transition is None or move is STAY:
        return
    getattr(record, action.fsm_transition)(**(move or {}))


@contextmanager
def _entered(
    *, model: type[models.Model], pk: int, flow_tasks: tuple, user, task_id: int | None
) -> Iterator[tuple[Process, Any, Task]]:
    """Inside one transaction: the locked process, its record read after the lock (and bound
    as the process's artifact, which routing reads), and the user's open task of the steps."""
    with transaction.atomic():
        process = lock_process(Subquery(model._default_manager.filter(pk=pk).values("process_id")))
        related = declaration_of(model).record_related
        record = model._default_manager.select_related(*related).get(pk=pk)
        process.artifact = record
        task = open_task(process=process, flow_tasks=flow_tasks, user=user, task_id=task_id)
        task.process = process
        yield process, record, task


def perform(
    *,
    model: type[models.Model],
    pk: int,
    user,
    action: str,
    apply: Callable[[Any, StepContext], Any] | None = None,
    comment: str = "",
    data: dict | None = None,
    task_id: int | None = None,
):
    """Run one human step in one transaction: lock, authorise by membership at a step that
    declares the action, `apply` (checks and side records; it returns the transition's
    arguments, or STAY), FSM transition, viewflow task completion and routing, audit record.
    Nothing changes if any part refuses."""
    declaration, declared = _declared(model, action)
    if declared.reason:
        comment = require_reason(comment)
    flow_tasks = declaration.nodes_for(action)
    with (
        notices.collecting_created() as created,
        _entered(model=model, pk=pk, flow_tasks=flow_tasks, user=user, task_id=task_id) as (
            process,
            record,
            task,
        ),
    ):
        context = StepContext(
            user=user, task=task, comment=comment, actor=task.data.get("actor", {}), data=data or {}
        )
        from_status = record.status
        with transition_errors(record):
            move = apply(record, context) if apply is not None else None
            _move(record, declared, move)
            record.save()
        if task.status == STATUS.NEW:
            # Taking the task from the queue: the permission was checked above, and complete()
            # saves the task, so viewflow's assign() and its extra UPDATE are not needed.
            task.owner, task.status, task.assigned = user, STATUS.ASSIGNED, timezone.now()
        activation = task.flow_task.activation_class(task)
        activation.start(None)
        activation.execute()
        _audit_step(
            declaration,
            record,
            context,
            from_status,
            process=process,
            action=action,
            created=created,
        )
    return record


def edit_in_step(
    *,
    model: type[models.Model],
    pk: int,
    user,
    action: str,
    change: Callable[[Any], None],
    comment: str = "",
):
    """The holder of a step that declares the (edit) action changes the record without moving
    it: the same lock and permission as a transition, and an audit event."""
    declaration, _declared_action = _declared(model, action)
    flow_tasks = declaration.nodes_for(action)
    with _entered(model=model, pk=pk, flow_tasks=flow_tasks, user=user, task_id=None) as (
        process,
        record,
        task,
    ):
        change(record)
        record.save()
        _record_event(
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


def may_start(*, model: type[models.Model], user, subject_unit: Unit | None = None) -> Actor:
    """The matrix row under which the user may start a process of this model (the first step
    of its declaration), or PermissionDenied."""
    declaration = declaration_of(model)
    first = next(iter(declaration.steps))
    return require_actor(
        user=user, process=declaration.matrix_process, step=first, subject_unit=subject_unit
    )


def _bind_new_process(record: ProcessRecord) -> Process:
    """Start the record's process and bind the two: the record's `process`, the process's
    artifact (a re-opened record gets a new process the same way)."""
    process = declaration_of(type(record)).flow.start.run(record=record)
    record.process = process
    type(record)._default_manager.filter(pk=record.pk).update(process=process)
    return process


def start(*, record: ProcessRecord, user, actor: Actor, action: str = "create") -> Process:
    """Start a saved record's process and audit the start under the matrix row that allowed
    it, inside the transaction that saved the record."""
    with notices.collecting_created() as created:
        process = _bind_new_process(record)
    context = StepContext(user=user, task=None, comment="", actor=actor_data(actor))
    declaration = declaration_of(type(record))
    _audit_step(declaration, record, context, process=process, action=action, created=created)
    return process


@transaction.atomic
def act_outside_step(
    *,
    model: type[models.Model],
    record: models.Model,
    user,
    action: str,
    subject_unit: Unit | None,
    apply: Callable[[Any, StepContext], Any] | None = None,
    comment: str = "",
    data: dict | None = None,
    then: Literal["restart", "cancel"] | None = None,
) -> Actor:
    """An action that no task carries (a waiver, a re-open): the matrix step the declaration of
    `model`'s process names for it, the process lock, the FSM transition, then the process
    cancelled or restarted, and the audit event on `record` (which may be another model, such
    as the duty a waiver excuses). Returns the actor it was taken under."""
    declaration, declared = _declared(model, action)
    if declared.reason:
        comment = require_reason(comment)
    if not declared.matrix_step:
        raise LookupError(f"{action} is an action of a step, not one outside the steps")
    actor = require_actor(
        user=user,
        process=declaration.matrix_process,
        step=declared.matrix_step,
        subject_unit=subject_unit,
    )
    process_id = getattr(record, "process_id", None)
    process = lock_process(process_id) if process_id is not None else None
    if process is not None or getattr(record, "status", None) is not None:
        record.refresh_from_db()
    context = StepContext(
        user=user, task=None, comment=comment, actor=actor_data(actor), data=data or {}
    )
    from_status = getattr(record, "status", "")
    with transition_errors(record):
        move = apply(record, context) if apply is not None else None
        if from_status:
            _move(record, declared, move)
        record.save()
    if then is not None and process is not None and process.status != STATUS.DONE:
        declaration.flow.instance.cancel(process)  # a restart leaves no step of it waiting
    created = None  # a cancel or a waiver hands on no work
    if then == "restart":
        if not isinstance(record, ProcessRecord):
            raise TypeError(f"{type(record).__name__} has no process to restart")
        with notices.collecting_created() as created:
            process = _bind_new_process(record)
    _audit_step(
        declaration, record, context, from_status, process=process, action=action, created=created
    )
    return actor


# --- live work follows units and people (issue #10, item 5) ---------------------------------


def record_of_process(process: Process) -> ProcessRecord:
    """The record a process routes: its artifact, which the door binds at the start, else the
    record of the process's declared model that points at it."""
    record = process.artifact
    if record is None:
        declaration = declaration_of_flow(process.flow_class)
        if declaration is None:
            raise LookupError(f"process {process.pk} routes no declared record")
        record = declaration.model._default_manager.get(process_id=process.pk)
    return record


def _locked_task(task_id: int) -> tuple[Process, Task, ProcessRecord]:
    """Inside a transaction: the task's process locked, then the task read after the lock, and
    the record it works on (Task.DoesNotExist for an unknown or non-human task)."""
    human = Task.objects.filter(flow_task_type="HUMAN")
    process = lock_process(human.filter(pk=task_id).values_list("process_id", flat=True).get())
    task = human.select_related("owner").get(pk=task_id)
    task.process = process
    return process, task, record_of_process(process)


def _task_unit(task: Task) -> tuple[Unit, str]:
    """The unit (with its plan) and the role whose queue the task waits in."""
    actor = task.data.get("actor") or {}
    if not actor.get("unit_id") or not actor.get("role"):
        raise LookupError(f"task {task.pk} names no unit and role")
    return Unit.objects.select_related("plan").get(pk=actor["unit_id"]), actor["role"]


def no_longer_open() -> Conflict:
    """The refusal of an action on a step someone else has finished meanwhile (409)."""
    return Conflict(
        _("This step is no longer open: someone else has acted on it, reload the page.")
    )


@transaction.atomic
def take_task(*, user, task_id: int) -> Task:
    """The user takes a task waiting in the queue of a unit and role they hold today, so that it
    is theirs alone (status ASSIGNED), audited as "take" under the task's unit, role and clause.
    PermissionDenied without that unit and role; Conflict when the task is no longer open or
    someone (the user included) has taken it already."""
    process, task, record = _locked_task(task_id)
    if task.status not in OPEN:
        raise no_longer_open()
    if task.owner_id != user.pk and task.owner_permission not in permissions_of(user):
        raise PermissionDenied(
            _("You do not hold the unit and role that the plan assigns to this step.")
        )
    if task.owner_id == user.pk:
        raise Conflict(_("You have already taken this task."))
    if task.owner_id is not None:
        raise Conflict(_("Another officer has already taken this task."))
    _hand(task, to=user)
    _record_handover(record, task, process, "take", by=user, comment="", to_owner=user.pk)
    return task


@transaction.atomic
def release_task(*, task_id: int, by=None, reason: str, if_owner=None) -> Task:
    """Put a taken task back in its unit and role's queue (no owner, status NEW), audited as
    "release" on its record under the task's unit, role and clause, with the former owner in
    the data. `by` None is the product itself (a membership ended); a person releasing must be
    the owner or a supervisor of the task's unit. With `if_owner`, only while that user still
    holds it (a sweep's read may be stale). Conflict when the task is not taken any more."""
    reason = require_reason(reason)
    process, task, record = _locked_task(task_id)
    if task.status not in OPEN:
        raise no_longer_open()
    if task.status != STATUS.ASSIGNED or task.owner_id is None:
        raise Conflict(_("Nobody has taken this task: it is already in its unit's queue."))
    if if_owner is not None and task.owner_id != if_owner.pk:
        raise Conflict(_("This task has been given to another officer since."))
    if by is not None and task.owner_id != by.pk and not supervises(by, _task_unit(task)[0]):
        raise PermissionDenied(
            _("Only the officer who holds this task or a supervisor of its unit may release it.")
        )
    former = task.owner_id
    _hand(task, to=None)
    _record_handover(record, task, process, "release", by=by, comment=reason, from_owner=former)
    return task


@transaction.atomic
def reassign_task(*, user, task_id: int, to_user, reason: str) -> Task:
    """A supervisor of the task's unit (the role its plan's rules name `supervisor_role`) gives
    an open task to a current member of the task's unit and role, audited as "reassign" under
    the unit, the supervisor's role and the task's clause, with the former and the new owner in
    the data. PermissionDenied for anyone else or for a target without the unit and role today;
    Conflict when the task is no longer open."""
    reason = require_reason(reason)
    process, task, record = _locked_task(task_id)
    unit, role = _task_unit(task)
    if not supervises(user, unit):
        raise PermissionDenied(
            _("Only a supervisor of %(unit)s may reassign its tasks.") % {"unit": unit.name}
        )
    if task.status not in OPEN:
        raise no_longer_open()
    if not to_user.is_active or not has_membership(to_user, unit=unit, role=role):
        raise PermissionDenied(
            _("%(user)s does not hold the unit and role of this task today.")
            % {"user": to_user.get_full_name() or to_user.get_username()}
        )
    if task.owner_id == to_user.pk:
        raise Conflict(_("This task is already assigned to this officer."))
    former = task.owner_id
    _hand(task, to=to_user)
    _record_handover(
        record,
        task,
        process,
        "reassign",
        by=user,
        comment=reason,
        actor={**task.data.get("actor", {}), "role": supervisor_role(unit)},
        from_owner=former,
        to_owner=to_user.pk,
    )
    return task


@transaction.atomic
def move_task(*, task_id: int, to_unit: Unit, acts: str, if_unit_id: int | None = None) -> Task:
    """Move an open task from the queue of a unit that has ended to its successor's queue for
    the same role and step, audited as "move" on the record (from, to and the acts that hand
    the work over); a taken task goes back to the queue, as its owner held the old unit. With
    `if_unit_id`, only while the task still waits for that unit (a sweep's read may be stale).
    Earlier events keep the unit they were taken under."""
    process, task, record = _locked_task(task_id)
    if task.status not in OPEN:
        raise no_longer_open()
    actor = dict(task.data.get("actor") or {})
    if if_unit_id is not None and actor.get("unit_id") != if_unit_id:
        raise Conflict(_("This task has moved since."))
    former = {"unit": actor.get("unit"), "owner": task.owner_id}
    permission = permission_for(unit_code=to_unit.code, role_code=actor["role"])
    actor.update(unit=to_unit.code, unit_id=to_unit.pk, permission=permission)
    task.data = {**task.data, "actor": actor}
    task.owner_permission = permission
    _hand(task, to=None, also=("data", "owner_permission"))
    _record_handover(
        record,
        task,
        process,
        "move",
        comment=acts,
        from_unit=former["unit"],
        to_unit=to_unit.code,
        from_owner=former["owner"],
    )
    return task


def _hand(task: Task, *, to, also: tuple[str, ...] = ()) -> None:
    """Give the task to an officer, or (to None) put it back in its unit and role's queue."""
    if to is None:
        task.owner, task.status, task.assigned = None, STATUS.NEW, None
    else:
        task.owner, task.status, task.assigned = to, STATUS.ASSIGNED, timezone.now()
    task.save(update_fields=[*also, "owner", "status", "assigned"])


def _record_handover(
    record: models.Model,
    task: Task,
    process: Process,
    action: str,
    *,
    comment: str,
    by=None,
    actor: dict | None = None,
    **data: object,
) -> None:
    """Audit a task changing hands or queues: the record's status stays what it was."""
    status = getattr(record, "status", "")
    notices.after_handover(
        declaration=declaration_of(type(record)), record=record, task=task, by=by
    )
    _record_event(
        subject=record,
        action=action,
        user=by,
        task=task,
        process=process,
        from_status=status,
        to_status=status,
        comment=comment,
        data=data,
        actor=actor,
    )


# The door bound to one record model, so that a process's services name their model once.
R = TypeVar("R", bound=ProcessRecord)


@dataclass(frozen=True)
class Door(Generic[R]):
    """The entry points of workflows.core.transitions for records of `model`, typed as them; the
    options (apply, comment, data, then) pass through, so that they are declared there only."""

    model: type[R]

    def may_start(self, user, subject_unit: Unit | None = None) -> Actor:
        return may_start(model=self.model, user=user, subject_unit=subject_unit)

    def perform(self, pk: int, user, action: str, **options: Any) -> R:
        return perform(model=self.model, pk=pk, user=user, action=action, **options)

    def perform_as_author(
        self, pk: int, user, action: str, *, author: str, refusal: str, comment: str = ""
    ) -> R:
        """An action that only the person who wrote the record may take (withdrawing a draft
        or a proposal): `author` names the record's field holding them."""

        def apply(record: R, context: StepContext) -> None:
            if getattr(record, f"{author}_id") != user.pk:
                raise PermissionDenied(refusal)

        return self.perform(pk, user, action, apply=apply, comment=comment)

    def edit(self, pk: int, user, change: Callable[[R], None], comment: str = "") -> R:
        """The step's (edit) action: the holder changes the record without moving it."""
        return edit_in_step(
            model=self.model, pk=pk, user=user, action="edit", change=change, comment=comment
        )

    def outside(self, record: models.Model, user, action: str, **options: Any) -> Actor:
        """An action no task carries; `record` may be another model's (a waiver's duty)."""
        return act_outside_step(
            model=self.model, record=record, user=user, action=action, **options
        )
