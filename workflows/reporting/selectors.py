"""Reads of the reporting regime: who is told, what a consolidation still lacks, the provincial
figures and the supervisor dashboard, each as aggregate SQL (IV.1.d–đ, V.1–2)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import (
    Membership,
    ObligationDefinition,
    Plan,
    Responsibility,
    Succession,
    Unit,
    UnitKind,
)
from agencies.selectors import (
    actors_for,
    current_memberships,
    memberships_of,
    successors_of,
    today,
    units_below,
    units_for_user,
)
from workflows.core.errors import PermissionDenied
from workflows.core.models import Notification
from workflows.core.permissions import require_actor
from workflows.core.selectors import supervisor_role, worked_on

from .models import (
    PROCESS,
    VIETNAM,
    Obligation,
    ObligationQuerySet,
    ProvincialReport,
    Report,
    ReportChildren,
    ReportResource,
    Status,
)

# Rules of the plan data (the `rules:` section of agencies/plans/*.yaml) that say which of the
# plan's obligations are the units' yearly results reports and DOLISA's yearly report to the
# PPC that consolidates them, and which roles are reminded and oversee (actions.py requires them).
UNIT_REPORT_RULE = "unit_report_obligation"
PROVINCIAL_REPORT_RULE = "provincial_report_obligation"
REMINDER_ROLE_RULE = "reminder_role"
SUPERVISOR_ROLE_RULE = "supervisor_role"
# Steps whose units oversee every unit's reporting (V.2), beside anyone holding the plan's
# supervisor role.
OVERSIGHT_STEPS = ("review", "waive", "consolidate", "approve", "acknowledge")


def named_by_rule(rule: str, *, path: str = "") -> Q:
    """Duties whose obligation their own plan's rule names: plan data, read in SQL (V.1)."""
    at = f"{path}__" if path else ""
    return Q(**{f"{at}definition__code": KeyTextTransform(rule, f"{at}definition__plan__rules")})


def is_named_by_rule(obligation: Obligation, rule: str) -> bool:
    """Whether the duty's plan names its obligation in the rule (V.1, IV.1.đ)."""
    return obligation.definition.code == obligation.definition.plan.rules[rule]


def role_of(plan: Plan, rule: str) -> str:
    """Who is reminded or oversees is the plan's rule, not a code in the process (V.2)."""
    return plan.rules[rule]


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


def unit_reports(*, year: int, plan: Plan | None = None) -> ObligationQuerySet:
    """DOLISA consolidates the obligation its plan's rules name; all plans' if none (V.1)."""
    obligations = Obligation.objects.filter(named_by_rule(UNIT_REPORT_RULE), year=year)
    if plan is not None:
        obligations = obligations.filter(definition__plan=plan)
    return obligations


def consolidation_gaps(*, year: int, plan: Plan | None = None) -> ObligationQuerySet:
    """Expected unit reports neither accepted nor waived: while any is left, the provincial
    report cannot go forward (DHIS2's bottom-up rule)."""
    return (
        unit_reports(year=year, plan=plan)
        .expected()
        .exclude(report__status=Status.ACCEPTED)
        .select_related("unit", "report")
        .order_by("unit__kind", "unit__code")
    )


def provincial_figures(*, year: int, plan: Plan | None = None) -> dict:
    """The province's figures summed from the accepted unit reports, never retyped (IV.1.d)."""
    accepted = Report.objects.filter(
        status=Status.ACCEPTED, obligation__in=unit_reports(year=year, plan=plan)
    )
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


def provincial_obligation(*, year: int, plan: Plan | None = None) -> Obligation | None:
    """The year's duty of DOLISA's report to the PPC, as the plan's rules name it (IV.1.đ)."""
    obligations = Obligation.objects.filter(named_by_rule(PROVINCIAL_REPORT_RULE), year=year)
    if plan is not None:
        obligations = obligations.filter(definition__plan=plan)
    return (
        obligations.select_related("unit", "definition__plan").order_by("definition__plan").first()
    )


def provincial_report(*, year: int, plan: Plan | None = None) -> ProvincialReport | None:
    reports = ProvincialReport.objects.filter(
        named_by_rule(PROVINCIAL_REPORT_RULE, path="obligation"), obligation__year=year
    )
    if plan is not None:
        reports = reports.filter(obligation__definition__plan=plan)
    return (
        reports.select_related("obligation__unit", "obligation__definition__plan")
        .order_by("obligation__definition__plan")
        .first()
    )


def provincial_reports_visible_to(user) -> QuerySet[ProvincialReport]:
    """Provincial reports are read by who oversees the unit owing them (V.2), and by who acts
    or acted on them."""
    return ProvincialReport.objects.select_related("obligation__unit").filter(
        Q(obligation__unit__in=oversight_scope(user)) | worked_on(user)
    )


def _sees_every_unit(user) -> bool:
    """Units the matrix names by code for a reporting step work on every unit's reports (V.2)."""
    if user.is_superuser:
        return True
    return (
        Responsibility.objects.valid_on(today())
        .filter(process=PROCESS, unit__in=units_for_user(user))
        .exists()
    )


def obligations_visible_to(user) -> ObligationQuerySet:
    """Who works on every unit's reports sees every duty; other units see their own and those
    of the units they oversee (V.1–2)."""
    obligations = Obligation.objects.select_related("definition", "unit")
    if _sees_every_unit(user):
        return obligations
    return obligations.filter(Q(unit__in=units_for_user(user)) | Q(unit__in=oversight_scope(user)))


def my_obligations(user) -> ObligationQuerySet:
    """The duties of the units the user acts for today, most urgent first."""
    return (
        Obligation.objects.filter(unit__in=units_for_user(user))
        .select_related("definition", "unit", "report", "waiver")
        .order_by("submitted_at", "due_on", "unit__code")
    )


def obligations_of(unit: Unit) -> ObligationQuerySet:
    """Every duty of one unit, newest period first (drill-down)."""
    return (
        Obligation.objects.filter(unit=unit)
        .select_related("definition", "report", "waiver")
        .order_by("-year", "due_on")
    )


def reports_visible_to(user) -> QuerySet[Report]:
    """The reports of the duties the user sees, and those they act or acted on."""
    return Report.objects.filter(Q(obligation__in=obligations_visible_to(user)) | worked_on(user))


def waivable(obligation: Obligation) -> bool:
    """Not yet waived, and no report of it under review or accepted (services.waive)."""
    report = getattr(obligation, "report", None)
    return (
        not hasattr(obligation, "waiver")
        and not hasattr(obligation, "provincial_report")
        and (report is None or report.status in (*Report.EDITABLE, Status.SUBMITTED))
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


def _named_for_oversight(day: dt.date) -> set[tuple[int, str]]:
    """The units and roles the matrix names on the day for a step over every unit's reports
    (DOLISA's review and consolidation, the PPC's acknowledgement), through successions."""
    return {
        (actor.unit.pk, actor.role)
        for step in OVERSIGHT_STEPS
        for actor in actors_for(process=PROCESS, step=step, on=day)
    }


def _consolidating_units(day: dt.date) -> set[int]:
    """The units owing each plan's provincial report on the day: those its duty names, or their
    successors for that duty (DOLISA; Sở Y tế from 01/03/2025, Khánh Hòa's from 01/07/2025)."""
    definitions = ObligationDefinition.objects.filter(
        code=KeyTextTransform(PROVINCIAL_REPORT_RULE, "plan__rules")
    ).prefetch_related("units")
    return {
        holder.pk
        for definition in definitions
        for unit in definition.units.all()
        for holder in successors_of(unit, on=day, duty=definition.code)
    }


def _at_and_below(unit_ids: set[int], *, on: dt.date) -> set[int]:
    """The units, those under them and those whose work passed to them by the day (the merged
    province's committee follows the old province's units), one generation per query pair."""
    found, frontier = set(unit_ids), set(unit_ids)
    while frontier:
        children = Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        predecessors = (
            Succession.objects.in_force_on(on)
            .filter(successor_id__in=frontier)
            .values_list("predecessor_id", flat=True)
        )
        frontier = (set(children) | set(predecessors)) - found
        found |= frontier
    return found


def oversight_scope(user) -> QuerySet[Unit]:
    """The units whose reporting the user follows today (V.2), as plan data says: every unit of
    the plan for who holds what the matrix names for a step over every unit's reports, or the
    plan's supervisor role in the unit owing the provincial report (DOLISA, then its
    successors); the units at and below the unit of any other supervisor; none for the rest."""
    if user.is_superuser:
        return Unit.objects.all()
    day = today()
    memberships = list(memberships_of(user, on=day).select_related("unit__plan"))
    named = _named_for_oversight(day) if memberships else set()
    consolidating = _consolidating_units(day) if memberships else set()
    plans: set[int] = set()
    supervised: set[int] = set()
    for membership in memberships:
        unit, role = membership.unit, membership.role.code
        supervisor = role == supervisor_role(unit)
        if (unit.pk, role) in named or (supervisor and unit.pk in consolidating):
            plans.add(unit.plan_id)
        elif supervisor:
            supervised.add(unit.pk)
    below = _at_and_below(supervised, on=day)
    return Unit.objects.filter(Q(plan_id__in=plans) | Q(pk__in=below))


def oversees(user, unit: Unit) -> bool:
    """Whether a page about the unit's duties (its drill-down, its consolidation) is the user's."""
    return oversight_scope(user).filter(pk=unit.pk).exists()


def can_oversee(user) -> bool:
    """The dashboard is for units that follow up on every unit's reporting (V.2: DOLISA, the
    PPC) and for supervisors, each over what oversight_scope gives. Either makes that scope
    hold at least their own unit, so today's memberships and the matrix answer without
    building it: the menu asks on every page."""
    if user.is_superuser:
        return True
    memberships = current_memberships(user)
    named = _named_for_oversight(today()) if memberships else set()
    return any(
        (m.unit_id, m.role.code) in named or m.role.code == supervisor_role(m.unit)
        for m in memberships
    )


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
    current: bool = True  # the unit exists today (not abolished or merged in the reorganisation)


KIND_ORDER = {kind.value: index for index, kind in enumerate(UnitKind)}


def _current_first(unit: Unit, day: dt.date) -> tuple:
    """Units valid today before those that ended (the 2025 districts, DOLISA), then by kind as
    the plan lists them (province, departments, unions, funds, districts, communes), then code."""
    return (not unit.is_valid_on(day), KIND_ORDER.get(unit.kind, len(KIND_ORDER)), unit.code)


def _scope(*, user, year: int | None, kind: str, definition: str | None) -> ObligationQuerySet:
    """The dashboard's duties: of the units the user oversees, and of the period, kind of unit
    and obligation, each when given (V.2)."""
    obligations = Obligation.objects.filter(unit__in=oversight_scope(user))
    if kind:
        obligations = obligations.filter(unit__kind=kind)
    if year is not None:
        obligations = obligations.filter(year=year)
    if definition:
        obligations = obligations.filter(definition__code=definition)
    return obligations


def completeness_by_unit(
    *, user, year: int, kind: str = "", definition: str | None = None
) -> tuple[list[UnitRow], Completeness]:
    """DHIS2's rates per unit the user oversees with duties in the period, and the total (V.2)."""
    rows = list(
        _scope(user=user, year=year, kind=kind, definition=definition)
        .values("unit_id")
        .annotate(**COUNTS)
        .order_by("unit_id")
    )
    units = Unit.objects.in_bulk([row["unit_id"] for row in rows])
    day = today()
    table = sorted(
        (
            UnitRow(
                unit=units[row["unit_id"]],
                current=units[row["unit_id"]].is_valid_on(day),
                **{name: row[name] for name in COUNTS},
            )
            for row in rows
        ),
        key=lambda row: _current_first(row.unit, day),
    )
    total = Completeness(**{name: sum(getattr(r, name) for r in table) for name in COUNTS})
    return table, total


def completeness_by_year(
    *, user, kind: str = "", definition: str | None = None
) -> list[tuple[int, Completeness]]:
    """Rates per period for the timeliness chart, over the units the user oversees."""
    rows = (
        _scope(user=user, year=None, kind=kind, definition=definition)
        .values("year")
        .annotate(**COUNTS)
        .order_by("year")
    )
    return [(row.pop("year"), Completeness(**row)) for row in rows]


def completeness_by_kind(
    *, user, year: int | None, kind: str = "", definition: str | None = None
) -> list[tuple[str, str, Completeness]]:
    """Rates per kind of unit (code, label, rates) in the plan's order, for the chart."""
    rows = (
        _scope(user=user, year=year, kind=kind, definition=definition)
        .values("unit__kind")
        .annotate(**COUNTS)
        .order_by("unit__kind")
    )
    labels = dict(UnitKind.choices)
    found = [(row.pop("unit__kind"), row) for row in rows]
    found.sort(key=lambda pair: KIND_ORDER.get(pair[0], len(KIND_ORDER)))
    return [(code, str(labels.get(code, code)), Completeness(**row)) for code, row in found]


@dataclass(frozen=True)
class OverdueRow:
    obligation: Obligation
    days_overdue: int
    notices: list[Notification]
    current: bool = True

    @property
    def last_notice(self) -> Notification | None:
        """The last reminder or escalation sent about the duty."""
        return self.notices[-1] if self.notices else None


def overdue_list(
    *,
    user,
    at: dt.datetime,
    year: int | None = None,
    kind: str = "",
    definition: str | None = None,
    unit: Unit | None = None,
) -> list[OverdueRow]:
    """Overdue duties of the units the user oversees, of every period unless one is given,
    current units first, then the oldest due first; days overdue are counted in Vietnam time
    and each row says who was told when."""
    obligations = (
        _scope(user=user, year=year, kind=kind, definition=definition)
        .overdue(at=at)
        .select_related("definition", "unit")
    )
    if unit is not None:
        obligations = obligations.filter(unit=unit)
    found = list(obligations.order_by("due_on", "unit__code", "pk"))
    notices = _notices(o.pk for o in found)
    day = timezone.localtime(at, VIETNAM).date()
    found.sort(key=lambda o: not o.unit.is_valid_on(day))  # stable: keeps the due order
    return [
        OverdueRow(
            obligation=o,
            days_overdue=o.days_overdue(on=day),
            notices=notices[o.pk],
            current=o.unit.is_valid_on(day),
        )
        for o in found
    ]


def reporting_kinds() -> set[str]:
    """The dashboard offers the kinds of unit the plan's obligations name, not fixed ones (V.1)."""
    kinds: set[str] = set()
    for named in ObligationDefinition.objects.values_list("unit_kinds", flat=True):
        kinds.update(named)
    kinds.update(
        Unit.objects.filter(obligation_definitions__isnull=False).values_list("kind", flat=True)
    )
    return kinds


def latest_reporting_year(*, on: dt.date | None = None) -> int:
    """The dashboard opens on the last year with duties up to today: after the plan period
    (2019–2025) that is its last year, not an empty current year."""
    year = (on or today()).year
    latest = Obligation.objects.filter(year__lte=year).aggregate(y=Max("year"))["y"]
    return latest or year


# --- where children are counted ---------------------------------------------------------


def communes() -> QuerySet[Unit]:
    """Children are counted in the communes the plan classifies (861/QĐ-TTg), by data (IV.1.d)."""
    return Unit.objects.filter(classifications__isnull=False).distinct()


def successions_around(unit: Unit) -> dict[str, QuerySet[Succession]]:
    """Whose work the unit took over and to whom it passed its own, with the acts."""
    rows = Succession.objects.select_related("predecessor", "successor").order_by("effective_on")
    return {
        "successions_to": rows.filter(successor=unit),
        "successions_from": rows.filter(predecessor=unit),
    }


def places_of(unit: Unit) -> QuerySet[Unit]:
    """A unit with communes under it reports only those, others any commune (IV.12.b, V.1)."""
    below = communes().filter(pk__in=units_below(unit.pk))
    return below if below.exists() else communes()


def unheld_duties(day: dt.date) -> list[str]:
    """This year's duties of the plans in force that nobody could owe: a unit kind the duty
    names of which no unit exists on its due day and none that ended in the year passed it on,
    or a named unit that neither exists then nor passed it on (check_plan)."""
    problems = []
    definitions = ObligationDefinition.objects.filter(
        plan__period_start__lte=day.year, plan__period_end__gte=day.year
    ).prefetch_related("units")
    for definition in definitions.order_by("code"):
        if definition.recurrence == ObligationDefinition.Recurrence.ONCE:
            continue  # a one-off duty was owed once, by the units of its day
        if not (definition.first_year or 0) <= day.year <= (definition.last_year or 0):
            continue
        due = definition.due_before(day.year)
        code = definition.code
        missing = [
            kind
            for kind in definition.unit_kinds
            if not Unit.objects.valid_on(due).filter(kind=kind).exists()
            and not any(
                successors_of(unit, on=due, duty=code)
                for unit in Unit.objects.filter(
                    kind=kind, valid_from__lte=due, valid_to__gte=dt.date(day.year, 1, 1)
                )
            )
        ]
        missing += [
            unit.code
            for unit in definition.units.all()
            if not successors_of(unit, on=due, duty=code)
        ]
        problems += [
            _("duty %(duty)s %(year)d: no %(who)s exists on its due day %(due)s")
            % {
                "duty": definition.code,
                "year": day.year,
                "who": who,
                "due": due.strftime("%d/%m/%Y"),
            }
            for who in missing
        ]
    return problems


def dashboard_plans(user) -> QuerySet[Plan]:
    """The plans whose units the user follows (the exports' title names them)."""
    return Plan.objects.filter(units__in=oversight_scope(user)).distinct().order_by("code")
