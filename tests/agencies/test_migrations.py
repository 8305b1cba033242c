"""Data migrations: a database made by an older release keeps working after `migrate`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("agencies", "0002_plan_data_details")]
AFTER = [("agencies", "0003_plan_review_wait_days")]


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
