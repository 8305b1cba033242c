"""What a request's author (the district officer who drafted it) hears of it: each outcome its
step's action declares (tells=…), whatever the action is called (workflows.core.declaration)."""

from __future__ import annotations

import pytest

from workflows.aid_requests import services
from workflows.core.declaration import DECIDED, RETURNED
from workflows.core.models import Notification

from .conftest import to_delivery

pytestmark = pytest.mark.django_db


def told(user) -> list[tuple[str, str]]:
    outcomes = Notification.objects.filter(recipient=user, kind__in=(DECIDED, RETURNED))
    return [(n.kind, n.body) for n in outcomes.order_by("id")]


def test_the_author_hears_the_approval_a_returned_delivery_and_the_closing(cast, new_request):
    aid = new_request()
    to_delivery(cast, aid)
    assert [kind for kind, _body in told(cast.drafter)] == [DECIDED]  # approved, not yet closed

    services.record_delivery(
        user=cast.drafter, request_id=aid.pk, delivered_on=aid.period_start, children_reached=100
    )
    services.return_delivery(user=cast.dolisa_officer, request_id=aid.pk, reason="Thiếu biên bản")
    services.record_delivery(
        user=cast.drafter, request_id=aid.pk, delivered_on=aid.period_start, children_reached=100
    )
    services.confirm_delivery(user=cast.dolisa_officer, request_id=aid.pk)

    assert [kind for kind, _body in told(cast.drafter)] == [DECIDED, RETURNED, DECIDED]
    assert not told(cast.dolisa_officer)  # who acted is not told of their own step
