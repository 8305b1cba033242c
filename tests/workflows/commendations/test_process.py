"""Commendations (II.5, IV.1.đ): a DOLISA officer proposes, the PPC's leader approves by a
numbered decision, returns or rejects; every step audited, everyone else refused."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from viewflow.workflow.models import Task

from agencies.models import Membership
from workflows.commendations import services
from workflows.commendations.actions import COMMENDATION
from workflows.commendations.models import Commendation, NomineeKind, Status
from workflows.commendations.services import Nomination
from workflows.core.errors import Conflict, PermissionDenied
from workflows.core.selectors import actionable_tasks
from workflows.core.timeline import timeline_for

pytestmark = pytest.mark.django_db

DONOR = Nomination(
    year=2024,
    nominee_name="Công ty TNHH Điện gió Phước Hữu",
    nominee_kind=NomineeKind.BUSINESS,
    contribution="Tặng 300 suất áo ấm và học bổng cho trẻ em xã Phước Bình.",
    value_vnd=450_000_000,
)
VN = dt.timezone(dt.timedelta(hours=7))
DECISION = {"decision_number": "1234/QĐ-UBND", "decision_date": dt.date(2025, 3, 14)}


@pytest.fixture(autouse=True)
def spring_2025():
    """A day after the decision the tests record, inside the plan's period."""
    with time_machine.travel(dt.datetime(2025, 4, 1, 9, 0, tzinfo=VN), tick=False):
        yield


@pytest.fixture
def cast(make_member) -> dict:
    return {
        (unit, role): make_member(unit, role, username=f"{unit}.{role}")
        for unit, role in [
            ("dolisa", "officer"),
            ("dolisa", "leader"),
            ("ppc", "leader"),
            ("ppc", "officer"),
            ("cpf", "officer"),
        ]
    }


def act_url(commendation: Commendation, action: str) -> str:
    return reverse("commendations:act", args=[commendation.pk, action])


def proposed(cast) -> Commendation:
    officer = cast["dolisa", "officer"]
    commendation = services.create_commendation(user=officer, data=DONOR)
    return services.propose(user=officer, commendation_id=commendation.pk)


def test_proposal_approved_by_the_ppcs_leader_with_its_decision(cast):
    officer, leader = cast["dolisa", "officer"], cast["ppc", "leader"]
    draft = services.create_commendation(user=officer, data=DONOR)
    assert [t.flow_task.name for t in actionable_tasks(officer)] == ["propose"]
    services.propose(user=officer, commendation_id=draft.pk, comment="Đề nghị tặng Bằng khen")
    assert [t.flow_task.name for t in actionable_tasks(leader)] == ["approve"]
    assert not actionable_tasks(officer).exists()

    done = services.approve(user=leader, commendation_id=draft.pk, **DECISION)

    assert (done.status, done.decision_number, done.decision_date) == (
        Status.APPROVED,
        "1234/QĐ-UBND",
        dt.date(2025, 3, 14),
    )
    done.process.refresh_from_db()
    assert done.process.status == "DONE"
    events = [
        (e.action, e.actor.username, e.unit.code, e.clause, e.from_status, e.to_status)
        for e in timeline_for(done)
    ]
    assert events == [
        ("create", "dolisa.officer", "dolisa", "II.5", "", "draft"),
        ("propose", "dolisa.officer", "dolisa", "II.5", "draft", "proposed"),
        ("approve", "ppc.leader", "ppc", "II.5", "proposed", "approved"),
    ]
    assert timeline_for(done).last().data == {
        "decision_number": "1234/QĐ-UBND",
        "decision_date": "2025-03-14",
    }


def test_returned_to_its_proposer_then_rejected_each_with_a_reason(cast):
    officer, leader = cast["dolisa", "officer"], cast["ppc", "leader"]
    commendation = proposed(cast)
    with pytest.raises(ValidationError):
        services.return_for_revision(user=leader, commendation_id=commendation.pk, reason=" ")
    services.return_for_revision(
        user=leader, commendation_id=commendation.pk, reason="Bổ sung xác nhận của xã."
    )
    (task,) = actionable_tasks(officer)
    assert (task.flow_task.name, task.owner) == ("propose", officer)  # back in their inbox

    services.update_draft(
        user=officer,
        commendation_id=commendation.pk,
        data=Nomination(**{**DONOR.__dict__, "contribution": "Có xác nhận của UBND xã."}),
    )
    services.propose(user=officer, commendation_id=commendation.pk)
    with pytest.raises(ValidationError):
        services.reject(user=leader, commendation_id=commendation.pk, reason="")
    rejected = services.reject(
        user=leader, commendation_id=commendation.pk, reason="Đã khen năm trước."
    )
    assert rejected.status == Status.REJECTED
    assert rejected.contribution == "Có xác nhận của UBND xã."
    assert [e.action for e in timeline_for(rejected)] == [
        "create", "propose", "return", "edit", "propose", "reject",
    ]  # fmt: skip


def test_withdrawn_by_dolisa_ends_the_process(cast):
    officer = cast["dolisa", "officer"]
    draft = services.create_commendation(user=officer, data=DONOR)
    withdrawn = services.withdraw(user=officer, commendation_id=draft.pk)
    assert withdrawn.status == Status.WITHDRAWN
    withdrawn.process.refresh_from_db()
    assert withdrawn.process.status == "DONE"
    with pytest.raises(Conflict):
        services.propose(user=officer, commendation_id=draft.pk)


@pytest.mark.parametrize("who", [("dolisa", "leader"), ("ppc", "officer"), ("cpf", "officer")])
def test_only_dolisa_officers_propose(cast, who):
    with pytest.raises(PermissionDenied):
        services.create_commendation(user=cast[who], data=DONOR)
    assert not Commendation.objects.exists()


DECISIONS = {
    "approve": lambda user, pk: services.approve(user=user, commendation_id=pk, **DECISION),
    "return": lambda user, pk: services.return_for_revision(
        user=user, commendation_id=pk, reason="x"
    ),
    "reject": lambda user, pk: services.reject(user=user, commendation_id=pk, reason="x"),
}


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize(
    "who", [("dolisa", "officer"), ("dolisa", "leader"), ("ppc", "officer"), ("cpf", "officer")]
)
def test_only_the_ppcs_leader_decides_and_a_refusal_changes_nothing(cast, who, decision):
    commendation = proposed(cast)
    tasks_before = list(Task.objects.values_list("pk", "status", "owner_id"))
    with pytest.raises(PermissionDenied):
        DECISIONS[decision](cast[who], commendation.pk)
    commendation.refresh_from_db()
    assert commendation.status == Status.PROPOSED
    assert list(Task.objects.values_list("pk", "status", "owner_id")) == tasks_before
    assert [e.action for e in timeline_for(commendation)] == ["create", "propose"]


def test_a_proposal_names_who_for_what_and_a_year_of_the_plan(cast):
    blank = Nomination(year=2031, nominee_name=" ", nominee_kind="club", contribution="")
    with pytest.raises(ValidationError) as refused:
        services.create_commendation(user=cast["dolisa", "officer"], data=blank)
    fields = {"year", "nominee_name", "nominee_kind", "contribution"}
    assert set(refused.value.message_dict) == fields
    assert "2019" in refused.value.message_dict["year"][0]
    commendation = proposed(cast)
    wrong = [
        ("", dt.date(2025, 1, 1), {"decision_number"}),
        ("9/QĐ-UBND", dt.date(2025, 4, 2), {"decision_date"}),  # tomorrow
        ("9/QĐ-UBND", dt.date(2023, 12, 31), {"decision_date"}),  # before the 2024 contribution
        ("", dt.date(1900, 1, 1), {"decision_number", "decision_date"}),
    ]
    for number, day, fields in wrong:
        with pytest.raises(ValidationError) as refused:
            services.approve(
                user=cast["ppc", "leader"],
                commendation_id=commendation.pk,
                decision_number=number,
                decision_date=day,
            )
        assert set(refused.value.message_dict) == fields
    commendation.refresh_from_db()
    assert commendation.status == Status.PROPOSED


def test_pages_from_proposal_to_decision(cast):
    officer, leader = Client(), Client()
    officer.force_login(cast["dolisa", "officer"])
    leader.force_login(cast["ppc", "leader"])
    created = officer.post(
        reverse("commendations:create"),
        {**DONOR.__dict__, "nominee_kind": DONOR.nominee_kind.value},
    )
    commendation = Commendation.objects.get()
    assert created.status_code == 302 and created["Location"] == commendation.get_absolute_url()
    page = officer.get(commendation.get_absolute_url())
    assert b'class="action action-propose"' in page.content
    propose, approve = act_url(commendation, "propose"), act_url(commendation, "approve")
    assert officer.post(propose, {"propose-comment": ""}).status_code == 302

    decision = {"approve-decision_number": "1/QĐ-UBND", "approve-decision_date": "14/03/2025"}
    refused = officer.post(approve, decision)
    assert refused.status_code == 403
    assert "Bạn không giữ đơn vị và vai trò" in refused.content.decode()
    missing = leader.post(approve, {"approve-decision_number": "1/QĐ-UBND"})
    assert missing.status_code == 400  # no decision date: the form says so, nothing changes
    commendation.refresh_from_db()
    assert commendation.status == Status.PROPOSED
    decided = leader.post(approve, decision)
    assert decided.status_code == 302
    commendation.refresh_from_db()
    assert (commendation.status, commendation.decision_date) == (
        Status.APPROVED,
        dt.date(2025, 3, 14),
    )
    listing = leader.get(reverse("commendations:list"))
    assert "1/QĐ-UBND, 14/03/2025" in listing.content.decode()


def test_units_the_plan_does_not_name_see_no_proposal(cast):
    commendation = proposed(cast)
    outsider = Client()
    outsider.force_login(cast["cpf", "officer"])
    assert outsider.get(commendation.get_absolute_url()).status_code == 404
    assert "Công ty" not in outsider.get(reverse("commendations:list")).content.decode()


def test_plan_coverage_shows_ii_5_implemented(cast):
    out = io.StringIO()
    call_command("plan_coverage", "--format=csv", stdout=out)
    rows = {row["clause"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["II.5"]["status"] == "implemented"
    assert "commendation.propose" in rows["II.5"]["implemented_by"]
    assert "commendation.approve" in rows["II.5"]["implemented_by"]


@pytest.mark.parametrize("value", [-1, 10**15 + 1])
def test_a_value_is_a_plausible_amount_of_vnd(cast, value):
    data = Nomination(**{**DONOR.__dict__, "value_vnd": value})
    with pytest.raises(ValidationError) as refused:
        services.create_commendation(user=cast["dolisa", "officer"], data=data)
    assert set(refused.value.message_dict) == {"value_vnd"}


def test_only_its_proposer_withdraws_a_proposal_another_officer_took_over(cast, make_member):
    proposer, colleague = cast["dolisa", "officer"], make_member("dolisa", "officer")
    commendation = proposed(cast)
    Membership.objects.filter(user=proposer).update(valid_to=dt.date(2025, 3, 31))  # moved on
    services.return_for_revision(
        user=cast["ppc", "leader"], commendation_id=commendation.pk, reason="Bổ sung hồ sơ."
    )
    (task,) = actionable_tasks(colleague)
    assert task.owner is None  # back in DOLISA's queue, not to the officer who left
    with pytest.raises(PermissionDenied):
        services.withdraw(user=colleague, commendation_id=commendation.pk)
    services.propose(user=colleague, commendation_id=commendation.pk)  # but may carry it on
    commendation.refresh_from_db()
    assert commendation.status == Status.PROPOSED


def test_forms_are_offered_only_to_who_may_use_them(cast):
    commendation = proposed(cast)
    pages = {
        ("cpf", "officer"): [(reverse("commendations:create"), 403)],
        ("ppc", "leader"): [
            (reverse("commendations:create"), 403),
            (reverse("commendations:edit", args=[commendation.pk]), 409),  # its step is not open
        ],
        ("dolisa", "officer"): [
            (reverse("commendations:create"), 200),
            (reverse("commendations:edit", args=[commendation.pk]), 409),  # already proposed
        ],
    }
    for who, expected in pages.items():
        client = Client()
        client.force_login(cast[who])
        assert [(url, client.get(url).status_code) for url, _status in expected] == expected
    outsider = Client()
    outsider.force_login(cast["cpf", "officer"])
    reject = act_url(commendation, "reject")
    assert outsider.post(reject, {"reject-reason": "x", "reject-confirm": "on"}).status_code == 404
    commendation.refresh_from_db()
    assert commendation.status == Status.PROPOSED


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_action_page_opens_for_the_task_holder_only(cast):
    commendation = proposed(cast)
    url = act_url(commendation, "approve")
    page = client_of(cast["ppc", "leader"]).get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="approve-decision_number"' in content and f'action="{url}"' in content
    with translation.override("vi"):
        assert f"<h1>{html.escape(str(COMMENDATION.action('approve').label))}</h1>" in content
    for who in [("dolisa", "officer"), ("ppc", "officer")]:
        assert client_of(cast[who]).get(url).status_code == 403
    assert client_of(cast["cpf", "officer"]).get(url).status_code == 404  # cannot see it
    edit = act_url(commendation, "edit")  # an action with its own page has no generic one
    assert client_of(cast["dolisa", "officer"]).get(edit).status_code == 404


@pytest.mark.parametrize(
    ("who", "action", "fields"),
    [
        (("ppc", "leader"), "reject", {"reject-reason": "Đã khen năm trước."}),
        (("dolisa", "officer"), "withdraw", {"withdraw-comment": ""}),
    ],
)
def test_a_destructive_action_needs_its_confirm_box(cast, who, action, fields):
    officer = cast["dolisa", "officer"]
    commendation = services.create_commendation(user=officer, data=DONOR)
    if action == "reject":
        services.propose(user=officer, commendation_id=commendation.pk)
    status = Commendation.objects.get().status
    tasks_before = list(Task.objects.values_list("pk", "status", "owner_id"))
    events_before = list(timeline_for(commendation).values_list("action", flat=True))
    client = client_of(cast[who])

    refused = client.post(act_url(commendation, action), fields)

    assert refused.status_code == 400
    assert refused.context["form"].errors["confirm"]
    commendation.refresh_from_db()
    assert commendation.status == status
    assert list(Task.objects.values_list("pk", "status", "owner_id")) == tasks_before
    assert list(timeline_for(commendation).values_list("action", flat=True)) == events_before
    confirmed = client.post(act_url(commendation, action), {**fields, f"{action}-confirm": "on"})
    assert confirmed.status_code == 302
    commendation.refresh_from_db()
    assert commendation.status == {"reject": Status.REJECTED, "withdraw": Status.WITHDRAWN}[action]


def test_pages_read_titles_and_labels_from_the_declaration(cast):
    officer, leader = cast["dolisa", "officer"], cast["ppc", "leader"]
    commendation = proposed(cast)
    services.return_for_revision(user=leader, commendation_id=commendation.pk, reason="Bổ sung.")
    services.update_draft(user=officer, commendation_id=commendation.pk, data=DONOR)
    services.propose(user=officer, commendation_id=commendation.pk)
    inbox = client_of(leader).get(reverse("tasks:inbox")).content.decode()
    services.approve(user=leader, commendation_id=commendation.pk, **DECISION)

    page = client_of(leader).get(commendation.get_absolute_url()).content.decode()

    cells = re.findall(r'<td data-action="([a-z_]+)">([^<]*)</td>', page)
    with translation.override("vi"):
        labels = {name: str(label) for name, label in COMMENDATION.action_labels.items()}
        title, step = str(COMMENDATION.title), str(COMMENDATION.step_label("approve"))
    assert [name for name, _label in cells] == [
        "create", "propose", "return", "edit", "propose", "approve",
    ]  # fmt: skip
    assert [html.unescape(label) for _name, label in cells] == [labels[n] for n, _l in cells]
    assert labels["approve"] == "Quyết định khen thưởng" and labels["edit"] == "Chỉnh sửa"
    assert f"<td>{html.escape(title)}</td>" in inbox and f"<td>{html.escape(step)}</td>" in inbox
    assert f"<h1>{html.escape(title)} {commendation}" in page


def test_the_edit_form_shows_why_the_proposal_was_returned(cast):
    officer = Client()
    officer.force_login(cast["dolisa", "officer"])
    commendation = proposed(cast)
    edit = reverse("commendations:edit", args=[commendation.pk])
    reason = "Bổ sung xác nhận của xã."
    services.return_for_revision(
        user=cast["ppc", "leader"], commendation_id=commendation.pk, reason=reason
    )
    page = officer.get(edit).content.decode()
    assert 'class="alert alert-warning return-reason"' in page
    assert "Trả lại để chỉnh sửa" in page and reason in page
