"""Older databases keep reporting after `migrate`: their plans get the rules (V.1–2)."""

from __future__ import annotations

BEFORE = [("reporting", "0002_process_record")]
AFTER = [("reporting", "0003_plan_reporting_rules")]


def test_plans_loaded_before_the_reporting_rules_get_the_codes_the_process_used(migrator):
    old, chosen = migrator.plans(
        migrator.migrate(BEFORE),
        {"old-plan": {"review_wait_days": 10}, "chosen-plan": {"reminder_role": "clerk"}},
    )
    Plan = migrator.migrate(AFTER).get_model("agencies", "Plan")
    assert Plan.objects.get(pk=old.pk).rules == {
        "review_wait_days": 10,
        "unit_report_obligation": "yearly_results_report",
        "provincial_report_obligation": "provincial_yearly_report",
        "reminder_role": "officer",
        "supervisor_role": "supervisor",
    }
    assert Plan.objects.get(pk=chosen.pk).rules["reminder_role"] == "clerk"  # kept
