"""The supervisor dashboard against a hand-built year: DHIS2 completeness and timeliness, the
overdue list with who was told when, and the XLSX and CSV exports holding the same numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from workflows.reporting import reminders, services
from workflows.reporting.models import Obligation
from workflows.reporting.selectors import can_oversee, completeness_by_unit, completeness_by_year

from .conftest import VN, draft, duty, to_review

pytestmark = pytest.mark.django_db

TABLE_ROW = 5  # the XLSX's table header, under the title, the filters, the time and a blank row

QUERY = {"year": 2023, "kind": "district", "definition": "yearly_results_report"}
DISTRICTS = [
    "d-bac-ai",
    "d-ninh-hai",
    "d-ninh-phuoc",
    "d-ninh-son",
    "d-phan-rang-thap-cham",
    "d-thuan-bac",
    "d-thuan-nam",
]


@pytest.fixture
def year_2023(cast, make_member, work_day):
    """Bác Ái on time, Ninh Sơn late, Ninh Hải waived, four districts missing; the scan ran on
    the due day and a week later; the dashboard is read on 10/01/2024."""
    thuan_bac = make_member("d-thuan-bac", "supervisor", username="d-thuan-bac.supervisor")
    work_day.move_to(dt.datetime(2023, 12, 10, 9, 0, tzinfo=VN))
    to_review(cast, draft(cast, "d-bac-ai"))
    late = draft(cast, "d-ninh-son")
    for day in (
        dt.datetime(2023, 12, 30, 0, 20, tzinfo=VN),
        dt.datetime(2024, 1, 6, 0, 20, tzinfo=VN),
    ):
        work_day.move_to(day)
        reminders.scan_obligations()
    work_day.move_to(dt.datetime(2024, 1, 8, 10, 0, tzinfo=VN))
    to_review(cast, late)
    services.waive_obligation(
        user=cast["dolisa", "leader"], obligation_id=duty("d-ninh-hai").pk, reason="Thiên tai"
    )
    work_day.move_to(dt.datetime(2024, 1, 10, 9, 0, tzinfo=VN))
    return {"dolisa": cast["dolisa", "supervisor"], "thuan_bac": thuan_bac}


# code, expected, submitted, on time, late, missing, waived, completeness %, timeliness %
EXPECTED = [
    ["d-bac-ai", 1, 1, 1, 0, 0, 0, 100.0, 100.0],
    ["d-ninh-hai", 0, 0, 0, 0, 0, 1, None, None],
    ["d-ninh-phuoc", 1, 0, 0, 0, 1, 0, 0.0, 0.0],
    ["d-ninh-son", 1, 1, 0, 1, 0, 0, 100.0, 0.0],
    ["d-phan-rang-thap-cham", 1, 0, 0, 0, 1, 0, 0.0, 0.0],
    ["d-thuan-bac", 1, 0, 0, 0, 1, 0, 0.0, 0.0],
    ["d-thuan-nam", 1, 0, 0, 0, 1, 0, 0.0, 0.0],
    ["", 6, 2, 1, 1, 4, 1, 33.3, 16.7],
]


def test_completeness_and_timeliness_per_unit(year_2023):
    rows, total = completeness_by_unit(user=year_2023["dolisa"], **QUERY)
    table = [
        [r.unit.code, r.expected, r.submitted, r.on_time, r.late, r.missing, r.waived] for r in rows
    ]
    assert table == [row[:7] for row in EXPECTED[:-1]]
    assert (total.expected, total.submitted, total.on_time, total.late, total.missing) == (
        6,
        2,
        1,
        1,
        4,
    )
    assert total.completeness == pytest.approx(2 / 6)
    assert total.timeliness == pytest.approx(1 / 6)

    by_year = dict(
        completeness_by_year(
            user=year_2023["dolisa"], kind="district", definition="yearly_results_report"
        )
    )
    assert by_year[2023].timeliness == pytest.approx(1 / 6)
    assert by_year[2022].expected == 7 and by_year[2022].submitted == 0


def test_dashboard_page_with_overdue_list_and_chart(client, year_2023):
    client.force_login(year_2023["dolisa"])
    response = client.get(reverse("reporting:dashboard"), QUERY)
    assert response.status_code == 200
    # Every period's overdue duties, not only the year shown: 2019–2022 were never sent either.
    every = response.context["overdue"]
    assert {row.obligation.year for row in every} == {2019, 2020, 2021, 2022, 2023}
    old = next(
        r for r in every if r.obligation.unit.code == "d-bac-ai" and r.obligation.year == 2022
    )
    assert old.days_overdue == 376  # 30/12/2022 → 10/01/2024
    overdue = {row.obligation.unit.code: row for row in every if row.obligation.year == 2023}
    assert sorted(overdue) == [
        "d-ninh-phuoc",
        "d-phan-rang-thap-cham",
        "d-thuan-bac",
        "d-thuan-nam",
    ]
    assert {row.days_overdue for row in overdue.values()} == {11}  # 30/12/2023 → 10/01/2024
    told = sorted((n.day, n.recipient.username) for n in overdue["d-thuan-bac"].notices)
    assert told == [
        (dt.date(2023, 12, 30), "d-thuan-bac.supervisor"),
        (dt.date(2023, 12, 30), "dolisa.supervisor"),
        (dt.date(2024, 1, 6), "d-thuan-bac.supervisor"),
        (dt.date(2024, 1, 6), "dolisa.supervisor"),
    ]
    page = response.content.decode()
    # An inline chart: the only script is the site's own Bootstrap bundle, nothing fetched.
    assert "<svg" in page
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js">'
    ]
    total = page.split('data-unit="total"')[1].split("</tr>")[0]
    assert ">6<" in total and ">4<" in total and "33,3%" in total and "16,7%" in total


def test_exports_hold_the_same_numbers(client, year_2023):
    client.force_login(year_2023["dolisa"])
    response = client.get(reverse("reporting:dashboard_xlsx"), QUERY)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(min_row=TABLE_ROW + 1, values_only=True)]
    assert [[r[0] or "", *r[2:]] for r in rows] == EXPECTED

    response = client.get(reverse("reporting:dashboard_csv"), QUERY)
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [[line[0], *line[2:]] for line in lines[1:]] == [
        ["" if value is None else str(value) for value in row] for row in EXPECTED
    ]


def test_dashboard_opens_on_the_last_year_with_duties(plan):
    import datetime as dt

    from django.core.management import call_command

    from workflows.reporting.selectors import latest_reporting_year

    call_command("generate_obligations", verbosity=0)
    assert latest_reporting_year(on=dt.date(2026, 11, 29)) == 2025
    assert latest_reporting_year(on=dt.date(2023, 5, 1)) == 2023


def test_a_district_supervisor_sees_only_their_district(client, year_2023):
    client.force_login(year_2023["thuan_bac"])
    response = client.get(reverse("reporting:dashboard"), QUERY)
    assert [row.unit.code for row in response.context["rows"]] == ["d-thuan-bac"]
    assert {row.obligation.unit.code for row in response.context["overdue"]} == {"d-thuan-bac"}
    expected = {year: rates.expected for year, rates in response.context["by_year"]}
    assert expected == dict.fromkeys(range(2019, 2025), 1)
    lines = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("reporting:dashboard_csv"), QUERY).content.decode("utf-8-sig")
            )
        )
    )
    assert [line[0] for line in lines[1:]] == ["d-thuan-bac", ""]
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("reporting:dashboard_xlsx"), QUERY).content)
    ).active
    assert [row[0] for row in sheet.iter_rows(min_row=TABLE_ROW + 1, values_only=True)] == [
        "d-thuan-bac",
        None,
    ]

    assert client.get(reverse("reporting:unit", args=["d-thuan-bac"])).status_code == 200
    assert (
        client.get(reverse("reporting:obligation", args=[duty("d-thuan-bac").pk])).status_code
        == 200
    )
    for page in (
        reverse("reporting:unit", args=["d-bac-ai"]),
        reverse("reporting:unit", args=["dolisa"]),
        reverse("reporting:obligation", args=[duty("d-bac-ai").pk]),
        reverse("reporting:consolidation", args=[2023]),
    ):
        assert client.get(page).status_code == 404, page


def test_dolisa_s_supervisor_sees_the_province(client, year_2023):
    client.force_login(year_2023["dolisa"])
    assert client.get(reverse("reporting:unit", args=["d-bac-ai"])).status_code == 200
    assert client.get(reverse("reporting:consolidation", args=[2023])).status_code == 200
    response = client.get(reverse("reporting:dashboard"), {"year": 2023})
    assert {"d-bac-ai", "doh", "wu"} <= {row.unit.code for row in response.context["rows"]}


def test_the_province_is_seen_by_the_supervisor_of_whoever_owes_the_provincial_report(
    client, cast, make_member, work_day
):
    """After the reorganisation DOLISA's duty is Khánh Hòa's Sở Y tế's: its supervisor follows
    every unit, another department's only its own (and the Ninh Thuận unit it took over)."""
    health = make_member("kh-doh", "supervisor", valid_from=dt.date(2025, 7, 1))
    finance = make_member("kh-dof", "supervisor", valid_from=dt.date(2025, 7, 1))
    work_day.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN))
    assert can_oversee(health) and can_oversee(finance)
    assert not can_oversee(cast["dolisa", "supervisor"])  # DOLISA's membership ended with it

    client.force_login(health)
    response = client.get(reverse("reporting:dashboard"), {"year": 2024})
    owing = set(Obligation.objects.filter(year=2024).values_list("unit__code", flat=True))
    assert {row.unit.code for row in response.context["rows"]} == owing
    assert {"d-bac-ai", "doh", "wu"} <= owing
    assert client.get(reverse("reporting:unit", args=["d-bac-ai"])).status_code == 200

    client.force_login(finance)
    response = client.get(reverse("reporting:dashboard"), {"year": 2024})
    assert {row.unit.code for row in response.context["rows"]} == {"dof", "dpi"}
    assert client.get(reverse("reporting:unit", args=["d-bac-ai"])).status_code == 404
