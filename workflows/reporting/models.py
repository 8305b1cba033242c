"""Reporting duties of the plan (IV.1.d–đ, IV.11, IV.12, V): what each unit owes for a period
and by when, its reports with their figures, waivers, and DOLISA's consolidated report."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from agencies.models import Unit
from workflows.core.models import (
    AttachedFile,
    ProcessRecord,
    ReviewedRecord,
    RoundDecision,
    Timestamped,
    one_per_unit_per_round,
    optional_reference,
)

# The process name of the reporting rows in the responsibility matrix (plan data).
PROCESS = "report"
# Deadlines are read in Vietnam time whatever the server's clock zone (docs/architecture.md,
# Time).
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def due_moment(day: dt.date) -> dt.datetime:
    """ "Trước ngày D" (before day D): the last on-time moment is the end of D − 1, so a duty is
    late from D 00:00 Vietnam time."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=VIETNAM)


class ObligationState(models.TextChoices):
    """Where a duty stands, derived from stored timestamps and waivers, never typed."""

    OPEN = "open", _("Not yet due")
    OVERDUE = "overdue", _("Overdue")
    ON_TIME = "on_time", _("Submitted on time")
    LATE = "late", _("Submitted late")
    WAIVED = "waived", _("Waived")


class ObligationQuerySet(models.QuerySet["Obligation"]):
    def expected(self) -> ObligationQuerySet:
        """Duties still owed or fulfilled: a waiver excuses a unit from one period (V.2)."""
        return self.filter(waiver__isnull=True)

    def outstanding(self) -> ObligationQuerySet:
        """Expected and not yet submitted."""
        return self.expected().filter(submitted_at__isnull=True)

    def overdue(self, *, at: dt.datetime) -> ObligationQuerySet:
        """Outstanding past the last on-time moment."""
        return self.outstanding().filter(due_at__lte=at)


class Obligation(models.Model):
    """One unit's duty for one period, generated from the plan's obligation definitions; the
    definition, unit and due date are kept as they were when it was generated."""

    definition = models.ForeignKey(
        "agencies.ObligationDefinition",
        on_delete=models.PROTECT,
        related_name="instances",
        verbose_name=_("obligation"),
    )
    unit = models.ForeignKey(
        "agencies.Unit",
        on_delete=models.PROTECT,
        related_name="reporting_obligations",
        verbose_name=_("unit"),
    )
    # A duty a unit owes because it took over the work of one that ended in the period (a
    # former district's yearly report, owed by the communes that succeeded it).
    took_over_from = optional_reference(Unit, _("took over from"))
    year = models.PositiveSmallIntegerField(_("period"))
    due_on = models.DateField(_("due before"), help_text=_("day D of “trước ngày D”"))
    due_at = models.DateTimeField(_("late from"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting obligation")
        verbose_name_plural = _("reporting obligations")
        ordering = ["year", "due_on", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "unit", "year"],
                condition=Q(took_over_from__isnull=True),
                name="one_obligation_per_unit_period",
            ),
            models.UniqueConstraint(
                fields=["definition", "unit", "year", "took_over_from"],
                condition=Q(took_over_from__isnull=False),
                name="one_taken_over_obligation_per_unit_period",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "definition"]),
            models.Index(
                fields=["due_on"],
                condition=Q(submitted_at__isnull=True),
                name="obligation_outstanding",
            ),
        ]

    def __str__(self) -> str:
        taken_over = f" ({self.took_over_from.name})" if self.took_over_from else ""
        return f"{self.definition.name} {self.year} · {self.unit.name}{taken_over}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:obligation", args=[self.pk])

    def state(self, *, at: dt.datetime) -> ObligationState:
        """On time or late from the submission time; overdue from the due moment."""
        if hasattr(self, "waiver"):
            return ObligationState.WAIVED
        if self.submitted_at is not None:
            if self.submitted_at < self.due_at:
                return ObligationState.ON_TIME
            return ObligationState.LATE
        return ObligationState.OVERDUE if at >= self.due_at else ObligationState.OPEN

    def days_overdue(self, *, on: dt.date) -> int:
        """Whole days since the due day (0 on the due day itself)."""
        return (on - self.due_on).days


class Waiver(models.Model):
    """A DOLISA leader excuses a unit from one period's duty, with a reason (V.2)."""

    obligation = models.OneToOneField(Obligation, on_delete=models.PROTECT, related_name="waiver")
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    created = models.DateTimeField(_("waived"), auto_now_add=True)

    class Meta:
        verbose_name = _("waiver")
        verbose_name_plural = _("waivers")

    def __str__(self) -> str:
        return f"{self.obligation}: {self.reason}"


class Status(models.TextChoices):
    """Legal states of a unit's report; four are ReviewedRecord's (its shared transitions)."""

    DRAFT = ReviewedRecord.DRAFT, _("Draft")
    SUBMITTED = ReviewedRecord.SUBMITTED, _("Awaiting sign-off")
    UNDER_REVIEW = ReviewedRecord.UNDER_REVIEW, _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = ReviewedRecord.RETURNED, _("Returned for revision")
    WAIVED = "waived", _("Waived")


class Report(ReviewedRecord):
    """A unit's report for one obligation: figures, narrative and attachments (V.1, IV.11,
    IV.12); its process is replaced when an accepted report is re-opened."""

    detail_url = "reporting:report"

    obligation = models.OneToOneField(Obligation, on_delete=models.PROTECT, related_name="report")
    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True)
    narrative = models.TextField(_("narrative"), blank=True)
    activities_held = models.PositiveIntegerField(_("activities held"), default=0)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"BC-{self.obligation.year}-{self.pk:06d}"

    @property
    def inbox_summary(self) -> str:
        """One line for the inbox: which duty of which unit."""
        return str(self.obligation)

    # --- state machine: only the door (workflows.core.transitions) calls these ---

    @transition(field=status, source=Status.UNDER_REVIEW, target=Status.ACCEPTED)
    def accept(self) -> None:
        """DOLISA accepts the report: its figures count in the consolidation (IV.1.d)."""

    @transition(field=status, source=Status.ACCEPTED, target=Status.RETURNED)
    def reopen(self) -> None:
        """DOLISA re-opens an accepted report for correction; consolidation re-opens too."""

    @transition(
        field=status, source=[*ReviewedRecord.EDITABLE, Status.SUBMITTED], target=Status.WAIVED
    )
    def waive(self) -> None:
        """A waiver ends a report that never reached review."""


class ReportAttachment(AttachedFile):
    """A document attached to a report (signed scan, annex tables)."""

    record_field, folder = "report", "reports"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")


class ReportResource(models.Model):
    """Resources mobilised from one kind of source: cash and in-kind value, whole VND."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="resources")
    source = models.ForeignKey(
        "agencies.FundingSource", on_delete=models.PROTECT, verbose_name=_("source")
    )
    cash_vnd = models.PositiveBigIntegerField(_("cash (VND)"), default=0)
    in_kind_vnd = models.PositiveBigIntegerField(_("in-kind value (VND)"), default=0)

    class Meta:
        verbose_name = _("resources mobilised")
        verbose_name_plural = _("resources mobilised")
        ordering = ["source__code"]
        constraints = [
            models.UniqueConstraint(fields=["report", "source"], name="one_line_per_source"),
            models.CheckConstraint(
                condition=Q(cash_vnd__gt=0) | Q(in_kind_vnd__gt=0), name="resource_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.code}: {self.cash_vnd} + {self.in_kind_vnd}"


class ReportChildren(models.Model):
    """Children supported in one commune in one support category (IV.1.d)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="children")
    category = models.ForeignKey(
        "agencies.Category", on_delete=models.PROTECT, verbose_name=_("support category")
    )
    commune = models.ForeignKey(
        "agencies.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    children = models.PositiveIntegerField(_("children"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("children supported")
        verbose_name_plural = _("children supported")
        ordering = ["category__position", "commune__name_vi"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "category", "commune"], name="one_line_per_category_commune"
            ),
            models.CheckConstraint(condition=Q(children__gte=1), name="children_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.commune.code}: {self.children}"


class AnnexReview(RoundDecision):
    """A sector department's decision on its sector's annex in one review round (IV.2–4, IV.8)."""

    record_field = "report"

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for revision")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="annex_reviews")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)

    class Meta(RoundDecision.Meta):
        verbose_name = _("annex review")
        verbose_name_plural = _("annex reviews")
        constraints = [one_per_unit_per_round("report", name="one_annex_review_per_unit_per_round")]


class ProvincialStatus(models.TextChoices):
    """Legal states of DOLISA's consolidated report to the PPC (IV.1.đ, V.2)."""

    CONSOLIDATING = "consolidating", _("Being consolidated")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved, sent to the PPC")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the PPC")


class ProvincialReport(ProcessRecord, Timestamped):
    """DOLISA's yearly report to the PPC: figures computed from the accepted unit reports,
    narrative written by a DOLISA officer (IV.1.d–đ, V.2)."""

    # Its own address redirects to the year's consolidation page, which it is shown on.
    detail_url = "reporting:provincial:detail"

    obligation = models.OneToOneField(
        Obligation, on_delete=models.PROTECT, related_name="provincial_report"
    )
    status = FSMField(
        _("status"),
        default=ProvincialStatus.CONSOLIDATING,
        choices=ProvincialStatus.choices,
        protected=True,
    )
    narrative = models.TextField(_("narrative"), blank=True)
    figures = models.JSONField(
        _("figures"), default=dict, blank=True, help_text=_("computed when submitted")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("provincial report")
        verbose_name_plural = _("provincial reports")
        ordering = ["-obligation__year"]

    def __str__(self) -> str:
        return f"BC-TINH-{self.obligation.year}"

    @property
    def inbox_summary(self) -> str:
        return str(self.obligation)

    @transition(
        field=status, source=ProvincialStatus.CONSOLIDATING, target=ProvincialStatus.SUBMITTED
    )
    def submit(self, *, figures: dict) -> None:
        """The DOLISA officer sends the consolidation, with the figures as computed now."""
        self.figures = figures

    @transition(
        field=status, source=ProvincialStatus.SUBMITTED, target=ProvincialStatus.CONSOLIDATING
    )
    def return_for_revision(self) -> None:
        """The DOLISA leader sends the consolidation back to the officer."""

    @transition(field=status, source=ProvincialStatus.SUBMITTED, target=ProvincialStatus.APPROVED)
    def approve(self) -> None:
        """The DOLISA leader approves: the report goes to the PPC (IV.1.đ)."""

    @transition(
        field=status, source=ProvincialStatus.APPROVED, target=ProvincialStatus.ACKNOWLEDGED
    )
    def acknowledge(self) -> None:
        """The PPC's leader acknowledges receipt (V.2)."""

    @transition(
        field=status,
        source=[
            ProvincialStatus.SUBMITTED,
            ProvincialStatus.APPROVED,
            ProvincialStatus.ACKNOWLEDGED,
        ],
        target=ProvincialStatus.CONSOLIDATING,
    )
    def reopen(self) -> None:
        """A unit report it counted was re-opened: its figures must be consolidated again."""
