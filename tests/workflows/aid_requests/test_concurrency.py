"""Two leaders signing off the same request at the same moment: exactly one succeeds."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from workflows.aid_requests import services
from workflows.aid_requests.models import AidRequest, Status
from workflows.core.errors import Conflict, PermissionDenied
from workflows.core.timeline import timeline_for


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_completion_of_one_task(cast, new_request, make_member):
    second_leader = make_member("d-bac-ai", "leader", username="d-bac-ai.leader2")
    aid = new_request()
    services.submit(user=cast.drafter, request_id=aid.pk)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(user):
        try:
            barrier.wait(timeout=10)
            services.sign_off(user=user, request_id=aid.pk)
            outcomes.append("ok")
        except (Conflict, PermissionDenied) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign, args=(u,)) for u in (cast.district_leader, second_leader)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["Conflict", "ok"]
    aid = AidRequest.objects.get(pk=aid.pk)
    assert aid.status == Status.UNDER_REVIEW
    assert aid.review_round == 1
    assert [e.action for e in timeline_for(aid)].count("sign_off") == 1
