"""Writes to agencies data other than plan loading (see agencies.planfile for that)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Membership, Role, Unit
from .selectors import forget_memberships, today
from .signals import membership_ended


def membership_period(
    *, unit: Unit, valid_from: dt.date, valid_to: dt.date | None
) -> tuple[dt.date, dt.date | None]:
    """The period asked, fitted to the unit's life; refused by field when not a day is left."""
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The membership ends before it starts.")})
    start = max(valid_from, unit.valid_from)
    end = valid_to if unit.valid_to is None else min(valid_to or unit.valid_to, unit.valid_to)
    if end is not None and end < start:
        raise ValidationError({"valid_from": _("The unit does not exist during this period.")})
    return start, end


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
    valid_from, valid_to = membership_period(unit=unit, valid_from=valid_from, valid_to=valid_to)
    membership = Membership.objects.create(
        user=user, unit=unit, role=role_obj, valid_from=valid_from, valid_to=valid_to
    )
    forget_memberships(user)
    _announce_end(membership)
    return membership


@transaction.atomic
def change_membership(
    *,
    membership_id: int,
    user,
    unit: Unit,
    role: str | Role,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> Membership:
    """Correct or end a membership under the same rules as granting one (ending is a valid_to)."""
    membership = Membership.objects.select_for_update().get(pk=membership_id)
    role_obj = role if isinstance(role, Role) else Role.objects.get(code=role)
    valid_from, valid_to = membership_period(unit=unit, valid_from=valid_from, valid_to=valid_to)
    former = (membership.user, membership.unit, membership.role)
    membership.user, membership.unit, membership.role = user, unit, role_obj
    membership.valid_from, membership.valid_to = valid_from, valid_to
    membership.save()
    forget_memberships(user)
    if former != (user, unit, role_obj):  # the former holder, unit or role no longer hold it
        former_user, former_unit, former_role = former
        forget_memberships(former_user)
        yesterday = today() - dt.timedelta(days=1)
        _announce_end(
            membership, user=former_user, unit=former_unit, role=former_role, ended_on=yesterday
        )
    _announce_end(membership)
    return membership


def _announce_end(
    membership: Membership,
    *,
    user=None,
    unit: Unit | None = None,
    role: Role | None = None,
    ended_on: dt.date | None = None,
) -> None:
    """Send `membership_ended` when the membership (or its former user, unit and role) ends on
    or before today; a later end is found by the daily sweep of workflows.core."""
    ended_on = ended_on or membership.valid_to
    if ended_on is None or ended_on > today():
        return
    membership_ended.send(
        sender=Membership,
        membership=membership,
        user=user or membership.user,
        unit=unit or membership.unit,
        role=role or membership.role,
        ended_on=ended_on,
    )
