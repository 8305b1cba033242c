"""A cast of officers for the aid request process, made through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from agencies.models import Category, FundingSource, Unit
from workflows.aid_requests import services
from workflows.aid_requests.services import Line, RequestInput

# Every audited action of a request that goes all the way, with a two-reviewer category.
FULL_JOURNEY = [
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

# A working day inside the plan period, districts still in place, communes classified (861).
WORK_DAY = dt.datetime(2023, 3, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def work_day():
    with time_machine.travel(WORK_DAY, tick=False):
        yield WORK_DAY


@dataclass
class Cast:
    drafter: object
    district_officer: object
    district_leader: object
    doet: object
    doh: object
    dcst: object
    emc: object
    dolisa_officer: object
    dolisa_leader: object
    ppc_leader: object
    everyone: dict


@pytest.fixture
def cast(make_member, work_day) -> Cast:
    """Officer, supervisor and leader of every unit acting on requests, plus another district."""
    units = ["d-bac-ai", "d-ninh-son", "doet", "doh", "dcst", "emc", "dolisa", "ppc"]
    everyone = {
        (unit, role): make_member(unit, role, username=f"{unit}.{role}")
        for unit in units
        for role in ("officer", "supervisor", "leader")
    }
    return Cast(
        drafter=everyone["d-bac-ai", "officer"],
        district_officer=make_member("d-bac-ai", "officer", username="d-bac-ai.officer2"),
        district_leader=everyone["d-bac-ai", "leader"],
        doet=everyone["doet", "officer"],
        doh=everyone["doh", "officer"],
        dcst=everyone["dcst", "officer"],
        emc=everyone["emc", "officer"],
        dolisa_officer=everyone["dolisa", "officer"],
        dolisa_leader=everyone["dolisa", "leader"],
        ppc_leader=everyone["ppc", "leader"],
        everyone=everyone,
    )


def request_input(
    *,
    category: str = "nutrition",
    commune: str = "c-phuoc-dai",
    district: str = "d-bac-ai",
    year: int = 2023,
    lines: tuple[Line, ...] = (Line("Sữa cho trẻ mầm non", 120, 250_000),),
    children_preschool: int = 120,
) -> RequestInput:
    return RequestInput(
        district=Unit.objects.get(code=district),
        commune=Unit.objects.get(code=commune),
        category=Category.objects.get(code=category),
        year=year,
        justification="Trẻ suy dinh dưỡng thể thấp còi tại các điểm trường.",
        lines=lines,
        children_preschool=children_preschool,
    )


@pytest.fixture
def new_request(cast):
    def make(**kwargs):
        return services.create_request(user=cast.drafter, data=request_input(**kwargs))

    return make


def source(code: str) -> FundingSource:
    return FundingSource.objects.get(code=code)


def to_review(cast, aid):
    services.submit(user=cast.drafter, request_id=aid.pk)
    return services.sign_off(user=cast.district_leader, request_id=aid.pk)


def to_consolidation(cast, aid):
    """Nutrition is reviewed by DOET and DOH in parallel (IV.2, IV.3)."""
    to_review(cast, aid)
    services.accept_review(user=cast.doet, request_id=aid.pk)
    return services.accept_review(user=cast.doh, request_id=aid.pk)


def to_approval(cast, aid):
    to_consolidation(cast, aid)
    return services.consolidate(
        user=cast.dolisa_officer, request_id=aid.pk, funding_source=source("donor_pledge")
    )


def to_delivery(cast, aid):
    to_approval(cast, aid)
    return services.approve(user=cast.dolisa_leader, request_id=aid.pk)
