"""seed_demo: a login per unit and role with work in the plans, demo work for each of them on
today's date (the real clock, as `make run` runs it), idempotent, refused where not allowed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from agencies.models import Membership, Plan, Unit
from agencies.selectors import memberships_of, today, units_for_user
from tests.conftest import PLAN_FILE
from workflows.aid_requests.models import AidRequest
from workflows.commendations.models import Commendation, Status
from workflows.core.inbox import task_rows
from workflows.core.notices import ASSIGNED
from workflows.core.selectors import actionable_tasks, notifications_for
from workflows.core.transitions import open_tasks
from workflows.reporting.selectors import my_obligations

PASSWORD = "demo12345"
EXAMPLE_FILE = settings.BASE_DIR / "agencies" / "plans" / "khanh-hoa-2026-example.yaml"
# The accounts README.md names as having work today.
README_USERS = ("kh-doh.officer", "kh-doh.leader", "kh-ppc.leader", "c-bac-ai-tay.officer",
                "c-bac-ai-tay.leader")  # fmt: skip


def seed() -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def both_plans(db):
    """What `make run` does before the server starts: 372, the example after it, the demo,
    then the duties."""
    for path in (PLAN_FILE, EXAMPLE_FILE):
        call_command("loadplan", str(path), verbosity=0)
    seed()
    call_command("generate_obligations", stdout=io.StringIO())


def logins(django_user_model) -> set[str]:
    return set(
        django_user_model.objects.exclude(username="admin").values_list("username", flat=True)
    )


def test_a_login_for_each_unit_and_role_with_work(plan, django_user_model):
    output = seed()

    demo = logins(django_user_model)
    # Matrix rows: DOLISA consolidates and approves, the PPC's leader approves above the
    # threshold, districts draft and sign off, Khánh Hòa's departments draft their reports.
    for username in ("dolisa.officer", "dolisa.leader", "ppc.leader", "d-bac-ai.officer",
                     "d-bac-ai.leader", "kh-doh.officer", "kh-doh.leader"):  # fmt: skip
        assert username in demo
    # Supervisors where a duty is owed: DOLISA's provincial report, the districts' reports.
    assert {"dolisa.supervisor", "d-bac-ai.supervisor", "d-thuan-nam.supervisor"} <= demo
    # No step or duty of 372 for the PPC's officers or supervisors, for the fund (mobilisation
    # is no process of the product) or for a commune (districts act for them).
    assert not {"ppc.officer", "ppc.supervisor", "cpf.officer"} & demo
    assert not any(username.startswith("c-") for username in demo)
    for username in ("dolisa.officer", "d-bac-ai.leader", "admin"):
        assert username in output
    assert PASSWORD in output


def test_every_demo_user_has_work_today(both_plans, django_user_model):
    """Whoever holds a role today has a task in the inbox or a duty of their unit still owed;
    the others are 372's, whose units ended (the districts, Ninh Thuận's departments)."""
    idle, historical = [], []
    day = today()
    for user in django_user_model.objects.exclude(username="admin").order_by("username"):
        if not memberships_of(user, on=day).exists():
            ended = Membership.objects.filter(user=user, unit__valid_to__lt=day)
            assert ended.count() == Membership.objects.filter(user=user).count(), user
            historical.append(user.username)
        elif not (actionable_tasks(user).exists() or my_obligations(user).outstanding().exists()):
            idle.append(user.username)

    assert idle == []
    assert {"dolisa.officer", "d-bac-ai.officer", "ppc.leader"} <= set(historical)
    assert {"c-bac-ai-tay.officer", "kh-ppc.leader"} <= logins(django_user_model)
    for username in README_USERS:
        assert actionable_tasks(django_user_model.objects.get(username=username)).exists()


def test_demo_requests_wait_at_every_step_of_the_example_plan(both_plans):
    example = Plan.objects.get(code="khanh-hoa-2026-example")
    requests = AidRequest.objects.select_related("category__plan", "district", "commune")

    steps = {task.flow_task.name for aid in requests for task in open_tasks(aid.process_id)}

    assert steps == {"draft", "sign_off", "review", "consolidate", "approve", "approve_ppc",
                     "deliver", "confirm_delivery"}  # fmt: skip
    assert {aid.category.plan for aid in requests} == {example}
    assert {aid.year for aid in requests} == {today().year}
    assert all(aid.district == aid.commune for aid in requests)  # the commune drafts for itself
    call_command("check_plan", stdout=io.StringIO())  # nothing held by no one: exits 0


def commendations_in_inbox(user) -> list[tuple[str, str, str]]:
    """The commendations in the user's task inbox: the step, the record's status and nominee."""
    return [
        (row["task"].flow_task.name, row["subject"].status, row["subject"].nominee_name)
        for row in task_rows(actionable_tasks(user))
        if isinstance(row["subject"], Commendation)
    ]


def test_a_proposal_waits_for_the_ppc_leader_and_a_draft_for_the_officer(
    both_plans, django_user_model
):
    users = django_user_model.objects
    leader, officer = users.get(username="kh-ppc.leader"), users.get(username="kh-doh.officer")

    waiting, drafts = commendations_in_inbox(leader), commendations_in_inbox(officer)

    assert [(step, status) for step, status, _name in waiting] == [("approve", Status.PROPOSED)]
    assert [(step, status) for step, status, _name in drafts] == [("propose", Status.DRAFT)]
    assert waiting[0][2] != drafts[0][2]  # two nominees
    assert set(Commendation.objects.values_list("proposed_by__username", flat=True)) == {
        officer.username
    }
    # This year's: Sở Y tế, a unit 372 defines, proposes under the plan in force (2026–2030).
    assert set(Commendation.objects.values_list("year", flat=True)) == {today().year}
    proposed = Commendation.objects.get(status=Status.PROPOSED)
    # The door told the leader of the task: an unread notice in the bell, linking to the record.
    bell = notifications_for(leader).filter(read_at__isnull=True, kind=ASSIGNED)
    assert [n.url for n in bell if str(proposed) in n.title] == [proposed.get_absolute_url()]
    assert not notifications_for(officer).filter(url=proposed.get_absolute_url()).exists()


def test_second_run_makes_no_more_demo_work(both_plans, django_user_model):
    counted = (django_user_model, AidRequest, Commendation)
    before = [model.objects.count() for model in counted]

    output = seed()

    assert [model.objects.count() for model in counted] == before
    assert "Nothing to create: the demo accounts already exist." in output


def test_memberships_span_the_units_validity(plan, django_user_model):
    seed()

    leader = django_user_model.objects.get(username="d-bac-ai.leader")
    membership = Membership.objects.get(user=leader)
    assert (membership.unit.code, membership.role.code) == ("d-bac-ai", "leader")
    assert (membership.valid_from, membership.valid_to) == (
        dt.date(2019, 1, 1),
        dt.date(2025, 6, 30),
    )
    officer = Membership.objects.get(user__username="dolisa.officer")  # Ninh Thuận's, merged
    assert (officer.valid_from, officer.valid_to) == (dt.date(2019, 1, 1), dt.date(2025, 6, 30))
    successor = Membership.objects.get(user__username="kh-doh.officer")
    assert (successor.valid_from, successor.valid_to) == (dt.date(2025, 7, 1), None)
    assert [u.code for u in units_for_user(leader, on=dt.date(2024, 5, 1))] == ["d-bac-ai"]


@time_machine.travel(dt.datetime(2024, 3, 15, 9, tzinfo=dt.timezone(dt.timedelta(hours=7))))
def test_a_unit_ended_before_it_started_gets_no_login(plan, tmp_path, django_user_model):
    """loadplan gives a dropped row that had not started an empty period: it never existed."""
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    data["units"].append(
        {"code": "dnew", "kind": "department", "parent": "ppc", "valid_from": dt.date(2030, 1, 1),
         "name_vi": "Sở mới"}
    )  # fmt: skip
    data["responsibilities"].append(
        {"process": "aid_request", "step": "consolidate", "unit": "dnew", "role": "officer",
         "clause": "IV.1.a", "valid_from": dt.date(2030, 1, 1)}
    )  # fmt: skip
    changed = tmp_path / "plan.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    call_command("loadplan", str(changed), verbosity=0)
    call_command("loadplan", str(PLAN_FILE), verbosity=0)  # dnew dropped before it started
    assert Unit.objects.get(code="dnew").valid_to < Unit.objects.get(code="dnew").valid_from

    output = seed()

    assert not django_user_model.objects.filter(username__startswith="dnew.").exists()
    assert "dnew" not in output
    assert "dolisa.officer" in output


def test_demo_password_and_superuser(plan, client, django_user_model):
    seed()

    admin = django_user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(PASSWORD)
    assert client.login(username="dolisa.supervisor", password=PASSWORD)


def test_second_run_creates_nothing_and_says_so(plan, django_user_model):
    seed()
    users, memberships = django_user_model.objects.count(), Membership.objects.count()

    output = seed()

    assert (django_user_model.objects.count(), Membership.objects.count()) == (users, memberships)
    assert "Nothing to create: the demo accounts already exist." in output
    assert "dolisa.officer" in output


def test_second_run_restores_a_missing_membership(plan, django_user_model):
    seed()
    Membership.objects.filter(user__username="doh.officer").delete()

    output = seed()

    assert Membership.objects.filter(user__username="doh.officer").count() == 1
    assert "Created 0 users and 1 memberships." in output


def test_refused_when_demo_accounts_are_not_allowed(plan, settings, django_user_model):
    settings.DEMO_ALLOWED = False

    with pytest.raises(CommandError, match="DEMO_ALLOWED"):
        seed()
    assert not django_user_model.objects.exists()


def test_refused_before_a_plan_is_loaded(db):
    with pytest.raises(CommandError, match="loadplan"):
        seed()
