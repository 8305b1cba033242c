"""loadplan: the shipped Ninh Thuận data, idempotent reloads, in-place updates with history,
rows that end instead of being deleted, and broken files refused whole with every error named."""

from __future__ import annotations

import copy
import datetime as dt
import io
import unicodedata
from collections import Counter
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import translation

from agencies.models import (
    Category,
    CommuneClassification,
    FundingSource,
    ObligationDefinition,
    Plan,
    PlanChange,
    Responsibility,
    Succession,
    Unit,
)
from agencies.selectors import actors_for, successors_of, target_communes
from tests.conftest import PLAN_FILE

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def shipped() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def write(tmp_path, data: dict, name: str = "plan.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def load(path) -> str:
    out = io.StringIO()
    call_command("loadplan", str(path), stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[dict]]:
    """Every row of every agencies table, many-to-many tables included."""
    models = apps.get_app_config("agencies").get_models(include_auto_created=True)
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in models}


def index(items: list[dict], **match) -> int:
    """Position of the first entry whose fields have these values."""
    return next(i for i, item in enumerate(items) if match.items() <= item.items())


# The shipped data -------------------------------------------------------------------------------


def test_shipped_units_communes_and_categories(plan):
    assert Unit.objects.filter(kind="district").count() == 7
    assert set(Unit.objects.filter(kind="district").values_list("valid_to", flat=True)) == {
        dt.date(2025, 6, 30)
    }
    # The 62 commune-level units of 01/03/2025, 3 wards merged in 2024 and the 24 new ones.
    assert Unit.objects.filter(kind="commune").count() == 62 + 3 + 24
    classes = Counter(CommuneClassification.objects.values_list("area_class", flat=True))
    assert classes == {"III": 15, "II": 1, "I": 12}
    assert Unit.objects.get(code="c-phuoc-dan").parent.code == "d-ninh-phuoc"
    assert Unit.objects.get(code="c-loi-hai").classifications.get().area_class == "II"
    assert Unit.objects.get(code="cpf").parent.code == "dolisa"
    assert list(Category.objects.values_list("code", flat=True)) == [
        "health",
        "nutrition",
        "recreation",
        "study",
        "winter",
    ]
    # 861/QĐ-TTg applies from 2021; the 2019–2020 list (582/QĐ-TTg) is not reproduced. The plan
    # targets the extremely disadvantaged communes only: khu vực III.
    assert plan.rules["target_area_classes"] == ["III"]
    assert target_communes(on=dt.date(2022, 5, 1)).count() == 15
    assert target_communes(on=dt.date(2020, 5, 1)).count() == 0
    assert target_communes(district=Unit.objects.get(code="d-bac-ai"), on=dt.date(2022, 5, 1))
    assert plan.rules["ppc_approval_threshold_vnd"] == 500_000_000


def test_shipped_matrix_has_parallel_reviews_and_district_drafting(plan):
    day = dt.date(2022, 5, 1)
    nutrition = actors_for(process="aid_request", step="review", category_code="nutrition", on=day)
    assert sorted((a.unit.code, a.clause) for a in nutrition) == [("doet", "IV.2"), ("doh", "IV.3")]
    health = actors_for(process="aid_request", step="review", category_code="health", on=day)
    assert [a.unit.code for a in health] == ["doh"]
    commune = Unit.objects.get(code="c-phuoc-dai")
    drafters = actors_for(process="aid_request", step="draft", subject_unit=commune, on=day)
    assert [(a.unit.code, a.role) for a in drafters] == [("d-bac-ai", "officer")]
    # The district level was removed on 01/07/2025: no district acts after that.
    after = actors_for(
        process="aid_request", step="draft", subject_unit=commune, on=dt.date(2025, 7, 1)
    )
    assert not [actor for actor in after if actor.unit.kind == "district"]


def test_shipped_obligations_and_funding_rules(plan):
    provincial = ObligationDefinition.objects.get(code="provincial_yearly_report")
    assert provincial.due_before(2019) == dt.date(2020, 1, 15)
    assert provincial.recipient.code == "ppc"
    results = ObligationDefinition.objects.get(code="yearly_results_report")
    assert results.due_before(2024) == dt.date(2024, 12, 30)
    assert list(results.excluded_units.values_list("code", flat=True)) == ["dolisa"]
    assert results.reminder_days == [14, 7, 1]
    assert results.escalate_to == [
        {"unit": None, "role": "supervisor"},
        {"unit": "dolisa", "role": "supervisor"},
    ]
    once = ObligationDefinition.objects.get(code="district_implementation_plan")
    assert once.due_before() == dt.date(2019, 9, 10)
    assert not FundingSource.objects.get(code="state_budget").may_fund_children
    assert FundingSource.objects.get(code="state_budget").clause.code == "III.2"


# Reloading --------------------------------------------------------------------------------------


def without_load_stamp(rows: dict) -> dict:
    rows = copy.deepcopy(rows)
    for plan_row in rows["agencies.Plan"]:
        plan_row.pop("loaded_at")
    return rows


def test_second_load_changes_nothing(plan):
    before = snapshot()
    out = load(PLAN_FILE)
    assert "0 created, 0 updated, 0 ended, 348 unchanged (0 changes)" in out
    assert without_load_stamp(snapshot()) == without_load_stamp(before)
    assert Plan.objects.get().loaded_at > plan.loaded_at


def test_changed_file_updates_in_place_and_records_history(plan, tmp_path):
    data = shipped()
    unit = data["units"][index(data["units"], code="d-bac-ai")]
    old_name, unit["name_vi"] = unit["name_vi"], "UBND huyện Bác Ái (tên mới)"
    data["categories"].append(
        {"code": "hygiene", "name_vi": "Vệ sinh", "name_en": "Hygiene", "clause": "II.3"}
    )
    pk = Unit.objects.get(code="d-bac-ai").pk
    path = write(tmp_path, data)

    out = load(path)

    assert "Plan ninh-thuan-372: 1 created, 1 updated, 0 ended, 347 unchanged (2 changes)" in out
    assert Unit.objects.get(pk=pk).name_vi == "UBND huyện Bác Ái (tên mới)"
    change = PlanChange.objects.get(entity="unit", key="d-bac-ai", action="updated")
    assert (change.before["name_vi"], change.after["name_vi"]) == (old_name, unit["name_vi"])
    assert change.after["valid_to"] == "2025-06-30"
    created = PlanChange.objects.get(entity="category", key="hygiene")
    assert created.action == "created" and created.before is None
    assert Category.objects.get(code="hygiene").position == 5
    assert "(0 changes)" in load(path)


def test_text_is_stored_in_nfc_whatever_the_editor_wrote(plan, tmp_path):
    data = shipped()
    unit = data["units"][index(data["units"], code="c-phuoc-dai")]
    unit["name_vi"] = unicodedata.normalize("NFD", unit["name_vi"])

    assert "(0 changes)" in load(write(tmp_path, data))
    stored = Unit.objects.get(code="c-phuoc-dai").name_vi
    assert stored == unicodedata.normalize("NFC", unit["name_vi"]) != unit["name_vi"]


@time_machine.travel(dt.datetime(2024, 3, 15, 9, 0, tzinfo=VN), tick=False)
def test_rows_dropped_from_the_file_end_instead_of_being_deleted(plan, tmp_path):
    data = shipped()
    data["responsibilities"].pop(
        index(data["responsibilities"], process="aid_request", step="review", category="winter")
    )
    data["units"].pop(index(data["units"], code="c-cong-hai"))
    data["successions"].pop(index(data["successions"], predecessor="c-cong-hai"))
    path = write(tmp_path, data)
    rows = Responsibility.objects.count(), Unit.objects.count(), Succession.objects.count()

    out = load(path)

    assert "0 created, 0 updated, 4 ended" in out
    assert (
        Responsibility.objects.count(),
        Unit.objects.count(),
        Succession.objects.count(),
    ) == rows
    last_day = dt.date(2024, 3, 14)
    assert [a.unit.code for a in actors_for(
        process="aid_request", step="review", category_code="winter", on=last_day
    )] == ["emc"]  # fmt: skip
    assert not actors_for(
        process="aid_request", step="review", category_code="winter", on=dt.date(2024, 3, 15)
    )
    ended = PlanChange.objects.get(entity="responsibility", after={"valid_to": "2024-03-14"})
    assert ended.key == "aid_request review emc - officer winter IV.8 2019-09-03"
    assert PlanChange.objects.filter(key=ended.key, action="created").exists()
    commune = Unit.objects.get(code="c-cong-hai")
    assert commune.valid_to == last_day
    assert commune.classifications.get().valid_to == last_day
    change = PlanChange.objects.get(entity="unit", key="c-cong-hai", action="updated")
    assert (change.before, change.after) == ({"valid_to": "2025-06-30"}, {"valid_to": "2024-03-14"})
    # Its succession, not yet in effect, gets an empty period: it will never apply.
    succession = Succession.objects.get(predecessor=commune)
    assert succession.valid_to == last_day < succession.effective_on
    assert successors_of(commune, on=dt.date(2025, 7, 1)) == []
    assert "(0 changes)" in load(path)


# Broken files -----------------------------------------------------------------------------------
# Each case breaks a copy of the shipped file and returns the exact error line expected.


def unit_kind_unknown(data):
    i = index(data["units"], code="d-bac-ai")
    data["units"][i]["kind"] = "county"
    choices = "province, department, mass_org, fund, district, commune"
    return f'units[{i}] (code "d-bac-ai"): kind "county" is not one of {choices}'


def unit_parent_missing(data):
    i = index(data["units"], code="d-bac-ai")
    data["units"][i]["parent"] = "ppcx"
    return f'units[{i}] (code "d-bac-ai"): parent "ppcx" does not exist'


def unit_field_misspelt(data):
    i = index(data["units"], code="ppc")
    data["units"][i]["vaild_to"] = dt.date(2025, 6, 30)
    return f'units[{i}] (code "ppc"): unknown field "vaild_to"'


def duplicate(section: str, code: str) -> Callable[[dict], str]:
    def breaks(data):
        first = index(data[section], code=code)
        data[section].append(copy.deepcopy(data[section][first]))
        last = len(data[section]) - 1
        return f'{section}[{last}] (code "{code}"): duplicate code, first at {section}[{first}]'

    breaks.__name__ = f"duplicate_{section}"
    return breaks


def cites_missing_clause(section: str, code: str) -> Callable[[dict], str]:
    def breaks(data):
        i = index(data[section], code=code)
        data[section][i]["clause"] = "IV.99"
        return f'{section}[{i}] (code "{code}"): clause "IV.99" does not exist'

    breaks.__name__ = f"{section}_cites_missing_clause"
    return breaks


def draft_row(data) -> tuple[dict, str]:
    """The aid_request.draft row of the matrix and its place in error messages."""
    i = index(data["responsibilities"], process="aid_request", step="draft")
    return data["responsibilities"][i], f"responsibilities[{i}] (aid_request.draft)"


def responsibility_cites_missing_clause(data):
    row, where = draft_row(data)
    row["clause"] = "IV.99"
    return where + ': clause "IV.99" does not exist'


def responsibility_unknown_role(data):
    row, where = draft_row(data)
    row["role"] = "chief"
    return where + ': role "chief" does not exist'


def responsibility_both_unit_and_kind(data):
    row, where = draft_row(data)
    row["unit"] = "dolisa"
    return where + ": give unit or unit_kind, not both"


def responsibility_neither_unit_nor_kind(data):
    row, where = draft_row(data)
    del row["unit_kind"]
    return where + ": give unit or unit_kind"


def responsibility_unknown_category(data):
    i = index(data["responsibilities"], process="aid_request", category="winter")
    data["responsibilities"][i]["category"] = "hygiene"
    return f'responsibilities[{i}] (aid_request.review): category "hygiene" does not exist'


def responsibility_unknown_unit(data):
    i = index(data["responsibilities"], process="aid_request", category="health")
    data["responsibilities"][i]["unit"] = "doj"
    return f'responsibilities[{i}] (aid_request.review): unit "doj" does not exist'


def responsibilities_overlap(data):
    first = index(data["responsibilities"], process="aid_request", step="draft")
    row = copy.deepcopy(data["responsibilities"][first])
    row["valid_from"] = dt.date(2024, 1, 1)
    data["responsibilities"].append(row)
    last = len(data["responsibilities"]) - 1
    return (
        f"responsibilities[{last}] (aid_request.draft): overlaps responsibilities[{first}]: "
        "same process, step, unit, role, category and clause"
    )


def classifications_overlap(data):
    i = index(data["units"], code="c-phuoc-dai")
    data["units"][i]["classifications"].append(
        {"area_class": "I", "act": "999/QĐ-TTg", "valid_from": dt.date(2025, 1, 1),
         "valid_to": dt.date(2025, 6, 30)}
    )  # fmt: skip
    return f'units[{i}] (code "c-phuoc-dai") classifications[1]: overlaps classifications[0]'


def unit_ends_before_it_starts(data):
    i = index(data["units"], code="d-ninh-hai")
    data["units"][i]["valid_to"] = dt.date(2018, 12, 31)
    return f'units[{i}] (code "d-ninh-hai"): valid_to 2018-12-31 is before valid_from 2019-01-01'


def obligation_unknown_unit(data):
    i = index(data["obligations"], code="provincial_yearly_report")
    data["obligations"][i]["units"] = ["dolisax"]
    return f'obligations[{i}] (code "provincial_yearly_report"): units "dolisax" does not exist'


def obligation_impossible_day(data):
    i = index(data["obligations"], code="yearly_results_report")
    data["obligations"][i]["due"]["before"] = "29/02"
    where = f'obligations[{i}] (code "yearly_results_report") due'
    return where + ': before must be "DD/MM", a day that every year has'


def rules_without_review_wait(data):
    del data["rules"]["review_wait_days"]
    return 'rules: missing field "review_wait_days"'


BROKEN = [
    unit_kind_unknown,
    unit_parent_missing,
    unit_field_misspelt,
    duplicate("units", "dolisa"),
    duplicate("categories", "study"),
    duplicate("clauses", "IV.7"),
    duplicate("obligations", "district_yearly_plan"),
    cites_missing_clause("obligations", "district_yearly_plan"),
    cites_missing_clause("funding_sources", "state_budget"),
    cites_missing_clause("categories", "winter"),
    responsibility_cites_missing_clause,
    responsibility_unknown_role,
    responsibility_both_unit_and_kind,
    responsibility_neither_unit_nor_kind,
    responsibility_unknown_category,
    responsibility_unknown_unit,
    responsibilities_overlap,
    classifications_overlap,
    unit_ends_before_it_starts,
    obligation_unknown_unit,
    obligation_impossible_day,
    rules_without_review_wait,
]


def refused(path) -> list[str]:
    with pytest.raises(CommandError) as excinfo:
        load(path)
    return [line.strip() for line in str(excinfo.value).splitlines()[1:]]


@pytest.mark.parametrize("breaks", BROKEN, ids=lambda f: f.__name__)
def test_broken_file_is_refused_and_writes_nothing(plan, tmp_path, breaks):
    data = shipped()
    expected = breaks(data)
    path = write(tmp_path, data)
    before = snapshot()

    assert refused(path) == [expected]
    assert snapshot() == before


def test_every_error_is_reported_at_once_on_an_empty_database(db, tmp_path):
    data = shipped()
    expected = [unit_kind_unknown(data), responsibility_unknown_role(data)]
    expected.append(obligation_unknown_unit(data))

    assert refused(write(tmp_path, data)) == expected
    assert not any(snapshot().values())


def test_dropping_a_clause_is_refused(plan, tmp_path):
    data = shipped()
    data["clauses"].pop(index(data["clauses"], code="IV.9"))
    before = snapshot()

    assert refused(write(tmp_path, data)) == [
        'clauses: "IV.9" is loaded but missing from the file; it has no validity period to end'
    ]
    assert snapshot() == before


def test_units_of_another_plan_are_refused(plan, tmp_path):
    data = shipped()
    data["plan"]["code"] = "khanh-hoa-2025"
    before = snapshot()

    errors = refused(write(tmp_path, data))

    assert errors[0] == 'units[0] (code "ppc"): code already belongs to plan "ninh-thuan-372"'
    assert len(errors) == len(data["units"])  # categories, sources and duties are its own
    assert snapshot() == before


def second_plan() -> dict:
    """The shipped plan as another plan of later years would be: the same codes for its
    categories, sources and duties, no units of its own but one, on the loaded structure."""
    data = shipped()
    data["plan"].update(code="later", first_year=2026, last_year=2030, act="Example")
    data["units"] = [
        {
            "code": "later-team",
            "kind": "department",
            "parent": "kh-ppc",
            "name_vi": "Tổ",
            "valid_from": dt.date(2026, 1, 1),
        }
    ]
    data["successions"] = []
    for row in data["responsibilities"]:
        row["valid_from"] = dt.date(2026, 1, 1)
        row.pop("valid_to", None)
    for duty in data["obligations"]:
        if duty["recurrence"] == "yearly":
            duty.update(first_year=2026, last_year=2030)
    return data


def test_a_second_plan_loads_beside_the_first_naming_its_units(plan, tmp_path):
    from agencies.models import Category, Plan, Responsibility, Unit

    later = write(tmp_path, second_plan(), "later.yaml")

    load(later)

    assert Plan.objects.count() == 2
    assert set(Category.objects.filter(code="health").values_list("plan__code", flat=True)) == {
        "ninh-thuan-372",
        "later",
    }
    assert Unit.objects.get(code="later-team").parent.code == "kh-ppc"
    assert Responsibility.objects.filter(plan__code="later", unit__code="dolisa").exists()
    for path in (later, str(PLAN_FILE), later):
        assert "0 created, 0 updated, 0 ended" in load(path)


def test_a_second_plan_naming_a_unit_nobody_loaded_is_refused(plan, tmp_path):
    data = second_plan()
    data["units"][0]["parent"] = "kh-nowhere"

    errors = refused(write(tmp_path, data))

    assert errors == ['units[0] (code "later-team"): parent "kh-nowhere" does not exist']


def test_yaml_with_a_key_given_twice_is_refused(db, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("plan:\n  code: x\n  code: y\n", encoding="utf-8")

    (error,) = refused(path)

    assert error.startswith("not valid YAML:") and "duplicate key 'code'" in error
    assert not any(snapshot().values())


def test_a_plan_lacking_a_step_the_code_implements_is_refused(db, tmp_path):
    data = shipped()
    data["responsibilities"] = [
        row
        for row in data["responsibilities"]
        if (row["process"], row["step"]) != ("aid_request", "approve_ppc")
    ]
    with pytest.raises(CommandError) as refused:
        load(write(tmp_path, data))
    message = str(refused.value)
    assert "aid_request.approve_ppc" in message and "aid_requests" in message
    assert not Plan.objects.exists()


def test_a_plan_that_never_names_a_process_does_not_need_its_steps(db, tmp_path):
    data = shipped()
    data["responsibilities"] = [
        row for row in data["responsibilities"] if row["process"] != "commendation"
    ]
    for succession in data["successions"]:  # a succession may move only steps the file has
        if "steps" in succession:
            succession["steps"] = [
                s for s in succession["steps"] if not s.startswith("commendation.")
            ]
    load(write(tmp_path, data))
    assert Plan.objects.exists()


def test_the_shipped_plans_load_together_and_reload_with_no_change(plan):
    """Plan 372 and the 2026–2030 example, loaded in the order make run loads them, then each
    again: nothing changes (issue #10: plans side by side)."""
    example = "agencies/plans/khanh-hoa-2026-example.yaml"
    assert " 0 created" not in load(example)
    for path in (str(PLAN_FILE), example, str(PLAN_FILE), example):
        assert "0 created, 0 updated, 0 ended" in load(path)
