"""Reads over the plan data: who may act at a step, and for which units a user acts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import CommuneClassification, Membership, Plan, Responsibility, Unit

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


def responsibilities_for(
    *, process: str, step: str, on: dt.date | None = None, category_code: str | None = None
) -> QuerySet[Responsibility]:
    """Matrix rows for a step on a date; rows tied to a category apply to that category only."""
    rows = Responsibility.objects.valid_on(on or today()).filter(process=process, step=step)
    if category_code is None:
        rows = rows.filter(category__isnull=True)
    else:
        rows = rows.filter(category__code=category_code)
    return rows.select_related("unit", "role", "clause").order_by("id")


MATRIX_VERSION_KEY = "agencies:matrix-version"
_matrix_memo: dict = {"version": None, "rows": {}}


def _matrix_rows(
    *, process: str, step: str, day: dt.date, category_code: str | None
) -> list[tuple[Unit | None, str, str, str, int]]:
    """The matrix rows of a step as plain tuples, memoised per process until the plan data
    changes (signals bump the version in the shared cache): every new task asks for them."""
    version = cache.get(MATRIX_VERSION_KEY, 0)
    if _matrix_memo["version"] != version or len(_matrix_memo["rows"]) > 10_000:
        _matrix_memo.update(version=version, rows={})
    key = (process, step, day, category_code)
    if key not in _matrix_memo["rows"]:
        rows = responsibilities_for(process=process, step=step, on=day, category_code=category_code)
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
) -> list[Actor]:
    """Who may act at this step for this subject unit on this date, per the matrix."""
    day = on or today()
    actors: list[Actor] = []
    seen: set[tuple[int, str]] = set()
    rows = _matrix_rows(process=process, step=step, day=day, category_code=category_code)
    for fixed_unit, unit_kind, role, clause, responsibility_id in rows:
        if fixed_unit is not None:
            unit: Unit | None = fixed_unit
        else:
            unit = ancestor_of_kind(subject_unit, unit_kind) if subject_unit else None
        if unit is None or not unit.is_valid_on(day) or (unit.pk, role) in seen:
            continue  # a unit named twice (under two clauses) acts once, under the first
        seen.add((unit.pk, role))
        actors.append(
            Actor(unit=unit, role=role, clause=clause, responsibility_id=responsibility_id)
        )
    return actors


def target_communes(*, district: Unit | None = None, on: dt.date | None = None) -> QuerySet[Unit]:
    """Communes the plan supports on the date: classified (861/QĐ-TTg) in an area class that
    their plan's rules["target_area_classes"] lists; a plan that lists none supports none."""
    day = on or today()
    plans = Plan.objects.all() if district is None else Plan.objects.filter(pk=district.plan_id)
    by_classes: dict[tuple[str, ...], list[int]] = {}
    for plan_id, rules in plans.values_list("pk", "rules"):
        classes = tuple(sorted(rules.get("target_area_classes") or ()))
        if classes:
            by_classes.setdefault(classes, []).append(plan_id)
    if not by_classes:
        return Unit.objects.none()
    targeted = Q()
    for classes, plan_ids in by_classes.items():
        classified = CommuneClassification.objects.valid_on(day).filter(
            commune=OuterRef("pk"), area_class__in=classes
        )
        targeted |= Q(plan_id__in=plan_ids) & Q(Exists(classified))
    communes = Unit.objects.valid_on(day).filter(targeted, kind="commune")
    if district is not None:
        communes = communes.filter(parent=district)
    return communes.order_by("name_vi")
