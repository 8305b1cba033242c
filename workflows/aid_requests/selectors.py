"""Reads for aid requests: what a user may see, what they may do, what is overdue."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from viewflow.workflow.models import Task

from agencies.models import UnitKind
from agencies.selectors import today, units_for_user
from workflows.core.selectors import actionable_tasks

from .models import AidRequest, Status


def requests_visible_to(user) -> QuerySet[AidRequest]:
    """District staff see their district's requests; provincial agencies see all."""
    requests = AidRequest.objects.select_related("district", "commune", "category")
    if user.is_superuser:
        return requests
    units = units_for_user(user)
    if units.exclude(kind__in=(UnitKind.DISTRICT, UnitKind.COMMUNE)).exists():
        return requests
    return requests.filter(district__in=units)


def request_detail(pk: int) -> AidRequest:
    return (
        AidRequest.objects.select_related(
            "district", "commune", "category", "category__plan", "funding_source", "drafted_by"
        )
        .prefetch_related("lines", "reviews__unit", "reviews__reviewer", "attachments")
        .get(pk=pk)
    )


def task_for(user, request: AidRequest) -> Task | None:
    """The open task of this request the user may act on, if any."""
    if request.process_id is None:
        return None
    return actionable_tasks(user, process_ids=[request.process_id]).first()


def overlapping_requests(request: AidRequest) -> QuerySet[AidRequest]:
    """Requests that clause II.4 would flag against this one."""
    return AidRequest.objects.overlapping(request).select_related("commune", "category")


def overdue_deliveries(*, on: dt.date | None = None) -> QuerySet[AidRequest]:
    """Approved requests not delivered by their due date."""
    return AidRequest.objects.filter(status=Status.APPROVED, delivery_due__lt=on or today())
