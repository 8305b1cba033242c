"""A cast of members for the reporting process, the plan's duties generated, and helpers that
move a report along through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from agencies.models import Category, FundingSource, Unit
from workflows.reporting import services
from workflows.reporting.models import Obligation
from workflows.reporting.services import ChildrenLine, ReportInput, ResourceLine

VN = dt.timezone(dt.timedelta(hours=7))
# The shipped plan's obligation of the units' yearly results reports (rules.unit_report_obligation).
UNIT_REPORT = "yearly_results_report"
# Early December 2023: the 2023 yearly reports (due before 30/12/2023) are being written.
WORK_DAY = dt.datetime(2023, 12, 1, 9, 0, tzinfo=VN)


@pytest.fixture
def work_day():
    with time_machine.travel(WORK_DAY, tick=False) as traveller:
        yield traveller


@dataclass
class Cast:
    everyone: dict

    def __getitem__(self, key: tuple[str, str]):
        return self.everyone[key]


UNITS = ("d-bac-ai", "d-ninh-son", "doh", "doet", "dcst", "emc", "wu", "dolisa", "ppc")


@pytest.fixture
def cast(make_member, work_day) -> Cast:
    """Officer, supervisor and leader of the units the tests act for; the plan's duties."""
    everyone = {
        (unit, role): make_member(unit, role, username=f"{unit}.{role}")
        for unit in UNITS
        for role in ("officer", "supervisor", "leader")
    }
    services.generate_obligations()
    return Cast(everyone=everyone)


def duty(unit: str, year: int = 2023, code: str = UNIT_REPORT) -> Obligation:
    return Obligation.objects.get(unit__code=unit, year=year, definition__code=code)


def figures(
    *,
    cash: int = 50_000_000,
    in_kind: int = 20_000_000,
    children: tuple[tuple[str, str, int], ...] = (("health", "c-phuoc-dai", 40),),
    activities: int = 3,
    source: str = "donor_pledge",
) -> ReportInput:
    return ReportInput(
        narrative="Kết quả vận động nguồn lực năm 2023.",
        activities_held=activities,
        resources=[
            ResourceLine(
                source=FundingSource.objects.get(code=source), cash_vnd=cash, in_kind_vnd=in_kind
            )
        ],
        children=[
            ChildrenLine(
                category=Category.objects.get(code=category),
                commune=Unit.objects.get(code=commune),
                children=count,
            )
            for category, commune, count in children
        ],
    )


def draft(cast: Cast, unit: str, data: ReportInput | None = None, *, year: int = 2023):
    return services.create_report(
        user=cast[unit, "officer"],
        obligation_id=duty(unit, year).pk,
        data=data or figures(children=()),
    )


def to_review(cast: Cast, report):
    unit = report.obligation.unit.code
    services.submit(user=cast[unit, "officer"], report_id=report.pk)
    return services.sign_off(user=cast[unit, "leader"], report_id=report.pk)


def accepted(cast: Cast, unit: str, data: ReportInput | None = None, *, annexes=()):
    """A report drafted, signed off, its sector annexes accepted, accepted by DOLISA."""
    report = to_review(cast, draft(cast, unit, data))
    for reviewer in annexes:
        services.accept_annex(user=cast[reviewer, "officer"], report_id=report.pk)
    return services.accept(user=cast["dolisa", "officer"], report_id=report.pk)
