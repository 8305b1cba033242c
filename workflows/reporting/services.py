"""Writes of the reporting regime, each through the door as actions.py declares (IV.1.d–đ, V)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Category, FundingSource, ObligationDefinition, Unit
from agencies.selectors import plan_area, successors_of, today
from workflows.core.attachments import Uploads, attach
from workflows.core.bounds import (
    MAX_COUNT,
    MAX_LINES,
    MAX_VND,
    grouped,
    out_of_range,
    too_many_lines,
)
from workflows.core.errors import Conflict, PermissionDenied, RuleViolation
from workflows.core.transitions import Door, StepContext, lock_process, start

from .models import (
    AnnexReview,
    Obligation,
    ProvincialReport,
    ProvincialStatus,
    Report,
    ReportAttachment,
    ReportChildren,
    ReportResource,
    Waiver,
    due_moment,
)
from .selectors import (
    PROVINCIAL_REPORT_RULE,
    UNIT_REPORT_RULE,
    communes,
    consolidation_gaps,
    is_named_by_rule,
    places_of,
    provincial_figures,
    provincial_obligation,
    provincial_report,
)

REPORT = Door(Report)
PROVINCIAL = Door(ProvincialReport)

# --- obligations --------------------------------------------------------------------------


@transaction.atomic
def generate_obligations() -> int:
    """Create each unit's duty for each period the plan data names, once, up to the end of next
    year: a second run creates nothing, and a unit that no longer exists on a due day gets no
    new duty but keeps its old ones (IV.12.a–b, V.1, IV.1.đ). Returns how many were created."""
    horizon = dt.date(today().year + 1, 12, 31)
    created = 0
    definitions = ObligationDefinition.objects.select_related("plan").prefetch_related(
        "units", "excluded_units"
    )
    areas: dict[int, set[int] | None] = {}
    for definition in definitions:
        if definition.plan_id not in areas:
            areas[definition.plan_id] = plan_area(definition.plan)
        area = areas[definition.plan_id]
        periods = _periods(definition)
        named_units = list(definition.units.all())
        excluded = [unit.pk for unit in definition.excluded_units.all()]
        existing = set(
            Obligation.objects.filter(definition=definition).values_list(
                "unit_id", "year", "took_over_from_id"
            )
        )
        rows = []
        for year in periods:
            due_on = definition.due_before(year)
            if due_on > horizon:
                break
            # A named unit that has ended passes the duty to its successor for it (the plan's
            # successions: DOLISA's provincial report to Sở Y tế, then to Khánh Hòa's).
            named = {
                holder.pk
                for unit in named_units
                for holder in successors_of(unit, on=due_on, duty=definition.code)
            }
            units = Unit.objects.valid_on(due_on).exclude(pk__in=excluded)
            if named_units:
                units = units.filter(pk__in=named)
            else:  # a kind-wide duty is owed within the plan's provinces only
                units = units.filter(kind__in=definition.unit_kinds)
                units = units if area is None else units.filter(pk__in=area)
            owing: list[tuple[int, int | None]] = [
                (unit_id, None) for unit_id in units.values_list("pk", flat=True)
            ]
            if not named_units:
                owing += _taken_over(
                    definition, year=year, due_on=due_on, excluded=excluded, area=area
                )
            rows += [
                Obligation(
                    definition=definition,
                    unit_id=unit_id,
                    took_over_from_id=predecessor_id,
                    year=year,
                    due_on=due_on,
                    due_at=due_moment(due_on),
                )
                for unit_id, predecessor_id in owing
                if (unit_id, year, predecessor_id) not in existing
            ]
        Obligation.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
    return created


def _taken_over(
    definition: ObligationDefinition,
    *,
    year: int,
    due_on: dt.date,
    excluded: list[int],
    area: set[int] | None,
) -> list[tuple[int, int]]:
    """(successor, predecessor) for each unit of the duty's kinds that existed in the year but
    ended before the due day: its successors for the duty owe the year's work in its stead
    (a former district's 2025 report, owed by the new communes from 01/07/2025)."""
    ended = Unit.objects.filter(
        kind__in=definition.unit_kinds,
        valid_from__lte=due_on,
        valid_to__gte=dt.date(year, 1, 1),
        valid_to__lt=due_on,
    ).exclude(pk__in=excluded)
    if area is not None:
        ended = ended.filter(pk__in=area)
    return [
        (holder.pk, unit.pk)
        for unit in ended
        for holder in successors_of(unit, on=due_on, duty=definition.code)
        if holder.pk not in excluded
    ]


def _periods(definition: ObligationDefinition) -> Iterable[int]:
    """The years a definition owes a duty for: its due date's for a once duty, first to last for
    a yearly one (both set by agencies.planfile; a row without them is refused here)."""
    if definition.recurrence == ObligationDefinition.Recurrence.ONCE:
        return [definition.due_before().year]
    if definition.first_year is None or definition.last_year is None:
        raise ValueError(f"yearly duty {definition.code} needs a first year and a last year")
    return range(definition.first_year, definition.last_year + 1)


def _record_submission(obligation_id: int) -> None:
    """The first submission is kept: on time or late is derived from it (V.1)."""
    Obligation.objects.filter(pk=obligation_id, submitted_at__isnull=True).update(
        submitted_at=timezone.now()
    )


def _lock_waivable(obligation: Obligation, *, report: Report | None) -> None:
    """A duty is waived once, before its consolidation or report moves on, under its lock (V.2)."""
    Obligation.objects.select_for_update().filter(pk=obligation.pk).get()
    if Waiver.objects.filter(obligation=obligation).exists():
        raise Conflict(_("This obligation has already been waived."))
    if ProvincialReport.objects.filter(obligation=obligation).exists():
        raise Conflict(_("The consolidation is open: this report can no longer be waived."))
    if report is None and Report.objects.filter(obligation=obligation).exists():
        raise Conflict(_("Someone else changed this record at the same time."))


@transaction.atomic
def waive_obligation(*, user, obligation_id: int, reason: str) -> Waiver:
    """A unit excused from a period's duty, with a reason, ends the report it began (V.2)."""
    obligation = Obligation.objects.select_related("unit").get(pk=obligation_id)
    report = Report.objects.filter(obligation=obligation).first()
    if report is not None:
        REPORT.outside(
            report,
            user,
            "waive",
            subject_unit=obligation.unit,
            apply=lambda report, ctx: _lock_waivable(obligation, report=report),
            comment=reason,
            then="cancel",
        )

    def excuse(duty: Obligation, ctx: StepContext) -> None:
        if report is None:
            _lock_waivable(duty, report=None)
        duty.refresh_from_db()  # under the lock: the duty is saved as it is now
        Waiver.objects.create(obligation=duty, waived_by=ctx.user, reason=ctx.comment)

    REPORT.outside(
        obligation, user, "waive", subject_unit=obligation.unit, apply=excuse, comment=reason
    )
    return Waiver.objects.get(obligation_id=obligation_id)


def waive_report(*, user, report_id: int, reason: str) -> Waiver:
    """The report page's waiver excuses the duty the report answers (V.2)."""
    obligation_id = Report.objects.values_list("obligation_id", flat=True).get(pk=report_id)
    return waive_obligation(user=user, obligation_id=obligation_id, reason=reason)


# --- unit reports -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceLine:
    """Resources mobilised from one kind of source, whole VND."""

    source: FundingSource
    cash_vnd: int = 0
    in_kind_vnd: int = 0


@dataclass(frozen=True)
class ChildrenLine:
    """Children supported in one commune in one category."""

    category: Category
    commune: Unit
    children: int


@dataclass(frozen=True)
class ReportInput:
    """What a unit's officer enters; totals are computed from the lines, never typed."""

    narrative: str = ""
    activities_held: int = 0
    resources: Sequence[ResourceLine] = ()
    children: Sequence[ChildrenLine] = ()


def validate_report(data: ReportInput, *, unit: Unit) -> None:
    """Figures are checked all at once, children where the unit may count them (IV.1.d, IV.12.b)."""
    errors: dict[str, list[str]] = {}
    if data.activities_held < 0:
        errors.setdefault("activities_held", []).append(
            _("The number of activities cannot be negative.")
        )
    elif problem := out_of_range(data.activities_held, high=MAX_COUNT):
        errors.setdefault("activities_held", []).append(problem)
    for field, lines in (("resources", data.resources), ("children", data.children)):
        if len(lines) > MAX_LINES:
            errors.setdefault(field, []).append(too_many_lines())
    sources = [line.source.pk for line in data.resources]
    if len(sources) != len(set(sources)):
        errors.setdefault("resources", []).append(_("Give each source on one line."))
    for resource in data.resources:
        cash, in_kind = resource.cash_vnd, resource.in_kind_vnd
        if cash < 0 or in_kind < 0 or cash + in_kind == 0:
            errors.setdefault("resources", []).append(
                _("Each source needs a cash or in-kind amount greater than zero.")
            )
    # Each total of the report is one amount (bounds.MAX_VND), so a line is too.
    cash_total = sum(line.cash_vnd for line in data.resources)
    in_kind_total = sum(line.in_kind_vnd for line in data.resources)
    if cash_total > MAX_VND or in_kind_total > MAX_VND:
        errors.setdefault("resources", []).append(
            _("The report's cash and its in-kind value are each at most %(max)s VND.")
            % {"max": grouped(MAX_VND)}
        )
    places = [(line.category.pk, line.commune.pk) for line in data.children]
    if len(places) != len(set(places)):
        errors.setdefault("children", []).append(_("Give each category and commune on one line."))
    allowed = set(places_of(unit).values_list("pk", flat=True)) if data.children else set()
    for line in data.children:
        if line.children < 1:
            errors.setdefault("children", []).append(_("Children supported must be at least 1."))
        elif problem := out_of_range(line.children, low=1, high=MAX_COUNT):
            errors.setdefault("children", []).append(problem)
        if line.commune.pk in allowed:
            continue
        if not communes().filter(pk=line.commune.pk).exists():
            errors.setdefault("children", []).append(
                _("%(unit)s is not a commune.") % {"unit": line.commune.name}
            )
        else:
            errors.setdefault("children", []).append(
                _("%(commune)s is not in %(district)s.")
                % {"commune": line.commune.name, "district": unit.name}
            )
    if errors:
        raise ValidationError(errors)


def _write_figures(report: Report, data: ReportInput) -> None:
    report.narrative = data.narrative.strip()
    report.activities_held = data.activities_held
    report.resources.all().delete()
    ReportResource.objects.bulk_create(
        ReportResource(
            report=report, source=x.source, cash_vnd=x.cash_vnd, in_kind_vnd=x.in_kind_vnd
        )
        for x in data.resources
    )
    report.children.all().delete()
    ReportChildren.objects.bulk_create(
        ReportChildren(report=report, category=x.category, commune=x.commune, children=x.children)
        for x in data.children
    )


@transaction.atomic
def create_report(
    *, user, obligation_id: int, data: ReportInput, attachments: Uploads = ()
) -> Report:
    """A unit's officer starts the report an obligation asks for; the draft waits in their
    inbox (V.1, IV.11, IV.12)."""
    obligation = (
        Obligation.objects.select_for_update()
        .select_related("definition__plan", "unit")
        .get(pk=obligation_id)
    )
    if is_named_by_rule(obligation, PROVINCIAL_REPORT_RULE):
        raise Conflict(_("The provincial report is made by consolidation, not drafted."))
    actor = REPORT.may_start(user, subject_unit=obligation.unit)
    if Waiver.objects.filter(obligation=obligation).exists():
        raise Conflict(_("This obligation has been waived."))
    if Report.objects.filter(obligation=obligation).exists():
        raise Conflict(_("A report for this obligation has already been started."))
    validate_report(data, unit=obligation.unit)
    report = Report.objects.create(obligation=obligation, drafted_by=user)
    _write_figures(report, data)
    report.save()
    attach(ReportAttachment, attachments, user=user, report=report)
    start(record=report, user=user, actor=actor)
    return report


def update_draft(
    *, user, report_id: int, data: ReportInput, attachments: Uploads = (), comment: str = ""
) -> Report:
    """The officer holding the draft edits it; the change is audited, status unchanged."""

    def change(report: Report) -> None:
        validate_report(data, unit=report.obligation.unit)
        _write_figures(report, data)
        attach(ReportAttachment, attachments, user=user, report=report)

    return REPORT.edit(report_id, user, change, comment=comment)


def submit(*, user, report_id: int, comment: str = "") -> Report:
    """The drafting officer sends the report to the unit's leader."""

    def apply(report: Report, ctx: StepContext) -> None:
        if not report.narrative:
            raise ValidationError({"narrative": _("Write the narrative before submitting.")})

    return REPORT.perform(report_id, user, "submit", apply=apply, comment=comment)


def sign_off(*, user, report_id: int, comment: str = "") -> Report:
    """The unit's leader signs off and the report reaches DOLISA: the first sign-off is the
    submission time that on time or late is derived from (V.1)."""

    def apply(report: Report, ctx: StepContext) -> dict:
        if report.drafted_by_id == user.pk:
            raise PermissionDenied(_("The officer who drafted a report cannot sign it off."))
        _record_submission(report.obligation_id)
        return {"by": user}

    return REPORT.perform(report_id, user, "sign_off", apply=apply, comment=comment)


def _record_annex_review(report: Report, ctx: StepContext, decision: str, reason: str = ""):
    AnnexReview.objects.create(
        report=report,
        round=report.review_round,
        unit_id=ctx.actor["unit_id"],
        reviewer=ctx.user,
        decision=decision,
        reason=reason,
    )


def return_for_revision(*, user, report_id: int, reason: str) -> Report:
    """Back to the drafter with a reason; a sector's return is kept with its round (IV.2–4, V.2)."""

    def apply(report: Report, ctx: StepContext) -> None:
        if ctx.step == "annex_review":
            _record_annex_review(report, ctx, AnnexReview.Decision.RETURNED, ctx.comment)

    return REPORT.perform(report_id, user, "return", apply=apply, comment=reason)


def accept_annex(*, user, report_id: int, comment: str = "") -> Report:
    """A sector department accepts its sector's annex (IV.2–4, IV.8); DOLISA decides after."""
    return REPORT.perform(
        report_id,
        user,
        "accept_annex",
        apply=lambda report, ctx: _record_annex_review(
            report, ctx, AnnexReview.Decision.ACCEPTED, comment.strip()
        ),
        comment=comment,
    )


def accept(*, user, report_id: int, comment: str = "") -> Report:
    """DOLISA accepts the report; its figures now count for the province (IV.1.d, V.2)."""
    return REPORT.perform(report_id, user, "accept", comment=comment)


@transaction.atomic
def reopen(*, user, report_id: int, reason: str) -> Report:
    """An accepted report corrected restarts, and so does the consolidation it counted in (V.2)."""
    report = Report.objects.select_related("obligation__unit", "obligation__definition__plan").get(
        pk=report_id
    )
    obligation = report.obligation
    REPORT.outside(
        report, user, "reopen", subject_unit=obligation.unit, comment=reason, then="restart"
    )
    if is_named_by_rule(obligation, UNIT_REPORT_RULE):
        provincial = provincial_report(year=obligation.year, plan=obligation.definition.plan)
        if provincial is not None and provincial.process_id is not None:
            lock_process(provincial.process_id)  # its state is read under the door's lock
            provincial.refresh_from_db()
            if provincial.status != ProvincialStatus.CONSOLIDATING:  # else read live anyway
                reopen_consolidation(
                    user=user,
                    provincial_id=provincial.pk,
                    reason=_("%(report)s of %(unit)s was re-opened.")
                    % {"report": report, "unit": obligation.unit.name},
                )
    return report


# --- consolidation --------------------------------------------------------------------------


@transaction.atomic
def open_consolidation(*, user, year: int) -> ProvincialReport:
    """A DOLISA officer opens the year's provincial report; figures are computed, never typed
    (IV.1.d)."""
    obligation = provincial_obligation(year=year)
    if obligation is None:
        raise Conflict(_("The plan asks for no provincial report for %(year)s.") % {"year": year})
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    actor = PROVINCIAL.may_start(user, subject_unit=obligation.unit)
    if Waiver.objects.filter(obligation=obligation).exists():
        raise Conflict(_("This obligation has been waived."))
    if ProvincialReport.objects.filter(obligation=obligation).exists():
        raise Conflict(_("The consolidation for %(year)s is already open.") % {"year": year})
    provincial = ProvincialReport.objects.create(obligation=obligation, opened_by=user)
    start(record=provincial, user=user, actor=actor, action="open")
    return provincial


def update_consolidation(*, user, provincial_id: int, narrative: str) -> ProvincialReport:
    """The DOLISA officer holding the consolidation writes the narrative."""
    return PROVINCIAL.edit(
        provincial_id, user, lambda provincial: setattr(provincial, "narrative", narrative.strip())
    )


def _require_complete(provincial: ProvincialReport) -> None:
    """DHIS2's bottom-up rule: every expected unit report is accepted or waived (V.1)."""
    obligation = provincial.obligation
    gaps = list(consolidation_gaps(year=obligation.year, plan=obligation.definition.plan))
    if gaps:
        raise RuleViolation(
            ngettext(
                "Clause V.1: %(count)d expected unit report is neither accepted nor waived: "
                "%(units)s.",
                "Clause V.1: %(count)d expected unit reports are neither accepted nor waived: "
                "%(units)s.",
                len(gaps),
            )
            % {"count": len(gaps), "units": ", ".join(o.unit.name for o in gaps)}
        )


def submit_consolidation(*, user, provincial_id: int, comment: str = "") -> ProvincialReport:
    """The DOLISA officer sends the consolidation to the DOLISA leader, with the figures as
    the accepted reports give them now."""

    def apply(provincial: ProvincialReport, ctx: StepContext) -> dict:
        _require_complete(provincial)
        if not provincial.narrative:
            raise ValidationError({"narrative": _("Write the narrative before submitting.")})
        obligation = provincial.obligation
        return {
            "figures": provincial_figures(year=obligation.year, plan=obligation.definition.plan)
        }

    return PROVINCIAL.perform(provincial_id, user, "submit", apply=apply, comment=comment)


def return_consolidation(*, user, provincial_id: int, reason: str) -> ProvincialReport:
    """The DOLISA leader sends the consolidation back to the officer with a reason."""
    return PROVINCIAL.perform(provincial_id, user, "return", comment=reason)


def approve_consolidation(*, user, provincial_id: int, comment: str = "") -> ProvincialReport:
    """The DOLISA leader approves and the report goes to the PPC (IV.1.đ): its submission."""

    def apply(provincial: ProvincialReport, ctx: StepContext) -> None:
        _require_complete(provincial)
        _record_submission(provincial.obligation_id)

    return PROVINCIAL.perform(provincial_id, user, "approve", apply=apply, comment=comment)


def acknowledge(*, user, provincial_id: int, comment: str = "") -> ProvincialReport:
    """The PPC's leader acknowledges the provincial report (V.2)."""
    return PROVINCIAL.perform(provincial_id, user, "acknowledge", comment=comment)


@transaction.atomic
def reopen_consolidation(*, user, provincial_id: int, reason: str) -> ProvincialReport:
    """Changed unit figures send the provincial report back to consolidation (IV.1.d, V.2)."""
    provincial = ProvincialReport.objects.select_related("obligation__unit").get(pk=provincial_id)
    PROVINCIAL.outside(
        provincial,
        user,
        "reopen",
        subject_unit=provincial.obligation.unit,
        comment=reason,
        then="restart",
    )
    return provincial
