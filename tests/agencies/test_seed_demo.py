"""seed_demo: a login per acting unit and role, idempotent, refused where not allowed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from agencies.models import Membership, Responsibility, Unit
from agencies.selectors import units_for_user
from tests.conftest import PLAN_FILE

PASSWORD = "demo12345"


def seed() -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def expected_units() -> set[str]:
    """Units named by a matrix row plus every unit of a kind named by one, read row by row."""
    named, kinds = set(), set()
    for row in Responsibility.objects.select_related("unit"):
        if row.unit_id:
            named.add(row.unit.code)
        else:
            kinds.add(row.unit_kind)
    return named | set(Unit.objects.filter(kind__in=kinds).values_list("code", flat=True))


def test_one_login_per_acting_unit_and_role(plan, django_user_model):
    output = seed()

    units = expected_units()
    assert {"dolisa", "ppc", "d-bac-ai", "d-thuan-nam"} <= units
    assert not any(code.startswith("c-") for code in units)
    expected = {f"{code}.{role}" for code in units for role in ("officer", "supervisor", "leader")}
    demo = set(
        django_user_model.objects.exclude(username="admin").values_list("username", flat=True)
    )
    assert demo == expected
    for username in ("dolisa.officer", "d-bac-ai.leader", "admin"):
        assert username in output
    assert PASSWORD in output


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
