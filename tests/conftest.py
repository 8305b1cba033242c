"""Shared fixtures: the shipped plan loaded through `loadplan`, members made through services."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

PLAN_FILE = settings.BASE_DIR / "agencies" / "plans" / "ninh-thuan-372.yaml"
_usernames = itertools.count(1)


@pytest.fixture
def plan(db):
    """The Ninh Thuận plan as shipped, loaded the way operators load it."""
    from agencies.models import Plan

    call_command("loadplan", str(PLAN_FILE), verbosity=0)
    return Plan.objects.get()


@pytest.fixture
def make_member(plan):
    """Create a user holding `role` in the unit with `unit_code` (from 01/01/2019 by default)."""
    from agencies.models import Unit
    from agencies.services import grant_membership

    def make(
        unit_code: str,
        role: str,
        *,
        username: str | None = None,
        valid_from: dt.date = dt.date(2019, 1, 1),
        valid_to: dt.date | None = None,
    ):
        user = get_user_model().objects.create_user(
            username=username or f"{unit_code}-{role}-{next(_usernames)}",
            password="x",
            email=f"{unit_code}.{role}.{next(_usernames)}@example.org",
        )
        grant_membership(
            user=user,
            unit=Unit.objects.get(code=unit_code),
            role=role,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        return user

    return make


@contextlib.contextmanager
def _audit_guards_lifted(connection):
    """The audit table's triggers off, inside the caller's transaction, and back on after."""
    from workflows.core.models import AuditEvent

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            return
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [AuditEvent._meta.db_table],
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
        yield
        for _name, sql in triggers:
            cursor.execute(sql)


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_the_audit_guards():
    """Transactional tests (live servers, workers, migrations) empty the test database after
    them, by TRUNCATE on PostgreSQL and DELETE on SQLite, which the audit table refuses: the
    test database's flush lifts its guards in the flush's own transaction and puts them back,
    so every test runs against them and a real `manage.py flush` is still refused."""
    from django.db import transaction
    from django.db.backends.base.operations import BaseDatabaseOperations

    flush = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(ops, sql_list):
        with transaction.atomic(using=ops.connection.alias), _audit_guards_lifted(ops.connection):
            flush(ops, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield


def pytest_collection_modifyitems(config, items):
    """`postgres` tests need row locks and triggers: skip them on SQLite. `celery` tests need
    Redis: skip them without REDIS_URL, except in CI (CI=true), where they run and fail."""
    from django.db import connection

    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    skip_celery = pytest.mark.skip(reason="needs Redis (REDIS_URL)")
    without_redis = not os.environ.get("REDIS_URL") and os.environ.get("CI") != "true"
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(skip_postgres)
        elif "celery" in item.keywords and without_redis:
            item.add_marker(skip_celery)


class Migrator:
    """Moves the test database to a migration and back; models as they were there."""

    def migrate(self, targets):
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def plans(self, apps, rules_by_code: dict[str, dict]) -> list:
        """Plans as an older release stored them, one per code, with only these rules."""
        plan_model = apps.get_model("agencies", "Plan")
        return [
            plan_model.objects.create(
                code=code,
                title_vi=f"Kế hoạch {code}",
                act=f"{number}/KH-UBND",
                issued_on=dt.date(2019, 9, 3),
                period_start=2019,
                period_end=2025,
                rules=rules,
            )
            for number, (code, rules) in enumerate(rules_by_code.items())
        ]


@pytest.fixture
def migrator(transactional_db):
    """Each test leaves the schema of an older release; the tests after it (live servers,
    transactional tests) share the database, so it is brought back to the latest."""
    yield Migrator()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
