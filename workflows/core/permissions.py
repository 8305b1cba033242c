"""Who may take an action that no open task carries (starting a process, a waiver, a re-open):
the same matrix check the door makes for a task's owner permission."""

from __future__ import annotations

from django.utils.translation import gettext as _

from agencies.models import Unit
from agencies.selectors import Actor, actors_for, has_membership

from .errors import PermissionDenied


def require_actor(*, user, process: str, step: str, subject_unit: Unit | None = None) -> Actor:
    """The unit and role the matrix names for the step and subject that the user holds today."""
    for actor in actors_for(process=process, step=step, subject_unit=subject_unit):
        if has_membership(user, unit=actor.unit, role=actor.role):
            return actor
    raise PermissionDenied(
        _("You do not hold the unit and role that the plan assigns to this step.")
    )
