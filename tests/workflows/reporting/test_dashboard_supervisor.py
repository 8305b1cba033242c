"""The supervisor view after the 2025 reorganisation and across periods (issue #12 item 7):
current units before ended ones, every kind of unit with duties, every period's overdue duties
counted in Vietnam days, the XLSX's heading and overdue sheet, the chart with its table, and a
phone-first page (every table scrolls inside itself)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Plan
from workflows.reporting.charts import PLOT_HEIGHT
from workflows.reporting.selectors import completeness_by_kind, overdue_list

from . import test_dashboard
from .conftest import VN
from .test_dashboard import QUERY, TABLE_ROW

year_2023 = test_dashboard.year_2023  # the hand-built year, read on 10/01/2024

pytestmark = pytest.mark.django_db

DUTY = "yearly_results_report"
AFTER = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # the districts and DOLISA ended on 30/06/2025


@pytest.fixture
def health(cast, make_member, work_day):
    """Khánh Hòa's Sở Y tế owes the provincial report after the merger: its supervisor follows
    every unit; the duties are generated again in 2026 (the 2025 ones pass to the communes)."""
    from workflows.reporting import services

    supervisor = make_member("kh-doh", "supervisor", valid_from=dt.date(2025, 7, 1))
    work_day.move_to(AFTER)
    services.generate_obligations()
    return supervisor


def test_current_units_come_first_and_every_kind_with_duties_is_shown(client, health):
    client.force_login(health)
    response = client.get(reverse("reporting:dashboard"), {"year": 2025})
    rows = response.context["rows"]
    flags = [row.current for row in rows]
    assert flags == sorted(flags, reverse=True)  # every current unit before every ended one
    assert True in flags and False in flags
    ended = {row.unit.code for row in rows if not row.current}
    assert ended and all(code.startswith("d-") for code in ended)  # the abolished districts
    assert {row.unit.kind for row in rows} == {"department", "mass_org", "commune", "district"}
    kinds = [row.unit.kind for row in rows if row.current]
    assert kinds == sorted(kinds, key=["department", "mass_org", "commune"].index)

    page = response.content.decode()
    first = re.search(r'data-unit="([\w-]+)"', page)
    assert first is not None and not first.group(1).startswith("d-")
    ended_row = page.split('data-unit="d-bac-ai"')[1].split("</tr>")[0]
    assert "Không còn tồn tại" in ended_row  # "No longer exists"

    # The unit page says whether the unit exists today (its template shows it).
    assert client.get(reverse("reporting:unit", args=["d-bac-ai"])).context["current"] is False
    unit = client.get(reverse("reporting:unit", args=["c-bac-ai-tay"]))
    assert unit.context["current"] is True
    assert [(r.obligation.year, r.days_overdue) for r in unit.context["overdue"]] == [(2025, 62)]


def test_overdue_duties_of_every_period_current_units_first(client, health):
    client.force_login(health)
    response = client.get(reverse("reporting:dashboard"), {"year": 2024})
    overdue = response.context["overdue"]
    assert {row.obligation.year for row in overdue} == set(range(2019, 2026))
    flags = [row.current for row in overdue]
    assert flags == sorted(flags, reverse=True) and True in flags and False in flags
    current = [row for row in overdue if row.current]
    ended = [row for row in overdue if not row.current]
    for part in (current, ended):  # oldest due first within each
        due = [row.obligation.due_on for row in part]
        assert due == sorted(due)
    assert all(row.obligation.unit.valid_to < AFTER.date() for row in ended)
    assert "d-bac-ai" in {row.obligation.unit.code for row in ended}
    assert ("wu", 2019) in {(r.obligation.unit.code, r.obligation.year) for r in current}
    communes = [row for row in current if row.obligation.unit.kind == "commune"]
    assert communes and {(r.obligation.year, r.days_overdue) for r in communes} == {(2025, 62)}
    assert sum(1 for row in overdue if row.obligation.unit.kind == "commune") > 0


def test_days_overdue_are_counted_in_vietnam_time(year_2023, work_day):
    # 00:30 on 10/01/2024 in Hà Nội is still 09/01 in UTC: 11 days after 30/12/2023, not 10.
    moment = dt.datetime(2024, 1, 10, 0, 30, tzinfo=VN)
    work_day.move_to(moment)
    rows = overdue_list(user=year_2023["dolisa"], at=moment, kind="district", definition=DUTY)
    days = {r.days_overdue for r in rows if r.obligation.year == 2023}
    assert days == {11}
    late_evening = dt.datetime(2024, 1, 9, 23, 59, tzinfo=VN)
    rows = overdue_list(user=year_2023["dolisa"], at=late_evening, kind="district", definition=DUTY)
    assert {r.days_overdue for r in rows if r.obligation.year == 2023} == {10}


def test_the_xlsx_says_what_for_which_plan_with_which_filters_and_when(client, year_2023):
    client.force_login(year_2023["dolisa"])
    response = client.get(reverse("reporting:dashboard_xlsx"), QUERY)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    totals, late = book.worksheets
    assert book.active.title == totals.title

    plan = Plan.objects.get()
    for sheet in (totals, late):
        assert plan.act in sheet["A1"].value and plan.title_vi in sheet["A1"].value
        assert "cấp huyện" in sheet["A2"].value  # the kind of unit chosen
        assert "10/01/2024 09:00" in sheet["A3"].value  # Vietnam time (02:00 in UTC)
    assert "2023" in totals["A2"].value
    assert totals.cell(row=TABLE_ROW, column=1).value == "Mã đơn vị"

    header = [cell.value for cell in late[TABLE_ROW]]
    assert len(header) == 8
    lines = [list(row) for row in late.iter_rows(min_row=TABLE_ROW + 1, values_only=True)]
    expected = overdue_list(
        user=year_2023["dolisa"], at=AFTER_2023, kind="district", definition=DUTY
    )
    assert [(line[0], line[3]) for line in lines] == [
        (row.obligation.unit.code, row.obligation.year) for row in expected
    ]
    assert {line[3] for line in lines} == {2019, 2020, 2021, 2022, 2023}  # every period
    thuan_bac = next(line for line in lines if line[0] == "d-thuan-bac" and line[3] == 2023)
    *_names, due, days, last, told = thuan_bac
    assert due.date() == dt.date(2023, 12, 30) and days == 11
    assert last.date() == dt.date(2024, 1, 6)  # the second scan's reminder
    assert told == "d-thuan-bac.supervisor, dolisa.supervisor"
    assert late.cell(row=TABLE_ROW + 1, column=5).number_format == "DD/MM/YYYY"

    # The CSV keeps its ten columns.
    csv_text = client.get(reverse("reporting:dashboard_csv"), QUERY).content.decode("utf-8-sig")
    assert len(csv_text.splitlines()[0].split(",")) == 10


AFTER_2023 = dt.datetime(2024, 1, 10, 9, 0, tzinfo=VN)  # when year_2023 reads the dashboard


def test_the_chart_by_year_and_by_kind_is_inline_svg_with_a_table(client, year_2023):
    client.force_login(year_2023["dolisa"])
    query = {"year": 2023, "definition": "yearly_results_report"}
    response = client.get(reverse("reporting:dashboard"), query)
    page = response.content.decode()
    assert 'style="' not in page and "<script>" not in page
    charts = re.findall(r"<svg class=\"chart[^>]*>", page)
    assert len(charts) == 2
    for tag in charts:
        # Its natural size at most, narrower on a phone: it scales with its viewBox.
        box = re.search(r'viewBox="0 0 (\d+) (\d+)"', tag)
        assert box is not None and "mw-100 h-auto" in tag
        assert f'width="{box.group(1)}"' in tag and f'height="{box.group(2)}"' in tag
        assert 'role="img"' in tag and "aria-describedby=" in tag

    by_year = page.split('id="chart-year-title"')[1].split("</svg>")[0]
    group = by_year.split('data-group="2023"')[1].split("</g>")[0]
    heights = dict(re.findall(r'data-measure="(\w+)"[^>]*height="(\d+)"', group))
    total = dict(response.context["by_year"])[2023]
    assert heights == {
        "completeness": str(round(PLOT_HEIGHT * total.completeness)),
        "timeliness": str(round(PLOT_HEIGHT * total.timeliness)),
    }

    kinds = completeness_by_kind(
        user=year_2023["dolisa"], year=2023, definition="yearly_results_report"
    )
    assert [code for code, _label, _counts in kinds] == ["department", "mass_org", "district"]
    by_kind = page.split('id="chart-kind-title"')[1].split("</svg>")[0]
    assert by_kind.count("<g data-group=") == 3
    district = {code: counts for code, _label, counts in kinds}["district"]
    assert (district.expected, district.submitted, district.on_time) == (6, 2, 1)

    # The text alternative: the same rates as a table, for screen readers.
    table = page.split('id="chart-kind-table"')[1].split("</table>")[0]
    assert "33,3%" in table and "16,7%" in table
    assert re.search(
        r'<div class="visually-hidden">\s*<div class="table-responsive">\s*'
        r'<table id="chart-kind-table"',
        page,
    )


def test_every_table_scrolls_inside_itself_on_a_phone(client, year_2023):
    client.force_login(year_2023["dolisa"])
    page = client.get(reverse("reporting:dashboard"), {"year": 2023}).content.decode()
    tables = page.count("<table")
    assert tables >= 4  # per unit, overdue, and the two charts' tables
    assert len(re.findall(r'<div class="table-responsive[^"]*">\s*<table', page)) == tables
    assert 'name="viewport"' in page
