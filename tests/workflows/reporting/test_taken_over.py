"""The 2025 yearly reports of the former districts are owed by the communes that succeeded
them (Nghị quyết 1667/NQ-UBTVQH15, from 01/07/2025), each showing whose duty it took over."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from agencies.models import Unit
from workflows.reporting.models import Obligation
from workflows.reporting.services import generate_obligations

pytestmark = pytest.mark.django_db

LAST_DAY = dt.datetime(2025, 12, 31, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def test_a_former_districts_2025_report_is_owed_by_its_successors(plan):
    with time_machine.travel(LAST_DAY, tick=False):
        generate_obligations()
        again = generate_obligations()

    bac_ai = Unit.objects.get(code="d-bac-ai")
    taken = Obligation.objects.filter(
        definition__code="yearly_results_report", year=2025, took_over_from=bac_ai
    )
    assert "c-bac-ai-tay" in set(taken.values_list("unit__code", flat=True))
    reports = Obligation.objects.filter(definition__code="yearly_results_report", unit=bac_ai)
    assert not reports.filter(year=2025).exists()  # it had ended by the due day
    assert reports.filter(year=2024).exists()  # its own, before
    assert again == 0


def test_the_duty_page_says_whose_duty_was_taken_over(plan, client, make_member):
    with time_machine.travel(LAST_DAY, tick=False):
        generate_obligations()
        officer = make_member("c-bac-ai-tay", "officer", valid_from=dt.date(2025, 7, 1))
        duty = Obligation.objects.get(
            definition__code="yearly_results_report",
            year=2025,
            unit__code="c-bac-ai-tay",
            took_over_from__code="d-bac-ai",
        )
        client.force_login(officer)
        page = client.get(reverse("reporting:obligation", args=[duty.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    # The page is in Vietnamese: the predecessor named under its label, beside the duty's plan.
    took_over = text.partition("Tiếp nhận từ")[2]
    assert took_over.split("</dd>")[0].endswith(
        f"{duty.took_over_from.name_vi} (đơn vị này tiếp nhận nhiệm vụ)"
    )
    assert duty.definition.plan.title_vi in text


def test_a_plans_kind_wide_duties_stay_within_its_provinces(plan):
    """The example 2026–2030 plan names Khánh Hòa's PPC: its communes owe its duties, the
    former Ninh Thuận districts (under Ninh Thuận's PPC, which it does not name) do not."""
    from django.core.management import call_command

    from agencies.models import Plan
    from agencies.selectors import plan_area

    call_command("loadplan", "agencies/plans/khanh-hoa-2026-example.yaml", verbosity=0)
    example = Plan.objects.get(code="khanh-hoa-2026-example")

    area = plan_area(example)
    assert area is not None
    assert Unit.objects.get(code="c-bac-ai-tay").pk in area
    assert Unit.objects.get(code="d-bac-ai").pk not in area
    assert Unit.objects.get(code="d-bac-ai").pk in (plan_area(plan) or set())
