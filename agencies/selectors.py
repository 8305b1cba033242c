"""Reads over the plan data: who may act at a step, and for which units a user acts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    AreaClass,
    CommuneClassification,
    Membership,
    Plan,
    Responsibility,
    Succession,
    Unit,
    UnitKind,
)

PERMISSION_PREFIX = "agencies.act"


def today() -> dt.date:
    """The current date in Vietnam time (settings.TIME_ZONE), whatever the server's zone."""
    return timezone.localdate()


def permission_for(*, unit_code: str, role_code: str) -> str:
    """The owner permission a task carries so that viewflow's queue follows the matrix."""
    return f"{PERMISSION_PREFIX}.{unit_code}.{role_code}"


def memberships_of(user, *, on: dt.date | None = None) -> QuerySet[Membership]:
    """Memberships of the user current on the date, in units that exist on that date."""
    day = on or today()
    return (
        Membership.objects.valid_on(day)
        .filter(user=user, unit__valid_from__lte=day)
        .exclude(unit__valid_to__lt=day)
        .select_related("unit", "role")
    )


def units_for_user(user, *, on: dt.date | None = None, role: str | None = None) -> QuerySet[Unit]:
    """The units for which the user acts on the date (optionally in one role)."""
    memberships = memberships_of(user, on=on)
    if role:
        memberships = memberships.filter(role__code=role)
    return Unit.objects.filter(pk__in=memberships.values("unit_id")).order_by("kind", "code")


_MEMO = "_agencies_current_memberships"


def current_memberships(user) -> list[Membership]:
    """Today's memberships, read once per user object (a request, a task run): the header,
    the inbox and the door all ask, and the answer is one query."""
    day = today()
    memo = getattr(user, _MEMO, None)
    if memo is None or memo[0] != day:
        rows = memberships_of(user, on=day).order_by("unit__kind", "unit__code", "role__code")
        memo = (day, list(rows))
        setattr(user, _MEMO, memo)
    return memo[1]


@dataclass(frozen=True)
class EndedRole:
    """A role the user held and holds no more: when it ended and who carries its work today."""

    membership: Membership
    successors: list[Unit]  # the units holding the ended unit's work (empty: it still exists)
    holders: list[Any]  # who holds the unit and role today (of the unit or its successors)


def ended_roles(user, *, on: dt.date | None = None) -> list[EndedRole]:
    """The user's memberships that have ended and that no current one continues (same unit
    and role), latest first, each with the units and people that took over its work."""
    day = on or today()
    current = {(m.unit_id, m.role_id) for m in memberships_of(user, on=day)}
    ended = (
        Membership.objects.filter(user=user, valid_to__lt=day)
        .select_related("unit", "role")
        .order_by("-valid_to", "unit__code")
    )
    found: list[EndedRole] = []
    seen: set[tuple[int, int]] = set()
    for membership in ended:
        key = (membership.unit_id, membership.role_id)
        if key in current or key in seen:
            continue
        seen.add(key)
        unit = membership.unit
        successors = [] if unit.is_valid_on(day) else successors_of(unit, on=day)
        acting = successors or [unit]
        holders = [
            m.user
            for m in Membership.objects.valid_on(day)
            .filter(unit__in=acting, role=membership.role, user__is_active=True)
            .exclude(user=user)
            .select_related("user")
            .order_by("unit__code", "user__username")[:5]
        ]
        found.append(EndedRole(membership, successors, holders))
    return found


def forget_memberships(user) -> None:
    """Drop the memo after memberships change, so the next question reads them again."""
    if hasattr(user, _MEMO):
        delattr(user, _MEMO)


def permissions_of(user, *, on: dt.date | None = None) -> set[str]:
    """Every act permission (unit × role) the user holds on the date (default today)."""
    pairs: Iterable[tuple[str, str]]
    if on is None:
        pairs = [(m.unit.code, m.role.code) for m in current_memberships(user)]
    else:
        pairs = memberships_of(user, on=on).values_list("unit__code", "role__code")
    return {permission_for(unit_code=u, role_code=r) for u, r in pairs}


def has_membership(user, *, unit: Unit, role: str, on: dt.date | None = None) -> bool:
    """True when the user holds the role in the unit on the date."""
    return memberships_of(user, on=on).filter(unit=unit, role__code=role).exists()


def ancestor_of_kind(unit: Unit, kind: str) -> Unit | None:
    """The unit itself or its nearest ancestor of the kind (a commune's district)."""
    node: Unit | None = unit
    while node is not None:
        if node.kind == kind:
            return node
        node = node.parent
    return None


@dataclass(frozen=True)
class Actor:
    """A unit and role that the matrix names for a step, and the clause that says so."""

    unit: Unit
    role: str
    clause: str
    responsibility_id: int

    @property
    def permission(self) -> str:
        return permission_for(unit_code=self.unit.code, role_code=self.role)

    def plan(self) -> Plan:
        """The plan whose matrix row lets the actor act: a unit defined by an earlier plan
        (Sở Y tế of Khánh Hòa, in 372) acts under the plan in force."""
        return Plan.objects.get(responsibilities=self.responsibility_id)


def responsibilities_for(
    *,
    process: str,
    step: str,
    on: dt.date | None = None,
    category_code: str | None = None,
    plan_id: int | None = None,
) -> QuerySet[Responsibility]:
    """Matrix rows for a step on a date, of one plan when given (a record's plan: plans side by
    side each route their own records); rows tied to a category apply to that category only.
    Rows of a plan in force that year come first: a unit both plans name acts under the plan in
    force (Sở Y tế of Khánh Hòa, DOLISA's successor under 372, proposes under the 2026 plan)."""
    day = on or today()
    rows = Responsibility.objects.valid_on(day).filter(process=process, step=step)
    if plan_id is not None:
        rows = rows.filter(plan_id=plan_id)
    if category_code is None:
        rows = rows.filter(category__isnull=True)
    else:
        rows = rows.filter(category__code=category_code)
    in_force = Case(
        When(plan__period_start__lte=day.year, plan__period_end__gte=day.year, then=Value(0)),
        default=Value(1),
    )
    return rows.select_related("unit", "role", "clause").order_by(in_force, "id")


MATRIX_VERSION_KEY = "agencies:matrix-version"
_matrix_memo: dict = {"version": None, "rows": {}}


def _matrix_rows(
    *, process: str, step: str, day: dt.date, category_code: str | None, plan_id: int | None
) -> list[tuple[Unit | None, str, str, str, int]]:
    """The matrix rows of a step as plain tuples, memoised per process until the plan data
    changes (signals bump the version in the shared cache): every new task asks for them."""
    version = cache.get(MATRIX_VERSION_KEY, 0)
    if _matrix_memo["version"] != version or len(_matrix_memo["rows"]) > 10_000:
        _matrix_memo.update(version=version, rows={})
    key = (process, step, day, category_code, plan_id)
    if key not in _matrix_memo["rows"]:
        rows = responsibilities_for(
            process=process, step=step, on=day, category_code=category_code, plan_id=plan_id
        )
        _matrix_memo["rows"][key] = [
            (row.unit, row.unit_kind, row.role.code, row.clause.code, row.pk) for row in rows
        ]
    return _matrix_memo["rows"][key]


def bump_matrix_version() -> None:
    """Called whenever plan data changes, so every process re-reads the matrix."""
    try:
        cache.incr(MATRIX_VERSION_KEY)
    except ValueError:
        cache.set(MATRIX_VERSION_KEY, 1, timeout=None)


def actors_for(
    *,
    process: str,
    step: str,
    subject_unit: Unit | None = None,
    on: dt.date | None = None,
    category_code: str | None = None,
    near: Unit | None = None,
    plan: Plan | None = None,
) -> list[Actor]:
    """Who may act at this step for this subject unit on this date, per the matrix (of the
    record's plan when given; else of every plan, as when a process is started). A unit the
    row names that has ended acts through its successor for the step (the successions; of a
    dissolved district's several, the one of `near`, e.g. the request's commune)."""
    day = on or today()
    actors: list[Actor] = []
    seen: set[tuple[int, str]] = set()
    rows = _matrix_rows(
        process=process,
        step=step,
        day=day,
        category_code=category_code,
        plan_id=None if plan is None else plan.pk,
    )
    for fixed_unit, unit_kind, role, clause, responsibility_id in rows:
        if fixed_unit is not None:
            unit: Unit | None = fixed_unit
        else:
            unit = ancestor_of_kind(subject_unit, unit_kind) if subject_unit else None
        if unit is not None and not unit.is_valid_on(day):
            unit = successor_for(unit, on=day, step=f"{process}.{step}", near=near)
        if unit is None or not unit.is_valid_on(day) or (unit.pk, role) in seen:
            continue  # a unit named twice (under two clauses) acts once, under the first
        seen.add((unit.pk, role))
        actors.append(
            Actor(unit=unit, role=role, clause=clause, responsibility_id=responsibility_id)
        )
    return actors


def plans_in_force(day: dt.date | None = None) -> list[Plan]:
    """Plans whose period includes the day's year: new work is started under these."""
    year = (day or today()).year
    return list(Plan.objects.filter(period_start__lte=year, period_end__gte=year))


def plan_area(plan: Plan) -> set[int] | None:
    """Ids of the units that a plan's kind-wide duties reach: the provinces it defines or names
    (matrix rows, duties, recipients) and every unit under them, so that two provinces' plans
    side by side owe each other nothing. None (no limit) for a plan that names no province."""
    named = Q(plan=plan) | Q(responsibilities__plan=plan) | Q(obligation_definitions__plan=plan)
    recipients = plan.obligations.values("recipient")
    provinces = set(
        Unit.objects.filter(named | Q(pk__in=recipients), kind=UnitKind.PROVINCE).values_list(
            "pk", flat=True
        )
    )
    return units_below(*provinces) | provinces if provinces else None


def units_below(*unit_ids: int) -> set[int]:
    """Ids of the units under these: the unit tree, not kinds, says who reports what (IV.12)."""
    found: set[int] = set()
    generation = list(unit_ids)
    while generation:
        generation = list(
            Unit.objects.filter(parent_id__in=generation)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found.update(generation)
    return found


def target_communes(
    *, district: Unit | None = None, on: dt.date | None = None, plan: Plan | None = None
) -> QuerySet[Unit]:
    """Communes supported on the date: classified (861/QĐ-TTg) in an area class that the plan's
    rules["target_area_classes"] list (a plan that lists none supports none). The plan is `plan`
    for every commune (a later plan on units an earlier one defined), else each commune's own.
    `district` is the drafting unit: its communes, or itself when it is a commune (after 2025).
    A plan whose rules opt in to `provisional_classification` also takes a commune with no class
    of its own on the date at its provisional class (provisional_class)."""
    day = on or today()
    plans: list[tuple[int | None, dict]]
    if plan is not None:
        plans = [(None, plan.rules)]
    else:
        chosen = (
            Plan.objects.all() if district is None else Plan.objects.filter(pk=district.plan_id)
        )
        plans = list(chosen.values_list("pk", "rules"))
    targeted = Q(pk__in=[])
    for plan_id, rules in plans:
        classes = tuple(rules.get("target_area_classes") or ())
        if not classes:
            continue
        classified = CommuneClassification.objects.valid_on(day).filter(
            commune=OuterRef("pk"), area_class__in=classes
        )
        supported = Q(Exists(classified))
        if rules.get("provisional_classification"):
            provisional = provisional_classes(on=day)
            supported |= Q(
                pk__in=[pk for pk, (cls, _acts) in provisional.items() if cls in classes]
            )
        targeted |= supported if plan_id is None else Q(plan_id=plan_id) & supported
    communes = Unit.objects.valid_on(day).filter(targeted, kind=UnitKind.COMMUNE)
    if district is not None:
        communes = communes.filter(Q(parent=district) | Q(pk=district.pk))
    return communes.order_by("name_vi")


def area_class_label(commune: Unit, *, on: dt.date | None = None, plan: Plan | None = None) -> str:
    """The commune's area class on the day as a page says it: with its act, or, where the plan
    opts in to provisional classification, marked provisional with its rule; "" when none."""
    day = on or today()
    own = CommuneClassification.objects.valid_on(day).filter(commune=commune).first()
    if own is not None:
        return _("Area %(class)s (%(act)s)") % {"class": own.area_class, "act": own.act}
    rules = (plan.rules if plan is not None else commune.plan.rules) or {}
    found = (
        provisional_classes(on=day).get(commune.pk)
        if rules.get("provisional_classification")
        else None
    )
    if found is None:
        return ""
    return _(
        "Area %(class)s, provisional: the highest class of the communes it was formed from "
        "(%(acts)s), until a decision classifies it"
    ) % {"class": found[0], "acts": ", ".join(found[1])}


_CLASS_RANK = {area_class: rank for rank, area_class in enumerate(AreaClass.values)}


def provisional_classes(*, on: dt.date | None = None) -> dict[int, tuple[str, list[str]]]:
    """Communes with no classification of their own on the date that succeed classified ones,
    by id: the highest class of their predecessors on the eve of the succession, and the acts
    that classified those (a new commune is provisionally of the highest class of the communes
    it was formed from, until a decision for the new period lists it)."""
    day = on or today()
    successions = (
        Succession.objects.in_force_on(day)
        .filter(successor__kind=UnitKind.COMMUNE, predecessor__kind=UnitKind.COMMUNE)
        .exclude(successor__classifications__in=CommuneClassification.objects.valid_on(day))
        .values_list("successor_id", "predecessor_id", "effective_on")
    )
    rows = list(successions)
    held: dict[int, list[tuple[str, str, dt.date, dt.date | None]]] = {}
    for commune_id, *classified in CommuneClassification.objects.filter(
        commune_id__in={predecessor_id for _s, predecessor_id, _e in rows}
    ).values_list("commune_id", "area_class", "act", "valid_from", "valid_to"):
        held.setdefault(commune_id, []).append(tuple(classified))
    inherited: dict[int, list[tuple[str, str]]] = {}
    for successor_id, predecessor_id, effective_on in rows:
        eve = effective_on - dt.timedelta(days=1)
        inherited.setdefault(successor_id, []).extend(
            (area_class, act)
            for area_class, act, start, end in held.get(predecessor_id, ())
            if start <= eve and (end is None or eve <= end)
        )
    found: dict[int, tuple[str, list[str]]] = {}
    for successor_id, classes in inherited.items():
        if classes:
            best = max((area_class for area_class, _act in classes), key=_CLASS_RANK.__getitem__)
            found[successor_id] = (best, sorted({act for cls, act in classes if cls == best}))
    return found


# Successions (the 2025 reorganisation) ------------------------------------------------------------


def _successions_reachable(unit: Unit, day: dt.date) -> dict[int, list[Succession]]:
    """The successions in force on the day of the unit and of every successor reached from it
    that has ended too, by predecessor: one query per generation (chains are short: a commune,
    then its new commune; a department, its March 2025 successor, then the merged province's)."""
    found: dict[int, list[Succession]] = {}
    frontier = [] if unit.is_valid_on(day) else [unit.pk]
    while frontier:
        rows = (
            Succession.objects.in_force_on(day)
            .filter(predecessor_id__in=frontier)
            .select_related("successor")
            .order_by("-main", "id")
        )
        found |= {pk: [] for pk in frontier}
        for row in rows:
            found[row.predecessor_id].append(row)
        frontier = list(
            dict.fromkeys(
                row.successor_id
                for pk in frontier
                for row in found[pk]
                if row.successor_id not in found and not row.successor.is_valid_on(day)
            )
        )
    return found


def _taking(
    successions: list[Succession], *, step: str | None, duty: str | None
) -> list[Succession]:
    """Which of a unit's successions take the work asked about: the functions_moved ones that
    list the step or duty, else the others (merged, split, renamed, dissolved: everything else).
    Asked about no step or duty, all of them: the others first, then every functions_moved one
    that moves something."""
    moved = [row for row in successions if row.kind == Succession.Kind.FUNCTIONS_MOVED]
    rest = [row for row in successions if row.kind != Succession.Kind.FUNCTIONS_MOVED]
    if step is None and duty is None:
        return rest + [row for row in moved if row.steps or row.duties]
    return [row for row in moved if row.moves(step=step, duty=duty)] or rest


def successors_of(
    unit: Unit, *, on: dt.date, step: str | None = None, duty: str | None = None
) -> list[Unit]:
    """The units holding the unit's work on the date: the unit itself while it is valid, else
    the successors its successions name, followed through every unit that has ended too (an
    old commune, its new commune; DOLISA, Sở Y tế for the steps that moved, then the merged
    province's Sở Y tế). `step` ("process.step") and `duty` (an obligation code) ask about one
    piece of work: a functions_moved succession applies only to the steps and duties it lists.
    A split gives its main successor (the remainder) first. Empty when nobody holds the work."""
    found = _successions_reachable(unit, on)

    def holders(node: Unit, path: frozenset[int]) -> list[Unit]:
        if node.is_valid_on(on):
            return [node]
        if node.pk in path:  # a cycle, which the plan file refuses: nobody down this way
            return []
        result: list[Unit] = []
        for row in _taking(found.get(node.pk, []), step=step, duty=duty):
            for holder in holders(row.successor, path | {node.pk}):
                if holder not in result:
                    result.append(holder)
        return result

    return holders(unit, frozenset())


def predecessors_of(unit_ids: Iterable[int], *, on: dt.date | None = None) -> set[int]:
    """Ids of the units whose work passed to these by the day, through every generation (an old
    commune and the district it was in, for a new commune): their members read those records."""
    day = on or today()
    found: set[int] = set()
    frontier = set(unit_ids)
    while frontier:
        frontier = (
            set(
                Succession.objects.in_force_on(day)
                .filter(successor_id__in=frontier)
                .values_list("predecessor_id", flat=True)
            )
            - found
        )
        found |= frontier
    return found


def successor_for(
    unit: Unit,
    *,
    on: dt.date,
    step: str | None = None,
    duty: str | None = None,
    near: Unit | None = None,
) -> Unit | None:
    """The one unit holding the unit's work on the date: of several (a district's work passes
    to each new commune of its communes), the one that also holds `near`'s (a request's
    commune; when `near` was split, its main successor first), else the first that
    successors_of gives (a split's main successor)."""
    holders = successors_of(unit, on=on, step=step, duty=duty)
    if len(holders) > 1 and near is not None:
        for holder in successors_of(near, on=on, step=step, duty=duty):
            if holder in holders:
                return holder
    return holders[0] if holders else None


def succession_path(unit: Unit, successor: Unit, *, on: dt.date) -> list[Succession]:
    """The successions crossed on the date from the unit to one of its successors, in order
    (their acts are what an audit event cites); empty when the successor is the unit itself.
    Raises ValueError when `successor` does not hold any of the unit's work on that date."""
    if unit == successor:
        return []
    found = _successions_reachable(unit, on)
    paths: dict[int, list[Succession]] = {unit.pk: []}
    queue = [unit.pk]
    while queue:
        pk = queue.pop(0)
        for row in found.get(pk, []):
            if row.successor_id in paths:
                continue
            paths[row.successor_id] = [*paths[pk], row]
            if row.successor_id == successor.pk:
                return paths[row.successor_id]
            queue.append(row.successor_id)
    raise ValueError(f"{successor.code} does not succeed {unit.code} on {on.isoformat()}")
