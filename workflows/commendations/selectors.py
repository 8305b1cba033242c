"""Reads of the commendation process: who may see the proposals, and who may start one."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.selectors import actors_for, current_memberships
from workflows.core.declaration import declaration_of
from workflows.core.errors import PermissionDenied
from workflows.core.selectors import worked_on
from workflows.core.transitions import may_start

from .models import Commendation


def commendations_visible_to(user) -> QuerySet[Commendation]:
    """Every proposal, to the units the matrix names for one of the declared steps; to others
    those they act or acted on (II.5, IV.1.đ)."""
    declaration = declaration_of(Commendation)
    acting = {
        actor.unit.pk
        for step in declaration.steps
        for actor in actors_for(process=declaration.matrix_process, step=step)
    }
    proposals = Commendation.objects.select_related("proposed_by")
    if not any(m.unit_id in acting for m in current_memberships(user)):
        return proposals.filter(worked_on(user))
    return proposals


def may_propose(user) -> bool:
    """True when the user holds the unit and role that starts a proposal today, so that pages
    offer only what the services would allow."""
    try:
        may_start(model=Commendation, user=user)
    except PermissionDenied:
        return False
    return True
