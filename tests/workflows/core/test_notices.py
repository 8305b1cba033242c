"""Notices the door sends when it performs a step (issue #12, item 6), through the real
services of a process: a task that lands in a person's hands or in a unit and role's queue,
a record sent back to its author, a decision told to its author; each recorded once and mailed
after commit, and shown under the bell."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.models import Task

from agencies.models import Role, Unit
from workflows.commendations import services
from workflows.commendations.models import NomineeKind
from workflows.commendations.services import Nomination
from workflows.core import transitions
from workflows.core.declaration import DECIDED, QUIET, RETURNED, Action
from workflows.core.models import Notification
from workflows.core.notices import ASSIGNED

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
DONOR = Nomination(
    year=2024,
    nominee_name="Công ty TNHH Điện gió Phước Hữu",
    nominee_kind=NomineeKind.BUSINESS,
    contribution="Tặng 300 suất áo ấm cho trẻ em xã Phước Bình.",
    value_vnd=450_000_000,
)


@pytest.fixture(autouse=True)
def spring_2025():
    with time_machine.travel(dt.datetime(2025, 4, 1, 9, 0, tzinfo=VN), tick=False):
        yield


@pytest.fixture
def cast(make_member) -> dict:
    return {
        (unit, role): make_member(unit, role, username=f"{unit}.{role}")
        for unit, role in [
            ("dolisa", "officer"),
            ("dolisa", "supervisor"),
            ("ppc", "leader"),
            ("ppc", "officer"),
        ]
    }


def notices(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("id"))


def proposed(cast, *, leaders=()):
    officer = cast["dolisa", "officer"]
    commendation = services.create_commendation(user=officer, data=DONOR)
    return services.propose(user=officer, commendation_id=commendation.pk)


def test_a_task_in_a_queue_is_told_to_its_current_members_and_mailed(
    cast, make_member, django_capture_on_commit_callbacks
):
    second_leader = make_member("ppc", "leader", username="ppc.leader2")
    former_leader = make_member(
        "ppc", "leader", username="ppc.former", valid_to=dt.date(2024, 12, 31)
    )
    future_leader = make_member(
        "ppc", "leader", username="ppc.next", valid_from=dt.date(2025, 5, 1)
    )
    gone_leader = make_member("ppc", "leader", username="ppc.gone")
    gone_leader.is_active = False
    gone_leader.save()
    officer = cast["dolisa", "officer"]
    with django_capture_on_commit_callbacks(execute=True):
        commendation = proposed(cast)

    for leader in (cast["ppc", "leader"], second_leader):
        [notice] = notices(leader, ASSIGNED)
        assert notice.url == commendation.get_absolute_url()
        assert str(commendation) in notice.title
        assert notice.sent_at is not None
    assert "Ủy ban nhân dân tỉnh Ninh Thuận" in notice.title  # the queue's unit, by name
    assert notices(former_leader, ASSIGNED) == []  # no longer holds the role
    assert notices(future_leader, ASSIGNED) == []  # does not hold it yet
    assert notices(gone_leader, ASSIGNED) == []  # an account no longer active
    assert notices(cast["ppc", "officer"], ASSIGNED) == []  # another role
    assert notices(officer, ASSIGNED) == []  # their own draft step is not news to them
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [cast["ppc", "leader"].email, second_leader.email]
    )


def test_a_task_given_to_an_officer_is_told_to_them(cast, make_member):
    second_officer = make_member("dolisa", "officer", username="dolisa.officer2")
    commendation = proposed(cast)
    services.return_for_revision(
        user=cast["ppc", "leader"], commendation_id=commendation.pk, reason="Thiếu hồ sơ"
    )
    task = Task.objects.get(process=commendation.process, flow_task_type="HUMAN", status="ASSIGNED")
    transitions.reassign_task(
        user=cast["dolisa", "supervisor"], task_id=task.pk, to_user=second_officer, reason="Nghỉ"
    )

    [notice] = notices(second_officer, ASSIGNED)
    assert notice.subject == task
    assert notice.url == commendation.get_absolute_url()
    assert notices(cast["dolisa", "supervisor"], ASSIGNED) == []


def test_a_return_is_told_to_the_author_with_the_reason(cast):
    officer, leader = cast["dolisa", "officer"], cast["ppc", "leader"]
    commendation = proposed(cast)
    services.return_for_revision(
        user=leader, commendation_id=commendation.pk, reason="Bổ sung biên bản bàn giao"
    )

    [notice] = notices(officer, RETURNED)
    assert notice.url == commendation.get_absolute_url()
    assert "Bổ sung biên bản bàn giao" in notice.body
    assert str(commendation) in notice.title
    # The revision step is the author's own (Assign(proposer)): told as a task in their hands.
    assert len(notices(officer, ASSIGNED)) == 1
    assert notices(leader, RETURNED) == []

    # Proposed and returned again the same day: a second notice, not one folded into the first.
    services.propose(user=officer, commendation_id=commendation.pk)
    services.return_for_revision(user=leader, commendation_id=commendation.pk, reason="Lần 2")
    assert [n.body.rsplit(": ", 1)[-1] for n in notices(officer, RETURNED)] == [
        "Bổ sung biên bản bàn giao",
        "Lần 2",
    ]


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_a_decision_is_told_to_the_proposer_in_vietnamese(cast, decide):
    officer, leader = cast["dolisa", "officer"], cast["ppc", "leader"]
    commendation = proposed(cast)
    if decide == "approve":
        services.approve(
            user=leader,
            commendation_id=commendation.pk,
            decision_number="1234/QĐ-UBND",
            decision_date=dt.date(2025, 3, 14),
        )
    else:
        services.reject(user=leader, commendation_id=commendation.pk, reason="Không đủ điều kiện")
    commendation.refresh_from_db()

    [notice] = notices(officer, DECIDED)
    assert notice.title == f"Quyết định về {commendation}: {commendation.get_status_display()}"
    assert notice.url == commendation.get_absolute_url()
    assert notices(leader, DECIDED) == []
    assert notices(officer, RETURNED) == []


def test_the_bell_counts_unread_notices_and_opening_one_marks_it_read(cast):
    leader = cast["ppc", "leader"]
    commendation = proposed(cast)
    [notice] = notices(leader, ASSIGNED)
    client = Client()
    client.force_login(leader)

    page = client.get(reverse("reporting:notifications")).content.decode()
    assert 'class="badge rounded-pill text-bg-danger bell-count"' in page
    assert reverse("reporting:notification_read", args=[notice.pk]) in page
    assert notice.title in page

    response = client.post(reverse("reporting:notification_read", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == commendation.get_absolute_url()
    notice.refresh_from_db()
    assert notice.read_at is not None
    page = client.get(reverse("reporting:notifications")).content.decode()
    assert "bell-count" not in page


def test_a_return_tells_the_author_and_the_task_in_one_statement(cast):
    """The author's outcome and the task in their hands are recorded together, the author
    found inside that statement (bench P1: a step's telling costs one statement)."""
    officer, leader = cast["dolisa", "officer"], cast["ppc", "leader"]
    commendation = proposed(cast)
    with CaptureQueriesContext(connection) as captured:
        services.return_for_revision(user=leader, commendation_id=commendation.pk, reason="Thiếu")

    told = [q["sql"] for q in captured if "workflows_core_notification" in q["sql"]]
    assert len(told) == 1 and told[0].lstrip().upper().startswith("INSERT")
    assert len(notices(officer, RETURNED)) == len(notices(officer, ASSIGNED)) == 1


@override_settings(LANGUAGE_CODE="en")
def test_a_queue_notice_names_the_unit_and_role_in_the_notices_language(cast):
    """The unit's and role's names come from the holders' rows, English where the interface
    language is English and the plan gives an English name."""
    commendation = proposed(cast)
    [notice] = notices(cast["ppc", "leader"], ASSIGNED)
    unit = Unit.objects.get(code="ppc")
    role = Role.objects.get(code="leader")
    assert unit.name_en and role.name_en
    assert notice.title.startswith(f"New task for {unit.name_en}: ")
    assert f"({role.name_en})" in notice.body
    assert str(commendation) in notice.title


def test_what_a_step_tells_the_author_is_declared_on_its_action_not_read_from_its_name():
    def service(**kwargs):
        return None

    assert Action("approve", "Approve", service, tells=QUIET).author_told(finished=True) == ""
    send_back = Action("send_back", "Send back", service, tells=RETURNED)
    assert send_back.author_told(finished=False) == RETURNED
    assert Action("return_x", "Return", service).author_told(finished=False) == ""
    assert Action("note", "Note", service).author_told(finished=True) == DECIDED
    assert Action.withdrawal(service).author_told(finished=True) == ""
    assert Action.rejection(service).author_told(finished=False) == DECIDED
    assert Action.return_to_drafter(service).author_told(finished=False) == RETURNED
