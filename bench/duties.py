"""Reporting data at scale for P3 and P4: duties made by the product's own
`generate_obligations()` for every obliged unit of every province, each under its own plan, a
history of submissions, and accepted unit reports with figures.

The plan names four duties (about 10,000 obligations at national scale); the issue sizes P3 at
100,000, so the benchmark adds twelve monthly progress duties of the same units and escalation
rules to every plan (bench data only, codes `bench_monthly_MM`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F
from django.db.models.functions import Mod

from agencies.models import (
    Category,
    FundingSource,
    Membership,
    ObligationDefinition,
    Plan,
    Unit,
    UnitKind,
)
from workflows.reporting.models import Obligation, Report, ReportChildren, ReportResource, Status
from workflows.reporting.selectors import UNIT_REPORT_RULE, unit_reports
from workflows.reporting.services import generate_obligations

from .lifecycle import BENCH_DAY, bench_clock

MONTHLY_CODE = "bench_monthly_{:02d}"
MONTHLY_DUE_DAY = 21  # "trước ngày 21" of the next month: BENCH_DAY (14/03) reminds of February's
ON_TIME_PERCENT, LATE_PERCENT = 80, 12  # of past duties; the rest is overdue, never submitted
CHILD_CATEGORIES = 3  # categories a district reports children in, per commune


@dataclass
class Duties:
    """What the reporting data holds."""

    obligations: int
    plan_duties: int
    bench_monthly_duties: int
    overdue: int
    reports: dict[int, int]


def keep_kind_duties_home(plan: Plan) -> None:
    """The plan's duties owed by every unit of a kind leave out the other plans' units:
    generate_obligations reads `unit_kinds` in every plan's units, which the synthetic
    provinces' plans name in their own duties (bench data only)."""
    others = Unit.objects.exclude(plan=plan)
    for definition in ObligationDefinition.objects.filter(plan=plan):
        if definition.unit_kinds:
            others_of_kind = others.filter(kind__in=definition.unit_kinds)
            definition.excluded_units.add(*others_of_kind.values_list("pk", flat=True))


def add_monthly_duties(plan: Plan) -> None:
    """Twelve monthly duties shaped like the plan's yearly results report (V.1)."""
    report = ObligationDefinition.objects.get(plan=plan, code=plan.rules[UNIT_REPORT_RULE])
    for month in range(1, 13):
        monthly = ObligationDefinition.objects.create(
            plan=plan,
            code=MONTHLY_CODE.format(month),
            clause=report.clause,
            name_vi=f"Báo cáo tiến độ tháng {month} (dữ liệu benchmark)",
            name_en=f"Progress report, month {month} (benchmark data)",
            unit_kinds=report.unit_kinds,
            recurrence=ObligationDefinition.Recurrence.YEARLY,
            due_day=MONTHLY_DUE_DAY,
            due_month=month % 12 + 1,
            due_year_offset=int(month == 12),
            first_year=report.first_year,
            last_year=report.last_year,
            reminder_days=report.reminder_days,
            escalate_to=report.escalate_to,
            recipient=report.recipient,
        )
        monthly.units.set(report.units.all())
        monthly.excluded_units.set(report.excluded_units.all())


def _mark_submitted() -> int:
    """Past duties: most on time, some late, the rest still outstanding (overdue)."""
    past = Obligation.objects.filter(due_on__lt=BENCH_DAY.date()).alias(
        bucket=Mod(F("id") * 7919, 100)
    )
    on_time = past.filter(bucket__lt=ON_TIME_PERCENT).values("pk")
    late = past.filter(bucket__gte=ON_TIME_PERCENT, bucket__lt=ON_TIME_PERCENT + LATE_PERCENT)
    Obligation.objects.filter(pk__in=on_time).update(submitted_at=F("due_at") - dt.timedelta(3))
    Obligation.objects.filter(pk__in=late.values("pk")).update(
        submitted_at=F("due_at") + dt.timedelta(9)
    )
    return Obligation.objects.outstanding().filter(due_on__lt=BENCH_DAY.date()).count()


def add_accepted_reports(*, year: int, plans: list[Plan]) -> int:
    """Accepted yearly results reports of the plans' units for the year, with resources and,
    for districts, children per commune and category: what consolidation sums (IV.1.d)."""
    obligations = list(
        unit_reports(year=year).filter(unit__plan__in=plans).select_related("unit", "definition")
    )
    members = {
        (unit, role): user
        for unit, role, user in Membership.objects.filter(
            unit_id__in=[o.unit_id for o in obligations], role__code__in=("officer", "leader")
        ).values_list("unit_id", "role__code", "user_id")
    }
    reports = Report.objects.bulk_create(
        Report(
            obligation=o,
            status=Status.ACCEPTED,
            narrative="Kết quả thực hiện năm (dữ liệu benchmark).",
            activities_held=4,
            drafted_by_id=members[o.unit_id, "officer"],
            signed_off_by_id=members[o.unit_id, "leader"],
            review_round=1,
        )
        for o in obligations
    )
    sources: dict[int, list[FundingSource]] = {}  # of each plan, as its reports name them
    for source in FundingSource.objects.filter(may_fund_children=True).order_by("code"):
        sources.setdefault(source.plan_id, []).append(source)
    ReportResource.objects.bulk_create(
        ReportResource(report=r, source=s, cash_vnd=50_000_000, in_kind_vnd=12_000_000)
        for r in reports
        for s in sources[r.obligation.definition.plan_id][:2]
    )
    categories: dict[int, list[Category]] = {}
    for category in Category.objects.order_by("position"):
        categories.setdefault(category.plan_id, []).append(category)
    communes: dict[int, list[int]] = {}
    for commune_id, district_id in Unit.objects.filter(kind=UnitKind.COMMUNE).values_list(
        "pk", "parent_id"
    ):
        communes.setdefault(district_id, []).append(commune_id)
    ReportChildren.objects.bulk_create(
        ReportChildren(report=r, category=c, commune_id=commune, children=40)
        for r in reports
        if r.obligation.unit.kind == UnitKind.DISTRICT
        for commune in communes.get(r.obligation.unit_id, ())
        for c in categories[r.obligation.definition.plan_id][:CHILD_CATEGORIES]
    )
    Obligation.objects.filter(pk__in=[o.pk for o in obligations]).update(
        submitted_at=F("due_at") - dt.timedelta(3)
    )
    return len(reports)


def generate(plan: Plan, *, consolidated_year: int, provincial_year: int) -> Duties:
    """Duties for every obliged unit, their history, and accepted unit reports: of every
    province for `consolidated_year`, of the plan's province alone for `provincial_year`."""
    keep_kind_duties_home(plan)
    every_plan = list(Plan.objects.all())
    for each in every_plan:
        add_monthly_duties(each)
    with bench_clock():
        created = generate_obligations()
    overdue = _mark_submitted()
    monthly = Obligation.objects.filter(definition__code__startswith="bench_monthly_").count()
    reports = {
        consolidated_year: add_accepted_reports(year=consolidated_year, plans=every_plan),
        provincial_year: add_accepted_reports(year=provincial_year, plans=[plan]),
    }
    return Duties(
        obligations=created,
        plan_duties=created - monthly,
        bench_monthly_duties=monthly,
        overdue=overdue,
        reports=reports,
    )
