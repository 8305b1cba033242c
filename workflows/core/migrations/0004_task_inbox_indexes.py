"""Indexes for the inbox query (core.selectors.actionable_tasks): viewflow ships none that
match it, so at national scale PostgreSQL combined bitmaps over half the task table."""

from django.db import migrations

INDEXES = {
    "hotro_task_queue": (
        "viewflow_task (owner_permission, created) "
        "WHERE status = 'NEW' AND owner_id IS NULL AND flow_task_type = 'HUMAN'"
    ),
    "hotro_task_assigned": (
        "viewflow_task (owner_id, created) WHERE status = 'ASSIGNED' AND flow_task_type = 'HUMAN'"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("workflows_core", "0003_notification"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
