"""Bulk actions on the inbox (issue #12, item 4): queue tasks taken several at once, several
commendations approved with one decision, each through the door in its own transaction with
its own result; and the inbox's "overdue only" filter, kept in the URL from page to page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from tests.workflows.aid_requests.conftest import to_review
from workflows.aid_requests import services as aid_requests
from workflows.aid_requests.actions import AID_REQUEST
from workflows.commendations import services as commendations
from workflows.commendations.models import Commendation, NomineeKind, Status
from workflows.commendations.services import Nomination
from workflows.core import views
from workflows.core.errors import Conflict, PermissionDenied
from workflows.core.models import AuditEvent
from workflows.core.timeline import timeline_for
from workflows.core.transitions import take_task

pytestmark = pytest.mark.django_db

OPEN = (STATUS.NEW, STATUS.ASSIGNED)
VN = dt.timezone(dt.timedelta(hours=7))


def doet_task(aid) -> Task:
    """The request's review task waiting in DOET's officers' queue (nutrition: DOET and DOH)."""
    return next(
        t
        for t in Task.objects.filter(process_id=aid.process_id, status__in=OPEN)
        if t.data.get("actor", {}).get("unit") == "doet"
    )


def results(html: str) -> list[tuple[str, str]]:
    """Each result line of the bulk page: done or refused, and its text."""
    found = re.findall(r'data-result="(done|refused)">(.*?)</li>', html, flags=re.S)
    return [(kind, re.sub(r"<[^>]+>|\s+", " ", text).strip()) for kind, text in found]


def test_bulk_take_takes_each_queue_task_and_lists_the_one_taken_meanwhile(
    client, cast, new_request, make_member
):
    aids = [new_request(year=year) for year in (2022, 2023, 2024)]
    for aid in aids:
        to_review(cast, aid)
    tasks = [doet_task(aid) for aid in aids]
    assert {t.status for t in tasks} == {STATUS.NEW}
    client.force_login(cast.doet)
    inbox = client.get(reverse("tasks:inbox"))
    assert (views.TAKE, "Nhận việc từ hàng chờ") in inbox.context["bulk_actions"]
    assert f'value="{views.TAKE}"' in inbox.content.decode()
    colleague = make_member("doet", "officer", username="doet.officer2")
    take_task(user=colleague, task_id=tasks[1].pk)  # taken meanwhile by a colleague

    page = client.post(
        reverse("tasks:bulk"), {"action": views.TAKE, "tasks": [t.pk for t in tasks]}
    )

    assert page.status_code == 200
    listed = results(page.content.decode())
    assert [kind for kind, _text in listed] == ["done", "refused", "done"]
    assert "Một cán bộ khác đã nhận việc này." in listed[1][1]
    for task in tasks:
        task.refresh_from_db()
    assert [(t.owner_id, t.status) for t in tasks] == [
        (cast.doet.pk, STATUS.ASSIGNED),
        (colleague.pk, STATUS.ASSIGNED),
        (cast.doet.pk, STATUS.ASSIGNED),
    ]
    takes = AuditEvent.objects.filter(action="take").order_by("id")
    assert [(e.task_id, e.actor_id) for e in takes] == [
        (tasks[1].pk, colleague.pk),
        (tasks[0].pk, cast.doet.pk),
        (tasks[2].pk, cast.doet.pk),
    ]
    assert {(e.unit.code, e.role, e.data["to_owner"]) for e in takes if e.actor == cast.doet} == {
        ("doet", "officer", cast.doet.pk)
    }
    aids[0].refresh_from_db()
    assert {e.from_status for e in takes} == {aids[0].status}  # the record stays where it was


def test_take_is_refused_to_who_lacks_the_queue_or_finds_it_taken(cast, new_request):
    aid = new_request()
    to_review(cast, aid)
    task = doet_task(aid)
    with pytest.raises(PermissionDenied):
        take_task(user=cast.doh, task_id=task.pk)  # DOH's officers have a queue of their own
    take_task(user=cast.doet, task_id=task.pk)
    with pytest.raises(Conflict):
        take_task(user=cast.doet, task_id=task.pk)
    assert AuditEvent.objects.filter(action="take").count() == 1
    [event] = timeline_for(aid).filter(action="take")
    with translation.override("vi"):  # the timeline names it, not the raw word
        assert str(AID_REQUEST.action_labels[event.action]) == "Đã nhận từ hàng chờ"


def test_bulk_take_refuses_a_task_no_longer_open(client, cast, new_request):
    first, second = new_request(year=2022), new_request(year=2023)
    for aid in (first, second):
        to_review(cast, aid)
    ids = [doet_task(first).pk, doet_task(second).pk]
    aid_requests.accept_review(user=cast.doet, request_id=second.pk)  # done meanwhile
    client.force_login(cast.doet)
    page = client.post(reverse("tasks:bulk"), {"action": views.TAKE, "tasks": ids})
    listed = results(page.content.decode())
    assert [kind for kind, _text in listed] == ["done", "refused"]
    assert "Bước này không còn mở: người khác đã xử lý, hãy tải lại trang." in listed[1][1]


# --- several commendations approved with one decision ---------------------------------------


@pytest.fixture
def spring_2025():
    with time_machine.travel(dt.datetime(2025, 4, 1, 9, 0, tzinfo=VN), tick=False):
        yield


def proposed(officer, year: int) -> Commendation:
    nomination = Nomination(
        year=year,
        nominee_name=f"Công ty TNHH Điện gió Phước Hữu ({year})",
        nominee_kind=NomineeKind.BUSINESS,
        contribution="Tặng 300 suất áo ấm và học bổng cho trẻ em xã Phước Bình.",
        value_vnd=450_000_000,
    )
    draft = commendations.create_commendation(user=officer, data=nomination)
    return commendations.propose(user=officer, commendation_id=draft.pk)


def test_bulk_approval_approves_each_and_refuses_the_one_its_decision_predates(
    client, make_member, spring_2025
):
    officer = make_member("dolisa", "officer")
    leader = make_member("ppc", "leader")
    records = [proposed(officer, year) for year in (2023, 2025, 2024)]
    client.force_login(leader)
    inbox = client.get(reverse("tasks:inbox"))
    ids = [row["task"].pk for row in inbox.context["rows"]]
    assert len(ids) == 3
    assert "commendations:approve" in dict(inbox.context["bulk_actions"])
    data = {
        "action": "commendations:approve",
        "tasks": ids,
        "approve-decision_number": "88/QĐ-UBND",
        "approve-decision_date": "20/12/2024",
    }
    form = client.post(reverse("tasks:bulk"), data)
    assert form.status_code == 200 and "approve-decision_number" in form.content.decode()

    page = client.post(reverse("tasks:bulk"), {**data, "run": "1"})

    listed = results(page.content.decode())
    assert [kind for kind, _text in listed] == ["done", "refused", "done"]
    assert "Ngày quyết định không được trước năm có thành tích." in listed[1][1]
    for record in records:
        record.refresh_from_db()
    assert [(r.status, r.decision_number) for r in records] == [
        (Status.APPROVED, "88/QĐ-UBND"),
        (Status.PROPOSED, ""),
        (Status.APPROVED, "88/QĐ-UBND"),
    ]
    approvals = AuditEvent.objects.filter(action="approve").order_by("id")
    assert [e.subject_id for e in approvals] == [records[0].pk, records[2].pk]
    assert {e.actor_id for e in approvals} == {leader.pk}


# --- the overdue filter ---------------------------------------------------------------------


def test_overdue_only_keeps_the_late_tasks_across_pages(
    client, cast, new_request, monkeypatch, django_assert_max_num_queries
):
    """Requests of 2022 are past their delivery deadline (31/12/2022) on the work day, those of
    2023 are not; small pages and scans so that page 2 is read across several scans."""
    monkeypatch.setattr(views, "PAGE", 2)
    monkeypatch.setattr(views, "SCAN", 3)
    years = [2022, 2023, 2022, 2022, 2023, 2022, 2023, 2022]
    aids = [new_request(year=year) for year in years]
    for aid in aids:
        to_review(cast, aid)
    late = [aid for aid in aids if aid.year == 2022]
    client.force_login(cast.doet)
    url = reverse("tasks:inbox")

    first = client.get(url, {"overdue": "on"})
    assert [row["subject"] for row in first.context["rows"]] == late[:2]
    assert first.context["matching_count"] == 5 and first.context["open_count"] == 8
    html = first.content.decode()
    assert 'href="?overdue=on&amp;page=2"' in html
    assert 'name="overdue"' in html and "checked" in html
    assert "5 việc khớp bộ lọc." in html

    # The menu's and the counts' statements, then two for each scan of 3 tasks (the tasks,
    # their requests): 8 tasks, 3 scans.
    with django_assert_max_num_queries(11):
        second = client.get(url, {"overdue": "on", "page": 2})
    assert [row["subject"] for row in second.context["rows"]] == late[2:4]
    assert all(row["overdue"] for row in second.context["rows"])
    html = second.content.decode()
    assert 'href="?overdue=on&amp;page=3"' in html and 'href="?overdue=on&amp;page=1"' in html

    third = client.get(url, {"overdue": "on", "page": 3})
    assert [row["subject"] for row in third.context["rows"]] == late[4:]
    assert third.context["next_page"] is None

    unfiltered = [client.get(url, {"page": n}).context["rows"] for n in (1, 2, 3, 4)]
    assert sorted(row["overdue"] for rows in unfiltered for row in rows) == [False] * 3 + [True] * 5
