"""Live work follows units and people (issue #10, item 5): a task taken by an officer whose
membership ends goes back to the unit's queue, at once when the membership service ends it and
by the daily sweep when a future end passes; a supervisor of the unit reassigns an open task to
a current member of its unit and role; both through the door, audited; anyone else is refused."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from agencies.models import Membership, Unit
from agencies.services import change_membership, grant_membership
from tests.workflows.aid_requests.conftest import WORK_DAY, to_review
from workflows.aid_requests import services
from workflows.aid_requests.models import AidRequest, Status
from workflows.core import tasks
from workflows.core.errors import Conflict, PermissionDenied
from workflows.core.models import AuditEvent
from workflows.core.selectors import actionable_tasks
from workflows.core.timeline import timeline_for
from workflows.core.transitions import reassign_task, release_task

pytestmark = pytest.mark.django_db

TODAY = WORK_DAY.date()
OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def draft_task(aid: AidRequest) -> Task:
    """The request's one open task (its draft, taken by the drafter when it starts)."""
    return Task.objects.get(process_id=aid.process_id, flow_task_type="HUMAN", status__in=OPEN)


def review_task(aid: AidRequest, unit: str) -> Task:
    return next(
        t
        for t in Task.objects.filter(process_id=aid.process_id, status__in=OPEN)
        if t.data.get("actor", {}).get("unit") == unit
    )


def end_membership(user, *, on: dt.date) -> Membership:
    """End the user's only membership on the day, through the membership service."""
    membership = Membership.objects.get(user=user)
    return change_membership(
        membership_id=membership.pk,
        user=user,
        unit=membership.unit,
        role=membership.role,
        valid_from=membership.valid_from,
        valid_to=on,
    )


def events(aid: AidRequest, action: str) -> list[AuditEvent]:
    return [e for e in timeline_for(aid) if e.action == action]


def fresh(user):
    """The user read again: memberships are memoised per user object, as in one request."""
    return type(user).objects.get(pk=user.pk)


def state(task: Task):
    task = Task.objects.get(pk=task.pk)
    return task.status, task.owner_id, AuditEvent.objects.count()


def assert_audited(event: AuditEvent, task: Task, *, role: str, comment: str = "") -> None:
    actor = task.data["actor"]
    assert event.task_id == task.pk and event.step == task.flow_task.name
    assert event.unit_id == actor["unit_id"] and event.role == role
    assert event.clause == actor["clause"] and event.clause
    assert event.comment and comment in event.comment


# --- a departed officer's taken task returns to the queue -----------------------------------


def test_ending_a_membership_today_returns_the_taken_task_to_the_queue(client, cast, new_request):
    aid = new_request()
    task = draft_task(aid)
    assert (task.status, task.owner) == (STATUS.ASSIGNED, cast.drafter)
    with pytest.raises(PermissionDenied, match="giao cho chuyên viên khác"):
        services.submit(user=fresh(cast.district_officer), request_id=aid.pk)

    end_membership(cast.drafter, on=TODAY)

    task.refresh_from_db()
    assert (task.status, task.owner, task.assigned) == (STATUS.NEW, None, None)
    [release] = events(aid, "release")
    assert_audited(release, task, role="officer", comment="d-bac-ai")
    assert release.actor is None  # the product released it, not a person
    assert release.data == {"from_owner": cast.drafter.pk}
    assert release.from_status == release.to_status == Status.DRAFT
    assert "30/06/2025" not in release.comment and "15/03/2023" in release.comment

    colleague = fresh(cast.district_officer)
    assert list(actionable_tasks(colleague)) == [task]
    client.force_login(colleague)
    assert f'href="/requests/{aid.pk}/"' in client.get(reverse("tasks:inbox")).content.decode()
    page = client.get(aid.get_absolute_url()).content.decode()
    assert 'data-action="release"' in page and "tự động" in page  # by the product itself
    assert "action-submit" in page
    services.submit(user=colleague, request_id=aid.pk)
    assert AidRequest.objects.get(pk=aid.pk).status == Status.SUBMITTED


def test_the_sweep_returns_the_task_once_a_future_end_has_passed(cast, new_request):
    aid = new_request()
    end_membership(cast.drafter, on=dt.date(2023, 3, 31))  # ends later: nothing moves yet
    task = draft_task(aid)
    assert (task.status, task.owner) == (STATUS.ASSIGNED, cast.drafter)
    assert tasks.release_departed_tasks.delay().get() == 0
    assert events(aid, "release") == []

    with time_machine.travel(dt.datetime(2023, 4, 1, 0, 15, tzinfo=WORK_DAY.tzinfo), tick=False):
        assert tasks.release_departed_tasks.delay().get() == 1
        assert tasks.release_departed_tasks.delay().get() == 0  # idempotent
        task.refresh_from_db()
        assert (task.status, task.owner) == (STATUS.NEW, None)
        [release] = events(aid, "release")
        assert_audited(release, task, role="officer", comment="01/04/2023")
        assert release.data == {"from_owner": cast.drafter.pk}
        colleague = fresh(cast.district_officer)
        assert list(actionable_tasks(colleague)) == [task]
        assert list(actionable_tasks(fresh(cast.drafter))) == []
        services.submit(user=colleague, request_id=aid.pk)
    assert AidRequest.objects.get(pk=aid.pk).status == Status.SUBMITTED


def test_the_sweep_keeps_tasks_of_people_who_still_hold_them(cast, new_request):
    aid = new_request()
    assert tasks.release_departed_tasks() == 0
    assert draft_task(aid).owner == cast.drafter
    cast.drafter.is_active = False  # a deactivated account holds nothing
    cast.drafter.save()
    assert tasks.release_departed_tasks() == 1
    assert draft_task(aid).owner is None


def test_a_membership_moved_to_another_unit_releases_the_old_units_tasks(cast, new_request):
    aid = new_request()
    membership = Membership.objects.get(user=cast.drafter)
    change_membership(
        membership_id=membership.pk,
        user=cast.drafter,
        unit=Unit.objects.get(code="d-ninh-son"),
        role="officer",
        valid_from=membership.valid_from,
    )
    assert draft_task(aid).owner is None
    assert len(events(aid, "release")) == 1


def test_an_end_does_not_release_what_another_membership_still_holds(cast, new_request):
    aid = new_request()
    first = Membership.objects.get(user=cast.drafter)
    grant_membership(  # the same unit and role again from tomorrow (a corrected record)
        user=cast.drafter,
        unit=first.unit,
        role=first.role,
        valid_from=TODAY + dt.timedelta(days=1),
    )
    end_ids = {"membership_id": first.pk, "user": cast.drafter, "unit": first.unit}
    change_membership(**end_ids, role=first.role, valid_from=first.valid_from, valid_to=TODAY)
    assert draft_task(aid).owner == cast.drafter
    assert events(aid, "release") == []


def test_the_holder_may_give_a_task_back_and_a_stranger_may_not(cast, new_request):
    aid = new_request()
    task = draft_task(aid)
    before = state(task)
    with pytest.raises(PermissionDenied):
        release_task(task_id=task.pk, by=fresh(cast.district_officer), reason="Bận việc khác.")
    assert state(task) == before
    release_task(task_id=task.pk, by=cast.drafter, reason="Bận việc khác.")
    [release] = events(aid, "release")
    assert release.actor == cast.drafter and release.comment == "Bận việc khác."
    with pytest.raises(Conflict):
        release_task(task_id=task.pk, by=cast.drafter, reason="Lần nữa.")


# --- a supervisor reassigns -----------------------------------------------------------------


def test_a_supervisor_reassigns_a_taken_task_to_a_colleague(cast, new_request):
    aid = new_request()
    task = draft_task(aid)
    supervisor = cast.everyone["d-bac-ai", "supervisor"]
    reassign_task(
        user=supervisor, task_id=task.pk, to_user=cast.district_officer, reason="Nghỉ phép."
    )

    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, cast.district_officer)
    [event] = events(aid, "reassign")
    assert_audited(event, task, role="supervisor", comment="Nghỉ phép.")
    assert event.actor == supervisor
    assert event.data == {"from_owner": cast.drafter.pk, "to_owner": cast.district_officer.pk}
    colleague = fresh(cast.district_officer)
    assert [(t.pk, t.owner_id) for t in actionable_tasks(colleague)] == [(task.pk, colleague.pk)]
    assert list(actionable_tasks(fresh(cast.drafter))) == []
    with pytest.raises(PermissionDenied, match="giao cho chuyên viên khác"):
        services.submit(user=fresh(cast.drafter), request_id=aid.pk)
    services.submit(user=colleague, request_id=aid.pk)
    assert AidRequest.objects.get(pk=aid.pk).status == Status.SUBMITTED


def test_a_supervisor_reassigns_a_queued_review_to_one_reviewer(cast, new_request, make_member):
    aid = new_request()
    to_review(cast, aid)
    second = make_member("doet", "officer", username="doet.officer2")
    task = review_task(aid, "doet")
    assert (task.status, task.owner) == (STATUS.NEW, None)
    reassign_task(
        user=cast.everyone["doet", "supervisor"], task_id=task.pk, to_user=second, reason="Chuyên."
    )
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, second)
    [event] = events(aid, "reassign")
    assert event.data == {"from_owner": None, "to_owner": second.pk}
    assert event.clause == "IV.2" and event.unit.code == "doet"
    assert task not in actionable_tasks(fresh(cast.doet))
    with pytest.raises(PermissionDenied):
        services.accept_review(user=fresh(cast.doet), request_id=aid.pk)
    services.accept_review(user=second, request_id=aid.pk)
    assert Task.objects.get(pk=task.pk).status == STATUS.DONE


@pytest.mark.parametrize(
    "who", [("d-ninh-son", "supervisor"), ("d-bac-ai", "officer"), ("doet", "supervisor")]
)
def test_the_wrong_supervisor_is_refused_and_nothing_changes(cast, new_request, who):
    aid = new_request()
    task = draft_task(aid)
    before = state(task)
    with pytest.raises(PermissionDenied, match="giám sát"):
        reassign_task(
            user=cast.everyone[who], task_id=task.pk, to_user=cast.district_officer, reason="x"
        )
    assert state(task) == before


def test_a_departed_supervisor_is_refused(cast, new_request):
    aid = new_request()
    supervisor = cast.everyone["d-bac-ai", "supervisor"]
    end_membership(supervisor, on=TODAY - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        reassign_task(
            user=fresh(supervisor),
            task_id=draft_task(aid).pk,
            to_user=cast.district_officer,
            reason="x",
        )


@pytest.mark.parametrize(
    "target", [("d-bac-ai", "leader"), ("d-ninh-son", "officer"), ("d-bac-ai", "supervisor")]
)
def test_a_target_without_the_unit_and_role_is_refused(cast, new_request, target):
    aid = new_request()
    task = draft_task(aid)
    before = state(task)
    with pytest.raises(PermissionDenied, match="không giữ đơn vị"):
        reassign_task(
            user=cast.everyone["d-bac-ai", "supervisor"],
            task_id=task.pk,
            to_user=cast.everyone[target],
            reason="x",
        )
    assert state(task) == before


def test_a_departed_target_is_refused(cast, new_request):
    aid = new_request()
    end_membership(cast.district_officer, on=TODAY - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied, match="không giữ đơn vị"):
        reassign_task(
            user=cast.everyone["d-bac-ai", "supervisor"],
            task_id=draft_task(aid).pk,
            to_user=fresh(cast.district_officer),
            reason="x",
        )


def test_a_reassign_needs_a_reason(cast, new_request):
    from django.core.exceptions import ValidationError

    aid = new_request()
    with pytest.raises(ValidationError):
        reassign_task(
            user=cast.everyone["d-bac-ai", "supervisor"],
            task_id=draft_task(aid).pk,
            to_user=cast.district_officer,
            reason="  ",
        )


def test_reassigning_a_task_already_completed_is_a_conflict(cast, new_request):
    aid = new_request()
    task = draft_task(aid)
    services.submit(user=cast.drafter, request_id=aid.pk)
    count = AuditEvent.objects.count()
    with pytest.raises(Conflict):
        reassign_task(
            user=cast.everyone["d-bac-ai", "supervisor"],
            task_id=task.pk,
            to_user=cast.district_officer,
            reason="Quá muộn.",
        )
    with pytest.raises(Conflict):
        release_task(task_id=task.pk, reason="Quá muộn.")
    assert AuditEvent.objects.count() == count
    assert Task.objects.get(pk=task.pk).owner == cast.drafter


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reassign_racing_the_holders_action(cast, new_request):
    """The supervisor reassigns while the drafter submits: the process lock orders them, and
    whichever comes second is refused (409 after the submit, 403 after the reassign)."""
    aid = new_request()
    task = draft_task(aid)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(action):
        try:
            barrier.wait(timeout=10)
            action()
            outcomes.append("ok")
        except (Conflict, PermissionDenied) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    def submit():
        services.submit(user=fresh(cast.drafter), request_id=aid.pk)

    def reassign():
        reassign_task(
            user=fresh(cast.everyone["d-bac-ai", "supervisor"]),
            task_id=task.pk,
            to_user=cast.district_officer,
            reason="Nghỉ phép.",
        )

    threads = [threading.Thread(target=run, args=(f,)) for f in (submit, reassign)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) in (["Conflict", "ok"], ["PermissionDenied", "ok"])
    done = [e.action for e in timeline_for(aid) if e.action in ("submit", "reassign")]
    assert len(done) == 1


# --- the record's page ----------------------------------------------------------------------


def test_the_record_page_offers_reassigning_to_the_units_supervisor(client, cast, new_request):
    aid = new_request()
    task = draft_task(aid)
    url = reverse("tasks:reassign", args=[task.pk])
    client.force_login(cast.everyone["d-bac-ai", "supervisor"])
    page = client.get(aid.get_absolute_url()).content.decode()
    assert f'action="{url}"' in page
    assert "d-bac-ai.officer2" in page  # a current colleague to choose
    client.force_login(cast.district_officer)
    assert f'action="{url}"' not in client.get(aid.get_absolute_url()).content.decode()


def test_reassign_through_the_page(client, cast, new_request):
    aid = new_request()
    task = draft_task(aid)
    url = reverse("tasks:reassign", args=[task.pk])
    prefix = f"reassign-{task.pk}"
    data = {f"{prefix}-to_user": cast.district_officer.pk, f"{prefix}-reason": "Nghỉ phép."}

    client.force_login(cast.everyone["d-ninh-son", "supervisor"])
    refused = client.post(url, data)
    assert refused.status_code == 403 and Task.objects.get(pk=task.pk).owner == cast.drafter

    client.force_login(cast.everyone["d-bac-ai", "supervisor"])
    assert client.get(url).status_code == 200
    missing = client.post(url, {f"{prefix}-to_user": cast.district_officer.pk})
    assert missing.status_code == 400
    leader = {**data, f"{prefix}-to_user": cast.district_leader.pk}
    wrong_target = client.post(url, leader)
    assert wrong_target.status_code == 403
    assert aid.get_absolute_url() in wrong_target.content.decode()  # the way back
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == aid.get_absolute_url()
    assert Task.objects.get(pk=task.pk).owner == cast.district_officer
    page = client.get(aid.get_absolute_url()).content.decode()
    assert 'data-action="reassign"' in page

    services.submit(user=fresh(cast.district_officer), request_id=aid.pk)
    assert client.post(url, data).status_code == 409
