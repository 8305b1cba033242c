"""Thin views of the reporting pages: parse the form, call one service or selector, render;
refusals become 403/409."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from agencies.models import Unit, UnitKind
from workflows.core.forms import CommentForm, ReasonForm
from workflows.core.notifications import mark_read
from workflows.core.selectors import notifications_for, open_tasks, with_actors
from workflows.core.timeline import timeline_for
from workflows.core.views import act, door_errors, errors_into, step_actions

from . import forms, selectors, services
from .flows import ConsolidationFlow, ReportFlow
from .models import ObligationState, ProvincialStatus, Status

ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "open": gettext_lazy("Opened"),
    "edit": gettext_lazy("Edited"),
    "submit": gettext_lazy("Submit"),
    "sign_off": gettext_lazy("Sign off and send to DOLISA"),
    "return": gettext_lazy("Return for revision"),
    "accept_annex": gettext_lazy("Accept the annex"),
    "accept": gettext_lazy("Accept"),
    "reopen": gettext_lazy("Re-open"),
    "waive": gettext_lazy("Waive"),
    "narrative": gettext_lazy("Save the narrative"),
    "approve": gettext_lazy("Approve and send to the PPC"),
    "acknowledge": gettext_lazy("Acknowledge"),
}
# What the holder of each step may do; a form class per action.
REPORT_ACTIONS = {
    "draft": {"submit": CommentForm},
    "sign_off": {"sign_off": CommentForm, "return": ReasonForm},
    "annex_review": {"accept_annex": CommentForm, "return": ReasonForm},
    "review": {"accept": CommentForm, "return": ReasonForm},
}
CONSOLIDATION_ACTIONS = {
    "consolidate": {"narrative": forms.NarrativeForm, "submit": CommentForm},
    "approve": {"approve": CommentForm, "return": ReasonForm},
    "acknowledge": {"acknowledge": CommentForm},
}


def _action_forms(table: dict) -> dict:
    """Every action of a step table with its form class."""
    return {name: cls for actions in table.values() for name, cls in actions.items()}


def _visible_obligation(user, pk: int):
    if not selectors.obligations_visible_to(user).filter(pk=pk).exists():
        raise Http404
    return selectors.obligation_detail(pk)


# --- the officer's duties and reports ---------------------------------------------------


def _rows(obligations) -> list[dict]:
    """Duties with their state derived now."""
    now = timezone.now()
    return [{"obligation": o, "state": o.state(at=now)} for o in obligations]


@login_required
def obligation_list(request):
    """The duties of the user's units, with what to do next."""
    rows = _rows(selectors.my_obligations(request.user))
    return render(request, "reporting/obligations.html", {"rows": rows})


def _obligation_page(request, obligation, *, waive_form=None, status=200):
    context = {
        "obligation": obligation,
        "state": obligation.state(at=timezone.now()),
        "notices": selectors.notices_for(obligation),
        "timeline": timeline_for(obligation),
        "action_labels": ACTION_LABELS,
        "status_labels": dict(ObligationState.choices),
        "may_waive": selectors.waivable(obligation)
        and selectors.may_act(request.user, step="waive", unit=obligation.unit),
        "waive_form": waive_form or ReasonForm(prefix="waive"),
    }
    return render(request, "reporting/obligation.html", context, status=status)


@login_required
def obligation_detail(request, pk: int):
    return _obligation_page(request, _visible_obligation(request.user, pk))


@login_required
@require_POST
@door_errors
def obligation_waive(request, pk: int):
    obligation = _visible_obligation(request.user, pk)
    return act(
        request,
        labels=ACTION_LABELS,
        action="waive",
        form_class=ReasonForm,
        run=lambda data: services.waive(user=request.user, obligation_id=pk, reason=data["reason"]),
        done=obligation,
        failed=lambda form: _obligation_page(request, obligation, waive_form=form, status=400),
    )


def _report_form(request, *, obligation, report=None):
    """Start (report is None) or edit a draft: narrative, figures, attachments."""
    initial, resources_initial, children_initial = (
        forms.report_initial(report) if report else ({}, None, None)
    )
    form = forms.ReportForm(request.POST or None, request.FILES or None, initial=initial)
    resources = forms.ResourceFormSet(
        request.POST or None, prefix="resources", initial=resources_initial
    )
    children = forms.ChildrenFormSet(
        request.POST or None,
        prefix="children",
        initial=children_initial,
        form_kwargs={"unit": obligation.unit},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and resources.is_valid()
        and children.is_valid()
    ):
        data = forms.report_input(form, resources, children)
        files = form.cleaned_data["attachments"]
        try:
            if report is None:
                report = services.create_report(
                    user=request.user, obligation_id=obligation.pk, data=data, attachments=files
                )
            else:
                services.update_draft(
                    user=request.user, report_id=report.pk, data=data, attachments=files
                )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Report %(code)s saved.") % {"code": report})
            return redirect(report)
    context = {
        "form": form,
        "resources": resources,
        "children": children,
        "obligation": obligation,
        "report": report,
    }
    return render(
        request, "reporting/form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@door_errors
def report_create(request, pk: int):
    return _report_form(request, obligation=_visible_obligation(request.user, pk))


def _visible_report(user, pk: int):
    report = get_object_or_404(selectors.reports_visible_to(user), pk=pk)
    return selectors.report_detail(report.pk)


@login_required
@door_errors
def report_edit(request, pk: int):
    report = _visible_report(request.user, pk)
    return _report_form(request, obligation=report.obligation, report=report)


def _report_context(request, report, *, bound=None) -> dict:
    task = selectors.task_for(request.user, report)
    step = task.flow_task.name if task else None
    actions = step_actions(step, REPORT_ACTIONS, ACTION_LABELS, bound)
    unit = report.obligation.unit
    if report.status == Status.ACCEPTED and selectors.may_act(
        request.user, step="review", unit=unit
    ):
        actions += step_actions(
            "accepted", {"accepted": {"reopen": ReasonForm}}, ACTION_LABELS, bound
        )
    return {
        "report": report,
        "obligation": report.obligation,
        "step": step,
        "actions": actions,
        "open_tasks": with_actors(open_tasks(report.process_id)) if report.process_id else [],
        "step_labels": ReportFlow.step_labels,
        "timeline": timeline_for(report),
        "action_labels": ACTION_LABELS,
        "status_labels": dict(Status.choices),
    }


@login_required
def report_detail(request, pk: int):
    report = _visible_report(request.user, pk)
    return render(request, "reporting/report.html", _report_context(request, report))


def _run_report_action(action: str, *, user, pk: int, step: str, data: dict):
    """Call the one service behind an action on a unit report."""
    comment = data.get("comment", "")
    if action == "return":
        return services.return_for_revision(
            user=user, report_id=pk, step=step, reason=data["reason"]
        )
    if action == "reopen":
        return services.reopen(user=user, report_id=pk, reason=data["reason"])
    service = {
        "submit": services.submit,
        "sign_off": services.sign_off,
        "accept_annex": services.accept_annex,
        "accept": services.accept,
    }[action]
    return service(user=user, report_id=pk, comment=comment)


@login_required
@require_POST
@door_errors
def report_act(request, pk: int, action: str):
    form_classes = _action_forms(REPORT_ACTIONS) | {"reopen": ReasonForm}
    if action not in form_classes:
        raise Http404
    report = _visible_report(request.user, pk)
    return act(
        request,
        labels=ACTION_LABELS,
        action=action,
        form_class=form_classes[action],
        run=lambda data: _run_report_action(
            action, user=request.user, pk=pk, step=request.POST.get("step", ""), data=data
        ),
        done=report,
        failed=lambda form: render(
            request,
            "reporting/report.html",
            _report_context(request, report, bound=(action, form)),
            status=400,
        ),
    )


# --- consolidation ---------------------------------------------------------------------


def _consolidation_context(request, year: int, *, bound=None) -> dict:
    provincial = selectors.provincial_report(year=year)
    task = selectors.task_for(request.user, provincial) if provincial else None
    step = task.flow_task.name if task else None
    live = provincial is None or provincial.status == ProvincialStatus.CONSOLIDATING
    return {
        "year": year,
        "provincial": provincial,
        "obligation": selectors.provincial_obligation(year=year),
        "figures": selectors.provincial_figures(year=year) if live else provincial.figures,
        "gaps": selectors.consolidation_gaps(year=year),
        "step": step,
        "actions": step_actions(
            step,
            CONSOLIDATION_ACTIONS,
            ACTION_LABELS,
            bound,
            initial={"narrative": {"narrative": provincial.narrative if provincial else ""}},
        ),
        "open_tasks": with_actors(open_tasks(provincial.process_id)) if provincial else [],
        "step_labels": ConsolidationFlow.step_labels,
        "timeline": timeline_for(provincial) if provincial else [],
        "action_labels": ACTION_LABELS,
        "status_labels": dict(ProvincialStatus.choices),
    }


def _require_oversight(user) -> None:
    if not selectors.can_oversee(user):
        raise PermissionDenied


@login_required
def consolidation(request, year: int):
    _require_oversight(request.user)
    return render(request, "reporting/consolidation.html", _consolidation_context(request, year))


@login_required
@require_POST
@door_errors
def consolidation_open(request, year: int):
    services.open_consolidation(user=request.user, year=year)
    return redirect("reporting:consolidation", year=year)


def _run_consolidation_action(action: str, *, user, pk: int, data: dict):
    if action == "narrative":
        return services.update_consolidation(
            user=user, provincial_id=pk, narrative=data["narrative"]
        )
    if action == "return":
        return services.return_consolidation(user=user, provincial_id=pk, reason=data["reason"])
    service = {
        "submit": services.submit_consolidation,
        "approve": services.approve_consolidation,
        "acknowledge": services.acknowledge,
    }[action]
    return service(user=user, provincial_id=pk, comment=data["comment"])


@login_required
@require_POST
@door_errors
def consolidation_act(request, year: int, action: str):
    form_classes = _action_forms(CONSOLIDATION_ACTIONS)
    provincial = selectors.provincial_report(year=year)
    if action not in form_classes or provincial is None:
        raise Http404
    _require_oversight(request.user)
    return act(
        request,
        labels=ACTION_LABELS,
        action=action,
        form_class=form_classes[action],
        run=lambda data: _run_consolidation_action(
            action, user=request.user, pk=provincial.pk, data=data
        ),
        done=provincial,
        failed=lambda form: render(
            request,
            "reporting/consolidation.html",
            _consolidation_context(request, year, bound=(action, form)),
            status=400,
        ),
    )


# --- supervisor dashboard ----------------------------------------------------------------


def _dashboard_filter(request) -> forms.DashboardForm:
    _require_oversight(request.user)
    form = forms.DashboardForm(
        {"year": selectors.latest_reporting_year(), "kind": UnitKind.DISTRICT} | request.GET.dict()
    )
    if not form.is_valid():
        raise Http404
    return form


def _scope(form: forms.DashboardForm) -> dict:
    data = form.cleaned_data
    definition = data["definition"].code if data["definition"] else None
    return {"year": data["year"], "kind": data["kind"], "definition": definition}


@login_required
def dashboard(request):
    """Completeness and timeliness per unit, the overdue list, timeliness per year (V.2)."""
    form = _dashboard_filter(request)
    scope = _scope(form)
    rows, total = selectors.completeness_by_unit(**scope)
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "overdue": selectors.overdue_list(**scope, at=timezone.now()),
            "by_year": selectors.completeness_by_year(
                kind=scope["kind"], definition=scope["definition"]
            ),
            "query": request.GET.urlencode(),
        },
    )


def _export_rows(form: forms.DashboardForm) -> list[list]:
    """The dashboard table as plain rows: the header, one row per unit, the total."""
    rows, total = selectors.completeness_by_unit(**_scope(form))
    header = [
        _("Unit code"),
        _("Unit"),
        _("Expected"),
        _("Submitted"),
        _("On time"),
        _("Late"),
        _("Missing"),
        _("Waived"),
        _("Completeness (%)"),
        _("Timeliness (%)"),
    ]

    def line(code: str, name: str, counts) -> list:
        return [
            code,
            name,
            counts.expected,
            counts.submitted,
            counts.on_time,
            counts.late,
            counts.missing,
            counts.waived,
            counts.completeness_percent,
            counts.timeliness_percent,
        ]

    return [
        header,
        *(line(row.unit.code, row.unit.name, row) for row in rows),
        line("", _("Total"), total),
    ]


def _export_name(form: forms.DashboardForm, extension: str) -> str:
    data = form.cleaned_data
    return f"bao-cao-{data['kind']}-{data['year']}.{extension}"


@login_required
def dashboard_csv(request):
    form = _dashboard_filter(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(form, "csv")}"'
    response.write("\ufeff")  # so that spreadsheet programs read Vietnamese as UTF-8
    csv.writer(response).writerows(_export_rows(form))
    return response


@login_required
def dashboard_xlsx(request):
    form = _dashboard_filter(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(form.cleaned_data["year"])
    for row in _export_rows(form):
        sheet.append(row)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(form, "xlsx")}"'
    workbook.save(response)
    return response


@login_required
def unit_detail(request, code: str):
    """Drill-down: every duty of one unit, each with its report."""
    _require_oversight(request.user)
    unit = get_object_or_404(Unit, code=code)
    rows = _rows(selectors.obligations_of(unit))
    return render(request, "reporting/unit.html", {"unit": unit, "rows": rows})


# --- in-app notifications -----------------------------------------------------------------


@login_required
def notification_list(request):
    return render(
        request,
        "reporting/notifications.html",
        {"notifications": notifications_for(request.user)[:200]},
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    mark_read(user=request.user, notification_id=pk)
    return redirect(notification.url or "reporting:notifications")
