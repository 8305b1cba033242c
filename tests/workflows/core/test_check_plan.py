"""check_plan lists what nobody holds on a day and fails when there is any."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from agencies.models import Category, Responsibility, Unit
from tests.workflows.aid_requests.conftest import WORK_DAY
from workflows.aid_requests import services
from workflows.aid_requests.services import Line, RequestInput
from workflows.core.holders import orphan_tasks, unheld_steps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def check(day: str) -> str:
    out = io.StringIO()
    call_command("check_plan", "--on", day, stdout=out)
    return out.getvalue()


def test_the_shipped_plan_in_its_first_structure_has_a_holder_for_everything(plan):
    assert "Nothing is held by no one" in check("2023-03-15")


def test_a_plan_with_a_step_nobody_holds_fails(plan):
    Responsibility.objects.filter(process="aid_request", step="approve_ppc").delete()
    with pytest.raises(CommandError):
        check("2023-03-15")
    assert unheld_steps(dt.date(2023, 3, 15)) == [
        "ninh-thuan-372: step aid_request.approve_ppc has no holder on 15/03/2023"
    ]


def test_an_ended_unit_leaves_its_queue_unheld_until_its_work_moves(plan, make_member):
    drafter = make_member("d-bac-ai", "officer", valid_to=dt.date(2025, 6, 30))
    with time_machine.travel(WORK_DAY, tick=False):
        services.create_request(
            user=drafter,
            data=RequestInput(
                district=Unit.objects.get(code="d-bac-ai"),
                commune=Unit.objects.get(code="c-phuoc-dai"),
                category=Category.objects.get(code="health"),
                year=2023,
                justification="Khám sức khỏe",
                lines=[Line(item="Khám", quantity=10, unit_cost=50_000)],
                children_primary=10,
            ),
        )
    day = dt.date(2025, 7, 1)
    assert not any("aid_request.draft" in problem for problem in unheld_steps(day))  # passed on
    assert any("d-bac-ai.officer" in problem for problem in orphan_tasks(day))
    with pytest.raises(CommandError):
        check("2025-07-01")


@pytest.mark.parametrize("day", ["2025-07-01", "2025-12-31"])
def test_the_shipped_plan_under_the_new_structure_has_a_holder_for_everything(plan, day):
    """From 01/07/2025 to the plan's last day, every step and duty of the former districts and
    departments has passed to a successor (issue #10: nothing owed by no one)."""
    assert "Nothing is held by no one" in check(day)
