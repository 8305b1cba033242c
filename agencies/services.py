"""Writes to agencies data other than plan loading (agencies.planload writes a plan file)."""

from __future__ import annotations

import datetime as dt
from typing import Any, NotRequired, TypedDict, Unpack

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


class MembershipTerms(TypedDict):
    """Who holds which role in which unit for which period: what granting and changing take."""

    user: Any
    unit: Unit
    role: str | Role
    valid_from: dt.date
    valid_to: NotRequired[dt.date | None]


def _held(terms: MembershipTerms) -> dict[str, Any]:
    """The membership's fields: the role looked up by code, the period fitted to the unit."""
    role = terms["role"]
    valid_from, valid_to = membership_period(
        unit=terms["unit"], valid_from=terms["valid_from"], valid_to=terms.get("valid_to")
    )
    return {
        "user": terms["user"],
        "unit": terms["unit"],
        "role": role if isinstance(role, Role) else Role.objects.get(code=role),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


@transaction.atomic
def grant_membership(**terms: Unpack[MembershipTerms]) -> Membership:
    """Give a user a role in a unit for a period, clamped to the period the unit exists."""
    membership = Membership.objects.create(**_held(terms))
    forget_memberships(membership.user)
    _announce_end(membership)
    return membership


@transaction.atomic
def change_membership(*, membership_id: int, **terms: Unpack[MembershipTerms]) -> Membership:
    """Correct or end a membership under the same rules as granting one (ending is a valid_to)."""
    membership = Membership.objects.select_for_update().get(pk=membership_id)
    former = (membership.user, membership.unit, membership.role)
    for name, value in _held(terms).items():
        setattr(membership, name, value)
    membership.save()
    forget_memberships(membership.user)
    # When the holder, unit or role changed, the former ones no longer hold it.
    if former != (membership.user, membership.unit, membership.role):
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
