"""Writes for aid requests. Every change of state goes through the transition door
(workflows.core.transitions); views, admin and tasks call only these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from agencies.models import Category, FundingSource, Unit
from agencies.selectors import target_communes, today
from workflows.core.attachments import Uploads, attach
from workflows.core.bounds import (
    MAX_COUNT,
    MAX_LINES,
    MAX_VND,
    grouped,
    out_of_range,
    too_long,
    too_many_lines,
)
from workflows.core.errors import PermissionDenied, RuleViolation
from workflows.core.transitions import STAY, Door, StepContext, start

from .models import AidRequest, AidRequestLine, Attachment, Review

DOOR = Door(AidRequest)


@dataclass(frozen=True)
class Line:
    """A line item as entered: whole VND, positive quantity and cost."""

    item: str
    quantity: int
    unit_cost: int


@dataclass(frozen=True)
class RequestInput:
    """What a district officer enters for a request; totals are computed from the lines."""

    district: Unit
    commune: Unit
    category: Category
    year: int
    justification: str
    lines: Sequence[Line]
    children_preschool: int = 0
    children_primary: int = 0
    children_other: int = 0
    ethnic_breakdown: dict | None = None


def validate_request(data: RequestInput, *, on: dt.date) -> None:
    """Field rules of the request, all reported at once (clause IV.12.b, target communes)."""
    errors: dict[str, list[str]] = {}
    plan = data.category.plan
    if not plan.period_start <= data.year <= plan.period_end:
        errors.setdefault("year", []).append(
            _("The year must be within the plan period %(a)s–%(b)s.")
            % {"a": plan.period_start, "b": plan.period_end}
        )
    # The drafting unit is a district for its communes, or (after 2025) the commune itself.
    if data.district.pk not in (data.commune.pk, data.commune.parent_id):
        errors.setdefault("commune", []).append(_("The commune is not in this district."))
    elif (
        not target_communes(district=data.district, on=on, plan=plan)
        .filter(pk=data.commune.pk)
        .exists()
    ):
        errors.setdefault("commune", []).append(
            _("The commune is not a target commune on %(day)s.") % {"day": on.strftime("%d/%m/%Y")}
        )
    counts = (data.children_preschool, data.children_primary, data.children_other)
    fields = ("children_preschool", "children_primary", "children_other")
    for field, count in zip(fields, counts, strict=True):
        if problem := out_of_range(count, high=MAX_COUNT):
            errors.setdefault(field, []).append(problem)
    counted = not any(field in errors for field in fields)  # else they do not add up
    if counted and sum(counts) < 1:
        errors.setdefault("children_preschool", []).append(
            _("At least one child must be supported.")
        )
    breakdown = data.ethnic_breakdown or {}
    if any(out_of_range(count, high=MAX_COUNT) for count in breakdown.values()):
        errors.setdefault("ethnic_breakdown", []).append(
            _("A group counts at most %(max)s children.") % {"max": grouped(MAX_COUNT)}
        )
    elif counted and sum(breakdown.values()) > sum(counts):
        errors.setdefault("ethnic_breakdown", []).append(
            _("The ethnic breakdown counts more children than the request.")
        )
    if not data.justification.strip():
        errors.setdefault("justification", []).append(_("A justification is required."))
    if not data.lines:
        errors.setdefault("lines", []).append(_("Add at least one line item."))
    elif len(data.lines) > MAX_LINES:
        errors.setdefault("lines", []).append(too_many_lines())
    for line in data.lines:
        if not isinstance(line.quantity, int) or not isinstance(line.unit_cost, int):
            errors.setdefault("lines", []).append(_("Amounts are whole numbers of VND."))
        elif line.quantity < 1 or line.unit_cost < 1:
            errors.setdefault("lines", []).append(
                _("Quantity and unit cost must be greater than zero.")
            )
        elif line.quantity > MAX_COUNT or line.unit_cost > MAX_VND:
            errors.setdefault("lines", []).append(
                _("A quantity is at most %(count)s and a unit cost at most %(vnd)s VND.")
                % {"count": grouped(MAX_COUNT), "vnd": grouped(MAX_VND)}
            )
        elif line.quantity * line.unit_cost > MAX_VND:
            errors.setdefault("lines", []).append(line_total_error())
        if not line.item.strip():
            errors.setdefault("lines", []).append(_("Every line needs an item."))
        elif problem := too_long(AidRequestLine, "item", line.item):
            errors.setdefault("lines", []).append(problem)
    if not errors and total_of(data.lines) > MAX_VND:
        errors.setdefault("lines", []).append(
            _("The request's total is at most %(max)s VND.") % {"max": grouped(MAX_VND)}
        )
    if errors:
        raise ValidationError(errors)


def line_total_error() -> str:
    """Why a line's quantity × unit cost cannot be stored (bounds.MAX_VND)."""
    return _("A line's total (quantity × unit cost) is at most %(max)s VND.") % {
        "max": grouped(MAX_VND)
    }


def total_of(lines: Iterable[Line]) -> int:
    """Totals are computed from the lines, never typed."""
    return sum(x.quantity * x.unit_cost for x in lines)


def _write_lines(request: AidRequest, lines: Iterable[Line], *, replace: bool = True) -> None:
    if replace:
        request.lines.all().delete()
    AidRequestLine.objects.bulk_create(
        AidRequestLine(request=request, item=x.item, quantity=x.quantity, unit_cost=x.unit_cost)
        for x in lines
    )


@transaction.atomic
def create_request(*, user, data: RequestInput, attachments: Uploads = ()) -> AidRequest:
    """A district officer drafts a request; its process starts with the draft in their inbox."""
    day = today()
    actor = DOOR.may_start(user, subject_unit=data.district)
    if actor.unit.pk != data.district.pk:
        raise PermissionDenied(_("You are not an officer of this district."))
    validate_request(data, on=day)
    request = AidRequest.objects.create(
        district=data.district,
        commune=data.commune,
        category=data.category,
        year=data.year,
        period_start=dt.date(data.year, 1, 1),
        period_end=dt.date(data.year, 12, 31),
        delivery_due=dt.date(data.year, 12, 31),
        children_preschool=data.children_preschool,
        children_primary=data.children_primary,
        children_other=data.children_other,
        ethnic_breakdown=data.ethnic_breakdown or {},
        justification=data.justification,
        requested_total=total_of(data.lines),
        drafted_by=user,
    )
    _write_lines(request, data.lines, replace=False)
    attach(
        Attachment, attachments, user=user, request=request, kind=Attachment.Kind.NEEDS_ASSESSMENT
    )
    start(record=request, user=user, actor=actor)
    return request


def update_draft(
    *, user, request_id: int, data: RequestInput, attachments: Uploads = (), comment: str = ""
) -> AidRequest:
    """The officer holding the draft task edits it; the change is audited, status unchanged."""

    def change(request: AidRequest) -> None:
        if data.district.pk != request.district_id:
            raise ValidationError({"district": _("The district of a request cannot change.")})
        validate_request(data, on=today())
        for field in (
            "commune",
            "category",
            "year",
            "justification",
            "children_preschool",
            "children_primary",
            "children_other",
        ):
            setattr(request, field, getattr(data, field))
        request.ethnic_breakdown = data.ethnic_breakdown or {}
        request.period_start = dt.date(data.year, 1, 1)
        request.period_end = request.delivery_due = dt.date(data.year, 12, 31)
        _write_lines(request, data.lines)
        request.requested_total = total_of(data.lines)
        attach(
            Attachment,
            attachments,
            user=user,
            request=request,
            kind=Attachment.Kind.NEEDS_ASSESSMENT,
        )

    return DOOR.edit(request_id, user, change, comment=comment)


def submit(*, user, request_id: int, comment: str = "") -> AidRequest:
    """The drafting officer sends the request for the district leader's sign-off."""
    return DOOR.perform(request_id, user, "submit", comment=comment)


def withdraw(*, user, request_id: int, comment: str = "") -> AidRequest:
    """Only the drafter may withdraw, and only before sign-off."""
    refusal = _("Only the officer who drafted the request may withdraw it.")
    return DOOR.perform_as_author(
        request_id, user, "withdraw", author="drafted_by", refusal=refusal, comment=comment
    )


def sign_off(*, user, request_id: int, comment: str = "") -> AidRequest:
    """The district leader signs off; the drafter may not sign off their own draft."""

    def apply(request: AidRequest, ctx: StepContext) -> dict:
        if request.drafted_by_id == user.pk:
            raise PermissionDenied(_("The officer who drafted a request cannot sign it off."))
        return {"by": user}

    return DOOR.perform(request_id, user, "sign_off", apply=apply, comment=comment)


def _record_review(request: AidRequest, ctx: StepContext, decision: str, **fields) -> Review:
    return Review.objects.create(
        request=request,
        round=request.review_round,
        unit_id=ctx.actor["unit_id"],
        reviewer=ctx.user,
        decision=decision,
        **fields,
    )


def _decide_with_reason(*, user, request_id: int, reason: str, action: str) -> AidRequest:
    """Return or reject at a deciding step (the steps that declare the action); a sector
    reviewer's decision is also kept as a Review of the round."""
    decision = Review.Decision.RETURNED if action == "return" else Review.Decision.REJECTED

    def apply(request: AidRequest, ctx: StepContext) -> None:
        if ctx.step == "review":
            _record_review(request, ctx, decision, reason=reason.strip())

    return DOOR.perform(request_id, user, action, apply=apply, comment=reason)


def return_for_revision(*, user, request_id: int, reason: str) -> AidRequest:
    """Back to the drafter's inbox with a reason, at sign-off or sector review."""
    return _decide_with_reason(user=user, request_id=request_id, reason=reason, action="return")


def reject(*, user, request_id: int, reason: str) -> AidRequest:
    """Refuse the request for good, with a reason, at any deciding step."""
    return _decide_with_reason(user=user, request_id=request_id, reason=reason, action="reject")


def accept_review(
    *, user, request_id: int, assessed_total: int | None = None, reason: str = ""
) -> AidRequest:
    """A sector reviewer accepts, possibly lowering the amount with a reason; the request is
    accepted when every reviewer of the round has accepted (parallel review)."""

    def apply(request: AidRequest, ctx: StepContext):
        amount = request.requested_total if assessed_total is None else assessed_total
        if amount < 0 or amount > request.requested_total:
            raise ValidationError(
                {"assessed_total": _("The assessed amount must be between 0 and the request.")}
            )
        if amount < request.requested_total and not reason.strip():
            raise ValidationError({"reason": _("Give a reason for lowering the amount.")})
        _record_review(
            request, ctx, Review.Decision.ACCEPTED, assessed_total=amount, reason=reason.strip()
        )
        if ctx.others_open():
            return STAY
        accepted = request.reviews.filter(
            round=request.review_round, decision=Review.Decision.ACCEPTED
        )
        return {"assessed_total": accepted.aggregate(lowest=Min("assessed_total"))["lowest"]}

    return DOOR.perform(
        request_id,
        user,
        "accept_review",
        apply=apply,
        comment=reason,
        data={"assessed_total": assessed_total},
    )


def consolidate(
    *,
    user,
    request_id: int,
    funding_source: FundingSource,
    resolution: str = "",
    note: str = "",
    reduced_total: int | None = None,
) -> AidRequest:
    """DOLISA places the request in the year's plan with a funding source (II.4, III)."""

    def apply(request: AidRequest, ctx: StepContext) -> dict:
        if not funding_source.may_fund_children:
            raise RuleViolation(
                _(
                    "Clause III.2: %(source)s funds only management and coordination of the "
                    "plan, not support to children."
                )
                % {"source": funding_source.name}
            )
        amount = request.amount
        overlaps = list(AidRequest.objects.overlapping(request).values_list("pk", "year"))
        if overlaps and not resolution:
            codes = ", ".join(f"YC-{year}-{pk:06d}" for pk, year in overlaps)
            raise RuleViolation(
                _(
                    "Clause II.4 (avoid overlap and duplication): %(codes)s already covers this "
                    "commune and category for an overlapping period. Merge, reduce or justify."
                )
                % {"codes": codes}
            )
        if resolution:
            if resolution not in AidRequest.OverlapResolution.values:
                raise ValidationError({"resolution": _("Unknown resolution.")})
            if not note.strip():
                raise ValidationError({"note": _("Explain how the overlap is resolved.")})
            if resolution == AidRequest.OverlapResolution.REDUCED:
                if reduced_total is None or not 0 < reduced_total < amount:
                    raise ValidationError(
                        {"reduced_total": _("Give an amount lower than %(a)s VND.") % {"a": amount}}
                    )
                amount = reduced_total
        ctx.data["overlaps"] = [pk for pk, _year in overlaps]
        return {
            "funding_source": funding_source,
            "resolution": resolution,
            "note": note.strip(),
            "amount": amount,
        }

    return DOOR.perform(
        request_id,
        user,
        "consolidate",
        apply=apply,
        comment=note,
        data={"funding_source": funding_source.code, "resolution": resolution},
    )


def approve(*, user, request_id: int, comment: str = "") -> AidRequest:
    """DOLISA's leader approves, or the PPC's leader above the plan's threshold."""
    return DOOR.perform(request_id, user, "approve", comment=comment)


def record_delivery(
    *,
    user,
    request_id: int,
    delivered_on: dt.date,
    children_reached: int,
    note: str = "",
    evidence: Uploads = (),
) -> AidRequest:
    """The district records what was delivered, with evidence; after a return, again (the
    earlier evidence stays with the request)."""

    def apply(request: AidRequest, ctx: StepContext) -> dict:
        errors = {}
        if delivered_on > today():
            errors["delivered_on"] = _("The delivery date cannot be in the future.")
        if children_reached < 1:
            errors["children_reached"] = _("At least one child must have been reached.")
        elif problem := out_of_range(children_reached, low=1, high=MAX_COUNT):
            errors["children_reached"] = problem
        if errors:
            raise ValidationError(errors)
        attach(
            Attachment, evidence, user=user, request=request, kind=Attachment.Kind.DELIVERY_EVIDENCE
        )
        return {
            "delivered_on": delivered_on,
            "children_reached": children_reached,
            "note": note.strip(),
            "by": user,
        }

    return DOOR.perform(
        request_id,
        user,
        "deliver",
        apply=apply,
        comment=note,
        data={"children_reached": children_reached, "delivered_on": delivered_on.isoformat()},
    )


def confirm_delivery(*, user, request_id: int, comment: str = "") -> AidRequest:
    """DOLISA confirms the delivery; the request closes (IV.1.d)."""
    return DOOR.perform(request_id, user, "confirm_delivery", comment=comment)


def return_delivery(*, user, request_id: int, reason: str) -> AidRequest:
    """The confirming officer sends the delivery record back, with a reason, to the officer
    who recorded it (or their unit's queue), instead of confirming it (IV.1.d)."""
    return DOOR.perform(request_id, user, "return_delivery", comment=reason)
