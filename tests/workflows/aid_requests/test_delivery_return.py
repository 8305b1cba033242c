"""The confirming officer returns a delivery record to whoever recorded it, with a reason,
instead of confirming it (issue #12, item 5): back at the delivery step, recorded again, then
confirmed; nobody else may return it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from workflows.aid_requests import selectors, services
from workflows.aid_requests.actions import AID_REQUEST
from workflows.aid_requests.flows import AidRequestFlow
from workflows.aid_requests.models import AidRequest, Status
from workflows.core.errors import PermissionDenied
from workflows.core.models import AuditEvent
from workflows.core.timeline import timeline_for

from .conftest import FULL_JOURNEY, WORK_DAY, to_delivery

pytestmark = pytest.mark.django_db

REASON = "Biên bản bàn giao thiếu chữ ký của nhà trường"
REFUSAL_VI = "Bạn không giữ đơn vị và vai trò mà kế hoạch giao cho bước này."
RETURNED_JOURNEY = [*FULL_JOURNEY[:-1], "return_delivery", "deliver", "confirm_delivery"]


def delivered(cast, aid, *, by=None, children_reached=118, evidence=()):
    to_delivery(cast, aid)
    return services.record_delivery(
        user=by or cast.district_officer,
        request_id=aid.pk,
        delivered_on=dt.date(2023, 3, 10),
        children_reached=children_reached,
        note="Sữa đã phát",
        evidence=evidence,
    )


def open_deliver_task(aid) -> Task:
    return Task.objects.get(
        process_id=aid.process_id,
        flow_task=AidRequestFlow.deliver,
        status__in=(STATUS.NEW, STATUS.ASSIGNED),
    )


def test_return_goes_back_to_the_recorder_then_is_recorded_again_and_confirmed(cast, new_request):
    aid = delivered(cast, new_request())
    assert aid.delivery_recorded_by == cast.district_officer

    aid = services.return_delivery(user=cast.dolisa_officer, request_id=aid.pk, reason=REASON)
    assert aid.status == Status.DELIVERY_RETURNED
    # What was recorded stays on the request until it is recorded again.
    assert (aid.delivered_on, aid.children_reached) == (dt.date(2023, 3, 10), 118)
    task = open_deliver_task(aid)
    assert task.status == STATUS.ASSIGNED and task.owner == cast.district_officer
    assert task.data["actor"]["unit"] == "d-bac-ai"
    assert selectors.delivery_return_reason(aid) == REASON

    event = AuditEvent.objects.get(process_id=aid.process_id, action="return_delivery")
    assert (event.from_status, event.to_status) == (Status.DELIVERED, Status.DELIVERY_RETURNED)
    assert event.comment == REASON and event.actor == cast.dolisa_officer
    assert (event.unit.code, event.role, event.step) == ("dolisa", "officer", "confirm_delivery")
    assert event.clause == "IV.1.d"

    # Another officer of the district cannot take the recorder's returned task.
    with pytest.raises(PermissionDenied):
        services.record_delivery(
            user=cast.drafter,
            request_id=aid.pk,
            delivered_on=dt.date(2023, 3, 10),
            children_reached=120,
        )
    aid = services.record_delivery(
        user=cast.district_officer,
        request_id=aid.pk,
        delivered_on=dt.date(2023, 3, 11),
        children_reached=120,
        note="Sữa đã phát, biên bản có chữ ký",
    )
    assert aid.status == Status.DELIVERED
    assert (aid.delivered_on, aid.children_reached) == (dt.date(2023, 3, 11), 120)
    assert selectors.delivery_return_reason(aid) == ""

    aid = services.confirm_delivery(user=cast.dolisa_officer, request_id=aid.pk)
    assert aid.status == Status.CLOSED
    aid.process.refresh_from_db()
    assert aid.process.status == STATUS.DONE
    events = list(timeline_for(aid))
    assert [e.action for e in events] == RETURNED_JOURNEY
    redone = events[-2]
    assert (redone.from_status, redone.to_status) == (Status.DELIVERY_RETURNED, Status.DELIVERED)
    assert redone.actor == cast.district_officer


def test_a_recorder_who_has_left_the_role_leaves_the_task_in_the_queue(
    cast, new_request, make_member
):
    leaving = make_member("d-bac-ai", "officer", valid_to=dt.date(2023, 3, 15))
    aid = delivered(cast, new_request(), by=leaving)
    with time_machine.travel(WORK_DAY + dt.timedelta(days=1), tick=False):
        services.return_delivery(user=cast.dolisa_officer, request_id=aid.pk, reason=REASON)
        task = open_deliver_task(aid)
        assert task.status == STATUS.NEW and task.owner is None
        aid = services.record_delivery(
            user=cast.drafter,
            request_id=aid.pk,
            delivered_on=dt.date(2023, 3, 10),
            children_reached=118,
        )
    assert aid.status == Status.DELIVERED and aid.delivery_recorded_by == cast.drafter


def test_a_return_needs_a_reason(cast, new_request):
    aid = delivered(cast, new_request())
    with pytest.raises(ValidationError) as excinfo:
        services.return_delivery(user=cast.dolisa_officer, request_id=aid.pk, reason="  ")
    assert "reason" in excinfo.value.message_dict
    aid.refresh_from_db()
    assert aid.status == Status.DELIVERED
    assert not AuditEvent.objects.filter(action="return_delivery").exists()


@pytest.mark.parametrize(
    "who",
    [
        ("d-bac-ai", "officer"),  # the district that recorded it
        ("d-bac-ai", "leader"),
        ("dolisa", "leader"),  # DOLISA, but not the role the matrix names
        ("doh", "officer"),
        ("ppc", "leader"),
    ],
)
def test_only_the_confirmer_may_return(cast, new_request, who):
    aid = delivered(cast, new_request())
    with pytest.raises(PermissionDenied):
        services.return_delivery(user=cast.everyone[who], request_id=aid.pk, reason=REASON)
    aid.refresh_from_db()
    assert aid.status == Status.DELIVERED
    assert not AuditEvent.objects.filter(action="return_delivery").exists()
    task = Task.objects.get(process_id=aid.process_id, flow_task=AidRequestFlow.confirm_delivery)
    assert task.status == STATUS.NEW


def test_the_return_is_declared_on_the_confirm_step_only():
    action = AID_REQUEST.action("return_delivery")
    assert action is not None and action.reason and not action.destructive
    assert action.fsm_transition == "return_delivery"
    assert AID_REQUEST.nodes_for("return_delivery") == (AidRequestFlow.confirm_delivery,)
    assert "aid_request.confirm_delivery" in AID_REQUEST.matrix_steps()


def login(client, user):
    client.force_login(user)
    return client


def act(client, aid, action, data=None):
    payload = {f"{action}-{k}": v for k, v in (data or {}).items()}
    return client.post(reverse("aid_requests:act", args=[aid.pk, action]), payload)


def test_return_over_http(client, cast, new_request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    evidence = SimpleUploadedFile("bien-ban-ban-giao.pdf", b"%PDF-1.4 ...")
    aid = delivered(cast, new_request(), evidence=[evidence])
    detail = reverse("aid_requests:detail", args=[aid.pk])

    # The confirmer sees what was recorded, the evidence and both actions.
    page = login(client, cast.dolisa_officer).get(detail).content.decode()
    file = aid.attachments.get(kind="evidence")
    assert reverse("tasks:file", args=[file.folder, file.pk]) in page
    assert "10/03/2023" in page and "118" in page
    assert 'class="action action-confirm_delivery"' in page
    assert 'class="action action-return_delivery"' in page
    assert 'name="return_delivery-reason"' in page

    assert act(client, aid, "return_delivery", {"reason": " "}).status_code == 400
    aid.refresh_from_db()
    assert aid.status == Status.DELIVERED
    assert act(client, aid, "return_delivery", {"reason": REASON}).status_code == 302
    aid.refresh_from_db()
    assert aid.status == Status.DELIVERY_RETURNED
    assert "action-return_delivery" not in client.get(detail).content.decode()

    # The recorder has the task again, its form filled with what was recorded.
    login(client, cast.district_officer)
    assert str(aid) in client.get(reverse("tasks:inbox")).content.decode()
    page = client.get(detail).content.decode()
    assert 'class="action action-deliver"' in page
    assert 'name="deliver-children_reached" value="118"' in page
    assert REASON in page  # on the timeline
    ok = act(
        client,
        aid,
        "deliver",
        {"delivered_on": "11/03/2023", "children_reached": 120, "note": "Đã bổ sung biên bản"},
    )
    assert ok.status_code == 302
    login(client, cast.dolisa_officer)
    assert act(client, aid, "confirm_delivery").status_code == 302
    aid.refresh_from_db()
    assert aid.status == Status.CLOSED
    assert [e.action for e in timeline_for(aid)] == RETURNED_JOURNEY


def test_someone_else_is_refused_over_http_in_vietnamese(client, cast, new_request):
    aid = delivered(cast, new_request())
    login(client, cast.dolisa_leader)
    assert (
        "action-return_delivery"
        not in client.get(reverse("aid_requests:detail", args=[aid.pk])).content.decode()
    )
    refused = act(client, aid, "return_delivery", {"reason": REASON})
    assert refused.status_code == 403
    assert REFUSAL_VI in refused.content.decode()
    assert AidRequest.objects.get(pk=aid.pk).status == Status.DELIVERED
    assert not AuditEvent.objects.filter(action="return_delivery").exists()
