"""PostgreSQL refuses UPDATE and DELETE of audit rows in SQL too (docs/architecture.md, Audit)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION workflows_core_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflows_core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON workflows_core_auditevent
    FOR EACH ROW EXECUTE FUNCTION workflows_core_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS workflows_core_auditevent_append_only ON workflows_core_auditevent;
DROP FUNCTION IF EXISTS workflows_core_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("workflows_core", "0001_audit_event")]

    operations = [migrations.RunPython(forwards, backwards)]
