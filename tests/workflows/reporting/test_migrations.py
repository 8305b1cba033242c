"""Older databases keep reporting after `migrate`: their plans get the rules (V.1–2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reporting", "0002_process_record")]
AFTER = [("reporting", "0003_plan_reporting_rules")]


@pytest.mark.django_db(transaction=True)
def test_plans_loaded_before_the_reporting_rules_get_the_codes_the_process_used():
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
            [("old-plan", {"review_wait_days": 10}), ("chosen-plan", {"reminder_role": "clerk"})]
        )
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    Plan = executor.loader.project_state(AFTER).apps.get_model("agencies", "Plan")
    assert Plan.objects.get(pk=old.pk).rules == {
        "review_wait_days": 10,
        "unit_report_obligation": "yearly_results_report",
        "provincial_report_obligation": "provincial_yearly_report",
        "reminder_role": "officer",
        "supervisor_role": "supervisor",
    }
    assert Plan.objects.get(pk=chosen.pk).rules["reminder_role"] == "clerk"  # kept
