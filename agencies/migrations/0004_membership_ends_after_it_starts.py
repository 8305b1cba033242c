"""A membership may not end before it starts. The admin saved such rows unchecked, and granting
one in a unit outside the unit's life clamped it into one; a row like that never granted
anything (no day lies in its period), so it is removed before the constraint is added."""

from django.db import migrations, models


def remove_empty_memberships(apps, schema_editor):
    Membership = apps.get_model("agencies", "Membership")
    Membership.objects.filter(valid_to__lt=models.F("valid_from")).delete()


class Migration(migrations.Migration):
    dependencies = [("agencies", "0003_plan_review_wait_days")]

    operations = [
        migrations.RunPython(remove_empty_memberships, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="membership_ends_after_it_starts",
                violation_error_message="The membership ends before it starts.",
            ),
        ),
    ]
