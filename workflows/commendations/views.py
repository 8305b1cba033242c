"""Thin views of the commendation pages: parse the form, call one service, render; refusals
become 403/409. The actions themselves are the declaration's generic pages (actions.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from workflows.core.filters import list_context
from workflows.core.transitions import may_start
from workflows.core.views import (
    door_errors,
    may_take,
    record_context,
    render_record_form,
    save_record_form,
)

from . import selectors, services
from .actions import COMMENDATION
from .filters import CommendationFilter
from .forms import NominationForm
from .models import Commendation


def _visible(user, pk: int) -> Commendation:
    found = selectors.commendations_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def commendation_list(request):
    """The proposals the user may read, filtered by the query string (filters.py)."""
    commendations = selectors.commendations_visible_to(request.user)
    found = CommendationFilter(request.GET, queryset=commendations)
    context = list_context(request, found, "commendations")
    context["page"] = Paginator(found.qs, 50).get_page(request.GET.get("page"))
    context["may_propose"] = selectors.may_propose(request.user)
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
        done = save_record_form(
            request,
            form,
            record=commendation,
            create=lambda: services.create_commendation(user=request.user, data=form.nomination()),
            update=lambda commendation: services.update_draft(
                user=request.user, commendation_id=commendation.pk, data=form.nomination()
            ),
            saved=_("Proposal %(code)s saved."),
        )
        if done is not None:
            return done
    context = {"form": form, "commendation": commendation}
    return render_record_form(request, "commendations/form.html", context, record=commendation)


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
