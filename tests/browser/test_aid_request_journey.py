"""A district officer drafts and submits, the leader signs off, both reviewers accept: in a
real browser, reading what an officer reads."""

from __future__ import annotations

import re

import pytest

from agencies.models import Category, Unit
from workflows.aid_requests.models import AidRequest, Status

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_to_reviewers_journey(browser_page, cast):
    page = browser_page
    log_in(page, cast.drafter.username)
    assert page.locator("html").get_attribute("lang") == "vi"

    page.goto(page.base_url + "/requests/new/")
    page.select_option("select[name=district]", str(Unit.objects.get(code="d-bac-ai").pk))
    page.select_option("select[name=commune]", str(Unit.objects.get(code="c-phuoc-dai").pk))
    page.select_option("select[name=category]", str(Category.objects.get(code="nutrition").pk))
    page.fill("input[name=year]", "2023")
    page.fill("input[name=children_preschool]", "45")
    page.fill("textarea[name=justification]", "Bữa ăn dinh dưỡng cho trẻ mầm non")
    page.fill("input[name=lines-0-item]", "Sữa hộp")
    page.fill("input[name=lines-0-quantity]", "45")
    page.fill("input[name=lines-0-unit_cost]", "300000")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    aid = AidRequest.objects.get()
    assert "13.500.000" in page.content()  # 45 × 300.000 VND, Vietnamese grouping

    page.click("form.action-submit button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    assert AidRequest.objects.get(pk=aid.pk).status == Status.SUBMITTED

    log_in(page, cast.district_leader.username)
    page.goto(page.base_url + "/tasks/")
    page.locator("table.inbox a", has_text=str(aid)).click()
    page.click("form.action-sign_off button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    assert AidRequest.objects.get(pk=aid.pk).status == Status.UNDER_REVIEW

    for reviewer in (cast.doet, cast.doh):
        log_in(page, reviewer.username)
        page.goto(page.base_url + f"/requests/{aid.pk}/")
        page.click("form.action-accept_review button[type=submit]")
        page.wait_for_url(re.compile(r"/requests/\d+/$"))
    assert AidRequest.objects.get(pk=aid.pk).status == Status.ACCEPTED
    assert page.locator("table.timeline td[data-action=accept_review]").count() == 2
