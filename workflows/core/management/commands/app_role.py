"""`manage.py app_role --role NAME [--apply]`: the privileges of the application's own
PostgreSQL role, which owns no table: it reads and writes every table the migrations made, and
on the audit trail it may only read and append (docs/operations.md). Prints the statements, or
runs them with --apply; run it as the tables' owner, after every migrate."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from workflows.core.models import AuditEvent


def quote_role(role: str) -> str:
    """A role name as an SQL identifier, whatever characters it holds."""
    return '"{}"'.format(role.replace('"', '""'))


def privilege_statements(role: str) -> list[str]:
    """Every privilege the role held on the tables taken away, then the ones it needs given:
    reading and writing rows, never TRUNCATE, and neither UPDATE nor DELETE of audit events."""
    audit = AuditEvent._meta.db_table
    migrations = MigrationRecorder.Migration._meta.db_table
    tables = connection.introspection.django_table_names(only_existing=True)
    rows = sorted(set(tables) - {audit, migrations})
    quoted = quote_role(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()

    def names(tables: list[str]) -> str:
        return ",\n    ".join(connection.ops.quote_name(table) for table in tables)

    return [
        f"GRANT USAGE ON SCHEMA {connection.ops.quote_name(schema)} TO {quoted}",
        f"REVOKE ALL ON TABLE\n    {names([*rows, audit, migrations])}\nFROM {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE\n    {names(rows)}\nTO {quoted}",
        f"GRANT SELECT, INSERT ON TABLE {connection.ops.quote_name(audit)} TO {quoted}",
        f"GRANT SELECT ON TABLE {connection.ops.quote_name(migrations)} TO {quoted}",
    ]


def refusal(role: str) -> str | None:
    """Why the role cannot be the application's: missing, a superuser, or able to act as the
    owner of the audit table (who may truncate it or turn its triggers off)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, pg_has_role(rolname, tableowner, 'MEMBER'), tableowner"
            " FROM pg_roles, pg_tables"
            " WHERE rolname = %s AND schemaname = current_schema() AND tablename = %s",
            [role, AuditEvent._meta.db_table],
        )
        found = cursor.fetchone()
    if found is None:
        return _(
            "There is no role %(role)s (or no audit table yet): create the role first, "
            "then run this after migrate."
        ) % {"role": role}
    superuser, acts_as_owner, owner = found
    if superuser:
        return _("%(role)s is a superuser, whom no privilege can be refused.") % {"role": role}
    if acts_as_owner:
        return _(
            "%(role)s is %(owner)s, or may act as it, the owner of the tables: "
            "the application needs a role of its own."
        ) % {"role": role, "owner": owner}
    return None


class Command(BaseCommand):
    help = "Print (or apply) the privileges of the application's PostgreSQL role."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="the application's role, e.g. hotro_app")
        parser.add_argument(
            "--apply", action="store_true", help="run the statements (as the tables' owner)"
        )

    def handle(self, *args, role: str, apply: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                _("Database roles are for PostgreSQL; this database is %(vendor)s.")
                % {"vendor": connection.display_name}
            )
        problem = refusal(role)
        if problem:
            raise CommandError(problem)
        statements = privilege_statements(role)
        if apply:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        for statement in statements:
            self.stdout.write(f"{statement};")
