"""A commendation proposal: who is proposed, for what contribution, and the PPC's decision
(II.5: "kịp thời động viên, biểu dương, khen thưởng"; IV.1.đ: DOLISA proposes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from agencies.models import Plan
from workflows.core.models import ProcessRecord, Timestamped

# The process name of the commendation rows in the responsibility matrix (plan data).
PROCESS = "commendation"


class NomineeKind(models.TextChoices):
    """Who II.5 names: agencies, organisations, businesses and individuals."""

    AGENCY = "agency", _("Agency")
    ORGANISATION = "organisation", _("Organisation")
    BUSINESS = "business", _("Business")
    INDIVIDUAL = "individual", _("Individual")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Awaiting the PPC's decision")
    RETURNED = "returned", _("Returned for revision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


EDITABLE = (Status.DRAFT, Status.RETURNED)


class Commendation(ProcessRecord, Timestamped):
    """One proposal to praise or reward a contributor of one year, and what became of it."""

    detail_url = "commendations:detail"

    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True)
    year = models.PositiveSmallIntegerField(_("year"))
    nominee_name = models.CharField(_("nominee"), max_length=255)
    nominee_kind = models.CharField(_("kind of nominee"), max_length=20, choices=NomineeKind)
    contribution = models.TextField(
        _("contribution"), help_text=_("what the nominee gave or mobilised for children")
    )
    value_vnd = models.PositiveBigIntegerField(
        _("value (VND)"), default=0, help_text=_("value of the contribution, 0 if not counted")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision_number = models.CharField(
        _("decision number"), max_length=64, blank=True, help_text=_("e.g. 123/QĐ-UBND")
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-year", "-created"]

    def __str__(self) -> str:
        return f"KT-{self.year}-{self.pk:04d}"

    @property
    def inbox_summary(self) -> str:
        return self.nominee_name

    @property
    def plans(self) -> list[Plan]:
        """The plans of its year (a commendation answers a year's work, not one plan's row)."""
        return list(Plan.objects.filter(period_start__lte=self.year, period_end__gte=self.year))

    @transition(field=status, source=list(EDITABLE), target=Status.PROPOSED)
    def propose(self) -> None:
        """DOLISA sends the proposal to the PPC (IV.1.đ)."""

    @transition(field=status, source=Status.PROPOSED, target=Status.RETURNED)
    def return_for_revision(self) -> None:
        """The PPC's leader sends it back to DOLISA with a reason."""

    @transition(field=status, source=Status.PROPOSED, target=Status.APPROVED)
    def approve(self, *, number: str, day) -> None:
        """The PPC's leader decides to commend, by a numbered decision (II.5)."""
        self.decision_number, self.decision_date = number, day

    @transition(field=status, source=Status.PROPOSED, target=Status.REJECTED)
    def reject(self) -> None:
        """The PPC's leader declines, with a reason."""

    @transition(field=status, source=list(EDITABLE), target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        """DOLISA drops a proposal it has not sent, or one sent back to it."""
