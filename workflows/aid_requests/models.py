"""An aid request for one target commune, one category and one year, and its state machine."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.core.models import (
    AttachedFile,
    ReviewedRecord,
    RoundDecision,
    one_per_unit_per_round,
    optional_reference,
)


class Status(models.TextChoices):
    """Legal states of a request; the first four are ReviewedRecord's (its shared transitions)."""

    DRAFT = ReviewedRecord.DRAFT, _("Draft")
    RETURNED = ReviewedRecord.RETURNED, _("Returned for revision")
    SUBMITTED = ReviewedRecord.SUBMITTED, _("Awaiting district sign-off")
    UNDER_REVIEW = ReviewedRecord.UNDER_REVIEW, _("Under sector review")
    ACCEPTED = "accepted", _("Accepted by sector review")
    CONSOLIDATED = "consolidated", _("Consolidated by DOLISA")
    APPROVED = "approved", _("Approved")
    DELIVERED = "delivered", _("Delivered")
    DELIVERY_RETURNED = "delivery_returned", _("Delivery returned for correction")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Requests that count for the overlap check of clause II.4 ("tránh chồng chéo, trùng lặp").
IN_PIPELINE = (
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.ACCEPTED,
    Status.CONSOLIDATED,
    Status.APPROVED,
    Status.DELIVERED,
    Status.DELIVERY_RETURNED,
    Status.CLOSED,
)


class AidRequestQuerySet(models.QuerySet):
    def overlapping(self, request: AidRequest) -> AidRequestQuerySet:
        """Other requests in the pipeline for the same commune and category whose periods meet."""
        return self.filter(
            commune_id=request.commune_id,
            category_id=request.category_id,
            status__in=IN_PIPELINE,
            period_start__lte=request.period_end,
            period_end__gte=request.period_start,
        ).exclude(pk=request.pk)


class AidRequest(ReviewedRecord):
    """A district's request for support to children of one target commune (IV.12.b)."""

    detail_url = "aid_requests:detail"

    class OverlapResolution(models.TextChoices):
        MERGED = "merged", _("Merged with the other request")
        REDUCED = "reduced", _("Amount reduced to avoid duplication")
        JUSTIFIED = "justified", _("Justified: the support does not duplicate")

    district = models.ForeignKey(
        "agencies.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    commune = models.ForeignKey(
        "agencies.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    category = models.ForeignKey(
        "agencies.Category", on_delete=models.PROTECT, verbose_name=_("support category")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    children_preschool = models.PositiveIntegerField(_("preschool children"), default=0)
    children_primary = models.PositiveIntegerField(_("primary pupils"), default=0)
    children_other = models.PositiveIntegerField(_("other children"), default=0)
    ethnic_breakdown = models.JSONField(_("ethnic breakdown"), default=dict, blank=True)
    justification = models.TextField(_("justification"))

    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True)
    requested_total = models.PositiveBigIntegerField(_("requested (VND)"), default=0)
    assessed_total = models.PositiveBigIntegerField(_("assessed (VND)"), null=True, blank=True)
    funding_source = models.ForeignKey(
        "agencies.FundingSource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("intended funding source"),
    )
    overlap_resolution = models.CharField(
        _("overlap resolution"), max_length=10, choices=OverlapResolution.choices, blank=True
    )
    overlap_note = models.TextField(_("overlap note"), blank=True)
    delivery_due = models.DateField(_("delivery due"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    children_reached = models.PositiveIntegerField(_("children reached"), null=True, blank=True)
    delivery_note = models.TextField(_("delivery note"), blank=True)
    delivery_recorded_by = optional_reference(settings.AUTH_USER_MODEL, _("delivery recorded by"))
    objects = AidRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("aid request")
        verbose_name_plural = _("aid requests")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["commune", "category", "status"]),
            models.Index(fields=["district", "year"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="aid_request_period_order"
            )
        ]

    def __str__(self) -> str:
        return f"YC-{self.year}-{self.pk:06d}"

    @property
    def inbox_summary(self) -> str:
        """One line for the inbox: where and what."""
        return f"{self.commune} · {self.category}"

    @property
    def children_total(self) -> int:
        return self.children_preschool + self.children_primary + self.children_other

    @property
    def amount(self) -> int:
        """The amount decisions are made on: assessed when a reviewer lowered it."""
        return self.assessed_total if self.assessed_total is not None else self.requested_total

    def is_delivery_overdue(self, today: dt.date) -> bool:
        return self.status == Status.APPROVED and self.delivery_due < today

    # --- state machine: only the door (workflows.core.transitions) calls these ---

    @transition(field=status, source=list(ReviewedRecord.EDITABLE), target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        """The drafter withdraws before sign-off."""

    @transition(field=status, source=Status.UNDER_REVIEW, target=Status.ACCEPTED)
    def accept(self, *, assessed_total: int) -> None:
        """Every reviewer of the round accepted; the lowest assessed amount stands."""
        self.assessed_total = assessed_total

    @transition(field=status, source=Status.ACCEPTED, target=Status.CONSOLIDATED)
    def consolidate(self, *, funding_source, resolution: str, note: str, amount: int) -> None:
        """DOLISA places the request in the year's mobilisation plan (II.4)."""
        self.funding_source = funding_source
        self.overlap_resolution = resolution
        self.overlap_note = note
        self.assessed_total = amount

    @transition(field=status, source=Status.CONSOLIDATED, target=Status.APPROVED)
    def approve(self) -> None:
        """DOLISA's leader, or the PPC's above the threshold, approves."""

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED, Status.CONSOLIDATED],
        target=Status.REJECTED,
    )
    def reject(self) -> None:
        """Refused at sign-off, review, consolidation or approval."""

    @transition(
        field=status, source=[Status.APPROVED, Status.DELIVERY_RETURNED], target=Status.DELIVERED
    )
    def record_delivery(
        self, *, delivered_on: dt.date, children_reached: int, note: str, by
    ) -> None:
        """The district records what reached the children (again, after a return)."""
        self.delivered_on = delivered_on
        self.children_reached = children_reached
        self.delivery_note = note
        self.delivery_recorded_by = by

    @transition(field=status, source=Status.DELIVERED, target=Status.DELIVERY_RETURNED)
    def return_delivery(self) -> None:
        """DOLISA sends the delivery record back to be recorded again, with a reason; what was
        recorded and its evidence stay on the request until then."""

    @transition(field=status, source=Status.DELIVERED, target=Status.CLOSED)
    def confirm_delivery(self) -> None:
        """DOLISA confirms the delivery and the request closes (IV.1.d)."""


class AidRequestLine(models.Model):
    """An item asked for: quantity × unit cost in whole VND."""

    request = models.ForeignKey(AidRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.CharField(_("item"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_cost = models.PositiveBigIntegerField(
        _("unit cost (VND)"), validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("line item")
        verbose_name_plural = _("line items")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(unit_cost__gte=1), name="aid_line_positive"
            )
        ]

    def __str__(self) -> str:
        return self.item

    @property
    def total(self) -> int:
        return self.quantity * self.unit_cost


class Review(RoundDecision):
    """One sector reviewer's decision in one review round (IV.2, IV.3, IV.4, IV.8)."""

    record_field = "request"

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for revision")
        REJECTED = "rejected", _("Rejected")

    request = models.ForeignKey(AidRequest, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    assessed_total = models.PositiveBigIntegerField(_("assessed (VND)"), null=True, blank=True)

    class Meta(RoundDecision.Meta):
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [one_per_unit_per_round("request", name="one_review_per_unit_per_round")]


class Attachment(AttachedFile):
    """Needs-assessment documents and delivery evidence."""

    record_field, folder = "request", "aid_requests"

    class Kind(models.TextChoices):
        NEEDS_ASSESSMENT = "needs", _("Needs assessment")
        DELIVERY_EVIDENCE = "evidence", _("Delivery evidence")

    request = models.ForeignKey(AidRequest, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
