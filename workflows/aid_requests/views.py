"""Thin views: parse the form, call one service, render; refusals become 403/409."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.selectors import today
from workflows.core.forms import CommentForm, ReasonForm
from workflows.core.selectors import open_tasks, with_actors
from workflows.core.timeline import timeline_for
from workflows.core.views import door_errors, errors_into

from . import forms, selectors, services
from .flows import AidRequestFlow
from .models import AidRequest, Status

# What the holder of each step may do, and the form each action takes.
STEP_ACTIONS = {
    "draft": ("submit", "withdraw"),
    "sign_off": ("sign_off", "return", "reject"),
    "review": ("accept_review", "return", "reject"),
    "consolidate": ("consolidate", "reject"),
    "approve": ("approve", "reject"),
    "approve_ppc": ("approve", "reject"),
    "deliver": ("deliver",),
    "confirm_delivery": ("confirm_delivery",),
}
ACTION_FORMS = {
    "submit": CommentForm,
    "withdraw": CommentForm,
    "sign_off": CommentForm,
    "approve": CommentForm,
    "confirm_delivery": CommentForm,
    "return": ReasonForm,
    "reject": ReasonForm,
    "accept_review": forms.ReviewForm,
    "consolidate": forms.ConsolidateForm,
    "deliver": forms.DeliveryForm,
}
ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "edit": gettext_lazy("Edited"),
    "submit": gettext_lazy("Submit for sign-off"),
    "withdraw": gettext_lazy("Withdraw"),
    "sign_off": gettext_lazy("Sign off"),
    "return": gettext_lazy("Return for revision"),
    "reject": gettext_lazy("Reject"),
    "accept_review": gettext_lazy("Accept"),
    "consolidate": gettext_lazy("Consolidate"),
    "approve": gettext_lazy("Approve"),
    "deliver": gettext_lazy("Record delivery"),
    "confirm_delivery": gettext_lazy("Confirm delivery"),
}


def _run(action: str, *, user, pk: int, step: str, data: dict, files) -> AidRequest:
    """Call the one service behind an action."""
    if action in ("submit", "withdraw", "sign_off", "approve", "confirm_delivery"):
        service = getattr(services, action)
        return service(user=user, request_id=pk, comment=data["comment"])
    if action == "return":
        return services.return_for_revision(
            user=user, request_id=pk, step=step, reason=data["reason"]
        )
    if action == "reject":
        return services.reject(user=user, request_id=pk, step=step, reason=data["reason"])
    if action == "accept_review":
        return services.accept_review(
            user=user, request_id=pk, assessed_total=data["assessed_total"], reason=data["reason"]
        )
    if action == "consolidate":
        return services.consolidate(
            user=user,
            request_id=pk,
            funding_source=data["funding_source"],
            resolution=data["resolution"],
            note=data["note"],
            reduced_total=data["reduced_total"],
        )
    return services.record_delivery(
        user=user,
        request_id=pk,
        delivered_on=data["delivered_on"],
        children_reached=data["children_reached"],
        note=data["note"],
        evidence=files.getlist("evidence"),
    )


def _visible_request(user, pk: int) -> AidRequest:
    if not selectors.requests_visible_to(user).filter(pk=pk).exists():
        raise Http404
    return selectors.request_detail(pk)


def _detail_context(request, aid: AidRequest, *, bound: tuple[str, object] | None = None) -> dict:
    task = selectors.task_for(request.user, aid)
    step = task.flow_task.name if task else None
    actions = []
    for action in STEP_ACTIONS.get(step, ()):
        form = bound[1] if bound and bound[0] == action else ACTION_FORMS[action](prefix=action)
        actions.append({"name": action, "label": ACTION_LABELS[action], "form": form})
    return {
        "aid": aid,
        "task": task,
        "step": step,
        "actions": actions,
        "open_tasks": with_actors(open_tasks(aid.process_id)) if aid.process_id else [],
        "step_labels": AidRequestFlow.step_labels,
        "timeline": timeline_for(aid),
        "action_labels": ACTION_LABELS,
        "status_labels": dict(Status.choices),
        "overlaps": selectors.overlapping_requests(aid),
        "overdue": aid.is_delivery_overdue(today()),
    }


@login_required
def request_list(request):
    requests = selectors.requests_visible_to(request.user)
    overdue = request.GET.get("overdue") == "1"
    if overdue:  # approved but not delivered by the due date
        requests = requests.filter(pk__in=selectors.overdue_deliveries())
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    return render(request, "aid_requests/list.html", {"page": page, "overdue": overdue})


@login_required
def request_detail(request, pk: int):
    aid = _visible_request(request.user, pk)
    return render(request, "aid_requests/detail.html", _detail_context(request, aid))


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
        try:
            if aid is None:
                aid = services.create_request(
                    user=request.user, data=data, attachments=form.cleaned_data["attachments"]
                )
            else:
                services.update_draft(
                    user=request.user,
                    request_id=aid.pk,
                    data=data,
                    attachments=form.cleaned_data["attachments"],
                )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Request %(code)s saved.") % {"code": aid})
            return redirect("aid_requests:detail", pk=aid.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "aid_requests/form.html", {"form": form, "lines": lines, "aid": aid}, status=status
    )


@login_required
@door_errors
def request_create(request):
    return _edit_form(request, aid=None)


@login_required
@door_errors
def request_edit(request, pk: int):
    return _edit_form(request, aid=_visible_request(request.user, pk))


@login_required
@require_POST
@door_errors
def request_act(request, pk: int, action: str):
    if action not in ACTION_FORMS:
        raise Http404
    aid = _visible_request(request.user, pk)
    form = ACTION_FORMS[action](request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            _run(
                action,
                user=request.user,
                pk=pk,
                step=request.POST.get("step", ""),
                data=form.cleaned_data,
                files=request.FILES,
            )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
            return redirect("aid_requests:detail", pk=pk)
    context = _detail_context(request, aid, bound=(action, form))
    return render(request, "aid_requests/detail.html", context, status=400)
