"""Thin reporting pages: the declared actions go through the shared action page (V.1–2)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.selectors import today
from workflows.core.bulk import run_each
from workflows.core.filters import list_context
from workflows.core.notifications import mark_read
from workflows.core.selectors import notifications_for
from workflows.core.timeline import timeline_for
from workflows.core.views import (
    door_errors,
    errors_into,
    may_take,
    record_context,
    render_record_form,
    save_record_form,
)

from . import charts, exports, forms, selectors, services
from .actions import CONSOLIDATION, REPORT, WAIVE
from .filters import ObligationFilter
from .models import Obligation, ObligationState, ProvincialStatus


def _visible_obligation(user, pk: int):
    if not selectors.obligations_visible_to(user).filter(pk=pk).exists():
        raise Http404
    return selectors.obligation_detail(pk)


# --- the officer's duties and reports ---------------------------------------------------


def _rows(obligations) -> list[dict]:
    """Duties with their state derived now."""
    now = timezone.now()
    return [{"obligation": o, "state": o.state(at=now)} for o in obligations]


def _waivable_rows(user, rows) -> list[dict]:
    """Rows marked with whether the user may waive their duty; the matrix read once a unit."""
    may: dict[int, bool] = {}
    for row in rows:
        unit = row["obligation"].unit
        if unit.pk not in may:
            may[unit.pk] = selectors.may_act(user, step=WAIVE.matrix_step or "", unit=unit)
        row["waivable"] = may[unit.pk] and selectors.waivable(row["obligation"])
    return rows


def _obligations_page(request, context: dict, *, status: int = 200):
    """The duties of the user's units filtered by the query string (filters.py), each marked
    with whether the user may waive it, with the saved filters and `context`."""
    found = ObligationFilter(
        request.GET, queryset=selectors.my_obligations(request.user), user=request.user
    )
    rows = _waivable_rows(request.user, _rows(found.qs))
    context = list_context(request, found, "obligations") | {"rows": rows} | context
    context.setdefault("waive", WAIVE if any(r["waivable"] for r in rows) else None)
    return render(request, "reporting/obligations.html", context, status=status)


@login_required
def obligation_list(request):
    """The duties of the user's units, with what to do next, and the waiver of several."""
    return _obligations_page(request, {})


@login_required
@require_POST
def obligations_waive(request):
    """Each chosen duty waived through the door in its own transaction: one refusal stops no
    other, and the page says what became of each (V.2)."""
    visible = selectors.obligations_visible_to(request.user)
    ids = [int(v) for v in request.POST.getlist("obligations") if v.isdigit()]
    chosen = {o.pk: o for o in visible.filter(pk__in=ids)}
    form = forms.BulkWaiveForm(request.POST, choices=[(pk, str(o)) for pk, o in chosen.items()])
    if not form.is_valid():
        return _obligations_page(request, {"waive": WAIVE, "bulk_form": form}, status=400)
    reason = form.cleaned_data["reason"]
    results = run_each(
        [chosen[pk] for pk in form.cleaned_data["obligations"]],
        lambda o: services.waive_obligation(user=request.user, obligation_id=o.pk, reason=reason),
    )
    return _obligations_page(request, {"results": results})


def _obligation_page(request, obligation, *, waive_form=None, status=200):
    """A duty with its notices, timeline and the declared waiver for who may give it (V.2)."""
    may_waive = selectors.waivable(obligation) and selectors.may_act(
        request.user, step=WAIVE.matrix_step or "", unit=obligation.unit
    )
    context = {
        "obligation": obligation,
        "state": obligation.state(at=timezone.now()),
        "notices": selectors.notices_for(obligation),
        "timeline": timeline_for(obligation),
        "action_labels": REPORT.action_labels,
        "status_labels": dict(ObligationState.choices),
        "waive": WAIVE if may_waive else None,
        "waive_form": waive_form or forms.WaiveForm(prefix=WAIVE.name),
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
    form = forms.WaiveForm(request.POST, prefix=WAIVE.name)
    if form.is_valid():
        try:
            services.waive_obligation(
                user=request.user, obligation_id=pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": WAIVE.label})
            return redirect(obligation)
    return _obligation_page(request, obligation, waive_form=form, status=400)


def _report_form(request, *, obligation, report=None):
    """Start (report is None) or edit a draft: narrative, figures, attachments."""
    initial, resources_initial, children_initial = (
        forms.report_initial(report) if report else ({}, None, None)
    )
    form = forms.ReportForm(request.POST or None, request.FILES or None, initial=initial)
    resources = forms.ResourceFormSet(
        request.POST or None, prefix="resources", initial=resources_initial
    )
    children = forms.children_formset(
        request.POST or None, unit=obligation.unit, initial=children_initial
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and resources.is_valid()
        and children.is_valid()
    ):
        data = forms.report_input(form, resources, children)
        files = form.cleaned_data["attachments"]
        done = save_record_form(
            request,
            form,
            record=report,
            create=lambda: services.create_report(
                user=request.user, obligation_id=obligation.pk, data=data, attachments=files
            ),
            update=lambda report: services.update_draft(
                user=request.user, report_id=report.pk, data=data, attachments=files
            ),
            saved=_("Report %(code)s saved."),
        )
        if done is not None:
            return done
    context = {
        "form": form,
        "resources": resources,
        "children": children,
        "obligation": obligation,
        "report": report,
    }
    return render_record_form(request, "reporting/form.html", context, record=report)


@login_required
@door_errors
def report_create(request, pk: int):
    return _report_form(request, obligation=_visible_obligation(request.user, pk))


def _visible_report(user, pk: int):
    report = get_object_or_404(REPORT.visible(user), pk=pk)
    return selectors.report_detail(report.pk)


@login_required
@door_errors
def report_edit(request, pk: int):
    report = _visible_report(request.user, pk)
    may_take(REPORT, "edit", report, request.user)
    return _report_form(request, obligation=report.obligation, report=report)


@login_required
def report_detail(request, pk: int):
    report = _visible_report(request.user, pk)
    context = record_context(request, REPORT, report) | {
        "report": report,
        "obligation": report.obligation,
    }
    return render(request, "reporting/report.html", context)


# --- consolidation ---------------------------------------------------------------------


def _require_oversight(user) -> None:
    if not selectors.can_oversee(user):
        raise PermissionDenied


@login_required
def consolidation(request, year: int):
    """The year's consolidation: gaps, live or submitted figures, its process (IV.1.d–đ)."""
    _require_oversight(request.user)
    obligation = selectors.provincial_obligation(year=year)
    if obligation is not None and not selectors.oversees(request.user, obligation.unit):
        raise Http404
    plan = obligation.definition.plan if obligation else None
    provincial = selectors.provincial_report(year=year, plan=plan) if plan else None
    submitted = provincial is not None and provincial.status != ProvincialStatus.CONSOLIDATING
    figures: dict = {}
    gaps: Iterable[Obligation] = ()
    if provincial is not None and submitted:
        figures = provincial.figures
    elif plan is not None:
        figures = selectors.provincial_figures(year=year, plan=plan)
    if plan is not None:
        gaps = selectors.consolidation_gaps(year=year, plan=plan)
    context = record_context(request, CONSOLIDATION, provincial) | {
        "year": year,
        "provincial": provincial,
        "obligation": obligation,
        "submitted": submitted,
        "figures": figures,
        "gaps": gaps,
    }
    return render(request, "reporting/consolidation.html", context)


@login_required
def provincial_detail(request, pk: int):
    """A provincial report is shown on its year's consolidation page (IV.1.đ)."""
    provincial = get_object_or_404(CONSOLIDATION.visible(request.user), pk=pk)
    return redirect("reporting:consolidation", year=provincial.obligation.year)


@login_required
@require_POST
@door_errors
def consolidation_open(request, year: int):
    services.open_consolidation(user=request.user, year=year)
    return redirect("reporting:consolidation", year=year)


# --- supervisor dashboard ----------------------------------------------------------------


def _dashboard_filter(request) -> forms.DashboardForm:
    """By default the last year with duties and every kind of unit, not a fixed kind (V.2)."""
    _require_oversight(request.user)
    form = forms.DashboardForm({"year": selectors.latest_reporting_year()} | request.GET.dict())
    if not form.is_valid():
        raise Http404
    return form


def _scope(request, form: forms.DashboardForm) -> dict:
    """The filter's choices, read for the user: the selectors keep to what they oversee."""
    data = form.cleaned_data
    definition = data["definition"].code if data["definition"] else None
    return {
        "user": request.user,
        "year": data["year"],
        "kind": data["kind"],
        "definition": definition,
    }


def _charts(scope: dict) -> tuple[list[charts.Chart], list]:
    """Completeness and timeliness by year (every period) and by kind of unit (the year)."""
    by_year = selectors.completeness_by_year(
        user=scope["user"], kind=scope["kind"], definition=scope["definition"]
    )
    by_kind = selectors.completeness_by_kind(**scope)
    return [
        charts.bar_chart(
            id="chart-year",
            title=_("Completeness and timeliness per year"),
            axis=_("Year"),
            rows=[(str(year), counts) for year, counts in by_year],
        ),
        charts.bar_chart(
            id="chart-kind",
            title=_("Completeness and timeliness per kind of unit, %(year)s")
            % {"year": scope["year"]},
            axis=_("Kind of unit"),
            rows=[(label, counts) for _code, label, counts in by_kind],
            group=charts.WIDE,
        ),
    ], by_year


def _overdue(scope: dict) -> list[selectors.OverdueRow]:
    """Overdue duties of every period, of the kind of unit and obligation chosen."""
    return selectors.overdue_list(
        user=scope["user"], at=timezone.now(), kind=scope["kind"], definition=scope["definition"]
    )


@login_required
def dashboard(request):
    """Completeness and timeliness per unit (current units first), every period's overdue
    duties, and the rates per year and per kind of unit as a chart with its table (V.2)."""
    form = _dashboard_filter(request)
    scope = _scope(request, form)
    rows, total = selectors.completeness_by_unit(**scope)
    chart_list, by_year = _charts(scope)
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "overdue": _overdue(scope),
            "by_year": by_year,
            "charts": chart_list,
            "query": request.GET.urlencode(),
        },
    )


def _export_name(form: forms.DashboardForm, extension: str) -> str:
    data = form.cleaned_data
    return exports.file_name(year=data["year"], kind=data["kind"], extension=extension)


@login_required
def dashboard_csv(request):
    form = _dashboard_filter(request)
    rows, total = selectors.completeness_by_unit(**_scope(request, form))
    return exports.csv_response(rows, total, name=_export_name(form, "csv"))


@login_required
def dashboard_xlsx(request):
    """The table on its sheet and every overdue duty on another, each headed by what it is,
    for which plan, the filters and when it was made (Vietnam time)."""
    form = _dashboard_filter(request)
    scope = _scope(request, form)
    rows, total = selectors.completeness_by_unit(**scope)
    book = exports.workbook(
        rows=rows,
        total=total,
        overdue=_overdue(scope),
        plans=list(selectors.dashboard_plans(request.user)),
        year=scope["year"],
        kind=scope["kind"],
        definition=form.cleaned_data["definition"],
        at=timezone.now(),
    )
    return exports.xlsx_response(book, name=_export_name(form, "xlsx"))


@login_required
def unit_detail(request, code: str):
    """Drill-down: every duty of one unit the user oversees, each with its report; whether the
    unit exists today, and its overdue duties of every period in Vietnam days."""
    _require_oversight(request.user)
    unit = get_object_or_404(selectors.oversight_scope(request.user), code=code)
    rows = _rows(selectors.obligations_of(unit))
    context = {
        "unit": unit,
        "rows": rows,
        "current": unit.is_valid_on(today()),
        "overdue": selectors.overdue_list(user=request.user, at=timezone.now(), unit=unit),
    } | selectors.successions_around(unit)
    return render(request, "reporting/unit.html", context)


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
