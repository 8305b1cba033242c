"""For every step, every other unit and role is refused with 403 and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from viewflow.workflow.models import Task

from workflows.aid_requests import services
from workflows.aid_requests.models import AidRequest
from workflows.core.errors import PermissionDenied
from workflows.core.models import AuditEvent

from .conftest import source, to_approval, to_consolidation, to_delivery, to_review

pytestmark = pytest.mark.django_db


def snapshot(aid: AidRequest):
    tasks = Task.objects.filter(process_id=aid.process_id).values("status").annotate(n=Count("id"))
    return (
        AidRequest.objects.get(pk=aid.pk).status,
        sorted((t["status"], t["n"]) for t in tasks),
        AuditEvent.objects.count(),
    )


def act(step: str, user, aid: AidRequest) -> None:
    """The step's main action, as its rightful actor would perform it."""
    pk = aid.pk
    if step == "draft":
        services.submit(user=user, request_id=pk)
    elif step == "sign_off":
        services.sign_off(user=user, request_id=pk)
    elif step == "review":
        services.accept_review(user=user, request_id=pk)
    elif step == "consolidate":
        services.consolidate(user=user, request_id=pk, funding_source=source("donor_pledge"))
    elif step == "approve":
        services.approve(user=user, request_id=pk)
    elif step == "deliver":
        services.record_delivery(
            user=user, request_id=pk, delivered_on=dt.date(2023, 3, 1), children_reached=10
        )
    else:
        services.confirm_delivery(user=user, request_id=pk)


def prepare(step: str, cast, aid: AidRequest) -> None:
    if step == "sign_off":
        services.submit(user=cast.drafter, request_id=aid.pk)
    elif step == "review":
        to_review(cast, aid)
    elif step == "consolidate":
        to_consolidation(cast, aid)
    elif step == "approve":
        to_approval(cast, aid)
    elif step == "deliver":
        to_delivery(cast, aid)
    elif step == "confirm_delivery":
        to_delivery(cast, aid)
        act("deliver", cast.drafter, aid)


RIGHTFUL = {
    "draft": {("d-bac-ai", "officer")},
    "sign_off": {("d-bac-ai", "leader")},
    "review": {("doet", "officer"), ("doh", "officer")},
    "consolidate": {("dolisa", "officer")},
    "approve": {("dolisa", "leader")},
    "deliver": {("d-bac-ai", "officer")},
    "confirm_delivery": {("dolisa", "officer")},
}


@pytest.mark.parametrize("step", list(RIGHTFUL))
def test_every_other_unit_and_role_is_refused(cast, new_request, step):
    aid = new_request()
    prepare(step, cast, aid)
    before = snapshot(aid)
    outsiders = [
        user for (unit, role), user in cast.everyone.items() if (unit, role) not in RIGHTFUL[step]
    ]
    assert len(outsiders) >= 21
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            act(step, user, aid)
        assert snapshot(aid) == before, f"{user} changed the request at {step}"
    rightful = next(
        u for (unit, role), u in cast.everyone.items() if (unit, role) in RIGHTFUL[step]
    )
    act(step, rightful, aid)
    assert snapshot(aid) != before


def test_expired_membership_cannot_act(cast, new_request, make_member):
    aid = new_request()
    services.submit(user=cast.drafter, request_id=aid.pk)
    former = make_member(
        "d-bac-ai", "leader", valid_from=dt.date(2019, 1, 1), valid_to=dt.date(2022, 12, 31)
    )
    with pytest.raises(PermissionDenied):
        services.sign_off(user=former, request_id=aid.pk)
