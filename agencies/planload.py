"""Loading a parsed plan file (agencies.planfile) into the database, in one transaction.

Loading is idempotent: rows are updated in place by natural key and every creation or update is
kept as a PlanChange (before/after), so the history of what the data said when survives. Nothing
is deleted: units, commune classifications, responsibilities and successions missing from the
file stop applying from the load date (valid_to = the day before; a row that had not started
gets an empty period). Clauses, categories, funding sources and obligations have no validity
period, so a file that drops one is refused. The file is checked against the database first, so
an invalid file writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    Category,
    Clause,
    CommuneClassification,
    FundingSource,
    ObligationDefinition,
    Plan,
    PlanChange,
    Responsibility,
    Role,
    Succession,
    Unit,
)
from .planfile import PlanFile, PlanFileError, _Coded
from .selectors import bump_matrix_version, today


@dataclass
class LoadResult:
    """What a load did, counted by row."""

    plan_code: str
    created: int = 0
    updated: int = 0
    ended: int = 0
    unchanged: int = 0
    changes: list[PlanChange] = field(default_factory=list)

    def summary(self) -> str:
        return _(
            "Plan %(plan)s: %(created)d created, %(updated)d updated, %(ended)d ended, "
            "%(unchanged)d unchanged (%(changes)s)"
        ) % {
            "plan": self.plan_code,
            "created": self.created,
            "updated": self.updated,
            "ended": self.ended,
            "unchanged": self.unchanged,
            "changes": ngettext("%(n)d change", "%(n)d changes", len(self.changes))
            % {"n": len(self.changes)},
        }


# The tables whose rows the plan file names by code.
_CODED_TABLES = (Plan, Clause, Unit, Role, Category, FundingSource, ObligationDefinition)
_PlanTable = type[Clause | Unit | Category | FundingSource | ObligationDefinition]


def _plain(value: Any) -> Any:
    """A JSON value for a PlanChange; related rows appear as their codes."""
    if isinstance(value, _CODED_TABLES):
        return value.code
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _natural_key(values: Iterable[Any]) -> str:
    """A PlanChange key: the natural key's values, related rows by code, blanks as "-"."""
    return " ".join("-" if value in (None, "") else str(_plain(value)) for value in values)


_RESPONSIBILITY_KEY = (
    "process",
    "step",
    "unit",
    "unit_kind",
    "role",
    "category",
    "clause",
    "valid_from",
)


def _database_conflicts(plan_file: PlanFile) -> list[str]:
    """Errors a file has only against what is loaded: codes of another plan, dropped rows."""
    errors: list[str] = []
    code = plan_file.plan.code
    tables: dict[str, tuple[_PlanTable, tuple[_Coded, ...]]] = {
        "clauses": (Clause, plan_file.clauses),
        "categories": (Category, plan_file.categories),
        "funding_sources": (FundingSource, plan_file.funding_sources),
        "obligations": (ObligationDefinition, plan_file.obligations),
    }
    # A unit is one body whichever plan names it: one plan defines it, others refer to it.
    # (Categories, funding sources and duties are each plan's own: their codes may recur.)
    index = {spec.code: i for i, spec in enumerate(plan_file.units)}
    taken = (
        Unit.objects.filter(code__in=index)
        .exclude(plan__code=code)
        .values_list("code", "plan__code")
    )
    for other_code, other_plan in sorted(taken, key=lambda row: index[row[0]]):
        errors.append(
            f'units[{index[other_code]}] (code "{other_code}"): '
            + _('code already belongs to plan "%(plan)s"') % {"plan": other_plan}
        )
    # Rows with no validity period cannot be ended, so a file may not drop them.
    for section in ("clauses", "categories", "funding_sources", "obligations"):
        model, specs = tables[section]
        dropped = (
            model.objects.filter(plan__code=code)
            .exclude(code__in=[spec.code for spec in specs])
            .values_list("code", flat=True)
        )
        errors.extend(
            f'{section}: "{dropped_code}" '
            + _("is loaded but missing from the file; it has no validity period to end")
            for dropped_code in dropped
        )
    return errors


@dataclass
class _Wanted:
    """One row as the file wants it: natural key, other fields, many-to-many sets."""

    lookup: dict[str, Any]
    values: dict[str, Any]
    m2m: dict[str, list[models.Model]] = field(default_factory=dict)


def _stored(value: Any) -> Any:
    """How a field's value is stored: related rows by primary key."""
    return value.pk if isinstance(value, models.Model) else value


def _attname(model: type[models.Model], name: str) -> str:
    """The attribute holding a concrete field's stored value (a foreign key's `<name>_id`)."""
    model_field = model._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise TypeError(f"{model._meta.label}.{name} is not a concrete field")
    return model_field.attname


_Row = TypeVar("_Row", bound=models.Model)


def _named(rows: dict[str, _Row], code: str | None) -> _Row | None:
    """The row an optional reference of the file names, None when it names none."""
    return None if code is None else rows.get(code)


class _Loader:
    """Writes one validated PlanFile, counting and recording each change.

    Each kind of row is read once and new rows are inserted in bulk, so that loading the plan
    (which every test fixture does) stays cheap.
    """

    def __init__(self, *, plan_file: PlanFile, day: dt.date):
        self.file = plan_file
        self.day = day
        self.at = timezone.now()
        self.result = LoadResult(plan_code=plan_file.plan.code)

    def run(self) -> LoadResult:
        self.plan = self._load_plan()  # PlanChange rows get their plan when saved, at the end
        roles = self._load_roles()
        clauses = self._load_clauses()
        units = self._load_units()
        categories = self._load_categories(clauses)
        self._load_funding_sources(clauses)
        self._load_responsibilities(roles=roles, clauses=clauses, units=units, cats=categories)
        self._load_obligations(clauses=clauses, units=units)
        self._load_successions(units)
        for change in self.result.changes:
            change.plan = self.plan
        PlanChange.objects.bulk_create(self.result.changes)
        self.plan.checksum = self.file.checksum
        self.plan.loaded_at = self.at
        self.plan.save(update_fields=["checksum", "loaded_at"])
        return self.result

    def _record(self, entity: str, key: str, action: str, before: dict | None, after: dict):
        self.result.changes.append(
            PlanChange(
                loaded_at=self.at,
                entity=entity,
                key=key,
                action=action,
                before=before,
                after=after,
            )
        )

    def _sync(
        self, entity: str, model: type[_Row], stored: Iterable[_Row], wanted: list[_Wanted]
    ) -> list[_Row]:
        """Create, update or keep the row for each wanted one, matched by natural key."""
        if not wanted:
            return []
        key_names = list(wanted[0].lookup)
        attnames = [_attname(model, name) for name in key_names]
        by_key = {tuple(getattr(row, name) for name in attnames): row for row in stored}
        rows: list[_Row] = []
        new: list[tuple[_Row, _Wanted]] = []
        for item in wanted:
            row = by_key.get(tuple(_stored(item.lookup[name]) for name in key_names))
            if row is None:
                row = model(**item.lookup, **item.values)
                new.append((row, item))
            elif self._differs(row, item):
                self._update(entity, row, item)
            else:
                self.result.unchanged += 1
            rows.append(row)
        model._default_manager.bulk_create([row for row, _item in new])
        for row, item in new:
            for name, related in item.m2m.items():
                getattr(row, name).set(related)
            self.result.created += 1
            self._record(entity, self._key(item), PlanChange.Action.CREATED, None, _after(item))
        return rows

    @staticmethod
    def _differs(row: models.Model, item: _Wanted) -> bool:
        for name, value in item.values.items():
            if getattr(row, _attname(type(row), name)) != _stored(value):
                return True
        return any(
            {r.pk for r in getattr(row, name).all()} != {r.pk for r in related}
            for name, related in item.m2m.items()
        )

    def _update(self, entity: str, row: models.Model, item: _Wanted) -> None:
        fields = {**item.lookup, **item.values}
        before = {name: _plain(getattr(row, name)) for name in fields}
        before |= {name: sorted(_plain(list(getattr(row, name).all()))) for name in item.m2m}
        for name, value in item.values.items():
            setattr(row, name, value)
        row.save()
        for name, related in item.m2m.items():
            getattr(row, name).set(related)
        self.result.updated += 1
        self._record(entity, self._key(item), PlanChange.Action.UPDATED, before, _after(item))

    @staticmethod
    def _key(item: _Wanted) -> str:
        return _natural_key(value for name, value in item.lookup.items() if name != "plan")

    def _end_removed(
        self, entity: str, rows: models.QuerySet, kept: Iterable[models.Model], key: tuple[str, ...]
    ) -> None:
        """Rows no longer in the file stop applying from the load date; they are not deleted."""
        last_day = self.day - dt.timedelta(days=1)
        ending = rows.exclude(pk__in=[row.pk for row in kept]).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=last_day)
        )
        for row in ending:
            before = {"valid_to": _plain(row.valid_to)}
            row.valid_to = last_day
            row.save(update_fields=["valid_to"])
            self.result.ended += 1
            self._record(
                entity,
                _natural_key(getattr(row, name) for name in key),
                PlanChange.Action.UPDATED,
                before,
                {"valid_to": _plain(last_day)},
            )

    def _load_plan(self) -> Plan:
        spec = self.file.plan
        values = {
            "title_vi": spec.title_vi,
            "title_en": spec.title_en,
            "act": spec.act,
            "issued_on": spec.issued_on,
            "period_start": spec.first_year,
            "period_end": spec.last_year,
            "rules": self.file.rules,
        }
        stored = Plan.objects.filter(code=spec.code)
        (plan,) = self._sync("plan", Plan, stored, [_Wanted({"code": spec.code}, values)])
        return plan

    def _load_roles(self) -> dict[str, Role]:
        wanted = [
            _Wanted({"code": spec.code}, {"name_vi": spec.name_vi, "name_en": spec.name_en})
            for spec in self.file.roles
        ]
        return {role.code: role for role in self._sync("role", Role, Role.objects.all(), wanted)}

    def _load_clauses(self) -> dict[str, Clause]:
        wanted = [
            _Wanted(
                {"plan": self.plan, "code": spec.code},
                {
                    "position": position,
                    "summary_vi": spec.summary_vi,
                    "summary_en": spec.summary_en,
                    "out_of_scope": spec.out_of_scope,
                },
            )
            for position, spec in enumerate(self.file.clauses)
        ]
        rows = self._sync("clause", Clause, self.plan.clauses.all(), wanted)
        return {clause.code: clause for clause in rows}

    def _load_units(self) -> dict[str, Unit]:
        """Units a generation at a time (parents first: at the top, those whose parent is none or
        another plan's unit), then the communes' classifications."""
        stored = list(Unit.objects.filter(plan=self.plan))
        # Units of other plans that this one names (checked to exist when the file was parsed).
        others = Unit.objects.exclude(plan=self.plan).filter(code__in=_named_units(self.file))
        units: dict[str, Unit] = {unit.code: unit for unit in others}
        own = {spec.code for spec in self.file.units}
        generation = [spec for spec in self.file.units if spec.parent not in own]
        while generation:
            wanted = [
                _Wanted(
                    {"code": spec.code},
                    {
                        "plan": self.plan,
                        "kind": spec.kind,
                        "parent": _named(units, spec.parent),
                        "name_vi": spec.name_vi,
                        "name_en": spec.name_en,
                        "official_code": spec.official_code,
                        "valid_from": spec.valid_from,
                        "valid_to": spec.valid_to,
                    },
                )
                for spec in generation
            ]
            units |= {unit.code: unit for unit in self._sync("unit", Unit, stored, wanted)}
            parents = {spec.code for spec in generation}
            generation = [spec for spec in self.file.units if spec.parent in parents]
        classifications = CommuneClassification.objects.filter(commune__plan=self.plan)
        kept = self._sync(
            "classification",
            CommuneClassification,
            classifications,
            [
                _Wanted(
                    {"commune": units[spec.code], "valid_from": item.valid_from},
                    {"area_class": item.area_class, "act": item.act, "valid_to": item.valid_to},
                )
                for spec in self.file.units
                for item in spec.classifications
            ],
        )
        self._end_removed("unit", Unit.objects.filter(plan=self.plan), units.values(), ("code",))
        self._end_removed(
            "classification",
            classifications.select_related("commune"),
            kept,
            ("commune", "valid_from"),
        )
        return units

    def _load_categories(self, clauses: dict[str, Clause]) -> dict[str, Category]:
        wanted = [
            _Wanted(
                {"code": spec.code},
                {
                    "plan": self.plan,
                    "position": position,
                    "clause": _named(clauses, spec.clause),
                    "name_vi": spec.name_vi,
                    "name_en": spec.name_en,
                },
            )
            for position, spec in enumerate(self.file.categories)
        ]
        rows = self._sync("category", Category, self.plan.categories.all(), wanted)
        return {category.code: category for category in rows}

    def _load_funding_sources(self, clauses: dict[str, Clause]) -> None:
        wanted = [
            _Wanted(
                {"code": spec.code},
                {
                    "plan": self.plan,
                    "clause": _named(clauses, spec.clause),
                    "may_fund_children": spec.may_fund_children,
                    "name_vi": spec.name_vi,
                    "name_en": spec.name_en,
                    "note": spec.note,
                },
            )
            for spec in self.file.funding_sources
        ]
        self._sync("funding_source", FundingSource, self.plan.funding_sources.all(), wanted)

    def _load_responsibilities(
        self,
        *,
        roles: dict[str, Role],
        clauses: dict[str, Clause],
        units: dict[str, Unit],
        cats: dict[str, Category],
    ) -> None:
        wanted = []
        for spec in self.file.responsibilities:
            natural_key = (
                spec.process,
                spec.step,
                _named(units, spec.unit),
                spec.unit_kind,
                roles[spec.role],
                _named(cats, spec.category),
                clauses[spec.clause],
                spec.valid_from,
            )
            lookup = {"plan": self.plan, **dict(zip(_RESPONSIBILITY_KEY, natural_key, strict=True))}
            wanted.append(_Wanted(lookup, {"note": spec.note, "valid_to": spec.valid_to}))
        stored = self.plan.responsibilities.all()
        kept = self._sync("responsibility", Responsibility, stored, wanted)
        self._end_removed(
            "responsibility",
            stored.select_related("unit", "role", "category", "clause"),
            kept,
            _RESPONSIBILITY_KEY,
        )

    def _load_obligations(self, *, clauses: dict[str, Clause], units: dict[str, Unit]) -> None:
        wanted = [
            _Wanted(
                {"code": spec.code},
                {
                    "plan": self.plan,
                    "clause": clauses[spec.clause],
                    "name_vi": spec.name_vi,
                    "name_en": spec.name_en,
                    "note": spec.note,
                    "unit_kinds": list(spec.unit_kinds),
                    "recipient": _named(units, spec.recipient),
                    "recurrence": spec.recurrence,
                    **spec.due,
                    "reminder_days": list(spec.reminder_days),
                    "escalate_to": [{"unit": e.unit, "role": e.role} for e in spec.escalate_to],
                },
                {
                    "units": [units[code] for code in spec.units],
                    "excluded_units": [units[code] for code in spec.exclude],
                    "also_cites": [clauses[code] for code in spec.also_cites],
                },
            )
            for spec in self.file.obligations
        ]
        stored = self.plan.obligations.prefetch_related("units", "excluded_units", "also_cites")
        self._sync("obligation", ObligationDefinition, stored, wanted)

    def _load_successions(self, units: dict[str, Unit]) -> None:
        wanted = [
            _Wanted(
                {
                    "predecessor": units[spec.predecessor],
                    "successor": units[spec.successor],
                    "effective_on": spec.effective_on,
                },
                {
                    "plan": self.plan,
                    "kind": spec.kind,
                    "part": spec.part,
                    "main": spec.main,
                    "steps": list(spec.steps),
                    "duties": list(spec.duties),
                    "act": spec.act,
                    "act_date": spec.act_date,
                    "act_clause": spec.act_clause,
                    "note": spec.note,
                    "valid_to": None,
                },
            )
            for spec in self.file.successions
        ]
        stored = Succession.objects.filter(plan=self.plan)
        kept = self._sync("succession", Succession, stored, wanted)
        self._end_removed(
            "succession",
            stored.select_related("predecessor", "successor"),
            kept,
            ("predecessor", "successor", "effective_on"),
        )


def _named_units(plan_file: PlanFile) -> set[str]:
    """Every unit code the file names: parents, matrix rows, duties, escalations, successions."""
    named = {spec.parent for spec in plan_file.units}
    named |= {spec.unit for spec in plan_file.responsibilities}
    for duty in plan_file.obligations:
        named |= {*duty.units, *duty.exclude, duty.recipient}
        named |= {escalation.unit for escalation in duty.escalate_to}
    for succession in plan_file.successions:
        named |= {succession.predecessor, succession.successor}
    return {code for code in named if code is not None}


def _after(item: _Wanted) -> dict[str, Any]:
    """What the file says of a row, as JSON for its PlanChange."""
    after = {name: _plain(value) for name, value in {**item.lookup, **item.values}.items()}
    return after | {name: sorted(_plain(related)) for name, related in item.m2m.items()}


@transaction.atomic
def load_plan(*, plan_file: PlanFile, on: dt.date | None = None) -> LoadResult:
    """Write a validated plan file in one transaction, in place, keeping the history of changes."""
    errors = _database_conflicts(plan_file)
    if errors:
        raise PlanFileError(errors)
    result = _Loader(plan_file=plan_file, day=on or today()).run()
    # Bulk writes send no signals: tell every process the matrix changed, now and at commit
    # (a reader between the two would otherwise memoise the old rows).
    bump_matrix_version()
    transaction.on_commit(bump_matrix_version)
    return result
