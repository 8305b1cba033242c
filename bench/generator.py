"""Data at scale S: Ninh Thuận as the plan file has it (S=1), plus S−1 synthetic provinces up to
national scale (S=51: 3,434 target communes of 861/QĐ-TTg), each a plan file made in Ninh
Thuận's image and loaded with `loadplan`, as operators load plans. A representative share of
requests is made through the real services (the templates); history is bulk-loaded by cloning
those templates' rows into every commune, year and category, so it is shaped as the product
makes it."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import io
import json
import math
import random
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from agencies.models import Category, FundingSource, Membership, Plan, Role, Unit, UnitKind
from agencies.selectors import PERMISSION_PREFIX
from workflows.aid_requests.models import AidRequest, AidRequestLine, Review
from workflows.core.models import AuditEvent
from workflows.reporting.models import Obligation, Report

from . import duties
from .lifecycle import BENCH_DAY, BENCH_YEAR, VIETNAM, Cast, Ticket, bench_clock, drive

PLAN_FILE = Path(settings.BASE_DIR) / "agencies" / "plans" / "ninh-thuan-372.yaml"
# libyaml's safe loader and dumper when installed, as agencies.planfile reads with.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
NATIONAL_PROVINCES = 51
NATIONAL_TARGET_COMMUNES = 3_434  # QĐ 861/QĐ-TTg, 51 provinces
HISTORY_YEARS = (2021, 2022, 2023, 2024)  # target communes exist from 2021; 2025 is in flight
CATEGORY_SHARE = 0.8  # a commune asks in each of the 5 categories with this chance a year
COMMUNES_PER_DISTRICT = 9
# P4: every province's unit reports of one year are accepted; another year only Ninh Thuận's.
CONSOLIDATED_YEAR, PROVINCIAL_YEAR = 2024, 2023
# How requests of a finished year ended, and where this year's requests wait on BENCH_DAY.
PAST_OUTCOMES = {"closed": 0.78, "returned": 0.10, "rejected": 0.08, "withdrawn": 0.04}
OPEN_OUTCOMES = {
    "open:submit": 0.15,
    "open:sign_off": 0.15,
    "open:review": 0.20,
    "open:consolidate": 0.20,
    "open:approve": 0.10,
    "open:deliver": 0.15,
    "open:confirm": 0.05,
}
# Rows of one lifecycle, parents first: the order they are loaded in.
CLONED_MODELS: tuple[type[models.Model], ...] = (
    Process,
    Task,
    Task.previous.through,
    AidRequest,
    AidRequestLine,
    Review,
    AuditEvent,
)
REFERENCES = {  # column → model whose cloned row it points at
    "process_id": Process,
    "task_id": Task,
    "from_task_id": Task,
    "to_task_id": Task,
    "parent_task_id": Task,
    "request_id": AidRequest,
    "subject_id": AidRequest,
    "artifact_object_id": AidRequest,  # a process's artifact is its request
}
UNIT_COLUMNS = {"district_id", "commune_id", "unit_id"}
PLAN_COLUMNS: dict[str, type[models.Model]] = {
    "category_id": Category,
    "funding_source_id": FundingSource,
}
USER_COLUMNS = {"owner_id", "drafted_by_id", "signed_off_by_id", "reviewer_id", "actor_id"}


@dataclass(frozen=True)
class Scale:
    """S provinces: Ninh Thuận plus S−1 synthetic ones sharing the rest of the national communes."""

    factor: int

    def synthetic_communes(self, plan_communes: int) -> list[int]:
        """Target communes of each synthetic province, so that S=51 totals 3,434."""
        per_province = (NATIONAL_TARGET_COMMUNES - plan_communes) / (NATIONAL_PROVINCES - 1)
        count = self.factor - 1
        total = round(per_province * count)
        return [total // count + (i < total % count) for i in range(count)] if count else []


@dataclass
class Province:
    """Where clones go: the province's units by Ninh Thuận code, its (district, commune) pairs,
    its officers by (unit id, role), and its plan's categories and funding sources by (column,
    code)."""

    units: dict[str, int]
    communes: list[tuple[int, int]]
    users: dict[tuple[int, str], int]
    plan_rows: dict[tuple[str, str], int]


@dataclass
class Template:
    """A request made through the services, its rows as cells ready to clone."""

    category: str
    outcome: str
    cells: dict[type[models.Model], list[tuple[list, list[tuple]]]]
    steps: int


@dataclass
class Generated:
    """What the generator made and how long it took."""

    scale: int
    provinces: int
    target_communes: int
    templates: int
    history_requests: int
    duties: dict = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


# --- provinces -------------------------------------------------------------------------------


def plan_province(plan: Plan) -> Province:
    """Ninh Thuận itself: its units map to themselves."""
    units = Unit.objects.filter(plan=plan)
    communes = [
        (commune.parent_id, commune.pk)
        for commune in units.filter(kind=UnitKind.COMMUNE, classifications__isnull=False)
        .distinct()
        .order_by("code")
    ]
    memberships = Membership.objects.filter(unit__plan=plan).values_list(
        "unit_id", "role__code", "user_id"
    )
    return Province(
        units={u.code: u.pk for u in units.exclude(kind__in=(UnitKind.DISTRICT, UnitKind.COMMUNE))},
        communes=communes,
        users={(unit, role): user for unit, role, user in memberships},
        plan_rows=_plan_rows(plan),
    )


def _plan_rows(plan: Plan) -> dict[tuple[str, str], int]:
    """The plan's own rows that a request names, by column and code (the same codes recur in
    every plan: a clone takes its province's)."""
    return {
        (column, code): pk
        for column, model in PLAN_COLUMNS.items()
        for code, pk in model._default_manager.filter(plan=plan).values_list("code", "pk")
    }


def read_source(plan: Plan) -> dict:
    """The shipped plan file as data, the model of every synthetic province's; it must be the
    file the plan was loaded from."""
    raw = PLAN_FILE.read_bytes()
    if hashlib.sha256(raw).hexdigest() != plan.checksum:
        raise ValueError(f"plan {plan.code} was not loaded from {PLAN_FILE}")
    return yaml.load(raw, Loader=_Loader)  # noqa: S506 - a safe loader


def synthetic_plan_data(source: dict, number: int, communes: int) -> dict:
    """The plan file of a province shaped like the source's (the shipped file, as read): its
    rules, roles, clauses, categories, funding sources and matrix, its agencies with codes
    `pNN-…`, districts of about nine communes classified under 861/QĐ-TTg, and duties naming
    its own units (generate_obligations reads a duty's `unit_kinds` in every plan's units).
    Nothing in it is reorganised: its units do not end, and it has no successions nor the
    units that Ninh Thuận's reorganisation of 2025 created (a duty naming a unit on a day it
    does not exist costs generate_obligations a query for its successors)."""
    prefix = f"p{number:02d}"

    def own(code: str) -> str:
        return f"{prefix}-{code}"

    units = [
        {
            **unit,
            "code": own(unit["code"]),
            "parent": own(unit["parent"]) if unit.get("parent") else None,
            "name_vi": f"{unit['name_vi']} ({prefix})",
            "name_en": f"{unit.get('name_en', unit['name_vi'])} ({prefix})",
            "official_code": None,  # the statistics office has no code for it
            "valid_to": None,
        }
        for unit in source["units"]
        if unit["kind"] not in (UnitKind.DISTRICT, UnitKind.COMMUNE)
        and unit["valid_from"] <= source["plan"]["issued_on"]
    ]
    districts = [
        own(f"d{d:02d}") for d in range(1, math.ceil(communes / COMMUNES_PER_DISTRICT) + 1)
    ]
    units += [
        {
            "code": code,
            "kind": UnitKind.DISTRICT.value,
            "parent": own("ppc"),
            "name_vi": f"Ủy ban nhân dân huyện {d} ({prefix})",
            "valid_from": dt.date(2019, 1, 1),
        }
        for d, code in enumerate(districts, 1)
    ]
    units += [
        {
            "code": own(f"c{c:03d}"),
            "kind": UnitKind.COMMUNE.value,
            "parent": districts[c % len(districts)],
            "name_vi": f"Xã {c} ({prefix})",
            "valid_from": dt.date(2019, 1, 1),
            "classifications": [
                {
                    "area_class": ("I", "II", "III")[c % 3],
                    "act": "861/QĐ-TTg",
                    "valid_from": dt.date(2021, 1, 1),
                    "valid_to": dt.date(2025, 12, 31),
                }
            ],
        }
        for c in range(communes)
    ]
    obligations = []
    for duty in source["obligations"]:
        kinds = duty.get("unit_kinds", ())
        named = [own(code) for code in duty.get("units", ())]
        named += [unit["code"] for unit in units if unit["kind"] in kinds]
        obligations.append(
            {
                **{key: value for key, value in duty.items() if key != "unit_kinds"},
                "units": named,
                "exclude": [own(code) for code in duty.get("exclude", ())],
                "recipient": own(duty["recipient"]) if duty.get("recipient") else None,
                "escalate_to": [
                    {**step, "unit": own(step["unit"])} if "unit" in step else step
                    for step in duty.get("escalate_to", ())
                ],
            }
        )
    return {
        "plan": {
            **source["plan"],
            "code": own("synthetic"),
            "title_vi": f"Kế hoạch tổng hợp {prefix} (dữ liệu benchmark)",
            "title_en": f"Synthetic plan {prefix} (benchmark data)",
            "act": f"{number}/KH-UBND",
        },
        "rules": source["rules"],
        "roles": source["roles"],
        "clauses": source["clauses"],
        "units": [{k: v for k, v in unit.items() if v is not None} for unit in units],
        "categories": source["categories"],
        "funding_sources": source["funding_sources"],
        "responsibilities": [
            {**row, "unit": own(row["unit"])} if "unit" in row else row
            for row in source["responsibilities"]
        ],
        "obligations": [{k: v for k, v in o.items() if v is not None} for o in obligations],
        "successions": [],
    }


def add_synthetic_province(
    source: dict, number: int, communes: int, *, folder: Path, seconds: dict[str, float]
) -> Province:
    """Write the province's plan file and load it with `loadplan`, as an operator would; then
    one officer, supervisor and leader per agency and district. Adds to `seconds` the time of
    the file (data and YAML) and of the load."""
    mark = time.perf_counter()
    data = synthetic_plan_data(source, number, communes)
    path = folder / f"{data['plan']['code']}.yaml"
    path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False))
    loaded = time.perf_counter()
    call_command("loadplan", str(path), verbosity=0)
    seconds["synthetic_plan_files"] = seconds.get("synthetic_plan_files", 0) + loaded - mark
    seconds["synthetic_loadplan"] = (
        seconds.get("synthetic_loadplan", 0) + time.perf_counter() - loaded
    )
    plan = Plan.objects.get(code=data["plan"]["code"])
    prefix = f"p{number:02d}-"
    units = list(Unit.objects.filter(plan=plan).order_by("code"))
    agencies = [u for u in units if u.kind not in (UnitKind.DISTRICT, UnitKind.COMMUNE)]
    districts = [u for u in units if u.kind == UnitKind.DISTRICT]
    return Province(
        units={unit.code.removeprefix(prefix): unit.pk for unit in agencies},
        communes=[(u.parent_id, u.pk) for u in units if u.kind == UnitKind.COMMUNE],
        users=_add_officers([*agencies, *districts]),
        plan_rows=_plan_rows(plan),
    )


def _add_officers(units: list[Unit]) -> dict[tuple[int, str], int]:
    """`<unit code>.<role>` for every unit and role, with a membership as long as the unit."""
    roles = list(Role.objects.all())
    user_model = get_user_model()
    made = user_model.objects.bulk_create(
        user_model(username=f"{unit.code}.{role.code}", password="!bench")
        for unit in units
        for role in roles
    )
    pairs = [(unit, role) for unit in units for role in roles]
    Membership.objects.bulk_create(
        Membership(
            user=user, unit=unit, role=role, valid_from=unit.valid_from, valid_to=unit.valid_to
        )
        for user, (unit, role) in zip(made, pairs, strict=True)
    )
    return {(unit.pk, role.code): user.pk for user, (unit, role) in zip(made, pairs, strict=True)}


# --- templates through the services ------------------------------------------------------------


def make_templates(cast: Cast, categories: Iterable[str]) -> list[Template]:
    """One request per category and outcome through the real services, each in its own commune
    so that none overlaps another (clause II.4)."""
    communes = [commune for communes in cast.districts.values() for commune in communes]
    outcomes = [*PAST_OUTCOMES, *OPEN_OUTCOMES]
    templates = []
    for c, category in enumerate(categories):
        for o, outcome in enumerate(outcomes):
            commune = communes[(c * len(outcomes) + o) % len(communes)]
            starts: list[dt.datetime] = []
            pk, _steps = drive(
                cast,
                Ticket(commune=commune, category=category, outcome=outcome),
                around=lambda _step, starts=starts: _starting(starts),
            )
            templates.append(capture(pk, category=category, outcome=outcome, starts=starts))
    return templates


@contextmanager
def _starting(starts: list[dt.datetime]) -> Iterator[None]:
    """Note when a service call starts: the template's timeline is cut at these moments."""
    starts.append(timezone.now())
    yield


def _rows(model: type[models.Model], **lookup) -> list[dict]:
    """Rows as {attname: database value}, ordered by id (references keep their order)."""
    fields = model._meta.concrete_fields
    rows = []
    for values in model._default_manager.filter(**lookup).order_by("pk").values():
        rows.append({f.attname: _prep(f, values[f.attname]) for f in fields})
    return rows


def _prep(field: models.Field, value):
    if value is None or isinstance(field, (models.JSONField, models.DateField)):
        return value
    return field.get_prep_value(value)


def capture(pk: int, *, category: str, outcome: str, starts: list[dt.datetime]) -> Template:
    """Read a service-made request with everything it wrote, and compile its rows into cells."""
    request = AidRequest.objects.select_related("district", "commune").get(pk=pk)
    tasks = _rows(Task, process_id=request.process_id)
    task_ids = [row["id"] for row in tasks]
    rows = {
        Process: _rows(Process, pk=request.process_id),
        Task: tasks,
        Task.previous.through: _rows(Task.previous.through, to_task_id__in=task_ids),
        AidRequest: _rows(AidRequest, pk=pk),
        AidRequestLine: _rows(AidRequestLine, request_id=pk),
        Review: _rows(Review, request_id=pk),
        AuditEvent: _rows(AuditEvent, process_id=request.process_id),
    }
    compiler = _Compiler(request, rows, starts)
    return Template(
        category=category,
        outcome=outcome,
        cells={model: [compiler.row(model, row) for row in found] for model, found in rows.items()},
        steps=len(starts),
    )


# Kinds of cell a clone fills in; every other cell is a constant of the template.
REF, TIME, UNIT, USER, PERMISSION, ACTOR, DATE, YEAR, PLAN_ROW = range(9)


class _Compiler:
    """Turns a template row into its constants plus the cells a clone fills in: its own ids,
    its units and officers, its timeline and its year."""

    def __init__(self, request: AidRequest, rows: dict, starts: list[dt.datetime]):
        self.local = {model: {row["id"]: i for i, row in enumerate(r)} for model, r in rows.items()}
        self.starts = starts
        self.slot_of_code = {request.district.code: "district", request.commune.code: "commune"}
        self.unit_code = dict(Unit.objects.values_list("id", "code"))
        self.username = dict(get_user_model().objects.values_list("id", "username"))
        self.code_of = {
            column: dict(model._default_manager.values_list("id", "code"))
            for column, model in PLAN_COLUMNS.items()
        }

    def slot(self, code: str) -> str:
        """The request's own district and commune are slots; provincial units go by code."""
        return self.slot_of_code.get(code, code)

    def row(self, model: type[models.Model], row: dict) -> tuple[list, list[tuple]]:
        constants, cells = [], []
        for index, (name, value) in enumerate(row.items()):
            cell = None if value is None else self.cell(model, name, value)
            if cell is None:
                constants.append(_constant(value))
            else:
                constants.append(None)
                cells.append((index, *cell))
        return constants, cells

    def cell(self, model: type[models.Model], name: str, value) -> tuple | None:
        if name == "id":
            return REF, model, self.local[model][value]
        if name in REFERENCES:
            return REF, REFERENCES[name], self.local[REFERENCES[name]][value]
        if name in UNIT_COLUMNS:
            return UNIT, self.slot(self.unit_code[value]), None
        if name in PLAN_COLUMNS:
            return PLAN_ROW, (name, self.code_of[name][value]), None
        if name in USER_COLUMNS:
            code, role = self.username[value].rsplit(".", 1)
            return USER, self.slot(code), role
        if name == "owner_permission":
            code, role = value.removeprefix(PERMISSION_PREFIX + ".").rsplit(".", 1)
            return PERMISSION, self.slot(code), role
        if name == "year":
            return YEAR, None, None
        if isinstance(value, dt.datetime):
            step = max(bisect.bisect_right(self.starts, value) - 1, 0)
            return TIME, step, value - self.starts[step]
        if isinstance(value, dt.date):
            return DATE, value, None
        if model is Task and name == "data" and "actor" in value:
            actor = value["actor"]
            rest = _constant({k: v for k, v in value.items() if k != "actor"})
            slot = self.slot(self.unit_code[actor["unit_id"]])
            return ACTOR, slot, (actor["role"], actor["clause"], rest)
        return None


def _constant(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, cls=DjangoJSONEncoder)
    return value


# --- cloning history ---------------------------------------------------------------------------


@dataclass
class _Target:
    """Where one clone lands: its units by slot, its officers, its plan's rows, its year and
    step times."""

    units: dict[str, int]
    users: dict[tuple[int, str], int]
    plan_rows: dict[tuple[str, str], int]
    year: int
    times: list[dt.datetime]


class Loader:
    """Clones templates with fresh ids and streams them into the tables in batches: COPY on
    PostgreSQL, INSERT elsewhere (the SQLite test)."""

    def __init__(self):
        self.next_id = {
            model: (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
            for model in CLONED_MODELS
        }
        self.rows: dict[type[models.Model], list[list]] = {model: [] for model in CLONED_MODELS}
        self.unit_code = dict(Unit.objects.values_list("id", "code"))
        self.texts: dict[tuple, str] = {}
        self.cloned = 0

    def clone(self, template: Template, target: _Target) -> None:
        base = {}
        for model, rows in template.cells.items():
            base[model] = self.next_id[model]
            self.next_id[model] += len(rows)
        units, times = target.units, target.times
        for model, rows in template.cells.items():
            out = self.rows[model]
            for constants, cells in rows:
                row = constants.copy()
                for index, kind, a, b in cells:
                    if kind == REF:
                        row[index] = base[a] + b
                    elif kind == TIME:
                        row[index] = times[a] + b
                    elif kind == UNIT:
                        row[index] = units[a]
                    elif kind == USER:
                        row[index] = target.users[units[a], b]
                    elif kind == DATE:
                        row[index] = a.replace(year=a.year + target.year - BENCH_YEAR)
                    elif kind == YEAR:
                        row[index] = target.year
                    elif kind == PLAN_ROW:
                        row[index] = target.plan_rows[a]
                    else:
                        row[index] = self._text(kind, units[a], b)
                out.append(row)
        self.cloned += 1

    def _text(self, kind: int, unit_id: int, detail) -> str:
        """An owner permission or a task's actor data for a unit (made once per unit)."""
        key = (kind, unit_id, detail)
        if key not in self.texts:
            code = self.unit_code[unit_id]
            if kind == PERMISSION:
                self.texts[key] = f"{PERMISSION_PREFIX}.{code}.{detail}"
            else:
                role, clause, rest = detail
                actor = {
                    "unit": code,
                    "unit_id": unit_id,
                    "role": role,
                    "clause": clause,
                    "permission": f"{PERMISSION_PREFIX}.{code}.{role}",
                }
                self.texts[key] = json.dumps({**json.loads(rest), "actor": actor})
        return self.texts[key]

    def flush(self) -> None:
        """Write what is buffered, parents first, in one transaction."""
        with transaction.atomic(), _triggers_off():
            for model in CLONED_MODELS:
                _write(model, self.rows[model])
                self.rows[model] = []

    def finish(self) -> None:
        """Flush, then move the id sequences past the clones."""
        self.flush()
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), CLONED_MODELS):
                cursor.execute(statement)


@contextmanager
def _triggers_off() -> Iterator[None]:
    """No foreign-key checks row by row while loading clones of consistent templates (as
    pg_restore --disable-triggers); needs a superuser, as the benchmark's database has."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _write(model: type[models.Model], rows: list[tuple]) -> None:
    if not rows:
        return
    fields = model._meta.concrete_fields
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapters = [_adapter(f) for f in fields]
        adapted = [
            tuple(a(v) if a and v is not None else v for a, v in zip(adapters, row, strict=True))
            for row in rows
        ]
        placeholders = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", adapted)


def _adapter(field: models.Field):
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return None


def _timeline(rng: random.Random, year: int, steps: int) -> list[dt.datetime]:
    """Step times a few days apart: inside the year for history, before BENCH_DAY this year."""
    if year == BENCH_YEAR:
        gaps = [dt.timedelta(days=rng.uniform(0.5, 5)) for _ in range(steps)]
        first = BENCH_DAY - sum(gaps, dt.timedelta()) - dt.timedelta(days=rng.uniform(0.1, 10))
    else:
        gaps = [dt.timedelta(days=rng.uniform(1, 8)) for _ in range(steps)]
        first = dt.datetime(year, 1, 6, 8, tzinfo=VIETNAM) + dt.timedelta(days=rng.uniform(0, 120))
    times = [first]
    for gap in gaps[:-1]:
        times.append(times[-1] + gap)
    return times


def load_history(
    templates: list[Template], provinces: Iterable[Province], *, rng: random.Random
) -> int:
    """Every commune asks in each category with CATEGORY_SHARE chance a year; finished years end
    as PAST_OUTCOMES say, this year's requests wait where OPEN_OUTCOMES say. Returns requests."""
    by_key = {(t.category, t.outcome): t for t in templates}
    categories = sorted({t.category for t in templates})
    loader = Loader()
    for province in provinces:
        for district, commune in province.communes:
            units = {**province.units, "district": district, "commune": commune}
            for year in (*HISTORY_YEARS, BENCH_YEAR):
                outcomes = OPEN_OUTCOMES if year == BENCH_YEAR else PAST_OUTCOMES
                for category in categories:
                    if rng.random() >= CATEGORY_SHARE:
                        continue
                    outcome = rng.choices(list(outcomes), weights=list(outcomes.values()))[0]
                    template = by_key[category, outcome]
                    times = _timeline(rng, year, template.steps)
                    loader.clone(
                        template, _Target(units, province.users, province.plan_rows, year, times)
                    )
        loader.flush()
    loader.finish()
    return loader.cloned


# --- all of it -----------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Rows that matter for the scenarios, as loaded."""
    return {
        "units": Unit.objects.count(),
        "users": get_user_model().objects.count(),
        "processes": Process.objects.count(),
        "tasks": Task.objects.count(),
        "open_human_tasks": Task.objects.filter(
            flow_task_type="HUMAN", status__in=("NEW", "ASSIGNED")
        ).count(),
        "aid_requests": AidRequest.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "obligations": Obligation.objects.count(),
        "unit_reports": Report.objects.count(),
    }


def generate(
    plan: Plan, scale: Scale, *, seed: int = 372, categories: Iterable[str] | None = None
) -> Generated:
    """Officers through `seed_demo`, templates through the services (every support category
    unless `categories` names some), synthetic provinces, then the cloned history; VACUUM
    ANALYZE so that the planner sees the data as a live database would."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    call_command("seed_demo", stdout=io.StringIO())
    with bench_clock():
        cast = Cast.load(plan, on=BENCH_DAY.date())
        templates = make_templates(cast, categories or cast.categories)
    seconds["templates_through_services"] = time.perf_counter() - started

    mark = time.perf_counter()
    provinces = [plan_province(plan)]
    source = read_source(plan)
    # On BENCH_DAY: after each load, open tasks of units ended by "today" would move on.
    with bench_clock(), tempfile.TemporaryDirectory(prefix="bench-plans-") as folder:
        for number, communes in enumerate(scale.synthetic_communes(len(provinces[0].communes)), 2):
            with transaction.atomic():
                province = add_synthetic_province(
                    source, number, communes, folder=Path(folder), seconds=seconds
                )
            provinces.append(province)
    seconds["synthetic_provinces"] = time.perf_counter() - mark

    mark = time.perf_counter()
    history = load_history(templates, provinces, rng=random.Random(seed))
    seconds["history_bulk_load"] = time.perf_counter() - mark

    mark = time.perf_counter()
    made = duties.generate(
        plan, consolidated_year=CONSOLIDATED_YEAR, provincial_year=PROVINCIAL_YEAR
    )
    seconds["duties_and_reports"] = time.perf_counter() - mark

    mark = time.perf_counter()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    seconds["vacuum_analyze"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    return Generated(
        scale=scale.factor,
        provinces=len(provinces),
        target_communes=sum(len(p.communes) for p in provinces),
        templates=len(templates),
        history_requests=history,
        duties=asdict(made),
        counts=table_counts(),
        seconds=seconds,
    )
