"""Reads for aid requests: what a user may see, what they may do, what is overdue."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from agencies.models import Responsibility, Unit
from agencies.selectors import (
    actors_for,
    current_memberships,
    predecessors_of,
    today,
    units_for_user,
)
from workflows.core import inbox
from workflows.core.selectors import worked_on

from .flows import PROCESS
from .models import AidRequest, Status


def drafting_units(user) -> list[Unit]:
    """The units for which the user may draft a request today: where they hold the role that
    the matrix names for the first step for that very unit."""
    units = []
    for membership in current_memberships(user):
        actors = actors_for(process=PROCESS, step="draft", subject_unit=membership.unit)
        if any(a.unit.pk == membership.unit_id and a.role == membership.role.code for a in actors):
            units.append(membership.unit)
    return units


def requests_visible_to(user) -> QuerySet[AidRequest]:
    """A unit sees its own requests and those for its territory that units it succeeded made
    (a new commune reads the requests its old communes' district made for them); the units the
    matrix names by name for a step of the process (the provincial agencies that review,
    consolidate and approve) see all; whoever acts or acted on a request reads it."""
    requests = AidRequest.objects.select_related("district", "commune", "category")
    if user.is_superuser:
        return requests
    units = units_for_user(user)
    named = Responsibility.objects.valid_on(today()).filter(process=PROCESS, unit__in=units)
    if named.exists():
        return requests
    own = {unit.pk for unit in units}
    territory = own | predecessors_of(own)
    return requests.filter(Q(district__in=own) | Q(commune__in=territory) | worked_on(user))


def request_detail(pk: int) -> AidRequest:
    return (
        AidRequest.objects.select_related(
            "district", "commune", "category", "category__plan", "funding_source", "drafted_by"
        )
        .prefetch_related("lines", "reviews__unit", "reviews__reviewer", "attachments")
        .get(pk=pk)
    )


def overlapping_requests(request: AidRequest) -> QuerySet[AidRequest]:
    """Requests that clause II.4 would flag against this one."""
    return AidRequest.objects.overlapping(request).select_related("commune", "category")


def overdue_deliveries(*, on: dt.date | None = None) -> QuerySet[AidRequest]:
    """Approved requests not delivered by their due date."""
    return AidRequest.objects.filter(status=Status.APPROVED, delivery_due__lt=on or today())


def return_reason(request: AidRequest) -> str:
    """Why a request waiting, returned, for its drafter or its delivery's recorder was
    returned (the statuses and actions its declaration names), else ""."""
    return inbox.return_reason(request)


def delivery_return_reason(request: AidRequest) -> str:
    """Why the delivery record of a request waiting to be recorded again was returned (the
    reason of its last return), else ""."""
    if request.status != Status.DELIVERY_RETURNED:
        return ""
    return inbox.return_reason(request)
