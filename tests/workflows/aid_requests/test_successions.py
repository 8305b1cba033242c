"""After 1 July 2025 the work of the abolished districts follows the successions in the plan
data: a pending delivery moves to the queue of the new commune that took over its commune."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from viewflow.workflow.models import Task

from agencies.selectors import permission_for
from workflows.aid_requests import services
from workflows.aid_requests.models import Status
from workflows.core.successions import move_work_of_ended_units
from workflows.core.timeline import timeline_for

from .conftest import to_delivery

pytestmark = pytest.mark.django_db
REORGANISED = dt.date(2025, 7, 1)
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def open_task(aid) -> Task:
    return Task.objects.get(process_id=aid.process_id, status__in=("NEW", "ASSIGNED"))


def test_a_pending_delivery_for_phuoc_binh_moves_to_bac_ai_tay(cast, new_request):
    aid = new_request(commune="c-phuoc-binh")
    aid = to_delivery(cast, aid)
    assert aid.status == Status.APPROVED
    task = open_task(aid)
    assert task.owner_permission == permission_for(unit_code="d-bac-ai", role_code="officer")

    assert move_work_of_ended_units(on=REORGANISED) == 1
    task.refresh_from_db()
    assert task.flow_task.name == "deliver"
    assert task.owner_permission == permission_for(unit_code="c-bac-ai-tay", role_code="officer")
    assert task.data["actor"]["unit"] == "c-bac-ai-tay"
    events = list(timeline_for(aid))
    moved = events[-1]
    assert (moved.action, moved.unit.code, moved.role) == ("move", "c-bac-ai-tay", "officer")
    assert "1667/NQ-UBTVQH15" in moved.comment
    assert moved.data["from_unit"] == "d-bac-ai"
    assert {e.unit.code for e in events if e.action in ("create", "submit", "sign_off")} == {
        "d-bac-ai"
    }  # history stays attributed to the district
    assert move_work_of_ended_units(on=REORGANISED) == 0  # a second run moves nothing


def test_the_successor_delivers_and_the_next_step_follows_the_successions(
    cast, new_request, make_member
):
    aid = to_delivery(cast, new_request(commune="c-phuoc-binh"))
    move_work_of_ended_units(on=REORGANISED)
    officer = make_member("c-bac-ai-tay", "officer", valid_from=REORGANISED)
    with time_machine.travel(dt.datetime(2025, 7, 15, 9, tzinfo=VIETNAM), tick=False):
        services.record_delivery(
            user=officer,
            request_id=aid.pk,
            delivered_on=dt.date(2025, 7, 14),
            children_reached=100,
            note="Đã trao sữa",
        )
    task = open_task(aid)
    assert task.flow_task.name == "confirm_delivery"
    # DOLISA's child-related steps went to Sở Y tế (01/03/2025), then to Khánh Hòa's (01/07).
    assert task.data["actor"] | {"unit_id": 0} == {
        "unit": "kh-doh",
        "unit_id": 0,
        "role": "officer",
        "clause": "IV.1.d",
        "permission": permission_for(unit_code="kh-doh", role_code="officer"),
    }
    health = make_member("kh-doh", "officer", valid_from=REORGANISED)
    with time_machine.travel(dt.datetime(2025, 7, 20, 9, tzinfo=VIETNAM), tick=False):
        aid = services.confirm_delivery(user=health, request_id=aid.pk)
    assert aid.status == Status.CLOSED


def test_a_new_communes_members_read_the_requests_made_for_its_old_communes(
    cast, new_request, make_member
):
    """Bác Ái Tây's officer reads Bác Ái's request for Phước Bình, one of the communes it was
    formed from, but not its request for Phước Chính (now part of xã Bác Ái)."""
    from workflows.aid_requests.selectors import requests_visible_to

    for_phuoc_binh = new_request(commune="c-phuoc-binh")
    for_phuoc_chinh = new_request(commune="c-phuoc-chinh")
    officer = make_member("c-bac-ai-tay", "officer", username="tay", valid_from=REORGANISED)

    with time_machine.travel(dt.datetime(2025, 8, 1, 9, tzinfo=VIETNAM), tick=False):
        visible = set(requests_visible_to(officer).values_list("pk", flat=True))

    assert for_phuoc_binh.pk in visible
    assert for_phuoc_chinh.pk not in visible


def test_the_holder_of_a_task_reads_its_record_whatever_the_matrix_names(
    client, cast, new_request, make_member
):
    """Khánh Hòa's health department holds the delivery confirmation through the successions,
    though no row of Ninh Thuận's matrix names it: its officer opens the request and acts."""
    from django.urls import reverse

    from workflows.aid_requests.selectors import requests_visible_to

    aid = to_delivery(cast, new_request(commune="c-phuoc-binh"))
    move_work_of_ended_units(on=REORGANISED)
    officer = make_member("c-bac-ai-tay", "officer", valid_from=REORGANISED)
    health = make_member("kh-doh", "officer", valid_from=REORGANISED)
    with time_machine.travel(dt.datetime(2025, 7, 15, 9, tzinfo=VIETNAM), tick=False):
        assert aid not in requests_visible_to(health)  # nothing to do there yet
        services.record_delivery(
            user=officer, request_id=aid.pk, delivered_on=dt.date(2025, 7, 14), children_reached=9
        )
        assert aid in requests_visible_to(health)
        client.force_login(health)
        assert client.get(reverse("aid_requests:detail", args=[aid.pk])).status_code == 200
        url = reverse("aid_requests:act", args=[aid.pk, "confirm_delivery"])
        assert client.post(url).status_code == 302
        aid.refresh_from_db()
        assert aid.status == Status.CLOSED
    other = make_member("kh-doh", "officer", username="kh-doh.other", valid_from=REORGANISED)
    with time_machine.travel(dt.datetime(2025, 7, 16, 9, tzinfo=VIETNAM), tick=False):
        assert aid in requests_visible_to(health)  # who acted on it still reads it (archive)
        assert aid not in requests_visible_to(other)  # the unit's others only while it waits
