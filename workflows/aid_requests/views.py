"""Thin views: parse the form, call one service, render; refusals become 403/409."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from agencies.selectors import area_class_label, today
from workflows.core.filters import list_context
from workflows.core.views import (
    door_errors,
    may_take,
    record_context,
    render_record_form,
    save_record_form,
)

from . import forms, selectors, services
from .actions import AID_REQUEST
from .filters import AidRequestFilter
from .models import AidRequest


def _visible_request(user, pk: int) -> AidRequest:
    if not selectors.requests_visible_to(user).filter(pk=pk).exists():
        raise Http404
    return selectors.request_detail(pk)


@login_required
def request_list(request):
    """The requests the user may read, filtered by the query string (filters.py)."""
    found = AidRequestFilter(request.GET, queryset=selectors.requests_visible_to(request.user))
    context = list_context(request, found, "aid_requests")
    context["page"] = Paginator(found.qs, 50).get_page(request.GET.get("page"))
    return render(request, "aid_requests/list.html", context)


@login_required
def request_detail(request, pk: int):
    aid = _visible_request(request.user, pk)
    context = record_context(request, AID_REQUEST, aid) | {
        "aid": aid,
        "overlaps": selectors.overlapping_requests(aid),
        "overdue": aid.is_delivery_overdue(today()),
        "area_class": area_class_label(aid.commune, plan=aid.category.plan),
        "return_reason": selectors.return_reason(aid),
    }
    return render(request, "aid_requests/detail.html", context)


def _edit_form(request, *, aid: AidRequest | None):
    """Create (aid is None) or edit a draft: request form plus line items."""
    initial = {}
    lines_initial = None
    if aid is not None:
        initial = {
            f: getattr(aid, f)
            for f in (
                "district",
                "commune",
                "category",
                "year",
                "children_preschool",
                "children_primary",
                "children_other",
                "justification",
            )
        }
        initial["ethnic_breakdown"] = "\n".join(
            f"{k}: {v}" for k, v in aid.ethnic_breakdown.items()
        )
        lines_initial = [
            {"item": x.item, "quantity": x.quantity, "unit_cost": x.unit_cost}
            for x in aid.lines.all()
        ]
    form = forms.RequestForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    lines = forms.LineFormSet(request.POST or None, prefix="lines", initial=lines_initial)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.to_input(forms.lines_from(lines))
        files = form.cleaned_data["attachments"]
        done = save_record_form(
            request,
            form,
            record=aid,
            create=lambda: services.create_request(user=request.user, data=data, attachments=files),
            update=lambda aid: services.update_draft(
                user=request.user, request_id=aid.pk, data=data, attachments=files
            ),
            saved=_("Request %(code)s saved."),
        )
        if done is not None:
            return done
    context = {"form": form, "lines": lines, "aid": aid}
    return render_record_form(request, "aid_requests/form.html", context, record=aid)


@login_required
@door_errors
def request_create(request):
    return _edit_form(request, aid=None)


@login_required
@door_errors
def request_edit(request, pk: int):
    aid = _visible_request(request.user, pk)
    may_take(AID_REQUEST, "edit", aid, request.user)
    return _edit_form(request, aid=aid)
