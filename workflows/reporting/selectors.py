"""Reads of the reporting regime: who is told, what a consolidation still lacks, the provincial
figures and the supervisor dashboard, each as aggregate SQL (IV.1.d–đ, V.1–2)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone
from viewflow.workflow.models import Task

from agencies.models import Membership, Responsibility, Unit, UnitKind
from agencies.selectors import today, units_for_user
from workflows.core.errors import PermissionDenied
from workflows.core.models import Notification
from workflows.core.permissions import require_actor
from workflows.core.selectors import actionable_tasks

from .models import (
    EDITABLE,
    PROCESS,
    VIETNAM,
    Obligation,
    ProvincialReport,
    Report,
    ReportChildren,
    ReportResource,
    Status,
)

# Obligation codes of the plan data (agencies/plans/*.yaml): the units' yearly results reports
# are what DOLISA consolidates into its yearly report to the PPC.
UNIT_REPORT = "yearly_results_report"
PROVINCIAL_REPORT = "provincial_yearly_report"
# Steps whose units oversee every unit's reporting (V.2), beside anyone holding SUPERVISOR.
OVERSIGHT_STEPS = ("review", "waive", "consolidate", "approve", "acknowledge")
SUPERVISOR = "supervisor"


def active_members(*, role: str, on: dt.date, path: str = "") -> Q:
    """Memberships (at `path` from the queried model) of active users holding the role on the
    day, in units that still exist; a condition, so that a query can join through it."""
    at = f"{path}__" if path else ""
    return Q(
        Q(**{f"{at}valid_to__isnull": True}) | Q(**{f"{at}valid_to__gte": on}),
        Q(**{f"{at}unit__valid_to__isnull": True}) | Q(**{f"{at}unit__valid_to__gte": on}),
        **{
            f"{at}valid_from__lte": on,
            f"{at}role__code": role,
            f"{at}user__is_active": True,
            f"{at}unit__valid_from__lte": on,
        },
    )


def members_by_unit(*, unit_ids: Iterable[int], role: str, on: dt.date) -> dict[int, set[int]]:
    """Users holding the role in each unit on the day (units that still exist), one query."""
    rows = Membership.objects.filter(
        active_members(role=role, on=on), unit_id__in=list(unit_ids)
    ).values_list("unit_id", "user_id")
    members: dict[int, set[int]] = defaultdict(set)
    for unit_id, user_id in rows:
        members[unit_id].add(user_id)
    return members


def unit_reports(*, year: int) -> QuerySet[Obligation]:
    """The unit reports DOLISA consolidates for the year (V.1)."""
    return Obligation.objects.filter(definition__code=UNIT_REPORT, year=year)


def consolidation_gaps(*, year: int) -> QuerySet[Obligation]:
    """Expected unit reports neither accepted nor waived: while any is left, the provincial
    report cannot go forward (DHIS2's bottom-up rule)."""
    return (
        unit_reports(year=year)
        .expected()
        .exclude(report__status=Status.ACCEPTED)
        .select_related("unit", "report")
        .order_by("unit__kind", "unit__code")
    )


def provincial_figures(*, year: int) -> dict:
    """The province's figures summed from the accepted unit reports, never retyped (IV.1.d)."""
    accepted = Report.objects.filter(status=Status.ACCEPTED, obligation__in=unit_reports(year=year))
    resources = list(
        ReportResource.objects.filter(report__in=accepted)
        .values(code=F("source__code"), name=F("source__name_vi"))
        .annotate(cash_vnd=Sum("cash_vnd"), in_kind_vnd=Sum("in_kind_vnd"))
        .order_by("code")
    )
    children = list(
        ReportChildren.objects.filter(report__in=accepted)
        .values(
            category_code=F("category__code"),
            category_name=F("category__name_vi"),
            commune_code=F("commune__code"),
            commune_name=F("commune__name_vi"),
        )
        .annotate(total=Sum("children"))
        .order_by("category_code", "commune_code")
    )
    totals = accepted.aggregate(reports=Count("pk"), activities_held=Sum("activities_held"))
    return {
        "year": year,
        "reports": totals["reports"],
        "activities_held": totals["activities_held"] or 0,
        "cash_vnd": sum(r["cash_vnd"] for r in resources),
        "in_kind_vnd": sum(r["in_kind_vnd"] for r in resources),
        "children_total": sum(c["total"] for c in children),
        "resources": resources,
        "children": children,
    }


def provincial_obligation(*, year: int) -> Obligation | None:
    return (
        Obligation.objects.filter(definition__code=PROVINCIAL_REPORT, year=year)
        .select_related("unit")
        .first()
    )


def provincial_report(*, year: int) -> ProvincialReport | None:
    return (
        ProvincialReport.objects.filter(
            obligation__definition__code=PROVINCIAL_REPORT, obligation__year=year
        )
        .select_related("obligation__unit")
        .first()
    )


def _sees_every_unit(user) -> bool:
    if user.is_superuser:
        return True
    return units_for_user(user).exclude(kind__in=(UnitKind.DISTRICT, UnitKind.COMMUNE)).exists()


def obligations_visible_to(user) -> QuerySet[Obligation]:
    """Provincial agencies see every unit's duties; a district sees its own."""
    obligations = Obligation.objects.select_related("definition", "unit")
    if _sees_every_unit(user):
        return obligations
    return obligations.filter(unit__in=units_for_user(user))


def my_obligations(user) -> QuerySet[Obligation]:
    """The duties of the units the user acts for today, most urgent first."""
    return (
        Obligation.objects.filter(unit__in=units_for_user(user))
        .select_related("definition", "unit", "report", "waiver")
        .order_by("submitted_at", "due_on", "unit__code")
    )


def obligations_of(unit: Unit) -> QuerySet[Obligation]:
    """Every duty of one unit, newest period first (drill-down)."""
    return (
        Obligation.objects.filter(unit=unit)
        .select_related("definition", "report", "waiver")
        .order_by("-year", "due_on")
    )


def reports_visible_to(user) -> QuerySet[Report]:
    return Report.objects.filter(obligation__in=obligations_visible_to(user))


def waivable(obligation: Obligation) -> bool:
    """Not yet waived, and no report of it under review or accepted (services.waive)."""
    report = getattr(obligation, "report", None)
    return (
        not hasattr(obligation, "waiver")
        and not hasattr(obligation, "provincial_report")
        and (report is None or report.status in (*EDITABLE, Status.SUBMITTED))
    )


def may_act(user, *, step: str, unit: Unit) -> bool:
    """Whether the user holds what the matrix names for a step that no task carries (waive,
    re-open), so that pages offer only what the services would allow."""
    try:
        require_actor(user=user, process=PROCESS, step=step, subject_unit=unit)
    except PermissionDenied:
        return False
    return True


def _notices(obligation_ids: Iterable[int]) -> dict[int, list[Notification]]:
    """Reminders and escalations sent about these duties, oldest first, by duty."""
    notices = defaultdict(list)
    for notice in (
        Notification.objects.filter(
            subject_type=ContentType.objects.get_for_model(Obligation),
            subject_id__in=list(obligation_ids),
        )
        .select_related("recipient")
        .order_by("created", "id")
    ):
        notices[notice.subject_id].append(notice)
    return notices


def notices_for(obligation: Obligation) -> list[Notification]:
    return _notices([obligation.pk])[obligation.pk]


def obligation_detail(pk: int) -> Obligation:
    return Obligation.objects.select_related(
        "definition__clause", "unit", "report", "waiver__waived_by"
    ).get(pk=pk)


def report_detail(pk: int) -> Report:
    return (
        Report.objects.select_related(
            "obligation__definition__clause", "obligation__unit", "obligation__waiver", "drafted_by"
        )
        .prefetch_related(
            "resources__source",
            "children__category",
            "children__commune",
            "annex_reviews__unit",
            "annex_reviews__reviewer",
            "attachments",
        )
        .get(pk=pk)
    )


def task_for(user, record) -> Task | None:
    """The open task of this record's process that the user may act on, if any."""
    if record.process_id is None:
        return None
    return actionable_tasks(user, process_ids=[record.process_id]).first()


def can_oversee(user) -> bool:
    """The dashboard is for units that follow up on every unit's reporting (V.2: DOLISA, the
    PPC) and for supervisors."""
    if user.is_superuser:
        return True
    units = units_for_user(user)
    named = Responsibility.objects.valid_on(today()).filter(
        process=PROCESS, step__in=OVERSIGHT_STEPS, unit__in=units
    )
    return named.exists() or units_for_user(user, role=SUPERVISOR).exists()


# --- supervisor dashboard ---------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """DHIS2's reporting rates: completeness = received / expected; timeliness = received by
    the due date / expected. Waived duties are not expected."""

    expected: int
    submitted: int
    on_time: int
    late: int
    waived: int

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def completeness(self) -> float | None:
        return self.submitted / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def completeness_percent(self) -> float | None:
        return None if self.completeness is None else round(100 * self.completeness, 1)

    @property
    def timeliness_percent(self) -> float | None:
        return None if self.timeliness is None else round(100 * self.timeliness, 1)


COUNTS = {
    "expected": Count("pk", filter=Q(waiver__isnull=True)),
    "submitted": Count("pk", filter=Q(waiver__isnull=True, submitted_at__isnull=False)),
    "on_time": Count("pk", filter=Q(waiver__isnull=True, submitted_at__lt=F("due_at"))),
    "late": Count("pk", filter=Q(waiver__isnull=True, submitted_at__gte=F("due_at"))),
    "waived": Count("pk", filter=Q(waiver__isnull=False)),
}


@dataclass(frozen=True)
class UnitRow(Completeness):
    unit: Unit


def _scope(*, year: int | None, kind: str, definition: str | None) -> QuerySet[Obligation]:
    obligations = Obligation.objects.filter(unit__kind=kind)
    if year is not None:
        obligations = obligations.filter(year=year)
    if definition:
        obligations = obligations.filter(definition__code=definition)
    return obligations


def completeness_by_unit(
    *, year: int, kind: str, definition: str | None = None
) -> tuple[list[UnitRow], Completeness]:
    """One row per unit of the kind with duties in the period, and the total (one query)."""
    rows = list(
        _scope(year=year, kind=kind, definition=definition)
        .values("unit_id", "unit__code")
        .annotate(**COUNTS)
        .order_by("unit__code")
    )
    units = Unit.objects.in_bulk([row["unit_id"] for row in rows])
    table = [
        UnitRow(unit=units[row["unit_id"]], **{name: row[name] for name in COUNTS}) for row in rows
    ]
    total = Completeness(**{name: sum(getattr(r, name) for r in table) for name in COUNTS})
    return table, total


def completeness_by_year(
    *, kind: str, definition: str | None = None
) -> list[tuple[int, Completeness]]:
    """Rates per period for the timeliness chart (one query)."""
    rows = (
        _scope(year=None, kind=kind, definition=definition)
        .values("year")
        .annotate(**COUNTS)
        .order_by("year")
    )
    return [(row.pop("year"), Completeness(**row)) for row in rows]


@dataclass(frozen=True)
class OverdueRow:
    obligation: Obligation
    days_overdue: int
    notices: list[Notification]


def overdue_list(
    *, year: int, kind: str, at: dt.datetime, definition: str | None = None
) -> list[OverdueRow]:
    """Overdue duties with days overdue and who was reminded or told when (two queries)."""
    obligations = list(
        _scope(year=year, kind=kind, definition=definition)
        .overdue(at=at)
        .select_related("definition", "unit")
        .order_by("due_on", "unit__code")
    )
    notices = _notices(o.pk for o in obligations)
    day = timezone.localtime(at, VIETNAM).date()
    return [
        OverdueRow(obligation=o, days_overdue=o.days_overdue(on=day), notices=notices[o.pk])
        for o in obligations
    ]


def latest_reporting_year(*, on: dt.date | None = None) -> int:
    """The dashboard opens on the last year with duties up to today: after the plan period
    (2019–2025) that is its last year, not an empty current year."""
    year = (on or today()).year
    latest = Obligation.objects.filter(year__lte=year).aggregate(y=Max("year"))["y"]
    return latest or year
