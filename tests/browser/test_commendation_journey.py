"""DOLISA proposes a commendation and the PPC's leader approves it by decision: in a real
browser, in Vietnamese, dates typed dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from workflows.commendations.actions import COMMENDATION
from workflows.commendations.models import Commendation, Status

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dolisa_proposes_the_ppc_leader_decides(browser_page, cast):
    page = browser_page
    log_in(page, cast.dolisa_officer.username)
    page.goto(page.base_url + "/commendations/")
    page.click("text=Đề nghị mới")
    page.fill("input[name=year]", "2022")
    page.fill("input[name=nominee_name]", "Hội Chữ thập đỏ huyện Bác Ái")
    page.select_option("select[name=nominee_kind]", "organisation")
    page.fill("textarea[name=contribution]", "Vận động 1.200 suất quà Tết cho trẻ em.")
    page.fill("input[name=value_vnd]", "360000000")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/commendations/\d+/$"))
    commendation = Commendation.objects.get()
    assert "360.000.000" in page.content()
    page.click("form.action-propose button[type=submit]")
    page.wait_for_url(re.compile(r"/commendations/\d+/$"))
    assert Commendation.objects.get().status == Status.PROPOSED

    log_in(page, cast.ppc_leader.username)
    page.goto(page.base_url + "/tasks/")
    row = page.locator("table.inbox tr", has_text=str(commendation))
    with translation.override("vi"):
        title, step = str(COMMENDATION.title), str(COMMENDATION.step_label("approve"))
        approved_label = str(COMMENDATION.action_labels["approve"])
    assert title in row.inner_text() and step in row.inner_text()  # from the declaration
    row.locator("a", has_text=str(commendation)).click()
    page.fill("input[name=approve-decision_number]", "312/QĐ-UBND")
    page.fill("input[name=approve-decision_date]", "10/03/2023")
    page.click("form.action-approve button[type=submit]")
    page.wait_for_url(re.compile(r"/commendations/\d+/$"))
    approved = Commendation.objects.get()
    assert (approved.status, approved.decision_date) == (Status.APPROVED, dt.date(2023, 3, 10))
    assert "312/QĐ-UBND, 10/03/2023" in page.content()
    assert page.locator("table.timeline td[data-action=approve]").inner_text() == approved_label
