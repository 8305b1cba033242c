"""The audit trail is append-only below the model too (docs/architecture.md, Audit): the database
refuses UPDATE and DELETE on both vendors and TRUNCATE on PostgreSQL, the application's role
may only read and append it, and an audited record, process or task cannot be deleted."""

from __future__ import annotations

import datetime as dt
import io
import os

import psycopg
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.utils import translation
from viewflow.workflow.models import Process, Task

from tests.workflows.aid_requests.conftest import to_review
from tests.workflows.reporting.conftest import WORK_DAY as REPORTING_DAY
from tests.workflows.reporting.conftest import duty, figures
from workflows.aid_requests.models import AidRequest
from workflows.commendations import services as commendations
from workflows.commendations.models import Commendation, NomineeKind
from workflows.core.models import AppendOnlyError, AuditEvent
from workflows.core.timeline import timeline_for
from workflows.reporting import services as reporting
from workflows.reporting.models import Report

pytestmark = pytest.mark.django_db

TABLE = "workflows_core_auditevent"
ROLE = f"hotro_app_test_{os.getpid()}"  # roles are the cluster's: one name per test run
REFUSED = "audit events are append-only"
DENIED = f"permission denied for table {TABLE}"


def rewrite_by_base_manager(event: AuditEvent) -> None:
    AuditEvent._base_manager.filter(pk=event.pk).update(comment="rewritten")


def delete_by_base_manager(event: AuditEvent) -> None:
    AuditEvent._base_manager.filter(pk=event.pk).delete()


def rewrite_by_sql(event: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflows_core_auditevent SET comment = 'rewritten' WHERE id = %s", [event.pk]
        )


def delete_by_sql(event: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM workflows_core_auditevent WHERE id = %s", [event.pk])


def rewrite_by_upsert(event: AuditEvent) -> None:
    """INSERT … ON CONFLICT (id) DO UPDATE: an insert that rewrites the event it meets."""
    copy = AuditEvent._base_manager.get(pk=event.pk)
    copy.comment = "rewritten"
    AuditEvent._base_manager.bulk_create(
        [copy], update_conflicts=True, unique_fields=["id"], update_fields=["comment"]
    )


WRITES = [
    rewrite_by_base_manager,
    delete_by_base_manager,
    rewrite_by_sql,
    delete_by_sql,
    rewrite_by_upsert,
]


def truncate(event: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE workflows_core_auditevent")


def truncate_by_cascade(event: AuditEvent) -> None:
    """The users' table is referenced by the trail: CASCADE truncates the trail with it."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE auth_user CASCADE")


def as_it_was(event: AuditEvent) -> tuple:
    return AuditEvent.objects.filter(pk=event.pk).values_list("comment", "action").get()


@pytest.fixture
def event(new_request) -> AuditEvent:
    """The request's creation, audited by the door."""
    return timeline_for(new_request()).get()


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
def test_the_database_refuses_to_change_or_remove_an_event(event, write):
    before, count = as_it_was(event), AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        write(event)
    assert as_it_was(event) == before
    assert AuditEvent.objects.count() == count


def test_the_model_refuses_upserts_and_still_appends(event):
    copy = AuditEvent.objects.get(pk=event.pk)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create(
            [copy], update_conflicts=True, unique_fields=["id"], update_fields=["comment"]
        )
    copy.pk, copy.comment = None, "a second event"
    AuditEvent.objects.bulk_create([copy])
    assert list(timeline_for(event.subject).values_list("comment", flat=True)) == [
        event.comment,
        "a second event",
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("write", [truncate, truncate_by_cascade], ids=lambda w: w.__name__)
def test_postgresql_refuses_to_truncate_the_trail(event, write):
    count = AuditEvent.objects.count()
    connection.check_constraints()  # as at a commit: TRUNCATE waits for no pending FK check
    refused = f"{REFUSED} \\(TRUNCATE refused\\)"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        write(event)
    assert AuditEvent.objects.count() == count


def guards() -> list[tuple[str, str]]:
    """The audit table's triggers: name and whether enabled (PostgreSQL) or their SQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger"
                " WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'trigger' AND tbl_name = %s ORDER BY name",
                [TABLE],
            )
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_the_test_databases_flush_empties_the_trail_and_puts_its_guards_back(event):
    before = guards()
    expected = {
        "postgresql": [(f"{TABLE}_append_only", "O"), (f"{TABLE}_no_truncate", "O")],
        "sqlite": [f"{TABLE}_no_delete", f"{TABLE}_no_update"],
    }[connection.vendor]
    assert [row if connection.vendor == "postgresql" else row[0] for row in before] == expected
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert guards() == before


# The application's role.


def has_privilege(role: str, table: str, privilege: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
        return cursor.fetchone()[0]


@pytest.fixture
def app_role():
    """The application's role, made and given its privileges by app_role as the owner."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{ROLE}" LOGIN PASSWORD %s', [ROLE])
    call_command("app_role", role=ROLE, apply=True, stdout=io.StringIO())
    return ROLE


@pytest.mark.postgres
def test_the_app_role_does_the_apps_work_and_may_only_read_and_append_the_trail(
    cast, new_request, app_role
):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{app_role}"')
    try:
        aid = to_review(cast, new_request())
        event = timeline_for(aid).last()
        assert [e.action for e in timeline_for(aid)] == ["create", "submit", "sign_off"]
        for write in [*WRITES, truncate]:
            with pytest.raises(DatabaseError, match=DENIED), transaction.atomic():
                write(event)
        assert [e.action for e in timeline_for(aid)] == ["create", "submit", "sign_off"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


INSERT = """
    INSERT INTO workflows_core_auditevent (subject_type_id, subject_id, role, step, action,
        from_status, to_status, comment, clause, data, created)
    SELECT subject_type_id, subject_id, role, step, 'note', '', '', 'appended', '', '{}', now()
    FROM workflows_core_auditevent WHERE id = %(id)s
    RETURNING id
"""
UPSERT = """
    INSERT INTO workflows_core_auditevent (id, subject_type_id, subject_id, role, step, action,
        from_status, to_status, comment, clause, data, created)
    SELECT id, subject_type_id, subject_id, role, step, action, from_status, to_status,
           'rewritten', clause, data, created
    FROM workflows_core_auditevent WHERE id = %(id)s
    ON CONFLICT (id) DO UPDATE SET comment = EXCLUDED.comment
"""
ROLE_REFUSED = [  # refused by privileges, before any trigger
    ("UPDATE workflows_core_auditevent SET comment = 'rewritten' WHERE id = %(id)s", DENIED),
    ("DELETE FROM workflows_core_auditevent WHERE id = %(id)s", DENIED),
    ("TRUNCATE workflows_core_auditevent", DENIED),
    (UPSERT, DENIED),
    (
        "ALTER TABLE workflows_core_auditevent DISABLE TRIGGER USER",
        f"must be owner of table {TABLE}",
    ),
]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the role's own session sees what the test committed
def test_a_session_of_the_app_role_may_only_read_and_append_the_trail(event):
    db = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{ROLE}" LOGIN PASSWORD %s', [ROLE])
    try:
        call_command("app_role", role=ROLE, apply=True, stdout=io.StringIO())
        with psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            dbname=db["NAME"],
            user=ROLE,
            password=ROLE,
            autocommit=True,
        ) as session:
            found = session.execute("SELECT count(*) FROM workflows_core_auditevent").fetchone()
            assert found == (AuditEvent.objects.count(),)
            (appended,) = session.execute(INSERT, {"id": event.pk}).fetchone()
            for statement, message in ROLE_REFUSED:
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
                    session.execute(statement, {"id": event.pk})
        assert list(AuditEvent.objects.values_list("pk", "comment")) == [
            (event.pk, event.comment),
            (appended, "appended"),
        ]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{ROLE}"')
            cursor.execute(f'DROP ROLE "{ROLE}"')


@pytest.mark.postgres
def test_app_role_takes_away_what_the_role_held_and_prints_without_applying(app_role, capsys):
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT ALL ON TABLE {TABLE}, auth_user TO "{app_role}"')
    call_command("app_role", role=app_role, apply=True)
    for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
        assert not has_privilege(app_role, TABLE, privilege)
    assert has_privilege(app_role, TABLE, "INSERT") and has_privilege(app_role, TABLE, "SELECT")
    assert has_privilege(app_role, "auth_user", "UPDATE")
    assert not has_privilege(app_role, "auth_user", "TRUNCATE")
    assert not has_privilege(app_role, "django_migrations", "INSERT")
    assert has_privilege(app_role, "django_migrations", "SELECT")

    with connection.cursor() as cursor:
        cursor.execute(f'REVOKE ALL ON TABLE {TABLE} FROM "{app_role}"')
    capsys.readouterr()
    call_command("app_role", role=app_role)
    printed = capsys.readouterr().out
    assert f'GRANT SELECT, INSERT ON TABLE "{TABLE}" TO "{app_role}";' in printed
    assert not has_privilege(app_role, TABLE, "INSERT")


@pytest.mark.postgres
@translation.override("en")
def test_app_role_refuses_a_role_that_can_bypass_privileges(app_role):
    with pytest.raises(CommandError, match="no role nobody_here"):
        call_command("app_role", role="nobody_here")
    with pytest.raises(CommandError, match="is a superuser"):
        call_command("app_role", role=connection.settings_dict["USER"])
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT "{connection.settings_dict["USER"]}" TO "{app_role}"')
    with pytest.raises(CommandError, match="may act as it, the owner of the tables"):
        call_command("app_role", role=app_role)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has no roles")
@translation.override("en")
def test_app_role_is_for_postgresql():
    with pytest.raises(CommandError, match="this database is SQLite"):
        call_command("app_role", role="hotro_app")


# Audited rows stay.


@pytest.fixture
def aid_request(new_request):
    return new_request()


@pytest.fixture
def report(make_member):
    with time_machine.travel(REPORTING_DAY, tick=False):
        officer = make_member("d-bac-ai", "officer")
        reporting.generate_obligations()
        return reporting.create_report(
            user=officer, obligation_id=duty("d-bac-ai").pk, data=figures(children=())
        )


@pytest.fixture
def commendation(make_member):
    with time_machine.travel(dt.datetime(2025, 4, 1, 2, tzinfo=dt.UTC), tick=False):
        officer = make_member("dolisa", "officer")
        return commendations.create_commendation(
            user=officer,
            data=commendations.Nomination(
                year=2024,
                nominee_name="Hội Chữ thập đỏ tỉnh",
                nominee_kind=NomineeKind.ORGANISATION,
                contribution="Tặng 200 suất học bổng cho trẻ em xã Phước Bình.",
                value_vnd=100_000_000,
            ),
        )


# The rows a record's deletion would cascade to, where it has any.
CASCADES = {AidRequest: "lines", Report: "resources"}


def kept_with(record) -> tuple[list, ...]:
    """Its timeline, the rows its deletion would cascade to, its process's tasks."""
    cascaded = getattr(record, CASCADES[type(record)]).all() if type(record) in CASCADES else []
    tasks = Task.objects.filter(process_id=record.process_id)
    return list(timeline_for(record)), list(cascaded), list(tasks)


@pytest.mark.parametrize(
    ("record_fixture", "model"),
    [("aid_request", AidRequest), ("report", Report), ("commendation", Commendation)],
)
def test_an_audited_record_cannot_be_deleted(request, record_fixture, model):
    record = request.getfixturevalue(record_fixture)
    kept = kept_with(record)
    assert [e.action for e in kept[0]] == ["create"] and kept[2]
    assert bool(kept[1]) == (model in CASCADES)
    message = f"Cannot delete {model._meta.label} {record.pk}: its audit events keep its history"
    # Refused inside the deletion's transaction, which the caller's must then roll back.
    with pytest.raises(ProtectedError, match=message), transaction.atomic():
        record.delete()
    with pytest.raises(ProtectedError, match=message), transaction.atomic():
        model.objects.filter(pk=record.pk).delete()
    assert model.objects.filter(pk=record.pk).exists()
    assert kept_with(record) == kept


def test_an_audited_process_and_its_tasks_cannot_be_deleted(cast, new_request):
    event = timeline_for(to_review(cast, new_request())).get(action="submit")
    process, task = Process.objects.get(pk=event.process_id), Task.objects.get(pk=event.task_id)
    tasks = Task.objects.filter(process=process).count()
    with pytest.raises(ProtectedError):
        process.delete()
    with pytest.raises(ProtectedError):
        task.delete()
    assert Task.objects.filter(process=process).count() == tasks
    assert AidRequest.objects.filter(process=process).exists()
