"""The audit table refuses TRUNCATE on PostgreSQL as well (a statement-level trigger beside
0002's row-level one), and UPDATE and DELETE on SQLite too, so that a development database
keeps its trail the way production does (docs/architecture.md, Audit). SQLite drops a table's
triggers with the table: a later migration that rebuilds this table on SQLite (most AlterField
do) must create them again, which tests/workflows/core/test_append_only.py would notice."""

from django.db import migrations

TABLE = "workflows_core_auditevent"

# Per vendor: the statements that create the guards, then the ones that drop them.
GUARDS = {
    "postgresql": (
        [
            f"""
            CREATE TRIGGER {TABLE}_no_truncate
                BEFORE TRUNCATE ON {TABLE}
                FOR EACH STATEMENT EXECUTE FUNCTION workflows_core_audit_append_only()
            """
        ],
        [f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}"],
    ),
    "sqlite": (
        [
            f"""
            CREATE TRIGGER {TABLE}_no_{operation.lower()}
                BEFORE {operation} ON {TABLE}
            BEGIN
                SELECT RAISE(ABORT, 'audit events are append-only ({operation} refused)');
            END
            """
            for operation in ("UPDATE", "DELETE")
        ],
        [f"DROP TRIGGER IF EXISTS {TABLE}_no_{operation}" for operation in ("update", "delete")],
    ),
}


def forwards(apps, schema_editor):
    create, _drop = GUARDS.get(schema_editor.connection.vendor, ([], []))
    for statement in create:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    _create, drop = GUARDS.get(schema_editor.connection.vendor, ([], []))
    for statement in drop:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("workflows_core", "0005_notification_period")]

    operations = [migrations.RunPython(forwards, backwards)]
