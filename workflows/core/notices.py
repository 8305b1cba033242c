"""The notices the door sends when it performs a step, alike for every declared process: a task
that lands in a person's hands or in the queue of a unit and role (its current members), a
record sent back to its author, and a decision told to its author. They are recorded in the
step's transaction under their keys and sent after it commits (workflows.core.notifications);
the door calls `after_step` and `after_handover` (docs/architecture.md, "The door")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from agencies.models import Membership, Role, Unit
from agencies.selectors import today

from .declaration import RETURNED, ProcessDeclaration
from .models import AuditEvent, Notification
from .notifications import COLUMNS, Notice, column, insert_selected, key_around, queue_sending

ASSIGNED = "assigned"
OPEN = (STATUS.NEW, STATUS.ASSIGNED)
# A process in these has no open task: viewflow ends a process once none is left unfinished.
FINISHED = (STATUS.DONE, STATUS.CANCELED)


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
        declared = declaration.action(action)
        kind = declared.author_told(finished=process.status == STATUS.DONE) if declared else ""
        telling = _Telling(record, by=getattr(user, "pk", None))
        telling.assign(declaration, opened(process, created))
        if kind:
            telling.tell_author(declaration, kind=kind, action=action, event=event)
    telling.record()


def after_handover(
    *, declaration: ProcessDeclaration, record: models.Model, task: Task, by=None
) -> None:
    """A task given to an officer, or put (back) in a queue: its new holders are told."""
    with translation.override(settings.LANGUAGE_CODE):
        telling = _Telling(record, by=getattr(by, "pk", None))
        telling.assign(declaration, [task])
    telling.record()


# Where a queue's notice names its unit and role, filled in SQL from the holders' rows
# (private-use characters, which no name or plan text holds).
UNIT_FILL, ROLE_FILL = "\ue001", "\ue002"


class _Telling:
    """The notices of one step or handover, recorded in one INSERT … SELECT: a task in a queue
    joined to the queue's current holders (selectors.current_members' rule: active users who
    hold the role in the unit today, the unit valid today), a task in a person's hands, and
    the record's author (its first audited actor). Hand-written: read through the ORM and
    inserted with bulk_create, the holders, the author and the rows cost a step three
    statements and most of its time spent telling (bench P1, where every step opens a task)."""

    def __init__(self, record: models.Model, *, by: int | None) -> None:
        self.record_ = record
        self.by = by
        # The notices' language is the one they are rendered in (inside the caller's override).
        self.english = (translation.get_language() or "").startswith("en")
        self.day = today()
        self.url = _url(record)
        # Each with its task's place among the step's tasks, the order the notices keep.
        self.queued: list[tuple] = []  # (place, task id, unit id, role code, title, body)
        self.direct: list[tuple[int, Notice]] = []
        self.outcome: Notice | None = None  # its recipient found in SQL

    def assign(self, declaration: ProcessDeclaration, tasks: Iterable[Task]) -> None:
        for place, task in enumerate(tasks, start=len(self.queued) + len(self.direct)):
            step = declaration.step_label(task.flow_task.name)
            values = {"record": str(self.record_), "step": step, "process": declaration.title}
            if task.owner_id is not None:
                if task.owner_id != self.by:
                    title = _("New task: %(step)s, %(record)s") % values
                    body = _("%(process)s %(record)s waits for you at the step “%(step)s”.")
                    notice = self._notice(task, ASSIGNED, title, body % values, to=task.owner_id)
                    self.direct.append((place, notice))
                continue
            queue = _queue_of(task)
            if queue is None:
                continue
            values |= {"unit": UNIT_FILL, "role": ROLE_FILL}
            title = _("New task for %(unit)s: %(step)s, %(record)s") % values
            body = _(
                "%(process)s %(record)s waits in the queue of %(unit)s (%(role)s) at the "
                "step “%(step)s”: take it from your task inbox."
            )
            self.queued.append((place, task.pk, *queue, title, body % values))

    def tell_author(
        self, declaration: ProcessDeclaration, *, kind: str, action: str, event: AuditEvent
    ) -> None:
        values = {
            "record": str(self.record_),
            "process": declaration.title,
            "action": declaration.action_labels.get(action, action),
            "status": self.record_.get_status_display(),  # type: ignore[attr-defined]
            "who": _name(event.actor),
        }
        if kind == RETURNED:
            title = _("Returned to you: %(record)s") % values
            body = _("%(who)s returned %(process)s %(record)s (%(action)s).") % values
        else:
            title = _("Decision on %(record)s: %(status)s") % values
            body = _("%(who)s decided on %(process)s %(record)s (%(action)s): %(status)s.")
            body %= values
        if event.comment:
            body = f"{body}\n{_('Reason or comment')}: {event.comment}"
        # The event is the subject: each return or decision is told once, however many a day.
        self.outcome = self._notice(event, kind, title, body)

    def _notice(
        self, subject: models.Model, kind: str, title: str, body: str, *, to: int = 0
    ) -> Notice:
        """A notice of this step's day and record link; `to` 0 where SQL finds the recipient."""
        return Notice(to, subject, kind, self.day, title[:255], body, self.url)

    def record(self) -> None:
        """One statement for all the notices, none without; sending is queued after commit."""
        if not (self.queued or self.direct or self.outcome):
            return
        connection = connections[router.db_for_write(Notification)]
        parts: list[tuple[str, list]] = []
        if self.queued:
            parts.append(self._queued_sql(connection))
        if self.direct:
            parts.append(self._direct_sql(connection))
        if self.outcome is not None:
            parts.append(self._author_sql(connection, self.outcome))
        # Each part gives its order (c0: tasks, then the outcome), a place (c1: the task's),
        # then COLUMNS (c2 …).
        told = " UNION ALL ".join(sql for sql, _params in parts)
        columns = ", ".join(f"n.c{i}" for i in range(2, 2 + len(COLUMNS)))
        sql = insert_selected(
            connection,
            f"SELECT {columns}, %s FROM ({told}) n ORDER BY n.c0, n.c1, n.c2",  # noqa: S608
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, *(value for _sql, params in parts for value in params)])
        # Queued even if every key was known: the send also delivers what an interrupted run
        # recorded and did not send (notifications.notify's rule).
        queue_sending()

    def _key(self, subject: models.Model | type[models.Model], kind: str) -> tuple[int, str, str]:
        """The subject's content type, and notification_key's text around the subject id."""
        subject_type = ContentType.objects.get_for_model(subject).pk
        return subject_type, *key_around(subject_type=subject_type, kind=kind, day=self.day)

    def _queued_sql(self, connection) -> tuple[str, list]:
        ops = connection.ops
        table = {
            name: ops.quote_name(model._meta.db_table)
            for name, model in (
                ("m", Membership),
                ("r", Role),
                ("u", Unit),
                ("a", get_user_model()),
            )
        }
        unit, role = (
            f"COALESCE(NULLIF({alias}.name_en, ''), {alias}.name_vi)"
            if self.english
            else f"{alias}.name_vi"
            for alias in ("u", "r")
        )
        subject_type, before, after = self._key(Task, ASSIGNED)
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(self.queued))
        not_by = "AND m.user_id <> %s" if self.by is not None else ""
        sql = f"""SELECT 0 AS c0, q.column1 AS c1, m.user_id AS c2, %s AS c3, %s AS c4,
                q.column2 AS c5, %s AS c6,
                %s || CAST(q.column2 AS TEXT) || %s || CAST(m.user_id AS TEXT) AS c7,
                substr(replace(replace(q.column5, %s, {unit}), %s, {role}), 1, 255) AS c8,
                replace(replace(q.column6, %s, {unit}), %s, {role}) AS c9, %s AS c10
            FROM {table["m"]} m
            JOIN {table["r"]} r ON r.id = m.role_id
            JOIN {table["u"]} u ON u.id = m.unit_id
            JOIN {table["a"]} a ON a.id = m.user_id
            JOIN (VALUES {values}) q ON q.column3 = m.unit_id AND q.column4 = r.code
            WHERE a.is_active
              AND m.valid_from <= %s AND (m.valid_to IS NULL OR m.valid_to >= %s)
              AND u.valid_from <= %s AND (u.valid_to IS NULL OR u.valid_to >= %s)
              {not_by}"""  # noqa: S608 (quoted table names; every value a parameter)
        day = ops.adapt_datefield_value(self.day)
        fills = [UNIT_FILL, ROLE_FILL] * 2
        params = [ASSIGNED, subject_type, day, before, after, *fills, self.url]
        params += [value for queued in self.queued for value in queued]
        params += [day] * 4 + ([self.by] if self.by is not None else [])
        return sql, params

    def _direct_sql(self, connection) -> tuple[str, list]:
        values = ", ".join(["(" + ", ".join(["%s"] * (2 + len(COLUMNS))) + ")"] * len(self.direct))
        columns = ", ".join(f"d.column{i + 1} AS c{i}" for i in range(2 + len(COLUMNS)))
        params: list = []
        for place, notice in self.direct:
            subject_type, before, after = self._key(notice.subject, notice.kind)
            key = f"{before}{notice.subject.pk}{after}{notice.recipient_id}"
            params += [0, place, notice.recipient_id, notice.kind, subject_type]
            day = connection.ops.adapt_datefield_value(notice.day)
            params += [notice.subject.pk, day, key, notice.title, notice.body, notice.url]
        return f"SELECT {columns} FROM (VALUES {values}) d", params  # noqa: S608

    def _author_sql(self, connection, notice: Notice) -> tuple[str, list]:
        """The outcome told to whom the door audited first for the record (its author)."""
        ops = connection.ops
        columns = {
            name: ops.quote_name(column(AuditEvent, name))
            for name in ("actor", "subject_type", "subject_id", "created", "id")
        }
        subject_type, before, after = self._key(notice.subject, notice.kind)
        not_by = "WHERE e.actor <> %s" if self.by is not None else ""
        table = ops.quote_name(AuditEvent._meta.db_table)
        sql = f"""SELECT 2 AS c0, 0 AS c1, e.actor AS c2, %s AS c3, %s AS c4, %s AS c5,
                %s AS c6, %s || CAST(e.actor AS TEXT) AS c7, %s AS c8, %s AS c9, %s AS c10
            FROM (SELECT {columns["actor"]} AS actor FROM {table}
                WHERE {columns["subject_type"]} = %s AND {columns["subject_id"]} = %s
                  AND {columns["actor"]} IS NOT NULL
                ORDER BY {columns["created"]}, {columns["id"]} LIMIT 1) e
            {not_by}"""  # noqa: S608 (quoted names; every value a parameter)
        record_type = ContentType.objects.get_for_model(self.record_).pk
        params = [notice.kind, subject_type, notice.subject.pk, ops.adapt_datefield_value(self.day)]
        params += [f"{before}{notice.subject.pk}{after}", notice.title, notice.body, notice.url]
        params += [record_type, self.record_.pk] + ([self.by] if self.by is not None else [])
        return sql, params


def _queue_of(task: Task) -> tuple[int, str] | None:
    """The unit and role whose queue a task waits in, from the actor the door routed it to."""
    actor = task.data.get("actor") or {}
    if not actor.get("unit_id") or not actor.get("role"):
        return None
    return int(actor["unit_id"]), str(actor["role"])


def _name(user) -> str:
    if user is None:
        return _("The system")
    return user.get_full_name() or user.get_username()


def _url(record: models.Model) -> str:
    get_url = getattr(record, "get_absolute_url", None)
    return get_url() if get_url is not None else ""
