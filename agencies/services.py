"""Writes to agencies data other than plan loading (see agencies.planfile for that)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Membership, Role, Unit
from .selectors import forget_memberships


@transaction.atomic
def grant_membership(
    *,
    user,
    unit: Unit,
    role: str | Role,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> Membership:
    """Give a user a role in a unit for a period, clamped to the period the unit exists."""
    role_obj = role if isinstance(role, Role) else Role.objects.get(code=role)
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError(_("The membership ends before it starts."))
    if valid_from < unit.valid_from or (
        unit.valid_to is not None and (valid_to is None or valid_to > unit.valid_to)
    ):
        valid_from = max(valid_from, unit.valid_from)
        valid_to = unit.valid_to if valid_to is None else min(valid_to, unit.valid_to or valid_to)
    membership = Membership.objects.create(
        user=user, unit=unit, role=role_obj, valid_from=valid_from, valid_to=valid_to
    )
    forget_memberships(user)
    return membership
