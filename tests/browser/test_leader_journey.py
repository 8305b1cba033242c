"""The PPC's leader, on today's date with the demo data `make run` seeds, goes from the bell to
the notice of a proposed commendation, to its page, and approves it by a decision dated today:
in a real browser, in Vietnamese, the date typed dd/mm/yyyy."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from agencies.selectors import today
from workflows.commendations.actions import COMMENDATION
from workflows.commendations.models import Commendation, Status
from workflows.core.management.commands.seed_demo import DEMO_PASSWORD
from workflows.core.selectors import notifications_for

from .conftest import log_in, seed_demo_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_leader_decides_a_commendation_from_the_bell(browser_page):
    seed_demo_data()
    leader = get_user_model().objects.get(username="kh-ppc.leader")
    proposed = Commendation.objects.get(status=Status.PROPOSED)
    unread = notifications_for(leader).filter(read_at__isnull=True).count()
    assert unread > 0
    page = browser_page

    log_in(page, leader.username, DEMO_PASSWORD)
    bell = page.locator("header.site-header a.bell")
    assert bell.locator(".bell-count").inner_text().split()[-1] == str(unread)
    bell.click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    notice = page.locator("ul.notifications li.unread", has_text=str(proposed))
    assert notice.count() == 1
    notice.locator(".notice-open").click()
    page.wait_for_url(re.compile(rf"/commendations/{proposed.pk}/$"))
    assert proposed.nominee_name in page.locator("main").inner_text()
    assert notifications_for(leader).filter(read_at__isnull=True).count() == unread - 1

    day = today()
    page.fill("input[name=approve-decision_number]", "1234/QĐ-UBND")
    page.fill("input[name=approve-decision_date]", day.strftime("%d/%m/%Y"))
    page.click("form.action-approve button[type=submit]")
    page.wait_for_url(re.compile(rf"/commendations/{proposed.pk}/$"))

    approved = Commendation.objects.get(pk=proposed.pk)
    assert (approved.status, approved.decision_number, approved.decision_date) == (
        Status.APPROVED,
        "1234/QĐ-UBND",
        day,
    )
    assert f"1234/QĐ-UBND, {day:%d/%m/%Y}" in page.content()
    with translation.override("vi"):
        approved_label = str(COMMENDATION.action_labels["approve"])
    assert page.locator("table.timeline td[data-action=approve]").inner_text() == approved_label
