"""The overdue scan records its escalations in as many statements whatever the number of units
the plans name to be told (bench P3: one per (unit, role) target grew with every plan loaded):
one for the obliged units' own members, one for the named units' members."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workflows.core import notifications
from workflows.core.models import Notification
from workflows.reporting import reminders
from workflows.reporting.models import Obligation

from .conftest import VN

pytestmark = pytest.mark.django_db


def test_escalations_to_every_target_in_two_statements(cast, work_day):
    # 20/01/2024: the districts' and departments' 2023 reports (due before 30/12/2023, told to
    # their supervisors and DOLISA's) and DOLISA's provincial report (due before 15/01/2024,
    # told to its supervisors and the PPC's) are all overdue.
    work_day.move_to(dt.datetime(2024, 1, 20, 0, 20, tzinfo=VN))
    with CaptureQueriesContext(connection) as queries:
        reminders.scan_obligations()
    table = Notification._meta.db_table
    inserts = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len([sql for sql in inserts if table in sql]) == 2  # no reminder is due that day

    told: dict[str, set[tuple[str, str]]] = {}
    for notice in Notification.objects.filter(kind=reminders.OVERDUE).select_related("recipient"):
        duty = Obligation.objects.get(pk=notice.subject_id)
        told.setdefault(notice.recipient.username, set()).add(
            (duty.definition.code, duty.unit.code)
        )
    # The obliged unit's own supervisors (the first target), then the unit the plan names.
    assert ("yearly_results_report", "d-bac-ai") in told["d-bac-ai.supervisor"]
    assert ("yearly_results_report", "d-bac-ai") in told["dolisa.supervisor"]
    assert {code for code, _unit in told["ppc.supervisor"]} == {"provincial_yearly_report"}
    assert ("provincial_yearly_report", "dolisa") in told["dolisa.supervisor"]
    assert {unit for _code, unit in told["d-bac-ai.supervisor"]} == {"d-bac-ai"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_the_hash_join_plan_is_the_scan_statements_own(cast, work_day):
    """The scan's INSERTs run without nested loops (their row estimates are wrong by thousands,
    bench P3), and the setting is back as it was once each is done."""
    work_day.move_to(dt.datetime(2024, 1, 20, 0, 20, tzinfo=VN))
    with CaptureQueriesContext(connection) as queries:
        reminders.scan_obligations()
    sql = [q["sql"] for q in queries]
    table = Notification._meta.db_table
    inserts = [i for i, s in enumerate(sql) if s.lstrip().startswith("INSERT") and table in s]
    assert inserts
    for i in inserts:
        assert sql[i - 1] == notifications.NESTLOOP_OFF
        assert sql[i + 1].startswith("SELECT set_config('enable_nestloop', 'on', true)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_nestloop")
        assert cursor.fetchone()[0] == "on"
        # A setting the transaction had made itself is the one restored.
        cursor.execute("SET LOCAL enable_nestloop = off")
        work_day.move_to(dt.datetime(2024, 1, 27, 0, 20, tzinfo=VN))  # a week on: escalated again
        with CaptureQueriesContext(connection) as again:
            reminders.scan_obligations()
        assert notifications.NESTLOOP_OFF in [q["sql"] for q in again]
        cursor.execute("SHOW enable_nestloop")
        assert cursor.fetchone()[0] == "off"
    assert Notification.objects.filter(kind=reminders.OVERDUE).exists()
