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
from workflows.core.errors import PermissionDenied
from workflows.core.permissions import require_actor
from workflows.core.transitions import edit_in_step, perform, require_reason, started

from .flows import CommendationFlow
from .models import PROCESS, Commendation, NomineeKind

# Above any contribution a province records (a thousand trillion VND), below the column's limit.
MAX_VALUE_VND = 10**15


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
    if data.nominee_kind not in NomineeKind.values:
        errors["nominee_kind"] = _("Choose a kind of nominee.")
    if not data.contribution.strip():
        errors["contribution"] = _("Say what the nominee contributed or mobilised.")
    if not 0 <= data.value_vnd <= MAX_VALUE_VND:
        errors["value_vnd"] = _("The value must be between 0 and %(max)s VND.") % {
            "max": f"{MAX_VALUE_VND:,}".replace(",", ".")
        }
    last = min(plan.period_end, today().year)
    if not plan.period_start <= data.year <= last:
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
    actor = require_actor(user=user, process=PROCESS, step="propose")
    validate_nomination(data, plan=actor.unit.plan)
    commendation = Commendation(proposed_by=user)
    _write(commendation, data)
    commendation.save()
    process = CommendationFlow.start.run(commendation=commendation)
    started(commendation, process=process, user=user, actor=actor)
    return commendation


def update_draft(*, user, commendation_id: int, data: Nomination) -> Commendation:
    """The officer holding the proposal step edits it (a draft, or one sent back)."""
    plan = require_actor(user=user, process=PROCESS, step="propose").unit.plan
    validate_nomination(data, plan=plan)
    return edit_in_step(
        model=Commendation,
        pk=commendation_id,
        flow_tasks=(CommendationFlow.propose,),
        user=user,
        change=lambda commendation: _write(commendation, data),
    )


def _move(user, pk: int, step, action: str, *, transition: str = "", comment: str = "", apply=None):
    """One step through the door; by default the model's transition named like the action."""
    method = transition or action
    return perform(
        model=Commendation,
        pk=pk,
        flow_tasks=(step,),
        user=user,
        action=action,
        apply=apply or (lambda commendation, ctx: getattr(commendation, method)()),
        comment=comment,
    )


def propose(*, user, commendation_id: int, comment: str = "") -> Commendation:
    """DOLISA sends the proposal to the PPC's leader (IV.1.đ)."""
    return _move(user, commendation_id, CommendationFlow.propose, "propose", comment=comment)


def withdraw(*, user, commendation_id: int, comment: str = "") -> Commendation:
    """The officer who wrote the proposal drops it; the process ends."""

    def apply(commendation: Commendation, ctx) -> None:
        if commendation.proposed_by_id != user.pk:
            raise PermissionDenied(_("Only the officer who wrote the proposal may withdraw it."))
        commendation.withdraw()

    step = CommendationFlow.propose
    return _move(user, commendation_id, step, "withdraw", comment=comment, apply=apply)


def return_for_revision(*, user, commendation_id: int, reason: str) -> Commendation:
    """The PPC's leader sends the proposal back to DOLISA, saying why."""
    reason = require_reason(reason)
    step = CommendationFlow.approve
    return _move(
        user, commendation_id, step, "return", transition="return_for_revision", comment=reason
    )


def reject(*, user, commendation_id: int, reason: str) -> Commendation:
    """The PPC's leader declines the proposal, saying why."""
    return _move(
        user, commendation_id, CommendationFlow.approve, "reject", comment=require_reason(reason)
    )


def approve(
    *, user, commendation_id: int, decision_number: str, decision_date: dt.date, comment: str = ""
) -> Commendation:
    """The PPC's leader commends by a numbered decision, dated between the start of the year
    of the contribution and today (II.5). Checked once the door has let the leader in."""
    number = decision_number.strip()

    def apply(commendation: Commendation, ctx) -> None:
        errors = {}
        if not number:
            errors["decision_number"] = _("Give the number of the decision.")
        if decision_date > today():
            errors["decision_date"] = _("The decision cannot be dated in the future.")
        elif decision_date.year < commendation.year:
            errors["decision_date"] = _(
                "The decision cannot be dated before the year of the contribution."
            )
        if errors:
            raise ValidationError(errors)
        commendation.approve(number=number, day=decision_date)
        ctx.data.update(decision_number=number, decision_date=decision_date.isoformat())

    step = CommendationFlow.approve
    return _move(user, commendation_id, step, "approve", comment=comment, apply=apply)
