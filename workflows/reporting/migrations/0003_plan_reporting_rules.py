"""Plans loaded before the reporting rules get the codes the process used then (V.1–2)."""

from django.db import migrations

RULES_BEFORE_THEY_WERE_DATA = {
    "unit_report_obligation": "yearly_results_report",
    "provincial_report_obligation": "provincial_yearly_report",
    "reminder_role": "officer",
    "supervisor_role": "supervisor",
}


def add_reporting_rules(apps, schema_editor):
    Plan = apps.get_model("agencies", "Plan")
    for plan in Plan.objects.all():
        missing = {k: v for k, v in RULES_BEFORE_THEY_WERE_DATA.items() if k not in plan.rules}
        if missing:
            plan.rules = {**plan.rules, **missing}
            plan.save(update_fields=["rules"])


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_process_record"),
        ("agencies", "0003_plan_review_wait_days"),
    ]

    operations = [migrations.RunPython(add_reporting_rules, migrations.RunPython.noop)]
