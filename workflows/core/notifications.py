"""Notifications every process shares: record under a unique key first, send after commit, mark
sent (docs/architecture.md, Background work). A second run finds nothing new to record; a run that
died before sending leaves unsent rows that the next run sends."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import connections, models, router, transaction
from django.db.models import F, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.expressions import Combinable
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from .models import Notification, url_around_pk

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # the project's AUTH_USER_MODEL


@dataclass(frozen=True)
class Notice:
    """One message to record: to whom, about which record, of which kind, for which day."""

    recipient_id: int
    subject: models.Model
    kind: str
    day: dt.date
    title: str
    body: str = ""
    url: str = ""


def notification_key(*, subject: models.Model, kind: str, day: dt.date, recipient_id: int) -> str:
    """The idempotency key: one notice per subject, kind, day and recipient."""
    subject_type = ContentType.objects.get_for_model(subject).pk
    before, after = key_around(subject_type=subject_type, kind=kind, day=day)
    return f"{before}{subject.pk}{after}{recipient_id}"


def key_around(*, subject_type: int, kind: str, day: dt.date) -> tuple[str, str]:
    """The key's text before the subject id and between it and the recipient id, for
    statements that put the ids in."""
    return f"{subject_type}:", f":{kind}:{day.isoformat()}:"


BATCH = 1000


def notify(notices: Iterable[Notice]) -> None:
    """Record the notices in batches (a key already recorded is skipped); after commit, queue
    the sending task, which sends every notice still unsent: these, and any that an
    interrupted run recorded but did not send. Recording never waits for the mail server."""
    batch: list[Notification] = []
    for notice in notices:
        batch.append(
            Notification(
                recipient_id=notice.recipient_id,
                kind=notice.kind,
                subject_type=ContentType.objects.get_for_model(notice.subject),
                subject_id=notice.subject.pk,
                day=notice.day,
                key=notification_key(
                    subject=notice.subject,
                    kind=notice.kind,
                    day=notice.day,
                    recipient_id=notice.recipient_id,
                ),
                title=notice.title[:255],
                body=notice.body,
                url=notice.url,
            )
        )
        if len(batch) == BATCH:
            Notification.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Notification.objects.bulk_create(batch, ignore_conflicts=True)
    queue_sending()


# Where a notice text takes its row's own value, read in SQL (a private-use character, which
# no name or plan text holds).
FILL = "\ue000"


@dataclass(frozen=True)
class NoticeText:
    """What the notices of one group of rows say: the group's values, the notice's day, and
    texts rendered once for the group, with FILL where each row's own value goes."""

    group: tuple
    day: dt.date
    title: str
    body: str = ""


def record_selected(
    rows: QuerySet,
    *,
    kind: str,
    recipient: Combinable | Sequence[int],
    fill: Combinable,
    group: Sequence[str],
    texts: Sequence[NoticeText],
    url_name: str,
) -> int:
    """Record a notice for each row of a query and each recipient (the user the row joins to,
    or each of a list of users) in one INSERT … SELECT, skipping keys already recorded: a scan
    over 100,000 duties passes no row through Python and spends the same statements whatever
    their number (bench P3). Rows meet their group's texts in a join with a VALUES list, so
    texts are rendered once per group; keys are notification_key's. Returns how many were
    recorded; the caller queues sending."""
    if not texts:
        return 0
    # The rows are read where the notices are written: one statement, one database.
    connection = connections[router.db_for_write(Notification)]
    ops = connection.ops
    picked: dict[str, Combinable] = {"subject": F("pk"), "fill": fill}
    # A list of users (everyone in it is told), or the expression of the user each row joins to.
    everyone: Sequence[int] | None = None
    if isinstance(recipient, Sequence):
        if not recipient:
            return 0
        everyone = recipient
    else:
        picked["recipient"] = recipient
    picked |= {f"group{i}": F(name) for i, name in enumerate(group)}
    inner = rows.order_by().annotate(**{f"notice_{k}": v for k, v in picked.items()})
    inner_sql, inner_params = (
        inner.values(*(f"notice_{k}" for k in picked))
        .query.get_compiler(connection=connection)
        .as_sql()
    )

    def row(name: str) -> str:
        return f"r.{ops.quote_name(f'notice_{name}')}"

    # VALUES columns are column1, column2, … in PostgreSQL and SQLite alike.
    width = len(group)
    day, day_text, title, body = (f"t.column{width + i}" for i in range(1, 5))
    join = " AND ".join(f"t.column{i + 1} = {row(f'group{i}')}" for i in range(width))
    values = ", ".join([f"({', '.join(['%s'] * (width + 4))})"] * len(texts))
    values_params = [
        ops.adapt_datefield_value(value) if isinstance(value, dt.date) else value
        for text in texts
        for value in (*text.group, text.day, text.day.isoformat(), text.title, text.body)
    ]
    subject_type = ContentType.objects.get_for_model(rows.model).pk
    url_before, url_after = url_around_pk(url_name)
    # A list of users joins as a VALUES list of its own: no query through the unit tables.
    to = "m.column1" if everyone else row("recipient")
    people = f"CROSS JOIN (VALUES {', '.join(['(%s)'] * len(everyone))}) m" if everyone else ""
    # Ids in the order notices are listed and mailed: by group, subject, then recipient.
    order = ", ".join([*(f"t.column{i + 1}" for i in range(width)), row("subject"), to])
    subject_text, recipient_text = f"CAST({row('subject')} AS TEXT)", f"CAST({to} AS TEXT)"
    # Only quoted names and rendered placeholders are formatted in; every value is a parameter.
    sql = insert_selected(
        connection,
        f"""SELECT {to}, %s, %s, {row("subject")}, {day},
            %s || {subject_text} || %s || {day_text} || ':' || {recipient_text},
            substr(replace({title}, %s, {row("fill")}), 1, 255),
            replace({body}, %s, {row("fill")}),
            %s || {subject_text} || %s,
            %s
        FROM ({inner_sql}) r JOIN (VALUES {values}) t ON {join} {people}
        ORDER BY {order}""",  # noqa: S608
    )
    params = [
        kind,
        subject_type,
        f"{subject_type}:",
        f":{kind}:",
        FILL,
        FILL,
        url_before,
        url_after,
        ops.adapt_datetimefield_value(timezone.now()),
        *inner_params,
        *values_params,
        *(everyone or ()),
    ]
    with connection.cursor() as cursor, _hash_joined(connection, cursor):
        cursor.execute(sql, params)
        return cursor.rowcount


# The transaction's setting, read and changed in one statement, and set back as it was.
NESTLOOP_OFF = (
    "SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)"
)
NESTLOOP_BACK = "SELECT set_config('enable_nestloop', %s, true)"


@contextmanager
def _hash_joined(connection, cursor) -> Iterator[None]:
    """PostgreSQL plans the statement without nested loops. The rows' conditions (an OR over
    every unit a plan names to be told) make it guess one row where there are thousands, and
    it then loops over the VALUES list of texts for each: 26 million comparisons, 20 s at
    national scale, where hash joins take 0.1 s (bench P3). Only this statement is concerned:
    the setting is this transaction's, set back as it was once the statement is done (an error
    rolls the savepoint and the setting back)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=connection.alias):
        cursor.execute(NESTLOOP_OFF)
        previous = cursor.fetchone()[0]
        yield
        cursor.execute(NESTLOOP_BACK, [previous])


# What a statement that records notices gives, in this order.
COLUMNS = ("recipient", "kind", "subject_type", "subject_id", "day", "key", "title", "body", "url")


def insert_selected(connection, select: str) -> str:
    """The statement that records the rows `select` gives (COLUMNS, then the time recorded),
    skipping keys already recorded."""
    ops = connection.ops
    columns = ", ".join(
        ops.quote_name(column(Notification, name)) for name in (*COLUMNS, "created")
    )
    return f"""{ops.insert_statement(on_conflict=OnConflict.IGNORE)}
        {ops.quote_name(Notification._meta.db_table)} ({columns})
        {select}
        {ops.on_conflict_suffix_sql([], OnConflict.IGNORE, None, None)}"""


def column(model: type[models.Model], name: str) -> str:
    """The database column of a model's field, for hand-written statements."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise LookupError(f"{name} is not a column of {model._meta.db_table}")
    return field.column


# The task that sends what is unsent, by its Celery name: the tasks module imports this one, and
# this one reaches the task through Celery's registry, so neither imports the other in a cycle.
SEND_NOTIFICATIONS = "workflows.core.tasks.send_notifications"


def queue_sending() -> None:
    """After commit, queue the task that sends every notice still unsent. A broker outage must
    not fail the action that recorded them: the error is logged and the scheduled send
    delivers them later (robust). Once per transaction: the one send delivers every notice
    its steps recorded (a callback queued where no savepoint rollback can drop it)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        open_savepoints = set(connection.savepoint_ids)
        for savepoints, func, _robust in connection.run_on_commit:
            if func is _queue_sending and savepoints <= open_savepoints:
                return
    transaction.on_commit(_queue_sending, robust=True)


def _queue_sending() -> None:
    # The registered task, not send_task by name: a registered task honours
    # CELERY_TASK_ALWAYS_EAGER (tests, a laptop without Redis), send_task never does. A worker
    # has loaded every app's tasks module at start; a web or management process loads them on
    # its first send.
    tasks = current_app.tasks
    if SEND_NOTIFICATIONS not in tasks:
        current_app.autodiscover_tasks(force=True)
    tasks[SEND_NOTIFICATIONS].delay()


def _email(recipient: User, rows: list[Notification]) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        if len(rows) == 1:
            subject = rows[0].title
        else:
            subject = ngettext(
                "%(count)d notification: %(first)s …",
                "%(count)d notifications: %(first)s …",
                len(rows),
            ) % {"count": len(rows), "first": rows[0].title}
        body = render_to_string(
            "emails/notifications.txt",
            {"recipient": recipient, "rows": rows, "site_url": settings.SITE_URL},
        )
    return EmailMessage(
        subject=subject,
        body=body,
        to=[recipient.email],
        headers={"Message-ID": message_id(rows)},
    )


def message_id(rows: Sequence[Notification]) -> str:
    """The same notices give the same Message-ID (RFC 5322, 3.6.4), whichever worker sends
    them: a message sent again after a crash between the mail server and the commit that
    marks it sent is known to mail systems as the one already delivered."""
    digest = hashlib.sha256("\n".join(sorted(row.key for row in rows)).encode()).hexdigest()
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return f"<notice-{digest[:32]}@{domain}>"


def send_pending() -> int:
    """Email each recipient's unsent notifications as one message and mark them sent. The
    rows stay locked while they are sent, so two workers never send them twice."""
    sent = 0
    recipient_ids = (
        Notification.objects.filter(sent_at__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    users = get_user_model()._default_manager.in_bulk(list(recipient_ids))
    for recipient_id, recipient in users.items():
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(recipient_id=recipient_id, sent_at__isnull=True)
                .order_by("created", "id")
            )
            if not rows:
                continue
            if recipient.email:
                _email(recipient, rows).send()
                sent += 1
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                sent_at=timezone.now()
            )
    return sent


def mark_read(*, user: User, notification_id: int) -> None:
    """The recipient has seen the notice in the app."""
    Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
