"""Writes of the commendation process: one function per action, each through the transition
door (workflows.core.transitions), so the permission, the state, the task and the audit
record change together or not at all (II.5, IV.1.đ)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Plan
from agencies.selectors import today
from workflows.core.bounds import MAX_VND, grouped, out_of_range, too_long
from workflows.core.transitions import Door, StepContext, start

from .models import Commendation, NomineeKind

DOOR = Door(Commendation)


@dataclass(frozen=True)
class Nomination:
    """What a proposal says: who, for which year, for what contribution and its value."""

    year: int
    nominee_name: str
    nominee_kind: str
    contribution: str
    value_vnd: int = 0


def validate_nomination(data: Nomination, *, plan: Plan) -> None:
    """The nominee is named, of a kind II.5 names, for a year of the plan up to this one, for
    something given or mobilised."""
    errors: dict[str, str] = {}
    if not data.nominee_name.strip():
        errors["nominee_name"] = _("Name the agency, organisation, business or person.")
    elif problem := too_long(Commendation, "nominee_name", data.nominee_name.strip()):
        errors["nominee_name"] = problem
    if data.nominee_kind not in NomineeKind.values:
        errors["nominee_kind"] = _("Choose a kind of nominee.")
    if not data.contribution.strip():
        errors["contribution"] = _("Say what the nominee contributed or mobilised.")
    if out_of_range(data.value_vnd, high=MAX_VND):
        errors["value_vnd"] = _("The value must be between 0 and %(max)s VND.") % {
            "max": grouped(MAX_VND)
        }
    last = min(plan.period_end, today().year)
    if out_of_range(data.year, low=plan.period_start, high=last):
        errors["year"] = _("The year must be between %(first)d and %(last)d.") % {
            "first": plan.period_start,
            "last": last,
        }
    if errors:
        raise ValidationError(errors)


def _write(commendation: Commendation, data: Nomination) -> None:
    commendation.year = data.year
    commendation.nominee_name = data.nominee_name.strip()
    commendation.nominee_kind = data.nominee_kind
    commendation.contribution = data.contribution.strip()
    commendation.value_vnd = data.value_vnd


@transaction.atomic
def create_commendation(*, user, data: Nomination) -> Commendation:
    """A DOLISA officer drafts a proposal; its process starts with it in their inbox."""
    actor = DOOR.may_start(user)
    validate_nomination(data, plan=actor.plan())
    commendation = Commendation(proposed_by=user)
    _write(commendation, data)
    commendation.save()
    start(record=commendation, user=user, actor=actor)
    return commendation


def update_draft(*, user, commendation_id: int, data: Nomination) -> Commendation:
    """The officer holding the proposal step edits it (a draft, or one sent back); the year is
    checked against the plan under which the unit proposes."""
    plan = DOOR.may_start(user).plan()

    def change(commendation: Commendation) -> None:
        validate_nomination(data, plan=plan)
        _write(commendation, data)

    return DOOR.edit(commendation_id, user, change)


def propose(*, user, commendation_id: int, comment: str = "") -> Commendation:
    """DOLISA sends the proposal to the PPC's leader (IV.1.đ)."""
    return DOOR.perform(commendation_id, user, "propose", comment=comment)


def withdraw(*, user, commendation_id: int, comment: str = "") -> Commendation:
    """The officer who wrote the proposal drops it; the process ends."""
    refusal = _("Only the officer who wrote the proposal may withdraw it.")
    return DOOR.perform_as_author(
        commendation_id, user, "withdraw", author="proposed_by", refusal=refusal, comment=comment
    )


def return_for_revision(*, user, commendation_id: int, reason: str) -> Commendation:
    """The PPC's leader sends the proposal back to DOLISA, saying why (the door asks for it)."""
    return DOOR.perform(commendation_id, user, "return", comment=reason)


def reject(*, user, commendation_id: int, reason: str) -> Commendation:
    """The PPC's leader declines the proposal, saying why (the door asks for it)."""
    return DOOR.perform(commendation_id, user, "reject", comment=reason)


def approve(
    *, user, commendation_id: int, decision_number: str, decision_date: dt.date, comment: str = ""
) -> Commendation:
    """The PPC's leader commends by a numbered decision, dated between the start of the year
    of the contribution and today (II.5). Checked once the door has let the leader in."""
    number = decision_number.strip()

    def apply(commendation: Commendation, ctx: StepContext) -> dict:
        errors = {}
        if not number:
            errors["decision_number"] = _("Give the number of the decision.")
        elif problem := too_long(Commendation, "decision_number", number):
            errors["decision_number"] = problem
        if decision_date > today():
            errors["decision_date"] = _("The decision cannot be dated in the future.")
        elif decision_date.year < commendation.year:
            errors["decision_date"] = _(
                "The decision cannot be dated before the year of the contribution."
            )
        if errors:
            raise ValidationError(errors)
        return {"number": number, "day": decision_date}

    return DOOR.perform(
        commendation_id,
        user,
        "approve",
        apply=apply,
        comment=comment,
        data={"decision_number": number, "decision_date": decision_date.isoformat()},
    )
