"""The plan data file (e.g. agencies/plans/ninh-thuan-372.yaml): parse and validate.

`read_plan_file`/`parse_plan` turn the YAML into frozen dataclasses or raise `PlanFileError`
listing every problem with its entry and field, e.g.
`units[15] (code "d-bac-ai"): parent "ppcx" does not exist`. Nothing here touches the database:
`agencies.planload.load_plan` writes a parsed file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, TypeVar

import yaml
from django.utils.translation import gettext as _

from .models import (
    AreaClass,
    ObligationDefinition,
    Succession,
    UnitKind,
)

SECTIONS = (
    "plan",
    "rules",
    "roles",
    "clauses",
    "units",
    "categories",
    "funding_sources",
    "responsibilities",
    "obligations",
    "successions",
)
_CODE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_STEP = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*\.[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_OFFICIAL_CODE = re.compile(r"^[0-9]{2,5}$")
_CLAUSE = re.compile(r"^[A-Z]+(?:\.\w+)*$")
_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$")


class PlanFileError(Exception):
    """A plan file that cannot be loaded; `errors` names each entry and field at fault."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


# The parsed file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSpec:
    """The plan itself: its act and the years it covers."""

    code: str
    title_vi: str
    title_en: str
    act: str
    issued_on: dt.date
    first_year: int
    last_year: int


@dataclass(frozen=True)
class NamedSpec:
    """An entry the file names by its code, with its Vietnamese and English names."""

    code: str
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class RoleSpec(NamedSpec):
    """A role people hold in units; the matrix and the rules name it by code."""


@dataclass(frozen=True)
class ClauseSpec:
    """A clause of the plan, cited by every row that implements it (or out of scope)."""

    code: str
    summary_vi: str
    summary_en: str
    out_of_scope: str


@dataclass(frozen=True)
class ClassificationSpec:
    """A commune's area class under a deciding act, for a period."""

    area_class: str
    act: str
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class UnitSpec(NamedSpec):
    """A unit as the file gives it, with its period and, for a commune, its classes."""

    kind: str
    parent: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    classifications: tuple[ClassificationSpec, ...]
    official_code: str = ""


@dataclass(frozen=True)
class CategorySpec(NamedSpec):
    """A support category, reviewed by the sector its clause names."""

    clause: str | None


@dataclass(frozen=True)
class FundingSourceSpec(NamedSpec):
    """A kind of funding, and whether it may pay for support to children (III.2)."""

    clause: str | None
    may_fund_children: bool
    note: str


@dataclass(frozen=True)
class ResponsibilitySpec:
    """One row of the matrix: who acts at a step, from when, under which clause."""

    process: str
    step: str
    unit: str | None
    unit_kind: str
    role: str
    category: str | None
    clause: str
    note: str
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class EscalationSpec:
    """Whom an overdue duty is escalated to."""

    unit: str | None  # None: the obliged unit itself
    role: str


class _Due(TypedDict):
    """An obligation's due rule, as ObligationSpec holds it."""

    due_date: dt.date | None
    due_day: int | None
    due_month: int | None
    due_year_offset: int
    first_year: int | None
    last_year: int | None


@dataclass(frozen=True)
class ObligationSpec(NamedSpec):
    """A duty the plan sets: who owes it, when, and whom reminders reach."""

    note: str
    clause: str
    also_cites: tuple[str, ...]
    unit_kinds: tuple[str, ...]
    units: tuple[str, ...]
    exclude: tuple[str, ...]
    recipient: str | None
    recurrence: str
    due: _Due
    reminder_days: tuple[int, ...]
    escalate_to: tuple[EscalationSpec, ...]


@dataclass(frozen=True)
class SuccessionSpec:
    """Who takes over a unit's work from when, under which act."""

    predecessor: str
    successor: str
    kind: str
    part: str
    main: bool
    steps: tuple[str, ...]  # "process.step"
    duties: tuple[str, ...]  # obligation codes
    effective_on: dt.date
    act: str
    act_date: dt.date | None
    act_clause: str
    note: str


@dataclass(frozen=True)
class PlanFile:
    plan: PlanSpec
    rules: dict[str, Any]
    roles: tuple[RoleSpec, ...]
    clauses: tuple[ClauseSpec, ...]
    units: tuple[UnitSpec, ...]
    categories: tuple[CategorySpec, ...]
    funding_sources: tuple[FundingSourceSpec, ...]
    responsibilities: tuple[ResponsibilitySpec, ...]
    obligations: tuple[ObligationSpec, ...]
    successions: tuple[SuccessionSpec, ...]
    checksum: str


class _Coded(Protocol):
    """A spec named by its code (read-only, as the specs are frozen)."""

    @property
    def code(self) -> str: ...


_T = TypeVar("_T")
_CodedSpec = TypeVar("_CodedSpec", bound=_Coded)


# Reading ---------------------------------------------------------------------------------------

if TYPE_CHECKING:
    # libyaml's CSafeLoader offers what SafeLoader does; the type checker cannot know which of
    # the two this installation has, so it checks against SafeLoader.
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):
    """A safe YAML loader (libyaml's when installed) that refuses a key given twice in one
    mapping, where PyYAML would keep the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[str] = set()
    for key_node, _value in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                )
            seen.add(key_node.value)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _nfc(value: Any) -> Any:
    """Normalise every string to NFC so that "đ" typed two ways is one code."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


def _as_date(value: Any) -> dt.date | None:
    if type(value) is dt.date:
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _overlap(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None) -> bool:
    return a_from <= (b_to or dt.date.max) and b_from <= (a_to or dt.date.max)


class _Entry:
    """One mapping of the file, named by its place, whose fields are read and checked."""

    def __init__(
        self,
        errors: list[str],
        where: str,
        raw: Any,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ):
        self.errors = errors
        self.where = where
        self.is_mapping = isinstance(raw, dict)
        self.raw = raw if self.is_mapping else {}
        if not self.is_mapping:
            self.error(_("must be a mapping"))
            return
        for key in raw:
            if key not in required and key not in optional:
                self.error(_('unknown field "%(field)s"') % {"field": key})
        for key in required:
            if raw.get(key) is None:
                self.error(_('missing field "%(field)s"') % {"field": key})

    def error(self, message: str) -> None:
        self.errors.append(f"{self.where}: {message}")

    def _read(
        self, name: str, convert: Callable[[Any], _T | None], message: str, **params: object
    ) -> _T | None:
        """The field converted, or None when it is missing or refused (with an error)."""
        value = self.raw.get(name)
        if value is None:
            return None
        converted = convert(value)
        if converted is None:
            self.error(message % {"field": name, "value": value, **params})
        return converted

    def _read_list(
        self, name: str, convert: Callable[[Any], _T | None], message: str, **params: object
    ) -> tuple[_T, ...]:
        value = self.raw.get(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(_("%(field)s must be a list") % {"field": name})
            return ()
        items: list[_T] = []
        for index, item in enumerate(value):
            converted = convert(item)
            if converted is None:
                self.error(message % {"field": f"{name}[{index}]", "value": item, **params})
            else:
                items.append(converted)
        return tuple(items)

    def text(self, name: str, *, max_length: int | None = None) -> str:
        if max_length is None:
            return self._read(name, _as_text(None), _("%(field)s must be text")) or ""
        message = _("%(field)s must be text of at most %(max)d characters")
        return self._read(name, _as_text(max_length), message, max=max_length) or ""

    def code(self, name: str, *, max_length: int) -> str | None:
        return self._read(name, _as_code(max_length), _code_message(), max=max_length)

    def codes(self, name: str, *, max_length: int) -> tuple[str, ...]:
        return self._read_list(name, _as_code(max_length), _code_message(), max=max_length)

    def clause_code(self, name: str) -> str | None:
        return self._read(name, _as_clause_code, _clause_message())

    def clause_codes(self, name: str) -> tuple[str, ...]:
        return self._read_list(name, _as_clause_code, _clause_message())

    def steps(self, name: str) -> tuple[str, ...]:
        message = _('%(field)s "%(value)s" must be a matrix step such as "aid_request.consolidate"')
        return self._read_list(name, _as_step, message)

    def nested(
        self, name: str, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> list[_Entry]:
        """The entries of a list inside this one (a unit's classifications, a duty's escalation)."""
        raws = self.raw.get(name)
        if raws is None:
            return []
        if not isinstance(raws, list):
            self.error(_("%(field)s must be a list") % {"field": name})
            return []
        return [
            _Entry(
                self.errors,
                f"{self.where} {name}[{index}]",
                raw,
                required=required,
                optional=optional,
            )
            for index, raw in enumerate(raws)
        ]

    def names(self) -> dict[str, str]:
        """The Vietnamese and English names that units, roles, categories and duties carry."""
        return {
            "name_vi": self.text("name_vi", max_length=255),
            "name_en": self.text("name_en", max_length=255),
        }

    def cited_clause(self, clauses: Iterable[str]) -> str | None:
        """The clause an entry cites, reported when the file does not list it."""
        clause = self.clause_code("clause")
        self.refer("clause", clause, clauses)
        return clause

    def official_code(self, name: str) -> str:
        message = _('%(field)s "%(value)s" must be a code of 2 to 5 digits, such as "22786"')
        return self._read(name, _as_official_code, message) or ""

    def date(self, name: str) -> dt.date | None:
        return self._read(name, _as_date, _("%(field)s must be a date (YYYY-MM-DD)"))

    def integer(self, name: str, *, minimum: int = 1) -> int | None:
        return self._read(name, _as_integer(minimum), _integer_message(), minimum=minimum)

    def integers(self, name: str, *, minimum: int = 1) -> tuple[int, ...]:
        return self._read_list(name, _as_integer(minimum), _integer_message(), minimum=minimum)

    def boolean(self, name: str, *, default: bool) -> bool:
        def convert(value: Any) -> bool | None:
            return value if isinstance(value, bool) else None

        value = self._read(name, convert, _("%(field)s must be true or false"))
        return default if value is None else value

    def choice(self, name: str, choices: Iterable[str]) -> str | None:
        allowed = tuple(choices)
        return self._read(name, _as_choice(allowed), _choice_message(), choices=", ".join(allowed))

    def choice_list(self, name: str, choices: Iterable[str]) -> tuple[str, ...]:
        allowed = tuple(choices)
        message = _choice_message()
        return self._read_list(name, _as_choice(allowed), message, choices=", ".join(allowed))

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        """valid_from and valid_to, refusing a period that ends before it starts."""
        valid_from, valid_to = self.date("valid_from"), self.date("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.error(
                _("valid_to %(to)s is before valid_from %(from)s")
                % {"to": valid_to, "from": valid_from}
            )
        return valid_from, valid_to

    def refer(self, name: str, value: str | None, known: Iterable[str]) -> None:
        """Report a reference to something the file does not define."""
        if value is not None and value not in known:
            self.error(_('%(field)s "%(value)s" does not exist') % {"field": name, "value": value})


# Converters return None for a value they refuse; messages are built at call time so that they
# follow the active language.


def _as_text(max_length: int | None) -> Callable[[Any], str | None]:
    def convert(value: Any) -> str | None:
        ok = isinstance(value, str) and (max_length is None or len(value) <= max_length)
        return value.strip() if ok else None

    return convert


def _as_code(max_length: int) -> Callable[[Any], str | None]:
    def convert(value: Any) -> str | None:
        ok = isinstance(value, str) and _CODE.match(value) and len(value) <= max_length
        return value if ok else None

    return convert


def _as_clause_code(value: Any) -> str | None:
    ok = isinstance(value, str) and _CLAUSE.match(value) and len(value) <= 20
    return value if ok else None


def _as_step(value: Any) -> str | None:
    ok = isinstance(value, str) and _STEP.match(value) and len(value) <= 129
    return value if ok else None


def _as_official_code(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # YAML reads 22786 unquoted as a number
    ok = isinstance(value, str) and _OFFICIAL_CODE.match(value)
    return value if ok else None


def _as_integer(minimum: int) -> Callable[[Any], int | None]:
    def convert(value: Any) -> int | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        return value if ok else None

    return convert


def _as_choice(allowed: tuple[str, ...]) -> Callable[[Any], str | None]:
    def convert(value: Any) -> str | None:
        return str(value) if value in allowed else None

    return convert


def _code_message() -> str:
    return _(
        '%(field)s "%(value)s" must be a lowercase code of letters, digits, "-" and "_" '
        "(at most %(max)d characters)"
    )


def _clause_message() -> str:
    return _('%(field)s "%(value)s" must be a clause code such as "IV.1.đ"')


def _integer_message() -> str:
    return _("%(field)s must be a whole number of at least %(minimum)d")


def _choice_message() -> str:
    return _('%(field)s "%(value)s" is not one of %(choices)s')


def _where(section: str, index: int, raw: Any, label: Callable[[dict], str] | None) -> str:
    """An entry's place, with what names it (its code, unless the section names it otherwise)."""
    if not isinstance(raw, dict):
        return f"{section}[{index}]"
    if label is not None:
        return f"{section}[{index}] ({label(raw)})"
    code = raw.get("code")
    return f'{section}[{index}] (code "{code}")' if isinstance(code, str) else f"{section}[{index}]"


class _Parser:
    """Builds a PlanFile from loaded YAML, collecting every error before giving up.

    A spec is built only from an entry whose required fields could all be read; an entry that
    lacks one has recorded an error, so the file is refused whatever else it holds. The checks
    across entries (duplicate codes, references, overlaps, clauses cited) still count every
    entry that has the values they compare, so that each problem is reported in the same run.
    """

    def __init__(self, data: Any, *, loaded_units: Mapping[str, str]):
        self.data = data
        self.errors: list[str] = []
        # Units that other plans define (code -> plan): a plan may name them without listing
        # them, as units outlive plans (e.g. a 2026 plan on the structure of 01/07/2025).
        plan = self.data.get("plan") if isinstance(self.data, dict) else None
        own = plan.get("code") if isinstance(plan, dict) else None
        self.other_units = {code for code, of in loaded_units.items() if of != own}

    def parse(self, *, checksum: str) -> PlanFile:
        if not isinstance(self.data, dict):
            raise PlanFileError([_("the file must be a mapping of the plan's sections")])
        for key in self.data:
            if key not in SECTIONS:
                self.errors.append(_('unknown section "%(section)s"') % {"section": key})
        for key in SECTIONS:
            if self.data.get(key) is None:
                self.errors.append(_('missing section "%(section)s"') % {"section": key})
        plan = self._plan()
        rules = self._rules()
        roles = self._roles()
        clauses = self._clauses()
        units, unit_codes = self._units()
        unit_codes |= self.other_units
        clause_codes = {c.code for c in clauses}
        categories = self._categories(clause_codes)
        funding_sources = self._funding_sources(clause_codes)
        responsibilities, cited_by_matrix = self._responsibilities(
            roles={r.code for r in roles},
            clauses=clause_codes,
            units=unit_codes,
            categories={c.code for c in categories},
        )
        obligations, cited_by_obligations = self._obligations(
            roles={r.code for r in roles},
            clauses=clause_codes,
            units=unit_codes,
            reminder_days=tuple(rules.get("reminder_days", ())),
        )
        cited = {c.clause for c in categories if c.clause is not None}
        cited.update(s.clause for s in funding_sources if s.clause is not None)
        self._check_out_of_scope(clauses, cited | cited_by_matrix | cited_by_obligations)
        successions = self._successions(
            units=unit_codes,
            periods={u.code: (u.valid_from, u.valid_to) for u in units},
            steps=self._names_in("responsibilities", "process", "step"),
            duties=self._names_in("obligations", "code"),
        )
        if self.errors or plan is None:
            raise PlanFileError(self.errors)
        return PlanFile(
            plan=plan,
            rules=rules,
            roles=roles,
            clauses=clauses,
            units=units,
            categories=categories,
            funding_sources=funding_sources,
            responsibilities=responsibilities,
            obligations=obligations,
            successions=successions,
            checksum=checksum,
        )

    def _entries(self, section: str) -> list[tuple[int, Any]]:
        value = self.data.get(section)
        if value is None:
            return []
        if not isinstance(value, list):
            self.errors.append(f"{section}: " + _("must be a list"))
            return []
        return list(enumerate(value))

    def _unique(self, section: str, codes: Iterable[tuple[int, str]]) -> None:
        first: dict[str, int] = {}
        for index, code in codes:
            if code in first:
                self.errors.append(
                    f'{section}[{index}] (code "{code}"): '
                    + _("duplicate code, first at %(section)s[%(index)d]")
                    % {"section": section, "index": first[code]}
                )
            else:
                first[code] = index

    def _section(
        self,
        section: str,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
        label: Callable[[dict], str] | None = None,
    ) -> Iterator[tuple[int, _Entry]]:
        """The section's entries, each named by its place for the errors it may raise."""
        for index, raw in self._entries(section):
            where = _where(section, index, raw, label)
            yield index, _Entry(self.errors, where, raw, required=required, optional=optional)

    def _coded_section(
        self,
        section: str,
        spec: Callable[..., _CodedSpec],
        fields: Callable[[_Entry], dict[str, Any]],
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> tuple[_CodedSpec, ...]:
        """A section of plain coded entries: every field is read (so each error is reported)
        before an entry without a usable code is left out, then codes given twice are reported."""
        specs: list[tuple[int, _CodedSpec]] = []
        for index, entry in self._section(section, required=required, optional=optional):
            values = fields(entry)
            if values["code"] is not None:
                specs.append((index, spec(**values)))
        self._unique(section, ((index, item.code) for index, item in specs))
        return tuple(item for _index, item in specs)

    def _plan(self) -> PlanSpec | None:
        if self.data.get("plan") is None:
            return None
        entry = _Entry(
            self.errors,
            "plan",
            self.data["plan"],
            required=("code", "title_vi", "act", "issued_on", "first_year", "last_year"),
            optional=("title_en",),
        )
        code = entry.code("code", max_length=64)
        issued_on = entry.date("issued_on")
        first_year = entry.integer("first_year", minimum=1900)
        last_year = entry.integer("last_year", minimum=1900)
        if first_year and last_year and last_year < first_year:
            entry.error(_("last_year is before first_year"))
        title_vi = entry.text("title_vi", max_length=500)
        title_en = entry.text("title_en", max_length=500)
        act = entry.text("act", max_length=100)
        if code is None or issued_on is None or first_year is None or last_year is None:
            return None
        return PlanSpec(
            code=code,
            title_vi=title_vi,
            title_en=title_en,
            act=act,
            issued_on=issued_on,
            first_year=first_year,
            last_year=last_year,
        )

    def _rules(self) -> dict[str, Any]:
        if self.data.get("rules") is None:
            return {}
        entry = _Entry(
            self.errors,
            "rules",
            self.data["rules"],
            required=(
                "ppc_approval_threshold_vnd",
                "reminder_days",
                "escalation_every_days",
                "review_wait_days",
                "target_area_classes",
                "unit_report_obligation",
                "provincial_report_obligation",
                "reminder_role",
                "supervisor_role",
            ),
            optional=("provisional_classification",),
        )
        rules: dict[str, Any] = {
            "ppc_approval_threshold_vnd": entry.integer("ppc_approval_threshold_vnd"),
            "reminder_days": list(entry.integers("reminder_days")),
            "escalation_every_days": entry.integer("escalation_every_days"),
            "review_wait_days": entry.integer("review_wait_days"),
            "target_area_classes": list(entry.choice_list("target_area_classes", AreaClass)),
            "unit_report_obligation": entry.code("unit_report_obligation", max_length=64),
            "provincial_report_obligation": entry.code(
                "provincial_report_obligation", max_length=64
            ),
            "reminder_role": entry.code("reminder_role", max_length=32),
            "supervisor_role": entry.code("supervisor_role", max_length=32),
            # Opt-in: a new commune without a class of its own takes its predecessors' highest.
            "provisional_classification": entry.boolean(
                "provisional_classification", default=False
            ),
        }
        # The reporting rules name one of the file's obligations and roles (checked here, as
        # the sections are parsed after the rules; a section that is no list is reported there,
        # and a plan that lists no obligations owes no reports to check against).
        for section, names in (
            ("obligations", ("unit_report_obligation", "provincial_report_obligation")),
            ("roles", ("reminder_role", "supervisor_role")),
        ):
            listed = self.data.get(section)
            if isinstance(listed, list) and listed:
                codes = {raw["code"] for raw in listed if isinstance(raw, dict) and "code" in raw}
                for name in names:
                    entry.refer(name, rules[name], codes)
        return rules

    def _roles(self) -> tuple[RoleSpec, ...]:
        return self._coded_section(
            "roles",
            RoleSpec,
            lambda entry: {"code": entry.code("code", max_length=32), **entry.names()},
            required=("code", "name_vi"),
            optional=("name_en",),
        )

    def _clauses(self) -> tuple[ClauseSpec, ...]:
        return self._coded_section(
            "clauses",
            ClauseSpec,
            lambda entry: {
                "code": entry.clause_code("code"),
                "summary_vi": entry.text("summary_vi"),
                "summary_en": entry.text("summary_en"),
                "out_of_scope": entry.text("out_of_scope"),
            },
            required=("code", "summary_vi"),
            optional=("summary_en", "out_of_scope"),
        )

    def _units(self) -> tuple[tuple[UnitSpec, ...], set[str]]:
        """The units, and the code of every unit that has one: other entries may name a unit
        whose other fields are in error without being told that it does not exist."""
        specs: list[UnitSpec] = []
        coded: list[tuple[int, str, str | None]] = []  # index, code and parent of each
        entries: dict[str, _Entry] = {}
        for index, entry in self._section(
            "units",
            required=("code", "kind", "name_vi", "valid_from"),
            optional=("parent", "name_en", "official_code", "valid_to", "classifications"),
        ):
            kind = entry.choice("kind", UnitKind)
            valid_from, valid_to = entry.period()
            code = entry.code("code", max_length=64)
            parent = entry.code("parent", max_length=64)
            names = entry.names()
            official_code = entry.official_code("official_code")
            classifications = self._classifications(entry, kind, valid_from, valid_to)
            if code is None:
                continue
            coded.append((index, code, parent))
            entries.setdefault(code, entry)
            if kind is not None and valid_from is not None:
                specs.append(
                    UnitSpec(
                        code=code,
                        kind=kind,
                        parent=parent,
                        official_code=official_code,
                        valid_from=valid_from,
                        valid_to=valid_to,
                        classifications=classifications,
                        **names,
                    )
                )
        self._unique("units", ((index, code) for index, code, _parent in coded))
        parents = {code: parent for _index, code, parent in coded}
        for _index, code, parent in coded:
            entry = entries[code]
            entry.refer("parent", parent, parents.keys() | self.other_units)
            seen, node = {code}, parent
            while node is not None and node in parents:
                if node in seen:
                    entry.error(_('parent "%(value)s" makes a cycle') % {"value": parent})
                    break
                seen.add(node)
                node = parents[node]
        return tuple(specs), set(parents)

    def _classifications(
        self, unit: _Entry, kind: str | None, unit_from: dt.date | None, unit_to: dt.date | None
    ) -> tuple[ClassificationSpec, ...]:
        if unit.raw.get("classifications") is not None and kind != UnitKind.COMMUNE:
            unit.error(_("classifications are only for communes"))
        specs: list[ClassificationSpec] = []
        periods: list[tuple[dt.date, dt.date | None]] = []  # of each dated one, for overlaps
        for entry in unit.nested(
            "classifications", required=("area_class", "act", "valid_from"), optional=("valid_to",)
        ):
            valid_from, valid_to = entry.period()
            area_class = entry.choice("area_class", AreaClass)
            act = entry.text("act", max_length=100)
            if valid_from is None:
                continue
            if unit_from and (
                valid_from < unit_from or (unit_to and (valid_to is None or valid_to > unit_to))
            ):
                entry.error(_("outside the unit's validity"))
            for other_index, (other_from, other_to) in enumerate(periods):
                if _overlap(valid_from, valid_to, other_from, other_to):
                    entry.error(_("overlaps classifications[%(index)d]") % {"index": other_index})
            periods.append((valid_from, valid_to))
            if area_class is not None:
                spec = ClassificationSpec(
                    area_class=area_class, act=act, valid_from=valid_from, valid_to=valid_to
                )
                specs.append(spec)
        return tuple(specs)

    @staticmethod
    def _named_citing(clauses: set[str]) -> Callable[[_Entry], dict[str, Any]]:
        """What a category and a funding source both carry: a code, names and a listed clause."""
        return lambda entry: {
            "code": entry.code("code", max_length=32),
            **entry.names(),
            "clause": entry.cited_clause(clauses),
        }

    def _categories(self, clauses: set[str]) -> tuple[CategorySpec, ...]:
        return self._coded_section(
            "categories",
            CategorySpec,
            self._named_citing(clauses),
            required=("code", "name_vi"),
            optional=("name_en", "clause"),
        )

    def _funding_sources(self, clauses: set[str]) -> tuple[FundingSourceSpec, ...]:
        named_citing = self._named_citing(clauses)
        return self._coded_section(
            "funding_sources",
            FundingSourceSpec,
            lambda entry: {
                **named_citing(entry),
                "may_fund_children": entry.boolean("may_fund_children", default=True),
                "note": entry.text("note"),
            },
            required=("code", "name_vi"),
            optional=("name_en", "clause", "may_fund_children", "note"),
        )

    def _responsibilities(
        self, *, roles: set[str], clauses: set[str], units: set[str], categories: set[str]
    ) -> tuple[tuple[ResponsibilitySpec, ...], set[str]]:
        """The matrix rows, and the clauses that its dated rows cite."""
        specs: list[ResponsibilitySpec] = []
        cited: set[str] = set()
        # Of each dated row: its index, identity and period. The identity (process, step, unit,
        # unit_kind, role, category and clause) makes two rows the same duty; such rows must
        # not overlap in time.
        dated: list[tuple[int, tuple[str | None, ...], dt.date, dt.date | None]] = []
        for index, entry in self._section(
            "responsibilities",
            required=("process", "step", "role", "clause", "valid_from"),
            optional=("unit", "unit_kind", "category", "note", "valid_to"),
            label=lambda raw: f"{raw.get('process')}.{raw.get('step')}",
        ):
            valid_from, valid_to = entry.period()
            process = entry.code("process", max_length=64)
            step = entry.code("step", max_length=64)
            unit = entry.code("unit", max_length=64)
            unit_kind = entry.choice("unit_kind", UnitKind) or ""
            role = entry.code("role", max_length=32)
            category = entry.code("category", max_length=32)
            clause = entry.clause_code("clause")
            note = entry.text("note")
            if entry.is_mapping:
                given = [entry.raw.get(name) is not None for name in ("unit", "unit_kind")]
                if all(given):
                    entry.error(_("give unit or unit_kind, not both"))
                elif not any(given):
                    entry.error(_("give unit or unit_kind"))
            entry.refer("unit", unit, units)
            entry.refer("role", role, roles)
            entry.refer("category", category, categories)
            entry.refer("clause", clause, clauses)
            if valid_from is None:
                continue
            identity = (process, step, unit, unit_kind, role, category, clause)
            for other_index, other_identity, other_from, other_to in dated:
                if other_identity == identity and _overlap(
                    valid_from, valid_to, other_from, other_to
                ):
                    entry.error(
                        _(
                            "overlaps responsibilities[%(index)d]: same process, step, unit, "
                            "role, category and clause"
                        )
                        % {"index": other_index}
                    )
            dated.append((index, identity, valid_from, valid_to))
            if clause is None:
                continue
            cited.add(clause)
            if process is not None and step is not None and role is not None:
                specs.append(
                    ResponsibilitySpec(
                        process=process,
                        step=step,
                        role=role,
                        unit=unit,
                        unit_kind=unit_kind,
                        category=category,
                        clause=clause,
                        note=note,
                        valid_from=valid_from,
                        valid_to=valid_to,
                    )
                )
        return tuple(specs), cited

    def _obligations(
        self, *, roles: set[str], clauses: set[str], units: set[str], reminder_days: tuple[int, ...]
    ) -> tuple[tuple[ObligationSpec, ...], set[str]]:
        """The obligations, and the clauses that those with a code cite."""
        specs: list[ObligationSpec] = []
        cited: set[str] = set()
        coded: list[tuple[int, str]] = []
        for index, entry in self._section(
            "obligations",
            required=("code", "clause", "name_vi", "recurrence", "due"),
            optional=(
                "name_en",
                "note",
                "also_cites",
                "unit_kinds",
                "units",
                "exclude",
                "recipient",
                "first_year",
                "last_year",
                "reminder_days",
                "escalate_to",
            ),
        ):
            recurrence = entry.choice("recurrence", ObligationDefinition.Recurrence)
            due = self._due(entry, recurrence)
            code = entry.code("code", max_length=64)
            names = entry.names()
            note = entry.text("note")
            clause = entry.clause_code("clause")
            also_cites = entry.clause_codes("also_cites")
            unit_kinds = entry.choice_list("unit_kinds", UnitKind)
            owing = entry.codes("units", max_length=64)
            exclude = entry.codes("exclude", max_length=64)
            recipient = entry.code("recipient", max_length=64)
            reminders = entry.integers("reminder_days") or reminder_days
            escalate_to = self._escalations(entry, roles=roles, units=units)
            if not unit_kinds and not owing:
                entry.error(_("give unit_kinds or units (who owes it)"))
            entry.refer("clause", clause, clauses)
            for cited_code in also_cites:
                entry.refer("also_cites", cited_code, clauses)
            for name, unit_codes in (("units", owing), ("exclude", exclude)):
                for unit_code in unit_codes:
                    entry.refer(name, unit_code, units)
            entry.refer("recipient", recipient, units)
            if code is None:
                continue
            coded.append((index, code))
            cited.update(also_cites)
            if clause is None:
                continue
            cited.add(clause)
            if recurrence is not None:
                specs.append(
                    ObligationSpec(
                        code=code,
                        note=note,
                        clause=clause,
                        also_cites=also_cites,
                        unit_kinds=unit_kinds,
                        units=owing,
                        exclude=exclude,
                        recipient=recipient,
                        recurrence=recurrence,
                        reminder_days=reminders,
                        escalate_to=escalate_to,
                        due=due,
                        **names,
                    )
                )
        self._unique("obligations", coded)
        return tuple(specs), cited

    def _due(self, obligation: _Entry, recurrence: str | None) -> _Due:
        """The due rule: a fixed day for a once duty, a day of each year for a yearly one."""
        raw = obligation.raw.get("due")  # when missing, the obligation says so
        entry = _Entry(
            self.errors,
            f"{obligation.where} due",
            {} if raw is None else raw,
            required=() if raw is None else ("before",),
            optional=("year_offset",),
        )
        first_year = obligation.integer("first_year", minimum=1900)
        last_year = obligation.integer("last_year", minimum=1900)
        due: _Due = {
            "due_date": None,
            "due_day": None,
            "due_month": None,
            "due_year_offset": entry.integer("year_offset", minimum=0) or 0,
            "first_year": first_year,
            "last_year": last_year,
        }
        before = entry.raw.get("before")
        if recurrence == ObligationDefinition.Recurrence.ONCE:
            due["due_date"] = entry.date("before")
            for name in ("first_year", "last_year"):
                if name in obligation.raw:
                    obligation.error(_("%(field)s is only for yearly duties") % {"field": name})
            if "year_offset" in entry.raw:
                entry.error(_("year_offset is only for yearly duties"))
        elif recurrence == ObligationDefinition.Recurrence.YEARLY:
            match = _DAY_MONTH.match(before) if isinstance(before, str) else None
            try:
                day = dt.date(2001, int(match[2]), int(match[1])) if match else None
            except ValueError:
                day = None
            if before is not None and day is None:
                entry.error(_('before must be "DD/MM", a day that every year has'))
            if day:
                due["due_day"], due["due_month"] = day.day, day.month
            if first_year is None or last_year is None:
                obligation.error(_("a yearly duty needs first_year and last_year"))
            elif last_year < first_year:
                obligation.error(_("last_year is before first_year"))
        return due

    def _escalations(
        self, obligation: _Entry, *, roles: set[str], units: set[str]
    ) -> tuple[EscalationSpec, ...]:
        specs = []
        for entry in obligation.nested("escalate_to", required=("role",), optional=("unit",)):
            unit = entry.code("unit", max_length=64)
            role = entry.code("role", max_length=32)
            entry.refer("unit", unit, units)
            entry.refer("role", role, roles)
            if role is not None:
                specs.append(EscalationSpec(unit=unit, role=role))
        return tuple(specs)

    def _names_in(self, section: str, *fields: str) -> set[str]:
        """What the section's entries are named by (a duty's code, a row's "process.step"), read
        from every entry that gives them, so that a reference to an entry in error is not also
        reported as missing."""
        names = set()
        for _index, raw in self._entries(section):
            if isinstance(raw, dict) and all(isinstance(raw.get(name), str) for name in fields):
                names.add(".".join(raw[name] for name in fields))
        return names

    def _successions(
        self,
        *,
        units: set[str],
        periods: dict[str, tuple[dt.date, dt.date | None]],
        steps: set[str],
        duties: set[str],
    ) -> tuple[SuccessionSpec, ...]:
        """Who takes over a unit's work from when, under which act; checked as a whole: no
        succession given twice, one kind of hand-over per unit and day (a unit merges into one,
        or splits into several with one main successor), and no chain leading back to itself."""
        specs: list[SuccessionSpec] = []
        entries: list[tuple[_Entry, str, str, dt.date]] = []  # of each with units and a day
        for _index, entry in self._section(
            "successions",
            required=("predecessor", "successor", "kind", "effective_on", "act"),
            optional=("part", "main", "steps", "duties", "act_date", "act_clause", "note"),
            label=lambda raw: f"{raw.get('predecessor')} → {raw.get('successor')}",
        ):
            predecessor = entry.code("predecessor", max_length=64)
            successor = entry.code("successor", max_length=64)
            kind = entry.choice("kind", Succession.Kind)
            part = entry.text("part", max_length=255)
            main = entry.boolean("main", default=False)
            moved_steps = entry.steps("steps")
            moved_duties = entry.codes("duties", max_length=64)
            effective_on = entry.date("effective_on")
            act = entry.text("act", max_length=100)
            act_date = entry.date("act_date")
            act_clause = entry.text("act_clause", max_length=100)
            note = entry.text("note")
            entry.refer("predecessor", predecessor, units)
            entry.refer("successor", successor, units)
            for step in moved_steps:
                entry.refer("steps", step, steps)
            for duty in moved_duties:
                entry.refer("duties", duty, duties)
            if predecessor is not None and predecessor == successor:
                entry.error(_("a unit cannot succeed itself"))
            given = {name for name in ("part", "main", "steps", "duties") if name in entry.raw}
            if kind is not None and kind != Succession.Kind.SPLIT and given & {"part", "main"}:
                entry.error(_("part and main are only for a split"))
            if (
                kind is not None
                and kind != Succession.Kind.FUNCTIONS_MOVED
                and given & {"steps", "duties"}
            ):
                entry.error(_("steps and duties are only for functions_moved"))
            if predecessor is None or successor is None or effective_on is None:
                continue
            self._check_succession_dates(entry, predecessor, successor, effective_on, periods)
            entries.append((entry, predecessor, successor, effective_on))
            if kind is not None:
                specs.append(
                    SuccessionSpec(
                        predecessor=predecessor,
                        successor=successor,
                        kind=kind,
                        part=part,
                        main=main,
                        steps=moved_steps,
                        duties=moved_duties,
                        effective_on=effective_on,
                        act=act,
                        act_date=act_date,
                        act_clause=act_clause,
                        note=note,
                    )
                )
        self._check_successions_together(entries, specs)
        return tuple(specs)

    @staticmethod
    def _check_succession_dates(
        entry: _Entry,
        predecessor: str,
        successor: str,
        effective_on: dt.date,
        periods: dict[str, tuple[dt.date, dt.date | None]],
    ) -> None:
        """The predecessor existed before the hand-over and the successor exists on its day."""
        if predecessor in periods and periods[predecessor][0] >= effective_on:
            entry.error(
                _('predecessor "%(unit)s" does not exist before effective_on %(day)s')
                % {"unit": predecessor, "day": effective_on}
            )
        if successor in periods:
            starts, ends = periods[successor]
            if not starts <= effective_on <= (ends or dt.date.max):
                entry.error(
                    _('successor "%(unit)s" does not exist on effective_on %(day)s')
                    % {"unit": successor, "day": effective_on}
                )

    def _check_successions_together(
        self,
        entries: list[tuple[_Entry, str, str, dt.date]],
        specs: list[SuccessionSpec],
    ) -> None:
        first: dict[tuple[str, str, dt.date], int] = {}
        for position, (entry, predecessor, successor, day) in enumerate(entries):
            key = (predecessor, successor, day)
            if key in first:
                entry.error(
                    _("the same succession as %(where)s") % {"where": entries[first[key]][0].where}
                )
            else:
                first[key] = position
        # Per unit and day, the hand-overs of all its work (functions_moved ones move a part
        # and may sit beside any of them).
        groups: dict[tuple[str, dt.date], list[SuccessionSpec]] = {}
        for spec in specs:
            if spec.kind != Succession.Kind.FUNCTIONS_MOVED:
                groups.setdefault((spec.predecessor, spec.effective_on), []).append(spec)
        for (predecessor, day), group in groups.items():
            where = f'successions ("{predecessor}", {day})'
            kinds = sorted({spec.kind for spec in group})
            if len(kinds) > 1:
                self.errors.append(
                    f"{where}: "
                    + _("one unit is handed over one way on one day, not %(kinds)s")
                    % {"kinds": ", ".join(kinds)}
                )
            elif kinds[0] in (Succession.Kind.MERGED_INTO, Succession.Kind.RENAMED) and (
                len(group) > 1
            ):
                self.errors.append(
                    f"{where}: "
                    + _("%(kind)s names one successor; a unit whose parts go to several is split")
                    % {"kind": kinds[0]}
                )
            elif kinds[0] == Succession.Kind.SPLIT and (
                len(group) < 2 or sum(spec.main for spec in group) != 1
            ):
                self.errors.append(
                    f"{where}: "
                    + _("a split names two successors or more, one of them main (the remainder)")
                )
        # No chain of successions leads back to where it started.
        following: dict[str, set[str]] = {}
        for _entry, predecessor, successor, _day in entries:
            following.setdefault(predecessor, set()).add(successor)
        for entry, predecessor, successor, _day in entries:
            seen, todo = set(), [successor]
            while todo:
                node = todo.pop()
                if node == predecessor:
                    entry.error(_("successions lead back from the successor to the predecessor"))
                    break
                if node not in seen:
                    seen.add(node)
                    todo.extend(following.get(node, ()))

    def _check_out_of_scope(self, clauses: tuple[ClauseSpec, ...], cited: set[str]) -> None:
        """A clause is either implemented somewhere or out of scope, never both."""
        for index, clause in enumerate(clauses):
            if clause.out_of_scope and clause.code in cited:
                self.errors.append(
                    f'clauses[{index}] (code "{clause.code}"): '
                    + _("out_of_scope, yet the file cites it")
                )


def parse_plan(raw: bytes, *, loaded_units: Mapping[str, str] | None = None) -> PlanFile:
    """Parse and validate a plan file's bytes; every problem is reported, not just the first.
    `loaded_units` (code -> plan) are the units already loaded, which the file may name."""
    try:
        data = yaml.load(raw, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        error = " ".join(str(exc).split())  # one line, with its line and column
        raise PlanFileError([_("not valid YAML: %(error)s") % {"error": error}]) from exc
    parser = _Parser(_nfc(data), loaded_units=loaded_units or {})
    return parser.parse(checksum=hashlib.sha256(raw).hexdigest())


def read_plan_file(path: str | Path, *, loaded_units: Mapping[str, str] | None = None) -> PlanFile:
    """Read and validate a plan file from disk (`loaded_units` as for parse_plan)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        message = _("cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
        raise PlanFileError([message]) from exc
    return parse_plan(raw, loaded_units=loaded_units)
