"""Inbox rows: process and step in Vietnamese, the due date and overdue marker, the count of
open tasks, and a returned record's reason."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.workflows.aid_requests.conftest import to_review
from tests.workflows.reporting import conftest as reporting
from workflows.aid_requests import services
from workflows.reporting.services import generate_obligations

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], flags=re.S)


def test_rows_read_in_vietnamese_with_their_due_date_and_the_open_count(client, cast, new_request):
    to_review(cast, new_request())
    to_review(cast, new_request(commune="c-phuoc-thanh"))
    client.force_login(cast.doet)
    html = client.get(reverse("tasks:inbox")).content.decode()
    assert "(2 việc đang mở)" in html
    row = _rows(html)[0]
    assert "Đề nghị hỗ trợ" in row and "Thẩm định chuyên ngành" in row
    assert "31/12/2023" in row
    assert "overdue" not in row and "Quá hạn" not in row


def test_a_task_past_its_due_date_is_marked_overdue(client, cast, new_request):
    to_review(cast, new_request())
    with time_machine.travel(dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        client.force_login(cast.doet)
        row = _rows(client.get(reverse("tasks:inbox")).content.decode())[0]
    assert 'class="overdue"' in row and "Quá hạn" in row


def test_a_returned_request_shows_its_reason(client, cast, new_request):
    aid = new_request()
    to_review(cast, aid)
    services.return_for_revision(user=cast.doet, request_id=aid.pk, reason="Thiếu danh sách trẻ.")
    client.force_login(cast.drafter)
    row = _rows(client.get(reverse("tasks:inbox")).content.decode())[0]
    assert 'class="returned"' in row and "Bị trả lại" in row
    assert "Thiếu danh sách trẻ." in row


@pytest.fixture
def duties(make_member):
    """The reporting cast on its work day (early December 2023), the plan's duties made."""
    with time_machine.travel(reporting.WORK_DAY, tick=False):
        cast = reporting.Cast(
            everyone={
                (unit, role): make_member(unit, role)
                for unit in ("d-bac-ai", "dolisa")
                for role in ("officer", "leader")
            }
        )
        generate_obligations()
        yield cast


def test_a_report_is_due_on_its_duty_day_then_its_review_by_the_plans_wait(client, duties):
    report = reporting.draft(duties, "d-bac-ai")
    client.force_login(duties["d-bac-ai", "officer"])
    row = _rows(client.get(reverse("tasks:inbox")).content.decode())[0]
    assert "Báo cáo của đơn vị" in row and "Đơn vị lập báo cáo" in row
    assert "30/12/2023" in row
    reporting.to_review(duties, report)
    client.force_login(duties["dolisa", "officer"])
    row = _rows(client.get(reverse("tasks:inbox")).content.decode())[0]
    assert "Sở LĐ-TB&amp;XH thẩm định" in row
    assert "11/12/2023" in row and "Quá hạn" not in row  # review_wait_days: 10
