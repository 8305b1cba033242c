"""Notifications every process shares: record under a unique key first, send after commit, mark
sent (architecture.md, Background work). A second run finds nothing new to record; a run that
died before sending leaves unsent rows that the next run sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import connections, models, transaction
from django.db.models import Expression, QuerySet
from django.db.models.constants import OnConflict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from .models import Notification


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
    subject_type = ContentType.objects.get_for_model(subject)
    return f"{subject_type.pk}:{subject.pk}:{kind}:{day.isoformat()}:{recipient_id}"


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


# Every column a notice row needs (attnames), as record_selected takes them.
COLUMNS = frozenset(
    ("recipient_id", "kind", "subject_type_id", "subject_id", "day", "key", "title", "body")
    + ("url", "created")
)


def record_selected(rows: QuerySet, **columns: Expression) -> int:
    """Record one notice per row of a query in a single INSERT … SELECT, skipping keys already
    recorded: a scan over 100,000 duties passes no row through Python and spends the same
    statements whatever their number (bench P3). `columns` gives each of COLUMNS as an
    expression over the rows. Returns how many were recorded; sending is the caller's
    queue_sending()."""
    if set(columns) != COLUMNS:
        raise ValueError(f"notice columns must be exactly {sorted(COLUMNS)}")
    select = rows.order_by().annotate(**{f"notice_{name}": e for name, e in columns.items()})
    select = select.values(*(f"notice_{name}" for name in columns))
    connection = connections[rows.db]
    compiler = select.query.get_compiler(connection=connection)
    select_sql, params = compiler.as_sql()
    # The SELECT's own column order, whatever order values() chose.
    names = [alias.removeprefix("notice_") for _expression, _sql, alias in compiler.select]
    operations = connection.ops
    sql = " ".join(
        (
            operations.insert_statement(on_conflict=OnConflict.IGNORE),
            operations.quote_name(Notification._meta.db_table),
            "({})".format(", ".join(operations.quote_name(_column(name)) for name in names)),
            select_sql,
            operations.on_conflict_suffix_sql([], OnConflict.IGNORE, None, None),
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _column(attname: str) -> str:
    return Notification._meta.get_field(attname).column


def queue_sending() -> None:
    """After commit, queue the task that sends every notice still unsent."""
    transaction.on_commit(_queue_sending)


def _queue_sending() -> None:
    from .tasks import send_notifications

    send_notifications.delay()


def _email(recipient, rows: list[Notification]) -> EmailMessage:
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
    return EmailMessage(subject=subject, body=body, to=[recipient.email])


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


def mark_read(*, user, notification_id: int) -> None:
    """The recipient has seen the notice in the app."""
    Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
