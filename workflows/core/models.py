"""What every process shares in the database: the base of the records processes route, the
append-only audit trail and the notifications (docs/architecture.md)."""

from __future__ import annotations

import functools
from typing import Any, TypeVar, overload

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.signals import setting_changed
from django.db import models
from django.db.models.signals import class_prepared, pre_delete
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from agencies.models import Unit

M = TypeVar("M", bound=models.Model)


@overload
def optional_reference(
    to: type[M], verbose_name: Any = None
) -> models.ForeignKey[M | None, M | None]: ...
@overload
def optional_reference(to: str, verbose_name: Any = None) -> models.ForeignKey[Any, Any]: ...
def optional_reference(to, verbose_name=None):
    """A protected reference that may be empty and that the row it names does not list back:
    the shape of a record's who-did-it and where-from columns."""
    return models.ForeignKey(
        to,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


# A primary key no row has, to split a reversed URL around each row's own.
_NO_PK = 987654321


def url_around_pk(name: str) -> tuple[str, str]:
    """A record page's URL (its name takes the record's id) before and after the id, reversed
    once per name: the inbox links every row, a step's notices their record (bench P1, P2)."""
    return _around_pk(name, get_script_prefix())


@functools.cache
def _around_pk(name: str, prefix: str) -> tuple[str, str]:
    before, after = reverse(name, args=[_NO_PK]).split(str(_NO_PK))
    return before, after


@receiver(setting_changed, dispatch_uid="core-url-around-pk")
def _urls_changed(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _around_pk.cache_clear()


class ProcessRecord(ConcurrentTransitionMixin, models.Model):
    """A record one process routes: its current process (a re-opened record gets a new one),
    its page and its line in the inbox. Each model declares its own FSM `status` field with
    its choices, and `detail_url`, the URL name of its page."""

    detail_url: str = ""

    process = optional_reference("viewflow.Process")

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        if self.pk is None:  # an unsaved record has no page: reverse refuses it, as it always did
            return reverse(self.detail_url, args=[self.pk])
        before, after = url_around_pk(self.detail_url)
        return f"{before}{self.pk}{after}"

    @property
    def inbox_summary(self) -> str:
        """One line for the inbox; models say more where they can."""
        return str(self)


class Timestamped(models.Model):
    """When a record was made and last saved, which its lists are ordered by."""

    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ReviewedRecord(ProcessRecord, Timestamped):
    """A record a unit's officer drafts, the unit's leader signs off and reviewers examine in
    rounds, which can come back for revision: the part of the state machine that aid requests
    and unit reports share. Their status choices use these values."""

    DRAFT, SUBMITTED, UNDER_REVIEW, RETURNED = "draft", "submitted", "under_review", "returned"
    EDITABLE = (DRAFT, RETURNED)

    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_by = optional_reference(settings.AUTH_USER_MODEL)
    review_round = models.PositiveSmallIntegerField(_("review round"), default=0)

    class Meta:
        abstract = True

    @transition(field="status", source=list(EDITABLE), target=SUBMITTED)
    def submit(self) -> None:
        """The drafting officer sends it to the unit's leader."""

    @transition(field="status", source=SUBMITTED, target=UNDER_REVIEW)
    def sign_off(self, *, by) -> None:
        """The unit's leader signs off; a new review round starts."""
        self.signed_off_by = by
        self.review_round += 1

    @transition(field="status", source=[SUBMITTED, UNDER_REVIEW], target=RETURNED)
    def return_for_revision(self) -> None:
        """Back to the drafter with a reason, history kept."""


class RoundDecision(models.Model):
    """One reviewing unit's decision in one review round of a record: the sector reviews of
    aid requests and the annex reviews of reports (IV.2–4, IV.8). Each model adds the foreign
    key to the record (named in `record_field`), its decisions and `one_per_unit_per_round`."""

    record_field: str = ""

    round = models.PositiveSmallIntegerField(_("round"))
    unit = models.ForeignKey("agencies.Unit", on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    created = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["round", "created", "id"]

    def __str__(self) -> str:
        record = getattr(self, self.record_field)
        return f"{record} r{self.round} {self.unit.code}: {getattr(self, 'decision', '')}"


def one_per_unit_per_round(record_field: str, *, name: str) -> models.UniqueConstraint:
    """A unit decides once in each review round of a record."""
    return models.UniqueConstraint(fields=[record_field, "round", "unit"], name=name)


def attachment_path(instance: AttachedFile, filename: str) -> str:
    """Files are kept under their record's folder: `<kind of record>/<its id>/<name>`."""
    return f"{instance.folder}/{getattr(instance, f'{instance.record_field}_id')}/{filename}"


class AttachedFile(models.Model):
    """A document someone attached to a record; each model adds the foreign key to the record,
    names it in `record_field`, and names the `folder` its kind of record keeps files in."""

    record_field: str = ""
    folder: str = ""

    file = models.FileField(_("file"), upload_to=attachment_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit record."""


class AuditEventQuerySet(models.QuerySet):
    """Bulk update and delete are refused like single-row ones."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")

    def bulk_create(
        self,
        objs,
        batch_size=None,
        ignore_conflicts=False,
        update_conflicts=False,
        update_fields=None,
        unique_fields=None,
    ):
        """An upsert would rewrite the events it collides with."""
        if update_conflicts:
            raise AppendOnlyError("Audit events are append-only.")
        return super().bulk_create(
            objs,
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )


class AuditEvent(models.Model):
    """Who did what to which record, when, in which unit and role, under which plan clause."""

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    process = optional_reference("viewflow.Process")
    task = optional_reference("viewflow.Task")
    actor = optional_reference(settings.AUTH_USER_MODEL, _("actor"))
    unit = optional_reference(Unit, _("unit"))
    role = models.CharField(_("role"), max_length=32, blank=True)
    step = models.CharField(_("step"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=64)
    from_status = models.CharField(_("from"), max_length=32, blank=True)
    to_status = models.CharField(_("to"), max_length=32, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    clause = models.CharField(_("plan clause"), max_length=20, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "created"])]

    def __str__(self) -> str:
        return f"{self.created:%d/%m/%Y %H:%M} {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")


def refuse_deleting_audited_records(sender, instance, **kwargs):
    """A record's audit events name it by content type and id, which no foreign key protects:
    deleting it would leave its history pointing at nothing (docs/architecture.md, Audit)."""
    events = AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(sender), subject_id=instance.pk
    )
    if events.exists():
        raise models.ProtectedError(
            f"Cannot delete {sender._meta.label} {instance.pk}: its audit events keep its "
            "history, and audit events are append-only.",
            set(events),
        )


@receiver(class_prepared)
def protect_audited_records(sender, **kwargs):
    """Every record a process routes refuses deletion once audited, cascades included."""
    if issubclass(sender, ProcessRecord):
        pre_delete.connect(refuse_deleting_audited_records, sender=sender)


class Notification(models.Model):
    """A message to one person about one record, listed in the app and sent by email; the
    unique key (subject, kind, day, recipient) is written before sending, so a task retried or
    run twice sends once (docs/architecture.md, Background work; plan V.2 "đôn đốc")."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    day = models.DateField(_("day"), help_text=_("the day the notice is about"))
    key = models.CharField(_("key"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created"]),
            models.Index(fields=["subject_type", "subject_id", "kind", "day"]),
            # A scan's "already told in the period" set: the period's notices of one kind.
            models.Index(fields=["subject_type", "kind", "day"], name="notification_period"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.kind} → {self.recipient}: {self.title}"


class SavedFilter(models.Model):
    """A list's filters that one person keeps under a name: the page they belong to and the
    query string to open it with (the filters live in the URL)."""

    PAGES = {
        "inbox": "tasks:inbox",
        "aid_requests": "aid_requests:list",
        "commendations": "commendations:list",
        "obligations": "reporting:obligations",
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_filters",
        verbose_name=_("user"),
    )
    page = models.CharField(_("page"), max_length=32, choices=[(p, p) for p in PAGES])
    label = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("query string"), max_length=1000, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "label"], name="saved_filter_label")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.page})"

    def get_absolute_url(self) -> str:
        url = reverse(self.PAGES[self.page])
        return f"{url}?{self.query}" if self.query else url


from .once import CreateToken  # noqa: E402, F401 (a create form's one-time token, once.py)
