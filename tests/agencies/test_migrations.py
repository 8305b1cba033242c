"""Data migrations: a database made by an older release keeps working after `migrate`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("agencies", "0002_plan_data_details")]
AFTER = [("agencies", "0003_plan_review_wait_days")]


@pytest.fixture(autouse=True)
def latest_schema_afterwards(transactional_db):
    """Each test leaves the schema of an older release; the tests after it (live servers,
    transactional tests) share the database, so it is brought back to the latest."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_plan_loaded_before_review_wait_days_gets_the_wait_the_flows_used():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    Plan = executor.loader.project_state(BEFORE).apps.get_model("agencies", "Plan")
    old, chosen = (
        Plan.objects.create(
            code=code,
            title_vi=f"Kế hoạch {code}",
            act=f"{number}/KH-UBND",
            issued_on=dt.date(2019, 9, 3),
            period_start=2019,
            period_end=2025,
            rules=rules,
        )
        for number, (code, rules) in enumerate(
            [("old-plan", {"escalation_every_days": 7}), ("chosen-plan", {"review_wait_days": 4})]
        )
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    Plan = executor.loader.project_state(AFTER).apps.get_model("agencies", "Plan")
    assert Plan.objects.get(pk=old.pk).rules == {"escalation_every_days": 7, "review_wait_days": 10}
    assert Plan.objects.get(pk=chosen.pk).rules == {"review_wait_days": 4}


@pytest.mark.django_db(transaction=True)
def test_memberships_with_an_empty_period_are_removed_before_the_constraint():
    """Such a row held no day: removing it takes no right away, and the constraint can apply."""
    before, after = (
        [("agencies", "0003_plan_review_wait_days")],
        [("agencies", "0004_membership_ends_after_it_starts")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    plan = old.get_model("agencies", "Plan").objects.create(
        code="p",
        title_vi="Kế hoạch",
        act="1/KH-UBND",
        issued_on=dt.date(2019, 9, 3),
        period_start=2019,
        period_end=2025,
    )
    unit = old.get_model("agencies", "Unit").objects.create(
        plan=plan, code="dolisa", kind="department", name_vi="Sở", valid_from=dt.date(2019, 1, 1)
    )
    role = old.get_model("agencies", "Role").objects.create(code="officer", name_vi="Chuyên viên")
    user = old.get_model("auth", "User").objects.create(username="officer")
    Membership = old.get_model("agencies", "Membership")
    kept, one_day, _empty = (
        Membership.objects.create(
            user=user, unit=unit, role=role, valid_from=start, valid_to=end
        ).pk
        for start, end in [
            (dt.date(2020, 1, 1), None),
            (dt.date(2020, 1, 1), dt.date(2020, 1, 1)),
            (dt.date(2020, 1, 1), dt.date(2019, 12, 31)),
        ]
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    Membership = executor.loader.project_state(after).apps.get_model("agencies", "Membership")
    assert set(Membership.objects.values_list("pk", flat=True)) == {kept, one_day}
