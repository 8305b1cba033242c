"""Thin views of the commendation pages: parse the form, call one service, render; refusals
become 403/409. The actions themselves are the declaration's generic pages (actions.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflows.core import once
from workflows.core.transitions import may_start
from workflows.core.views import door_errors, errors_into, may_take, record_context

from . import selectors, services
from .actions import COMMENDATION
from .forms import NominationForm
from .models import Commendation


def _visible(user, pk: int) -> Commendation:
    found = selectors.commendations_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def commendation_list(request):
    commendations = selectors.commendations_visible_to(request.user)
    page = Paginator(commendations, 50).get_page(request.GET.get("page"))
    context = {"page": page, "may_propose": selectors.may_propose(request.user)}
    return render(request, "commendations/list.html", context)


@login_required
def commendation_detail(request, pk: int):
    commendation = _visible(request.user, pk)
    context = record_context(request, COMMENDATION, commendation) | {"commendation": commendation}
    return render(request, "commendations/detail.html", context)


def _form_page(request, *, commendation: Commendation | None):
    """The proposal's form: a new draft, or the draft (or returned proposal) being edited."""
    initial = None
    if commendation is not None:
        initial = {f: getattr(commendation, f) for f in NominationForm.base_fields}
    form = NominationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if commendation is None:
                commendation = once.create_once(
                    request,
                    lambda: services.create_commendation(user=request.user, data=form.nomination()),
                )
            else:
                services.update_draft(
                    user=request.user, commendation_id=commendation.pk, data=form.nomination()
                )
        except ValidationError as exc:
            errors_into(form, exc)
        except once.AlreadyCreated as done:
            return once.to_earlier(request, done)
        else:
            messages.success(request, _("Proposal %(code)s saved.") % {"code": commendation})
            return redirect(commendation)
    status = 400 if request.method == "POST" else 200
    context: dict[str, object] = {"form": form, "commendation": commendation}
    if commendation is None:
        context["once_token"] = once.form_token(request)
    return render(request, "commendations/form.html", context, status=status)


@login_required
@door_errors
def commendation_create(request):
    """Only who may start the process gets the form (the service checks again)."""
    may_start(model=Commendation, user=request.user)
    return _form_page(request, commendation=None)


@login_required
@door_errors
def commendation_edit(request, pk: int):
    """Only the holder of a step that declares "edit" gets the form, else 403 (the service
    checks again under the lock)."""
    commendation = _visible(request.user, pk)
    may_take(COMMENDATION, "edit", commendation, request.user)
    return _form_page(request, commendation=commendation)
