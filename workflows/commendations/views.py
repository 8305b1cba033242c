"""Thin views of the commendation pages: parse the form, call one service, render; refusals
become 403/409."""

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

from workflows.core.forms import CommentForm, ReasonForm
from workflows.core.permissions import require_actor
from workflows.core.selectors import open_tasks, with_actors
from workflows.core.timeline import timeline_for
from workflows.core.transitions import open_task
from workflows.core.views import act, door_errors, errors_into, step_actions

from . import selectors, services
from .flows import CommendationFlow
from .forms import DecisionForm, NominationForm
from .models import PROCESS, Commendation, Status

ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "edit": gettext_lazy("Edited"),
    "propose": gettext_lazy("Propose to the PPC"),
    "withdraw": gettext_lazy("Withdraw"),
    "approve": gettext_lazy("Approve the commendation"),
    "return": gettext_lazy("Return for revision"),
    "reject": gettext_lazy("Reject"),
}
# What the holder of each step may do; a form class per action.
ACTIONS = {
    "propose": {"propose": CommentForm, "withdraw": CommentForm},
    "approve": {"approve": DecisionForm, "return": ReasonForm, "reject": ReasonForm},
}
SERVICES = {
    "propose": lambda user, pk, data: services.propose(
        user=user, commendation_id=pk, comment=data["comment"]
    ),
    "withdraw": lambda user, pk, data: services.withdraw(
        user=user, commendation_id=pk, comment=data["comment"]
    ),
    "approve": lambda user, pk, data: services.approve(user=user, commendation_id=pk, **data),
    "return": lambda user, pk, data: services.return_for_revision(
        user=user, commendation_id=pk, reason=data["reason"]
    ),
    "reject": lambda user, pk, data: services.reject(
        user=user, commendation_id=pk, reason=data["reason"]
    ),
}


def _visible(user, pk: int) -> Commendation:
    found = selectors.commendations_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _detail_context(request, commendation: Commendation, *, bound=None) -> dict:
    task = selectors.task_for(request.user, commendation)
    step = task.flow_task.name if task else None
    return {
        "commendation": commendation,
        "step": step,
        "actions": step_actions(step, ACTIONS, ACTION_LABELS, bound),
        "open_tasks": with_actors(open_tasks(commendation.process_id)),
        "step_labels": CommendationFlow.step_labels,
        "timeline": timeline_for(commendation),
        "action_labels": ACTION_LABELS,
        "status_labels": dict(Status.choices),
    }


@login_required
def commendation_list(request):
    commendations = selectors.commendations_visible_to(request.user)
    page = Paginator(commendations, 50).get_page(request.GET.get("page"))
    context = {"page": page, "may_propose": selectors.may_propose(request.user)}
    return render(request, "commendations/list.html", context)


@login_required
def commendation_detail(request, pk: int):
    commendation = _visible(request.user, pk)
    return render(request, "commendations/detail.html", _detail_context(request, commendation))


def _form_page(request, *, commendation: Commendation | None):
    """The proposal's form: a new draft, or the draft (or returned proposal) being edited."""
    initial = None
    if commendation is not None:
        initial = {f: getattr(commendation, f) for f in NominationForm.base_fields}
    form = NominationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if commendation is None:
                commendation = services.create_commendation(
                    user=request.user, data=form.nomination()
                )
            else:
                services.update_draft(
                    user=request.user, commendation_id=commendation.pk, data=form.nomination()
                )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Proposal %(code)s saved.") % {"code": commendation})
            return redirect(commendation)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "commendation": commendation}
    return render(request, "commendations/form.html", context, status=status)


@login_required
@door_errors
def commendation_create(request):
    require_actor(user=request.user, process=PROCESS, step="propose")
    return _form_page(request, commendation=None)


@login_required
@door_errors
def commendation_edit(request, pk: int):
    """Only the holder of the proposal step gets the form: the door's own check, 403 or 409
    (the service checks again under the lock)."""
    commendation = _visible(request.user, pk)
    open_task(
        process=commendation.process, flow_tasks=(CommendationFlow.propose,), user=request.user
    )
    return _form_page(request, commendation=commendation)


@login_required
@require_POST
@door_errors
def commendation_act(request, pk: int, action: str):
    if action not in SERVICES:
        raise Http404
    commendation = _visible(request.user, pk)
    form_class = next(table[action] for table in ACTIONS.values() if action in table)
    return act(
        request,
        labels=ACTION_LABELS,
        action=action,
        form_class=form_class,
        run=lambda data: SERVICES[action](request.user, pk, data),
        done=commendation,
        failed=lambda form: render(
            request,
            "commendations/detail.html",
            _detail_context(request, commendation, bound=(action, form)),
            status=400,
        ),
    )
