"""A new commune's aid request under the 2026–2030 example plan, from its officer's draft to Sở Y
tế's delivery confirmation, on today's date with the demo data `make run` seeds: each account
in a real browser, from its inbox to the record's page and its action buttons."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from agencies.models import Plan, Unit
from agencies.selectors import today
from workflows.aid_requests.models import AidRequest, Status
from workflows.core.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLANS = settings.BASE_DIR / "agencies" / "plans"
RECORD = re.compile(r"/requests/\d+/$")


@pytest.fixture
def demo():
    """The plans, demo accounts, demo work and duties, as `make run` makes them."""
    for name in ("ninh-thuan-372.yaml", "khanh-hoa-2026-example.yaml"):
        call_command("loadplan", str(PLANS / name), verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    call_command("generate_obligations", stdout=io.StringIO())
    return Plan.objects.get(code="khanh-hoa-2026-example")


def act_from_inbox(page, username: str, aid: AidRequest, action: str) -> None:
    """Sign in, open the request from the inbox, press the action's button."""
    log_in(page, username, DEMO_PASSWORD)
    page.goto(page.base_url + "/tasks/")
    page.locator("table.inbox a", has_text=str(aid)).click()
    page.wait_for_url(RECORD)
    page.click(f"form.action-{action} button[type=submit]")
    page.wait_for_url(RECORD)


def test_a_commune_request_goes_all_the_way(browser_page, demo):
    page, plan, day = browser_page, demo, today()
    commune = Unit.objects.get(code="c-bac-ai-tay")
    log_in(page, "c-bac-ai-tay.officer", DEMO_PASSWORD)
    page.goto(page.base_url + "/requests/new/")
    page.select_option("select[name=district]", str(commune.pk))  # the commune drafts for itself
    page.select_option("select[name=commune]", str(commune.pk))
    page.select_option("select[name=category]", str(plan.categories.get(code="nutrition").pk))
    page.fill("input[name=year]", str(day.year))
    page.fill("input[name=children_preschool]", "60")
    page.fill("textarea[name=justification]", "Bữa ăn dinh dưỡng cho trẻ mầm non của xã")
    page.fill("input[name=lines-0-item]", "Sữa hộp")
    page.fill("input[name=lines-0-quantity]", "60")
    page.fill("input[name=lines-0-unit_cost]", "300000")
    page.click("main form button[type=submit]")
    page.wait_for_url(RECORD)
    aid = AidRequest.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert (aid.district, aid.commune, aid.category.plan) == (commune, commune, plan)
    page.click("form.action-submit button[type=submit]")
    page.wait_for_url(RECORD)

    act_from_inbox(page, "c-bac-ai-tay.leader", aid, "sign_off")
    for reviewer in ("kh-doet.officer", "kh-doh.officer"):  # nutrition: parallel (IV.2, IV.3)
        act_from_inbox(page, reviewer, aid, "accept_review")
    assert AidRequest.objects.get(pk=aid.pk).status == Status.ACCEPTED

    log_in(page, "kh-doh.officer", DEMO_PASSWORD)
    page.goto(page.base_url + "/tasks/")
    page.locator("table.inbox a", has_text=str(aid)).click()
    page.wait_for_url(RECORD)
    donors = plan.funding_sources.get(code="donor_pledge")
    page.select_option("select[name=consolidate-funding_source]", str(donors.pk))
    page.click("form.action-consolidate button[type=submit]")
    page.wait_for_url(RECORD)

    act_from_inbox(page, "kh-doh.leader", aid, "approve")  # 18.000.000 VND: below the threshold

    log_in(page, "c-bac-ai-tay.officer", DEMO_PASSWORD)
    page.goto(page.base_url + "/tasks/")
    page.locator("table.inbox a", has_text=str(aid)).click()
    page.wait_for_url(RECORD)
    page.fill("input[name=deliver-delivered_on]", day.strftime("%d/%m/%Y"))
    page.fill("input[name=deliver-children_reached]", "60")
    page.fill("textarea[name=deliver-note]", "60 suất sữa hộp")
    page.click("form.action-deliver button[type=submit]")
    page.wait_for_url(RECORD)

    act_from_inbox(page, "kh-doh.officer", aid, "confirm_delivery")

    closed = AidRequest.objects.get(pk=aid.pk)
    assert (closed.status, closed.funding_source, closed.children_reached) == (
        Status.CLOSED,
        donors,
        60,
    )
    assert page.locator("dd.plan").inner_text() == plan.title_vi
    assert "tạm thời" in page.locator(".area-class").inner_text()  # provisional, and says so
    assert "Ví dụ minh họa — không phải văn bản ban hành" in plan.title_vi
    cells = page.locator("table.timeline td[data-action]").all()
    assert [cell.get_attribute("data-action") for cell in cells] == [
        "create",
        "submit",
        "sign_off",
        "accept_review",
        "accept_review",
        "consolidate",
        "approve",
        "deliver",
        "confirm_delivery",
    ]
