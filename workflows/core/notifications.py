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
from django.db import models, transaction
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
