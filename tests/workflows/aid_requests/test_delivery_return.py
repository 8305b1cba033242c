"""The confirming officer returns a delivery record to whoever recorded it, with a reason,
instead of confirming it (issue #12, item 5): back at the delivery step, recorded again, then
confirmed; nobody else may return it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

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
from workflows.commendations.actions import COMMENDATION
from workflows.core.errors import PermissionDenied
from workflows.core.inbox import task_rows
from workflows.core.models import AuditEvent
from workflows.core.timeline import timeline_for
from workflows.reporting.actions import CONSOLIDATION

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


# --- the return's mark and reason where the recorder reads it (issue #12, item 5) ---

REVIEW_REASON = "Thiếu danh sách trẻ theo từng trường"


def review_returned_then_delivery_returned(cast, aid):
    """Returned at sign-off, resubmitted, delivered, then its delivery returned."""
    services.submit(user=cast.drafter, request_id=aid.pk)
    services.return_for_revision(user=cast.district_leader, request_id=aid.pk, reason=REVIEW_REASON)
    aid = delivered(cast, aid)
    return services.return_delivery(user=cast.dolisa_officer, request_id=aid.pk, reason=REASON)


def alert(page: str) -> str:
    """The page's return alert (its status and reason), else ""."""
    start = page.find('class="alert alert-warning return-reason"')
    return page[start : page.index("</div>", start)] if start >= 0 else ""


def test_the_declaration_says_which_statuses_are_returned_and_by_what():
    assert AID_REQUEST.returns == {
        Status.RETURNED: "return",
        Status.DELIVERY_RETURNED: "return_delivery",
    }
    assert AID_REQUEST.return_action(Status.DELIVERY_RETURNED) == "return_delivery"
    assert AID_REQUEST.return_action(Status.DELIVERED) is None
    assert COMMENDATION.returns == {"returned": "return"}  # the default: the review return
    assert CONSOLIDATION.returns == {}  # no status "returned": nothing by default
    with pytest.raises(ValueError):
        dataclasses.replace(AID_REQUEST, returns={Status.DELIVERED: "no_such_action"})
    with pytest.raises(ValueError):
        dataclasses.replace(AID_REQUEST, returns={"no_such_status": "return"})


def test_inbox_rows_carry_each_return_with_its_own_reason_in_one_query(
    cast, new_request, django_assert_num_queries
):
    twice = review_returned_then_delivery_returned(cast, new_request())
    once = new_request(commune="c-phuoc-thanh")
    services.submit(user=cast.drafter, request_id=once.pk)
    services.return_for_revision(user=cast.district_leader, request_id=once.pk, reason="Sai năm")
    plain = new_request(commune="c-phuoc-chinh")
    tasks = list(
        Task.objects.filter(
            process_id__in=[twice.process_id, once.process_id, plain.process_id],
            flow_task_type="HUMAN",
            status__in=(STATUS.NEW, STATUS.ASSIGNED),
        )
    )
    assert len(tasks) == 3
    with django_assert_num_queries(2):  # the requests, then every return's reason
        rows = {row["subject"].pk: row for row in task_rows(tasks)}
    assert (rows[twice.pk]["returned"], rows[twice.pk]["return_reason"]) == (True, REASON)
    assert (rows[once.pk]["returned"], rows[once.pk]["return_reason"]) == (True, "Sai năm")
    assert (rows[plain.pk]["returned"], rows[plain.pk]["return_reason"]) == (False, "")


def test_the_recorders_inbox_marks_the_returned_delivery_with_its_reason(client, cast, new_request):
    aid = review_returned_then_delivery_returned(cast, new_request())
    html = login(client, cast.district_officer).get(reverse("tasks:inbox")).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], flags=re.S)
    row = next(r for r in rows if str(aid) in r)
    assert 'class="returned"' in row and "Bị trả lại" in row
    assert REASON in row and REVIEW_REASON not in row


def test_detail_and_delivery_forms_show_why_the_delivery_was_returned(client, cast, new_request):
    aid = review_returned_then_delivery_returned(cast, new_request())
    login(client, cast.district_officer)
    page = client.get(reverse("aid_requests:detail", args=[aid.pk])).content.decode()
    shown = alert(page)
    assert "Kết quả trao hỗ trợ bị trả lại để bổ sung" in shown and REASON in shown
    assert REVIEW_REASON not in shown
    # The delivery form, inline on the page and on its own page, reads the reason too.
    inline = page[page.index('class="action action-deliver"') :]
    assert 'class="return-reason"' in inline.split("</form>")[0]
    assert REASON in inline.split("</form>")[0]
    own = client.get(reverse("aid_requests:act", args=[aid.pk, "deliver"])).content.decode()
    form = own[own.index('class="action action-deliver"') :].split("</form>")[0]
    assert 'class="return-reason"' in form and REASON in form
    assert 'name="deliver-children_reached" value="118"' in form

    # Recorded again: no return is shown any more.
    services.record_delivery(
        user=cast.district_officer,
        request_id=aid.pk,
        delivered_on=dt.date(2023, 3, 11),
        children_reached=120,
    )
    page = client.get(reverse("aid_requests:detail", args=[aid.pk])).content.decode()
    assert alert(page) == "" and "return-reason" not in page


def test_the_returners_words_are_escaped_in_the_delivery_form(client, cast, new_request):
    aid = delivered(cast, new_request())
    services.return_delivery(
        user=cast.dolisa_officer, request_id=aid.pk, reason="<b>Thiếu</b> biên bản"
    )
    login(client, cast.district_officer)
    own = client.get(reverse("aid_requests:act", args=[aid.pk, "deliver"])).content.decode()
    assert "&lt;b&gt;Thiếu&lt;/b&gt; biên bản" in own and "<b>Thiếu</b>" not in own


def test_the_edit_form_shows_why_the_request_was_returned(client, cast, new_request):
    aid = new_request()
    edit = reverse("aid_requests:edit", args=[aid.pk])
    login(client, cast.drafter)
    assert alert(client.get(edit).content.decode()) == ""  # a draft never returned
    services.submit(user=cast.drafter, request_id=aid.pk)
    services.return_for_revision(user=cast.district_leader, request_id=aid.pk, reason=REVIEW_REASON)
    shown = alert(client.get(edit).content.decode())
    assert "Trả lại để chỉnh sửa" in shown and REVIEW_REASON in shown
    detail = client.get(reverse("aid_requests:detail", args=[aid.pk])).content.decode()
    assert REVIEW_REASON in alert(detail)
