"""Writes of the reporting regime (IV.1.d–đ, IV.11, IV.12, V). Every change of state goes
through the transition door (workflows.core.transitions); views, admin and tasks call only
these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.workflow import STATUS

from agencies.models import Category, FundingSource, ObligationDefinition, Unit, UnitKind
from agencies.selectors import today
from workflows.core.attachments import validate_attachment
from workflows.core.errors import Conflict, PermissionDenied, RuleViolation
from workflows.core.nodes import actor_data
from workflows.core.permissions import require_actor
from workflows.core.transitions import (
    StepContext,
    edit_in_step,
    lock_process,
    perform,
    record_event,
    require_reason,
    transition_errors,
)

from .flows import ConsolidationFlow, ReportFlow
from .models import (
    PROCESS,
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
    PROVINCIAL_REPORT,
    UNIT_REPORT,
    consolidation_gaps,
    provincial_figures,
    provincial_obligation,
    provincial_report,
)

# --- obligations --------------------------------------------------------------------------


@transaction.atomic
def generate_obligations() -> int:
    """Create each unit's duty for each period the plan data names, once, up to the end of next
    year: a second run creates nothing, and a unit that no longer exists on a due day gets no
    new duty but keeps its old ones (IV.12.a–b, V.1, IV.1.đ). Returns how many were created."""
    horizon = dt.date(today().year + 1, 12, 31)
    created = 0
    definitions = ObligationDefinition.objects.prefetch_related("units", "excluded_units")
    for definition in definitions:
        if definition.recurrence == ObligationDefinition.Recurrence.ONCE:
            periods = [definition.due_date.year]
        else:
            periods = range(definition.first_year, definition.last_year + 1)
        named = [unit.pk for unit in definition.units.all()]
        excluded = [unit.pk for unit in definition.excluded_units.all()]
        existing = set(
            Obligation.objects.filter(definition=definition).values_list("unit_id", "year")
        )
        rows = []
        for year in periods:
            due_on = definition.due_before(year)
            if due_on > horizon:
                break
            units = Unit.objects.valid_on(due_on).exclude(pk__in=excluded)
            units = (
                units.filter(pk__in=named)
                if named
                else units.filter(kind__in=definition.unit_kinds)
            )
            rows += [
                Obligation(
                    definition=definition,
                    unit_id=unit_id,
                    year=year,
                    due_on=due_on,
                    due_at=due_moment(due_on),
                )
                for unit_id in units.values_list("pk", flat=True)
                if (unit_id, year) not in existing
            ]
        Obligation.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
    return created


def _record_submission(obligation_id: int) -> None:
    """The first submission is kept: on time or late is derived from it (V.1)."""
    Obligation.objects.filter(pk=obligation_id, submitted_at__isnull=True).update(
        submitted_at=timezone.now()
    )


@transaction.atomic
def waive(*, user, obligation_id: int, reason: str) -> Waiver:
    """A DOLISA leader excuses a unit from one period's duty with a reason (V.2); a report
    begun but not yet under review ends with it."""
    reason = require_reason(reason)
    obligation = Obligation.objects.select_related("unit").get(pk=obligation_id)
    actor = require_actor(user=user, process=PROCESS, step="waive", subject_unit=obligation.unit)
    report = Report.objects.filter(obligation=obligation).first()
    if report is not None:
        lock_process(report.process_id)  # the process before the record, as the door does
    obligation = Obligation.objects.select_for_update().get(pk=obligation_id)
    if Waiver.objects.filter(obligation=obligation).exists():
        raise Conflict(_("This obligation has already been waived."))
    if ProvincialReport.objects.filter(obligation=obligation).exists():
        raise Conflict(_("The consolidation is open: this report can no longer be waived."))
    if report is None and Report.objects.filter(obligation=obligation).exists():
        raise Conflict(_("Someone else changed this record at the same time."))
    if report is not None:
        report.refresh_from_db()
        from_status = report.status
        with transition_errors(report):
            report.waive()
            report.save()
        ReportFlow.instance.cancel(report.process)
        record_event(
            subject=report,
            action="waive",
            user=user,
            process=report.process,
            from_status=from_status,
            to_status=report.status,
            comment=reason,
            actor=actor_data(actor),
        )
    waiver = Waiver.objects.create(obligation=obligation, waived_by=user, reason=reason)
    record_event(
        subject=obligation, action="waive", user=user, comment=reason, actor=actor_data(actor)
    )
    return waiver


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
    """Figure rules, all reported at once: whole VND, no line twice, a district's children
    are in its own communes."""
    errors: dict[str, list[str]] = {}
    if data.activities_held < 0:
        errors.setdefault("activities_held", []).append(
            _("The number of activities cannot be negative.")
        )
    sources = [line.source.pk for line in data.resources]
    if len(sources) != len(set(sources)):
        errors.setdefault("resources", []).append(_("Give each source on one line."))
    for line in data.resources:
        if line.cash_vnd < 0 or line.in_kind_vnd < 0 or line.cash_vnd + line.in_kind_vnd == 0:
            errors.setdefault("resources", []).append(
                _("Each source needs a cash or in-kind amount greater than zero.")
            )
    places = [(line.category.pk, line.commune.pk) for line in data.children]
    if len(places) != len(set(places)):
        errors.setdefault("children", []).append(_("Give each category and commune on one line."))
    for line in data.children:
        if line.children < 1:
            errors.setdefault("children", []).append(_("Children supported must be at least 1."))
        if line.commune.kind != UnitKind.COMMUNE:
            errors.setdefault("children", []).append(
                _("%(unit)s is not a commune.") % {"unit": line.commune.name}
            )
        elif unit.kind == UnitKind.DISTRICT and line.commune.parent_id != unit.pk:
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


def _attach(report: Report, files: Iterable[UploadedFile], *, user) -> None:
    for upload in files:
        validate_attachment(upload)
        ReportAttachment.objects.create(report=report, file=upload, uploaded_by=user)


@transaction.atomic
def create_report(
    *, user, obligation_id: int, data: ReportInput, attachments: Sequence[UploadedFile] = ()
) -> Report:
    """A unit's officer starts the report an obligation asks for; the draft waits in their
    inbox (V.1, IV.11, IV.12)."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation_id)
    if obligation.definition.code == PROVINCIAL_REPORT:
        raise Conflict(_("The provincial report is made by consolidation, not drafted."))
    actor = require_actor(user=user, process=PROCESS, step="draft", subject_unit=obligation.unit)
    if Waiver.objects.filter(obligation=obligation).exists():
        raise Conflict(_("This obligation has been waived."))
    if Report.objects.filter(obligation=obligation).exists():
        raise Conflict(_("A report for this obligation has already been started."))
    validate_report(data, unit=obligation.unit)
    for upload in attachments:
        validate_attachment(upload)
    report = Report.objects.create(obligation=obligation, drafted_by=user)
    _write_figures(report, data)
    report.save()
    _attach(report, attachments, user=user)
    ReportFlow.start.run(report=report)
    record_event(
        subject=report,
        action="create",
        user=user,
        process=report.process,
        to_status=report.status,
        actor=actor_data(actor),
    )
    return report


def update_draft(
    *,
    user,
    report_id: int,
    data: ReportInput,
    attachments: Sequence[UploadedFile] = (),
    comment: str = "",
) -> Report:
    """The officer holding the draft edits it; the change is audited, status unchanged."""

    def change(report: Report) -> None:
        validate_report(data, unit=report.obligation.unit)
        _write_figures(report, data)
        _attach(report, attachments, user=user)

    return edit_in_step(
        model=Report,
        pk=report_id,
        flow_tasks=(ReportFlow.draft,),
        user=user,
        change=change,
        comment=comment,
    )


def submit(*, user, report_id: int, comment: str = "") -> Report:
    """The drafting officer sends the report to the unit's leader."""

    def apply(report: Report, ctx: StepContext) -> None:
        if not report.narrative:
            raise ValidationError({"narrative": _("Write the narrative before submitting.")})
        report.submit()

    return perform(
        model=Report,
        pk=report_id,
        flow_tasks=(ReportFlow.draft,),
        user=user,
        action="submit",
        apply=apply,
        comment=comment,
    )


def sign_off(*, user, report_id: int, comment: str = "") -> Report:
    """The unit's leader signs off and the report reaches DOLISA: the first sign-off is the
    submission time that on time or late is derived from (V.1)."""

    def apply(report: Report, ctx: StepContext) -> None:
        if report.drafted_by_id == user.pk:
            raise PermissionDenied(_("The officer who drafted a report cannot sign it off."))
        report.sign_off(by=user)
        _record_submission(report.obligation_id)

    return perform(
        model=Report,
        pk=report_id,
        flow_tasks=(ReportFlow.sign_off,),
        user=user,
        action="sign_off",
        apply=apply,
        comment=comment,
    )


RETURN_STEPS = {
    "sign_off": (ReportFlow.sign_off,),
    "annex_review": (ReportFlow.annex_review,),
    "review": (ReportFlow.review,),
}


def _record_annex_review(report: Report, ctx: StepContext, decision: str, reason: str = ""):
    AnnexReview.objects.create(
        report=report,
        round=report.review_round,
        unit_id=ctx.actor["unit_id"],
        reviewer=ctx.user,
        decision=decision,
        reason=reason,
    )


def return_for_revision(*, user, report_id: int, step: str, reason: str) -> Report:
    """Back to the drafter's inbox with a reason: by the unit's leader, a sector reviewer or
    DOLISA."""
    reason = require_reason(reason)
    if step not in RETURN_STEPS:
        raise ValidationError({"step": _("Unknown step.")})

    def apply(report: Report, ctx: StepContext) -> None:
        if step == "annex_review":
            _record_annex_review(report, ctx, AnnexReview.Decision.RETURNED, reason)
        report.return_for_revision()

    return perform(
        model=Report,
        pk=report_id,
        flow_tasks=RETURN_STEPS[step],
        user=user,
        action="return",
        apply=apply,
        comment=reason,
    )


def accept_annex(*, user, report_id: int, comment: str = "") -> Report:
    """A sector department accepts its sector's annex (IV.2–4, IV.8); DOLISA decides after."""
    return perform(
        model=Report,
        pk=report_id,
        flow_tasks=(ReportFlow.annex_review,),
        user=user,
        action="accept_annex",
        apply=lambda report, ctx: _record_annex_review(
            report, ctx, AnnexReview.Decision.ACCEPTED, comment.strip()
        ),
        comment=comment,
    )


def accept(*, user, report_id: int, comment: str = "") -> Report:
    """DOLISA accepts the report; its figures now count for the province (IV.1.d, V.2)."""
    return perform(
        model=Report,
        pk=report_id,
        flow_tasks=(ReportFlow.review,),
        user=user,
        action="accept",
        apply=lambda report, ctx: report.accept(),
        comment=comment,
    )


@transaction.atomic
def reopen(*, user, report_id: int, reason: str) -> Report:
    """DOLISA re-opens an accepted report for correction: it goes back to the drafter, and the
    year's consolidation re-opens because its figures change."""
    reason = require_reason(reason)
    lock_process(Report.objects.values_list("process_id", flat=True).get(pk=report_id))
    report = Report.objects.select_related("obligation__unit").get(pk=report_id)
    actor = require_actor(
        user=user, process=PROCESS, step="review", subject_unit=report.obligation.unit
    )
    from_status = report.status
    with transition_errors(report):
        report.reopen()
        report.save()
    ReportFlow.start.run(report=report)
    record_event(
        subject=report,
        action="reopen",
        user=user,
        process=report.process,
        from_status=from_status,
        to_status=report.status,
        comment=reason,
        actor=actor_data(actor),
    )
    if report.obligation.definition.code == UNIT_REPORT:
        _reopen_consolidation(year=report.obligation.year, report=report, user=user, actor=actor)
    return report


def _reopen_consolidation(*, year: int, report: Report, user, actor) -> None:
    provincial = provincial_report(year=year)
    if provincial is None:
        return
    process = lock_process(provincial.process_id)
    provincial.refresh_from_db()
    if provincial.status == ProvincialStatus.CONSOLIDATING:
        return  # its figures are read live until it is submitted
    if process.status != STATUS.DONE:
        ConsolidationFlow.instance.cancel(process)
    from_status = provincial.status
    with transition_errors(provincial):
        provincial.reopen()
        provincial.save()
    ConsolidationFlow.start.run(provincial=provincial)
    record_event(
        subject=provincial,
        action="reopen",
        user=user,
        process=provincial.process,
        from_status=from_status,
        to_status=provincial.status,
        comment=_("%(report)s of %(unit)s was re-opened.")
        % {"report": report, "unit": report.obligation.unit.name},
        actor=actor_data(actor),
    )


# --- consolidation --------------------------------------------------------------------------


@transaction.atomic
def open_consolidation(*, user, year: int) -> ProvincialReport:
    """A DOLISA officer opens the year's provincial report; figures are computed, never typed
    (IV.1.d)."""
    obligation = provincial_obligation(year=year)
    if obligation is None:
        raise Conflict(_("The plan asks for no provincial report for %(year)s.") % {"year": year})
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    actor = require_actor(
        user=user, process=PROCESS, step="consolidate", subject_unit=obligation.unit
    )
    if Waiver.objects.filter(obligation=obligation).exists():
        raise Conflict(_("This obligation has been waived."))
    if ProvincialReport.objects.filter(obligation=obligation).exists():
        raise Conflict(_("The consolidation for %(year)s is already open.") % {"year": year})
    provincial = ProvincialReport.objects.create(obligation=obligation, opened_by=user)
    ConsolidationFlow.start.run(provincial=provincial)
    record_event(
        subject=provincial,
        action="open",
        user=user,
        process=provincial.process,
        to_status=provincial.status,
        actor=actor_data(actor),
    )
    return provincial


def update_consolidation(*, user, provincial_id: int, narrative: str) -> ProvincialReport:
    """The DOLISA officer holding the consolidation writes the narrative."""
    return edit_in_step(
        model=ProvincialReport,
        pk=provincial_id,
        flow_tasks=(ConsolidationFlow.consolidate,),
        user=user,
        change=lambda provincial: setattr(provincial, "narrative", narrative.strip()),
    )


def _require_complete(provincial: ProvincialReport) -> None:
    """DHIS2's bottom-up rule: every expected unit report is accepted or waived (V.1)."""
    gaps = list(consolidation_gaps(year=provincial.obligation.year))
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

    def apply(provincial: ProvincialReport, ctx: StepContext) -> None:
        _require_complete(provincial)
        if not provincial.narrative:
            raise ValidationError({"narrative": _("Write the narrative before submitting.")})
        provincial.submit(figures=provincial_figures(year=provincial.obligation.year))

    return perform(
        model=ProvincialReport,
        pk=provincial_id,
        flow_tasks=(ConsolidationFlow.consolidate,),
        user=user,
        action="submit",
        apply=apply,
        comment=comment,
    )


def return_consolidation(*, user, provincial_id: int, reason: str) -> ProvincialReport:
    """The DOLISA leader sends the consolidation back to the officer with a reason."""
    reason = require_reason(reason)
    return perform(
        model=ProvincialReport,
        pk=provincial_id,
        flow_tasks=(ConsolidationFlow.approve,),
        user=user,
        action="return",
        apply=lambda provincial, ctx: provincial.return_for_revision(),
        comment=reason,
    )


def approve_consolidation(*, user, provincial_id: int, comment: str = "") -> ProvincialReport:
    """The DOLISA leader approves and the report goes to the PPC (IV.1.đ): its submission."""

    def apply(provincial: ProvincialReport, ctx: StepContext) -> None:
        _require_complete(provincial)
        provincial.approve()
        _record_submission(provincial.obligation_id)

    return perform(
        model=ProvincialReport,
        pk=provincial_id,
        flow_tasks=(ConsolidationFlow.approve,),
        user=user,
        action="approve",
        apply=apply,
        comment=comment,
    )


def acknowledge(*, user, provincial_id: int, comment: str = "") -> ProvincialReport:
    """The PPC's leader acknowledges the provincial report (V.2)."""
    return perform(
        model=ProvincialReport,
        pk=provincial_id,
        flow_tasks=(ConsolidationFlow.acknowledge,),
        user=user,
        action="acknowledge",
        apply=lambda provincial, ctx: provincial.acknowledge(),
        comment=comment,
    )
