"""The supervisor dashboard on a phone (375 px), with the demo data `make run` seeds: no sideways
page scroll (the wide tables scroll inside their .table-responsive box), the charts fit the
screen by their viewBox, and their tables are there for screen readers only."""

from __future__ import annotations

import pytest

from workflows.core.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import log_in, overflowing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_fits_a_phone(browser_page, demo_data):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, "kh-doh.supervisor", DEMO_PASSWORD)
    page.goto(page.base_url + "/reports/dashboard/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, overflowing(page)

    charts = page.locator("svg.chart")
    assert charts.count() == 2
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None and 0 < box["width"] <= 375 and box["height"] > 0

    completeness = page.locator("table.completeness")
    assert completeness.locator("tbody tr[data-unit]").count() > 0
    wrapper = completeness.locator("xpath=..")
    assert "table-responsive" in (wrapper.get_attribute("class") or "")
    # The chart's table is read by screen readers, not drawn.
    table = page.locator("#chart-year-table")
    assert table.count() == 1 and table.locator("tbody tr").count() > 0
    box = table.locator("xpath=../..").bounding_box()  # the .visually-hidden box clips it
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
