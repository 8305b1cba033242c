"""Reads of the commendation process: who may see the proposals, and what one may act on."""

from __future__ import annotations

from django.db.models import QuerySet
from viewflow.workflow.models import Task

from agencies.selectors import actors_for, current_memberships
from workflows.core.errors import PermissionDenied
from workflows.core.permissions import require_actor
from workflows.core.selectors import actionable_tasks

from .models import PROCESS, Commendation

STEPS = ("propose", "approve")


def commendations_visible_to(user) -> QuerySet[Commendation]:
    """Every proposal, to the units the plan names for a step (DOLISA, the PPC); none to
    others."""
    acting = {actor.unit.pk for step in STEPS for actor in actors_for(process=PROCESS, step=step)}
    if not any(m.unit_id in acting for m in current_memberships(user)):
        return Commendation.objects.none()
    return Commendation.objects.select_related("proposed_by")


def may_propose(user) -> bool:
    """True when the user holds the unit and role that drafts proposals today, so that pages
    offer only what the services would allow."""
    try:
        require_actor(user=user, process=PROCESS, step="propose")
    except PermissionDenied:
        return False
    return True


def task_for(user, commendation: Commendation) -> Task | None:
    """The open task of this proposal the user may act on, if any."""
    if commendation.process_id is None:
        return None
    return actionable_tasks(user, process_ids=[commendation.process_id]).first()
