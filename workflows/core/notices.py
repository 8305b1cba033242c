"""The notices the door sends when it performs a step, alike for every declared process: a task
that lands in a person's hands or in the queue of a unit and role (its current members), a
record sent back to its author, and a decision told to its author. They are recorded in the
step's transaction under their keys and sent after it commits (workflows.core.notifications);
the door calls `after_step` and `after_handover` (docs/architecture.md, "The door")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from agencies.models import Membership, Role, Unit
from agencies.selectors import today

from .declaration import ProcessDeclaration
from .models import AuditEvent
from .notifications import Notice, notify

ASSIGNED = "assigned"
RETURNED = "returned"
DECIDED = "decided"
OPEN = (STATUS.NEW, STATUS.ASSIGNED)
# A process in these has no open task: viewflow ends a process once none is left unfinished.
FINISHED = (STATUS.DONE, STATUS.CANCELED)
# Decisions told to the author: the outcomes every process words alike; a step that ends the
# process is an outcome too (a report accepted, a consolidation acknowledged).
DECISIONS = ("approve", "reject")


def is_return(action: str) -> bool:
    """A step that sends the record back (`return`, `return_delivery`, …)."""
    return action == "return" or action.startswith("return_")


def is_decision(action: str, process: Process) -> bool:
    return (
        action in DECISIONS
        or action.startswith("confirm")
        or (process.status == STATUS.DONE and action != "withdraw")
    )


_created: ContextVar[list[Task] | None] = ContextVar("created_tasks", default=None)


@contextmanager
def collecting_created() -> Iterator[list[Task]]:
    """The tasks viewflow creates inside the block, as it saves them (each new task is
    inserted once, then changed on the same instance), so that the notices of a step read
    them without a query: a human step is the hot path (bench P1)."""
    created: list[Task] = []
    token = _created.set(created)
    try:
        yield created
    finally:
        _created.reset(token)


@receiver(post_save, sender=Task, dispatch_uid="notices-created-tasks")
def _task_created(sender, instance: Task, created: bool, **kwargs) -> None:
    collected = _created.get()
    if created and collected is not None:
        collected.append(instance)


def opened(process: Process, created: Iterable[Task]) -> list[Task]:
    """The human tasks of the process that a step created and left open (none once the
    process is finished)."""
    if process.status in FINISHED:
        return []
    return [
        task
        for task in created
        if task.process_id == process.pk and task.flow_task_type == "HUMAN" and task.status in OPEN
    ]


def after_step(
    *,
    declaration: ProcessDeclaration,
    record: models.Model,
    process: Process,
    action: str,
    user,
    event: AuditEvent,
    created: Iterable[Task],
) -> None:
    """What a performed step tells: the tasks it opened (of those it `created`), and the author
    of a return or of a decided record. The person who acted is not told of their own step."""
    with translation.override(settings.LANGUAGE_CODE):
        kind = RETURNED if is_return(action) else DECIDED if is_decision(action, process) else ""
        notices = list(_assignments(declaration, record, opened(process, created), by=user))
        author = _author(record) if kind else None
        if author is not None and author != getattr(user, "pk", None):
            notices.append(
                _outcome(declaration, record, kind=kind, action=action, event=event, to=author)
            )
    if notices:
        notify(notices)


def after_handover(
    *, declaration: ProcessDeclaration, record: models.Model, task: Task, by=None
) -> None:
    """A task given to an officer, or put (back) in a queue: its new holders are told."""
    with translation.override(settings.LANGUAGE_CODE):
        notices = list(_assignments(declaration, record, [task], by=by))
    if notices:
        notify(notices)


def _assignments(
    declaration: ProcessDeclaration, record: models.Model, tasks: Iterable[Task], *, by
) -> Iterator[Notice]:
    day = today()
    tasks = list(tasks)
    waiting = {_queue_of(task) for task in tasks if task.owner_id is None}
    queues = _queues({queue for queue in waiting if queue is not None}, day=day)
    for task in tasks:
        step = declaration.step_label(task.flow_task.name)
        values = {"record": str(record), "step": step, "process": declaration.title}
        if task.owner_id is not None:
            recipients = [task.owner_id]
            title = _("New task: %(step)s, %(record)s") % values
            body = _("%(process)s %(record)s waits for you at the step “%(step)s”.") % values
        else:
            queue = _queue_of(task)
            held = queues.get(queue, []) if queue is not None else []
            if not held:
                continue
            recipients = list(dict.fromkeys(holder.user_id for holder in held))
            values |= {"unit": held[0].unit.name, "role": held[0].role.name}
            title = _("New task for %(unit)s: %(step)s, %(record)s") % values
            body = (
                _(
                    "%(process)s %(record)s waits in the queue of %(unit)s (%(role)s) at the "
                    "step “%(step)s”: take it from your task inbox."
                )
                % values
            )
        for recipient in recipients:
            if recipient != getattr(by, "pk", None):
                yield Notice(
                    recipient_id=recipient,
                    subject=task,
                    kind=ASSIGNED,
                    day=day,
                    title=title,
                    body=body,
                    url=_url(record),
                )


def _queue_of(task: Task) -> tuple[int, str] | None:
    """The unit and role whose queue a task waits in, from the actor the door routed it to."""
    actor = task.data.get("actor") or {}
    if not actor.get("unit_id") or not actor.get("role"):
        return None
    return int(actor["unit_id"]), str(actor["role"])


class Holder(NamedTuple):
    """A current holder of a queue's unit and role, with the names a notice gives them."""

    user_id: int
    unit: Unit
    role: Role


def _queues(queues: set[tuple[int, str]], *, day: dt.date) -> dict[tuple[int, str], list[Holder]]:
    """For each unit and role, the active users who hold the role in the unit today, the unit
    valid today (selectors.current_members' rule), with the unit's and role's names: one
    statement for every queue a step opened (parallel reviews), none without. Hand-written:
    built, compiled and read back through the ORM, this statement cost a step 2.3 ms where the
    database spends 0.45 ms on it (bench P1, where every step opens a queue's task)."""
    if not queues:
        return {}
    ops = connection.ops
    tables = {
        name: ops.quote_name(model._meta.db_table)
        for name, model in (("m", Membership), ("r", Role), ("u", Unit), ("a", get_user_model()))
    }
    which = " OR ".join(["(m.unit_id = %s AND r.code = %s)"] * len(queues))
    sql = f"""SELECT m.unit_id, r.code, m.user_id, u.name_vi, u.name_en, r.name_vi, r.name_en
        FROM {tables["m"]} m
        JOIN {tables["r"]} r ON r.id = m.role_id
        JOIN {tables["u"]} u ON u.id = m.unit_id
        JOIN {tables["a"]} a ON a.id = m.user_id
        WHERE a.is_active
          AND m.valid_from <= %s AND (m.valid_to IS NULL OR m.valid_to >= %s)
          AND u.valid_from <= %s AND (u.valid_to IS NULL OR u.valid_to >= %s)
          AND ({which})
        ORDER BY m.user_id, m.id"""  # noqa: S608 (quoted table names; every value a parameter)
    on = ops.adapt_datefield_value(day)
    params: list = [on] * 4 + [value for queue in sorted(queues) for value in queue]
    held: dict[tuple[int, str], list[Holder]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit_id, role, user_id, unit_vi, unit_en, role_vi, role_en in cursor.fetchall():
            names = (Unit(name_vi=unit_vi, name_en=unit_en), Role(name_vi=role_vi, name_en=role_en))
            held.setdefault((unit_id, role), []).append(Holder(user_id, *names))
    return held


def _outcome(
    declaration: ProcessDeclaration,
    record: models.Model,
    *,
    kind: str,
    action: str,
    event: AuditEvent,
    to: int,
) -> Notice:
    values = {
        "record": str(record),
        "process": declaration.title,
        "action": declaration.action_labels.get(action, action),
        "status": record.get_status_display(),  # type: ignore[attr-defined]
        "who": _name(event.actor),
    }
    if kind == RETURNED:
        title = _("Returned to you: %(record)s") % values
        body = _("%(who)s returned %(process)s %(record)s (%(action)s).") % values
    else:
        title = _("Decision on %(record)s: %(status)s") % values
        body = _("%(who)s decided on %(process)s %(record)s (%(action)s): %(status)s.") % values
    if event.comment:
        body = f"{body}\n{_('Reason or comment')}: {event.comment}"
    # The event is the subject: each return or decision is told once, however many a day.
    return Notice(
        recipient_id=to,
        subject=event,
        kind=kind,
        day=today(),
        title=title,
        body=body,
        url=_url(record),
    )


def _author(record: models.Model) -> int | None:
    """Who wrote the record: the person the door audited starting its first process (the
    first actor of its audit events)."""
    first = (
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(record),
            subject_id=record.pk,
            actor__isnull=False,
        )
        .order_by("created", "id")
        .values("actor_id")
        .first()
    )
    return first["actor_id"] if first else None


def _name(user) -> str:
    if user is None:
        return _("The system")
    return user.get_full_name() or user.get_username()


def _url(record: models.Model) -> str:
    get_url = getattr(record, "get_absolute_url", None)
    return get_url() if get_url is not None else ""
