"""The aid request process end to end through its services (issue: aid request process)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from workflows.aid_requests import services
from workflows.aid_requests.flows import AidRequestFlow
from workflows.aid_requests.models import AidRequest, Review, Status
from workflows.aid_requests.services import Line
from workflows.core.attachments import MAX_ATTACHMENT_BYTES
from workflows.core.errors import Conflict, PermissionDenied, RuleViolation
from workflows.core.models import AuditEvent, Notification
from workflows.core.notices import ASSIGNED
from workflows.core.timeline import timeline_for

from .conftest import (
    FULL_JOURNEY,
    request_input,
    source,
    to_approval,
    to_consolidation,
    to_delivery,
    to_review,
)

pytestmark = pytest.mark.django_db


def open_steps(aid: AidRequest) -> list[tuple[str, str | None]]:
    tasks = Task.objects.filter(process_id=aid.process_id, status__in=(STATUS.NEW, STATUS.ASSIGNED))
    return sorted((t.flow_task.name, t.data["actor"]["unit"]) for t in tasks)


def test_happy_path_with_parallel_review_and_delivery(cast, new_request):
    aid = new_request()
    assert aid.status == Status.DRAFT
    assert aid.requested_total == 120 * 250_000
    assert open_steps(aid) == [("draft", "d-bac-ai")]

    to_review(cast, aid)
    assert open_steps(aid) == [("review", "doet"), ("review", "doh")]

    aid = services.accept_review(user=cast.doet, request_id=aid.pk)
    assert aid.status == Status.UNDER_REVIEW  # DOH has not decided yet
    aid = services.accept_review(
        user=cast.doh, request_id=aid.pk, assessed_total=25_000_000, reason="Giảm số lượng sữa"
    )
    assert aid.status == Status.ACCEPTED
    assert aid.assessed_total == 25_000_000
    assert open_steps(aid) == [("consolidate", "dolisa")]

    aid = services.consolidate(
        user=cast.dolisa_officer, request_id=aid.pk, funding_source=source("donor_pledge")
    )
    assert open_steps(aid) == [("approve", "dolisa")]
    aid = services.approve(user=cast.dolisa_leader, request_id=aid.pk, comment="Đồng ý")
    assert open_steps(aid) == [("deliver", "d-bac-ai")]
    aid = services.record_delivery(
        user=cast.district_officer,
        request_id=aid.pk,
        delivered_on=aid.period_start.replace(month=3, day=10),
        children_reached=118,
        note="Sữa đã phát",
    )
    assert aid.status == Status.DELIVERED
    aid = services.confirm_delivery(user=cast.dolisa_officer, request_id=aid.pk)
    assert aid.status == Status.CLOSED
    assert open_steps(aid) == []
    aid.process.refresh_from_db()
    assert aid.process.status == STATUS.DONE

    events = list(timeline_for(aid))
    assert [e.action for e in events] == FULL_JOURNEY
    assert [e.to_status for e in events][-1] == Status.CLOSED
    assert events[2].unit.code == "d-bac-ai" and events[2].role == "leader"
    assert events[2].clause == "IV.12.b"
    assert {events[3].unit.code, events[4].unit.code} == {"doet", "doh"}
    assert events[6].clause == "IV.1.a"


def test_above_threshold_goes_to_the_provincial_leader(cast, new_request):
    aid = new_request(lines=(Line("Áo ấm", 2_000, 300_000),))  # 600,000,000 VND
    to_approval(cast, aid)
    assert open_steps(aid) == [("approve_ppc", "ppc")]
    with pytest.raises(PermissionDenied):
        services.approve(user=cast.dolisa_leader, request_id=aid.pk)
    aid = services.approve(user=cast.ppc_leader, request_id=aid.pk)
    assert aid.status == Status.APPROVED


def test_return_at_sign_off_goes_back_to_the_drafter_and_resubmits(cast, new_request):
    aid = new_request()
    services.submit(user=cast.drafter, request_id=aid.pk)
    with pytest.raises(ValidationError):
        services.return_for_revision(user=cast.district_leader, request_id=aid.pk, reason=" ")
    aid = services.return_for_revision(
        user=cast.district_leader, request_id=aid.pk, reason="Thiếu số liệu"
    )
    assert aid.status == Status.RETURNED
    draft = Task.objects.get(
        process_id=aid.process_id, flow_task=AidRequestFlow.draft, status="ASSIGNED"
    )
    assert draft.owner == cast.drafter
    # Another officer of the district cannot take the drafter's returned task.
    with pytest.raises(PermissionDenied):
        services.submit(user=cast.district_officer, request_id=aid.pk)
    services.update_draft(
        user=cast.drafter,
        request_id=aid.pk,
        data=request_input(lines=(Line("Sữa", 100, 250_000),), children_preschool=100),
    )
    aid = services.submit(user=cast.drafter, request_id=aid.pk)
    aid = services.sign_off(user=cast.district_leader, request_id=aid.pk)
    assert aid.status == Status.UNDER_REVIEW
    assert aid.requested_total == 25_000_000
    actions = [e.action for e in timeline_for(aid)]
    assert actions == ["create", "submit", "return", "edit", "submit", "sign_off"]


def test_return_at_review_cancels_the_parallel_review(cast, new_request):
    aid = new_request()
    to_review(cast, aid)
    aid = services.return_for_revision(
        user=cast.doh, request_id=aid.pk, reason="Cần đánh giá dinh dưỡng"
    )
    assert aid.status == Status.RETURNED
    assert open_steps(aid) == [("draft", "d-bac-ai")]
    cancelled = Task.objects.get(
        process_id=aid.process_id, flow_task=AidRequestFlow.review, status=STATUS.CANCELED
    )
    assert cancelled.data["actor"]["unit"] == "doet"
    assert Review.objects.get(request=aid).decision == Review.Decision.RETURNED
    # The DOET reviewer of the cancelled task now meets a conflict, not a silent success.
    with pytest.raises(Conflict):
        services.accept_review(user=cast.doet, request_id=aid.pk)
    # Resubmission opens a second review round with both reviewers again.
    services.submit(user=cast.drafter, request_id=aid.pk)
    aid = services.sign_off(user=cast.district_leader, request_id=aid.pk)
    assert aid.review_round == 2
    assert open_steps(aid) == [("review", "doet"), ("review", "doh")]


@pytest.mark.parametrize("step", ["sign_off", "review", "consolidate", "approve"])
def test_reject_at_each_step(cast, new_request, step):
    aid = new_request()
    deciders = {
        "sign_off": cast.district_leader,
        "review": cast.doet,
        "consolidate": cast.dolisa_officer,
        "approve": cast.dolisa_leader,
    }
    if step == "sign_off":
        services.submit(user=cast.drafter, request_id=aid.pk)
    elif step == "review":
        to_review(cast, aid)
    elif step == "consolidate":
        to_consolidation(cast, aid)
    else:
        to_approval(cast, aid)
    aid = services.reject(user=deciders[step], request_id=aid.pk, reason="Không phù hợp")
    assert aid.status == Status.REJECTED
    assert open_steps(aid) == []
    aid.process.refresh_from_db()
    assert aid.process.status == STATUS.DONE
    last = timeline_for(aid).last()
    assert (last.action, last.to_status, last.comment) == ("reject", "rejected", "Không phù hợp")


def test_withdraw_by_drafter_only(cast, new_request):
    aid = new_request()
    with pytest.raises(PermissionDenied):
        services.withdraw(user=cast.district_officer, request_id=aid.pk)
    aid = services.withdraw(user=cast.drafter, request_id=aid.pk, comment="Trùng kế hoạch")
    assert aid.status == Status.WITHDRAWN
    assert open_steps(aid) == []


def test_the_drafter_cannot_sign_off_their_own_request(cast, make_member, work_day):
    both = make_member("d-bac-ai", "officer", username="both")
    from agencies.models import Unit
    from agencies.services import grant_membership

    grant_membership(
        user=both, unit=Unit.objects.get(code="d-bac-ai"), role="leader", valid_from=work_day.date()
    )
    aid = services.create_request(user=both, data=request_input())
    services.submit(user=both, request_id=aid.pk)
    with translation.override("en"), pytest.raises(PermissionDenied, match="cannot sign it off"):
        services.sign_off(user=both, request_id=aid.pk)
    assert AidRequest.objects.get(pk=aid.pk).status == Status.SUBMITTED
    services.sign_off(user=cast.district_leader, request_id=aid.pk)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"commune": "c-my-son"}, "commune"),  # in Ninh Sơn, not Bác Ái
        ({"children_preschool": 0}, "children_preschool"),
        ({"lines": ()}, "lines"),
        ({"lines": (Line("Sữa", 0, 1000),)}, "lines"),
        ({"lines": (Line("Sữa", 5, -1),)}, "lines"),
        ({"year": 2030}, "year"),
    ],
)
def test_invalid_input_saves_nothing(cast, changes, field):
    before = (AidRequest.objects.count(), Task.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as excinfo:
        services.create_request(user=cast.drafter, data=request_input(**changes))
    assert field in excinfo.value.message_dict
    assert (AidRequest.objects.count(), Task.objects.count(), AuditEvent.objects.count()) == before


def test_other_district_cannot_draft_for_bac_ai(cast):
    with pytest.raises(PermissionDenied):
        services.create_request(user=cast.everyone["d-ninh-son", "officer"], data=request_input())
    assert not AidRequest.objects.exists()


def test_overlap_is_flagged_until_resolved(cast, new_request):
    first = new_request()
    to_approval(cast, first)
    second = new_request()
    to_consolidation(cast, second)
    with pytest.raises(RuleViolation, match=r"II\.4"):
        services.consolidate(
            user=cast.dolisa_officer, request_id=second.pk, funding_source=source("donor_pledge")
        )
    assert AidRequest.objects.get(pk=second.pk).status == Status.ACCEPTED
    with pytest.raises(ValidationError):
        services.consolidate(
            user=cast.dolisa_officer,
            request_id=second.pk,
            funding_source=source("donor_pledge"),
            resolution="reduced",
            note="Giảm phần trùng",
            reduced_total=second.amount + 1,
        )
    aid = services.consolidate(
        user=cast.dolisa_officer,
        request_id=second.pk,
        funding_source=source("donor_pledge"),
        resolution="reduced",
        note="Giảm phần trùng",
        reduced_total=10_000_000,
    )
    assert (aid.status, aid.assessed_total) == (Status.CONSOLIDATED, 10_000_000)
    assert timeline_for(aid).last().data["overlaps"] == [first.pk]


def test_state_budget_cannot_fund_children(cast, new_request):
    aid = new_request()
    to_consolidation(cast, aid)
    with pytest.raises(RuleViolation, match=r"III\.2"):
        services.consolidate(
            user=cast.dolisa_officer, request_id=aid.pk, funding_source=source("state_budget")
        )
    assert AidRequest.objects.get(pk=aid.pk).status == Status.ACCEPTED


def test_overdue_delivery_is_shown(cast, new_request):
    import datetime as dt

    from workflows.aid_requests.selectors import overdue_deliveries

    aid = new_request()
    to_delivery(cast, aid)
    assert not overdue_deliveries(on=dt.date(2023, 12, 31)).exists()
    assert list(overdue_deliveries(on=dt.date(2024, 1, 1))) == [AidRequest.objects.get(pk=aid.pk)]


def test_the_list_shows_overdue_deliveries(cast, new_request, client):
    import datetime as dt

    import time_machine
    from django.urls import reverse

    delivered, late = new_request(year=2022), new_request(year=2023)
    for aid in (delivered, late):
        to_delivery(cast, aid)
    services.record_delivery(
        user=cast.drafter,
        request_id=delivered.pk,
        delivered_on=dt.date(2023, 3, 1),
        children_reached=5,
    )
    with time_machine.travel(dt.datetime(2024, 1, 2, 9, tzinfo=dt.UTC), tick=False):
        client.force_login(cast.dolisa_officer)
        page = client.get(reverse("aid_requests:list"), {"overdue": "1"}).content.decode()
    assert str(late) in page and str(delivered) not in page


def test_audit_events_are_append_only(cast, new_request):
    from workflows.core.models import AppendOnlyError

    aid = new_request()
    event = timeline_for(aid).first()
    event.comment = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(comment="x")


@pytest.mark.parametrize(
    ("name", "size"),
    [("danh-sach.exe", 100), ("danh-sach.pdf", MAX_ATTACHMENT_BYTES + 1)],
)
def test_attachments_are_limited_in_type_and_size(cast, name, size):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, b"x" * size)
    with pytest.raises(ValidationError) as excinfo:
        services.create_request(user=cast.drafter, data=request_input(), attachments=[upload])
    assert "attachments" in excinfo.value.message_dict
    assert not AidRequest.objects.exists()


def test_needs_assessment_is_kept_with_the_request(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("danh-gia-nhu-cau.pdf", b"%PDF-1.4 ...")
    aid = services.create_request(user=cast.drafter, data=request_input(), attachments=[upload])
    assert [a.kind for a in aid.attachments.all()] == ["needs"]


def test_a_refused_file_leaves_none_of_the_others_stored(cast, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    aid = services.create_request(user=cast.drafter, data=request_input())
    files = [SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 ..."), SimpleUploadedFile("x.exe", b"x")]
    with pytest.raises(ValidationError):
        services.update_draft(
            user=cast.drafter, request_id=aid.pk, data=request_input(), attachments=files
        )
    assert not aid.attachments.exists()
    assert not any(tmp_path.iterdir())


def test_ethnic_breakdown_cannot_exceed_the_children(cast):
    from dataclasses import replace

    data = replace(request_input(children_preschool=10), ethnic_breakdown={"Raglai": 11})
    with pytest.raises(ValidationError) as excinfo:
        services.create_request(user=cast.drafter, data=data)
    assert "ethnic_breakdown" in excinfo.value.message_dict


def test_one_review_of_two_tells_no_one_and_the_last_tells_dolisa(cast, new_request):
    """A step's notices are of the tasks it opened: the first of two parallel reviews opens
    none (the other reviewer was told when their own task opened), the second opens DOLISA's
    consolidation, told to its officer."""
    aid = new_request()
    to_review(cast, aid)
    told = Notification.objects.filter(kind=ASSIGNED)
    assert told.filter(recipient=cast.doh).count() == 1
    before = told.count()
    services.accept_review(user=cast.doet, request_id=aid.pk)
    assert told.count() == before
    services.accept_review(user=cast.doh, request_id=aid.pk)
    new = told.order_by("id")[before:]
    assert {n.recipient for n in new} == {cast.dolisa_officer}
