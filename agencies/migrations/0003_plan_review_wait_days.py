"""Plans loaded before rules.review_wait_days existed get the wait the flows used then (10
days), so that review steps started before the next `loadplan` still set their timers."""

from django.db import migrations

WAIT_BEFORE_THE_RULE = 10


def add_review_wait(apps, schema_editor):
    Plan = apps.get_model("agencies", "Plan")
    for plan in Plan.objects.all():
        if "review_wait_days" not in plan.rules:
            plan.rules["review_wait_days"] = WAIT_BEFORE_THE_RULE
            plan.save(update_fields=["rules"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_plan_data_details")]

    operations = [migrations.RunPython(add_review_wait, migrations.RunPython.noop)]
