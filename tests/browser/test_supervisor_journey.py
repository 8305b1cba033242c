"""The plan's supervisor, on today's date with the demo data `make run` seeds, goes from the
dashboard to a unit whose duty is overdue and back, and downloads the dashboard as XLSX."""

from __future__ import annotations

import re

import openpyxl
import pytest

from workflows.core.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_from_dashboard_to_an_overdue_unit_to_the_xlsx(
    browser_page, demo_data, tmp_path
):
    page = browser_page
    log_in(page, "kh-doh.supervisor", DEMO_PASSWORD)  # DOLISA's successor follows the plan
    page.goto(page.base_url + "/")
    page.locator("nav a[href$='/reports/dashboard/']").first.click()
    page.wait_for_url(re.compile(r"/reports/dashboard/$"))
    overdue = page.locator("table.overdue tbody tr[data-overdue]")
    assert overdue.count() > 0  # the communes' 2026 implementation plans were due 01/03/2026
    unit_link = overdue.first.locator("td").first.locator("a")
    unit_name = unit_link.inner_text().strip()
    unit_link.click()
    page.wait_for_url(re.compile(r"/reports/units/[\w-]+/$"))
    assert unit_name in page.locator("main").inner_text()

    page.go_back()
    page.wait_for_url(re.compile(r"/reports/dashboard/"))
    with page.expect_download() as download_info:
        page.click("a[href*='/reports/dashboard/export.xlsx']")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = openpyxl.load_workbook(path)
    rows = [row for row in book.active.iter_rows(values_only=True) if any(row)]
    assert len(rows) > 1  # a header and the units' rows
    everywhere = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    assert any(unit_name in str(cell) for row in everywhere for cell in row if cell)
