"""Successions over the shipped plan: who holds a unit's work after the 2025 reorganisation
(old commune → new commune, the Đông Hải split, DOLISA's moved functions, a dissolved district
and a request's commune), the acts crossed, and the checks and reloads of the successions
section."""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from agencies.models import CommuneClassification, PlanChange, Succession, Unit
from agencies.selectors import succession_path, successor_for, successors_of
from tests.conftest import PLAN_FILE

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
LAST_OLD_DAY = dt.date(2025, 6, 30)
FIRST_NEW_DAY = dt.date(2025, 7, 1)
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def codes(units: list[Unit]) -> list[str]:
    return [u.code for u in units]


def holders(code: str, on: dt.date = FIRST_NEW_DAY, **work) -> list[str]:
    return codes(successors_of(unit(code), on=on, **work))


def acts(path: list[Succession]) -> list[tuple[str, str, str]]:
    return [(s.predecessor.code, s.successor.code, s.act) for s in path]


# The shipped data -------------------------------------------------------------------------------


def test_shipped_units_and_successions(plan):
    new = Unit.objects.filter(kind="commune", valid_from=FIRST_NEW_DAY)
    assert new.count() == 24
    assert set(new.values_list("parent__code", flat=True)) == {"kh-ppc"}
    assert not new.filter(valid_to__isnull=False).exists()
    assert not CommuneClassification.objects.filter(commune__in=new).exists()
    old = Unit.objects.filter(kind="commune", valid_to=LAST_OLD_DAY)
    assert old.count() == 62  # the catalogue of 01/03/2025
    assert not old.filter(official_code="").exists()
    assert old.filter(classifications__isnull=False).distinct().count() == 28
    assert set(CommuneClassification.objects.values_list("valid_from", "valid_to").distinct()) == {
        (dt.date(2021, 1, 1), LAST_OLD_DAY)
    }
    retired = Unit.objects.filter(kind="commune", valid_to=dt.date(2024, 10, 31))
    assert sorted(retired.values_list("official_code", flat=True)) == ["22750", "22753", "22756"]
    assert unit("c-bac-ai-tay").official_code == "22786" == unit("c-phuoc-hoa").official_code
    assert (unit("ppc").official_code, unit("kh-ppc").official_code) == ("58", "56")
    assert unit("d-bac-ai").official_code == "584"
    assert Unit.objects.filter(official_code="22786").count() == 2  # not unique: reused
    assert Unit.objects.count() == 121

    kinds = Counter(Succession.objects.values_list("kind", flat=True))
    assert kinds == {
        "merged_into": 1 + 3 + 7 + 61 + 3,  # province, March, July, communes, 2024 wards
        "split": 2,
        "functions_moved": 2,
        "dissolved_into": 1 + 30,  # DOLISA; the 7 districts to their new communes
    }
    assert set(Succession.objects.values_list("plan__code", flat=True)) == {"ninh-thuan-372"}
    province = Succession.objects.get(predecessor__code="ppc")
    assert (province.successor.code, province.kind, province.act) == (
        "kh-ppc",
        "merged_into",
        "202/2025/QH15",
    )
    assert (province.act_date, province.effective_on) == (dt.date(2025, 6, 12), FIRST_NEW_DAY)


def test_every_old_commune_has_a_new_one_from_01_07_2025(plan):
    for old in Unit.objects.filter(kind="commune", valid_to__lte=LAST_OLD_DAY):
        found = successors_of(old, on=FIRST_NEW_DAY)
        assert found, old.code
        assert {(u.kind, u.parent.code, u.valid_from) for u in found} == {
            ("commune", "kh-ppc", FIRST_NEW_DAY)
        }, old.code
        assert len(found) == (2 if old.code == "c-dong-hai" else 1), old.code


# §1.5 of the reorganisation's research: each commune of 861/QĐ-TTg and its new unit (NQ 1667).
COMMUNES_OF_861 = {
    "c-phuoc-binh": ("III", "c-bac-ai-tay", "22786", "Điều 1 khoản 48"),
    "c-phuoc-hoa": ("III", "c-bac-ai-tay", "22786", "Điều 1 khoản 48"),
    "c-phuoc-tan": ("III", "c-bac-ai-tay", "22786", "Điều 1 khoản 48"),
    "c-phuoc-tien": ("III", "c-bac-ai", "22795", "Điều 1 khoản 47"),
    "c-phuoc-thang": ("III", "c-bac-ai", "22795", "Điều 1 khoản 47"),
    "c-phuoc-thanh": ("III", "c-bac-ai-dong", "22801", "Điều 1 khoản 46"),
    "c-phuoc-dai": ("III", "c-bac-ai-dong", "22801", "Điều 1 khoản 46"),
    "c-phuoc-chinh": ("III", "c-bac-ai", "22795", "Điều 1 khoản 47"),
    "c-phuoc-trung": ("III", "c-my-son-2025", "22822", "Điều 1 khoản 45"),
    "c-my-son": ("III", "c-my-son-2025", "22822", "Điều 1 khoản 45"),
    "c-ma-noi": ("III", "c-anh-dung", "22828", "Điều 1 khoản 44"),
    "c-phuoc-chien": ("III", "c-cong-hai-2025", "22840", "Điều 1 khoản 41"),
    "c-phuoc-khang": ("III", "c-thuan-bac", "22849", "Điều 1 khoản 40"),
    "c-bac-son": ("III", "c-ninh-hai", "22852", "Điều 1 khoản 37"),
    "c-phuoc-ha": ("III", "c-phuoc-ha-2025", "22900", "Điều 1 khoản 35"),
    "c-loi-hai": ("II", "c-thuan-bac", "22849", "Điều 1 khoản 40"),
    "c-lam-son": ("I", "c-lam-son-2025", "22813", "Điều 1 khoản 43"),
    "c-luong-son": ("I", "c-lam-son-2025", "22813", "Điều 1 khoản 43"),
    "c-nhon-son": ("I", "c-do-vinh-2025", "22738", "Điều 1 khoản 64"),  # into a ward
    "c-xuan-hai": ("I", "c-xuan-hai-2025", "22861", "Điều 1 khoản 38"),
    "c-phuoc-dan": ("I", "c-ninh-phuoc", "22870", "Điều 1 khoản 30"),
    "c-phuoc-thai": ("I", "c-phuoc-huu-2025", "22891", "Điều 1 khoản 31"),
    "c-phuoc-hau": ("I", "c-phuoc-hau-2025", "22873", "Điều 1 khoản 32"),
    "c-phuoc-huu": ("I", "c-phuoc-huu-2025", "22891", "Điều 1 khoản 31"),
    "c-phuoc-hai": ("I", "c-ninh-phuoc", "22870", "Điều 1 khoản 30"),
    "c-cong-hai": ("I", "c-cong-hai-2025", "22840", "Điều 1 khoản 41"),
    "c-phuoc-nam": ("I", "c-thuan-nam", "22897", "Điều 1 khoản 33"),
    "c-phuoc-ninh": ("I", "c-thuan-nam", "22897", "Điều 1 khoản 33"),
}


def test_the_28_communes_of_861_map_to_their_new_units(plan):
    classified = Unit.objects.filter(classifications__act="861/QĐ-TTg").distinct()
    assert set(classified.values_list("code", flat=True)) == set(COMMUNES_OF_861)
    for code, (area_class, new_code, official_code, clause) in COMMUNES_OF_861.items():
        old = unit(code)
        assert old.classifications.get().area_class == area_class, code
        (new,) = successors_of(old, on=FIRST_NEW_DAY)
        assert (new.code, new.official_code) == (new_code, official_code), code
        (step,) = succession_path(old, new, on=FIRST_NEW_DAY)
        assert (step.kind, step.act, step.act_clause) == (
            "merged_into",
            "1667/NQ-UBTVQH15",
            clause,
        ), code
        assert step.act_date == dt.date(2025, 6, 16)


# Following successions ----------------------------------------------------------------------------


def test_an_old_commune_holds_its_work_until_its_new_commune_takes_over(plan):
    phuoc_binh = unit("c-phuoc-binh")

    assert holders("c-phuoc-binh", LAST_OLD_DAY) == ["c-phuoc-binh"]
    assert holders("c-phuoc-binh", FIRST_NEW_DAY) == ["c-bac-ai-tay"]
    assert holders("c-phuoc-binh", TODAY) == ["c-bac-ai-tay"]
    assert successor_for(phuoc_binh, on=TODAY) == unit("c-bac-ai-tay")
    assert holders("c-bac-ai-tay", TODAY) == ["c-bac-ai-tay"]  # still valid: itself
    assert succession_path(phuoc_binh, phuoc_binh, on=LAST_OLD_DAY) == []
    (step,) = succession_path(phuoc_binh, unit("c-bac-ai-tay"), on=FIRST_NEW_DAY)
    assert (step.act, step.act_clause) == ("1667/NQ-UBTVQH15", "Điều 1 khoản 48")
    with pytest.raises(ValueError, match="does not succeed"):
        succession_path(phuoc_binh, unit("c-bac-ai"), on=FIRST_NEW_DAY)
    # Before any unit existed, nobody holds a unit's work through a succession not yet in force.
    assert holders("c-phuoc-binh", dt.date(2018, 1, 1)) == []


def test_a_ward_merged_in_2024_is_followed_through_two_acts(plan):
    assert holders("c-my-huong", dt.date(2024, 10, 31)) == ["c-my-huong"]
    assert holders("c-my-huong", dt.date(2024, 11, 1)) == ["c-kinh-dinh"]
    assert holders("c-my-huong", FIRST_NEW_DAY) == ["c-phan-rang"]
    path = succession_path(unit("c-my-huong"), unit("c-phan-rang"), on=FIRST_NEW_DAY)
    assert acts(path) == [
        ("c-my-huong", "c-kinh-dinh", "1198/NQ-UBTVQH15"),
        ("c-kinh-dinh", "c-phan-rang", "1667/NQ-UBTVQH15"),
    ]


def test_dong_hai_is_split_and_its_remainder_comes_first(plan):
    dong_hai = unit("c-dong-hai")

    assert holders("c-dong-hai") == ["c-dong-hai-2025", "c-phuoc-dinh-2025"]
    assert successor_for(dong_hai, on=FIRST_NEW_DAY) == unit("c-dong-hai-2025")
    part = Succession.objects.get(predecessor=dong_hai, main=False)
    assert (part.successor.code, part.kind, part.part) == (
        "c-phuoc-dinh-2025",
        "split",
        "thôn Phú Thọ",
    )
    assert part.act_clause == "Điều 1 khoản 36" and "secondary source" in part.note
    remainder = Succession.objects.get(predecessor=dong_hai, main=True)
    assert (remainder.successor.code, remainder.part, remainder.act_clause) == (
        "c-dong-hai-2025",
        "",
        "Điều 1 khoản 61",
    )
    # A district holding Đông Hải's work picks, near it, the remainder's ward first.
    city = unit("d-phan-rang-thap-cham")
    assert successor_for(city, on=FIRST_NEW_DAY, near=dong_hai) == unit("c-dong-hai-2025")


def test_dolisas_moved_steps_go_to_the_health_department_and_the_rest_to_home_affairs(plan):
    dolisa = unit("dolisa")

    # Until Ninh Thuận's departments end, DOLISA keeps its work: the matrix names it.
    for day in (dt.date(2025, 3, 1), LAST_OLD_DAY):
        assert holders("dolisa", day, step="aid_request.consolidate") == ["dolisa"]
    assert holders("dolisa", step="aid_request.consolidate") == ["kh-doh"]
    assert holders("dolisa", step="report.review") == ["kh-doh"]
    assert holders("dolisa", duty="provincial_yearly_report") == ["kh-doh"]
    # A step or duty the move does not list follows the remainder: Sở Nội vụ.
    assert holders("dolisa", step="aid_request.draft") == ["kh-doha"]
    assert holders("dolisa", duty="some_other_duty") == ["kh-doha"]
    # Asked about the whole unit: the remainder first, then where functions moved.
    assert holders("dolisa") == ["kh-doha", "kh-doh"]
    assert successor_for(dolisa, on=FIRST_NEW_DAY) == unit("kh-doha")
    assert successor_for(dolisa, on=FIRST_NEW_DAY, step="aid_request.consolidate") == unit("kh-doh")

    path = succession_path(dolisa, unit("kh-doh"), on=FIRST_NEW_DAY)
    assert acts(path) == [
        ("dolisa", "doh", "45/2025/NĐ-CP"),
        ("doh", "kh-doh", "202/2025/QH15"),
    ]
    moved = path[0]
    assert moved.kind == "functions_moved" and moved.effective_on == dt.date(2025, 3, 1)
    assert "aid_request.consolidate" in moved.steps and "aid_request.draft" not in moved.steps
    assert "not confirmed for Ninh Thuận" in moved.note
    assert acts(succession_path(dolisa, unit("kh-doha"), on=TODAY)) == [
        ("dolisa", "doha", "45/2025/NĐ-CP"),
        ("doha", "kh-doha", "202/2025/QH15"),
    ]


def test_the_moved_steps_and_duties_are_every_one_that_names_dolisa(plan):
    moved = Succession.objects.get(predecessor__code="dolisa", kind="functions_moved")
    named = {
        f"{process}.{step}"
        for process, step in plan.responsibilities.filter(unit__code="dolisa").values_list(
            "process", "step"
        )
    }
    assert set(moved.steps) == named
    duties = plan.obligations.filter(units__code="dolisa") | plan.obligations.filter(
        recipient__code="dolisa"
    )
    assert set(moved.duties) == set(duties.values_list("code", flat=True))


def test_a_move_of_nothing_in_the_plan_leaves_the_merger_to_hold_everything(plan):
    # DIC: press to Sở VH-TT&DL (no step of this plan), the rest to Sở KH&CN.
    press = Succession.objects.get(predecessor__code="dic", kind="functions_moved")
    assert (press.successor.code, press.steps, press.duties) == ("dcst", [], [])
    assert holders("dic") == ["kh-dost"]
    assert holders("dic", duty="yearly_results_report") == ["kh-dost"]
    assert holders("emc", step="aid_request.review") == ["kh-dera"]
    assert holders("dpi", step="mobilisation.record") == ["kh-dof"]
    assert holders("ppc") == ["kh-ppc"]
    assert holders("ppc", LAST_OLD_DAY) == ["ppc"]
    # A department that continued until the merger goes to its Khánh Hòa counterpart.
    assert holders("doet", step="aid_request.review") == ["kh-doet"]


def test_a_dissolved_district_gives_its_work_to_the_new_commune_of_the_requests_commune(plan):
    bac_ai = unit("d-bac-ai")

    assert holders("d-bac-ai") == ["c-bac-ai-tay", "c-bac-ai", "c-bac-ai-dong", "c-my-son-2025"]
    near = {
        "c-phuoc-binh": "c-bac-ai-tay",
        "c-phuoc-chinh": "c-bac-ai",
        "c-phuoc-dai": "c-bac-ai-dong",
        "c-phuoc-trung": "c-my-son-2025",  # with xã Mỹ Sơn of Ninh Sơn
        "c-bac-ai-tay": "c-bac-ai-tay",  # a new commune itself
    }
    for commune, expected in near.items():
        found = successor_for(
            bac_ai, on=FIRST_NEW_DAY, step="aid_request.draft", near=unit(commune)
        )
        assert found == unit(expected), commune
    assert successor_for(bac_ai, on=FIRST_NEW_DAY) == unit("c-bac-ai-tay")  # the first
    # A commune of another district is no help: the first again.
    assert successor_for(bac_ai, on=FIRST_NEW_DAY, near=unit("c-xuan-hai")) == unit("c-bac-ai-tay")
    assert successor_for(bac_ai, on=LAST_OLD_DAY, near=unit("c-phuoc-dai")) == bac_ai
    (step,) = succession_path(bac_ai, unit("c-bac-ai-dong"), on=FIRST_NEW_DAY)
    assert (step.kind, step.act, step.act_date) == (
        "dissolved_into",
        "72/2025/QH15",
        dt.date(2025, 6, 16),
    )
    # Each district gives its work to every new commune of one of its communes, and only those.
    for district in Unit.objects.filter(kind="district"):
        of_communes = {
            new.code
            for commune in district.children.all()
            if commune.valid_to == LAST_OLD_DAY
            for new in successors_of(commune, on=FIRST_NEW_DAY)
        }
        assert set(holders(district.code)) == of_communes, district.code


def test_chains_are_read_in_a_query_per_generation(plan, django_assert_num_queries):
    dolisa, bac_ai, bac_ai_tay = unit("dolisa"), unit("d-bac-ai"), unit("c-bac-ai-tay")
    with django_assert_num_queries(2):  # DOLISA's successions, then Sở Y tế's and Sở Nội vụ's
        successors_of(dolisa, on=TODAY, step="aid_request.consolidate")
    with django_assert_num_queries(1):
        successors_of(bac_ai, on=TODAY)
    with django_assert_num_queries(0):
        successors_of(bac_ai_tay, on=TODAY)


# The successions section of the plan file -------------------------------------------------------


def shipped() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def write(tmp_path, data: dict) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def load(path) -> str:
    out = io.StringIO()
    call_command("loadplan", str(path), stdout=out)
    return out.getvalue()


def find(data: dict, **match) -> int:
    return next(i for i, row in enumerate(data["successions"]) if match.items() <= row.items())


def test_loading_the_plan_twice_changes_nothing(plan):
    assert "(0 changes)" in load(PLAN_FILE)
    assert not PlanChange.objects.filter(entity="succession", action="updated").exists()
    assert PlanChange.objects.filter(entity="succession", action="created").count() == 110
    created = PlanChange.objects.get(
        entity="succession", key="c-phuoc-binh c-bac-ai-tay 2025-07-01"
    )
    assert created.after["act_clause"] == "Điều 1 khoản 48"


@time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=VN), tick=False)
def test_a_succession_dropped_from_the_file_ends_and_comes_back_when_restored(plan, tmp_path):
    data = shipped()
    dropped = data["successions"].pop(find(data, predecessor="c-phuoc-binh"))

    out = load(write(tmp_path, data))

    assert "0 created, 0 updated, 1 ended" in out
    row = Succession.objects.get(predecessor__code="c-phuoc-binh")  # kept, not deleted
    assert row.valid_to == dt.date(2026, 11, 30)
    assert holders("c-phuoc-binh", dt.date(2026, 11, 30)) == ["c-bac-ai-tay"]
    assert holders("c-phuoc-binh", TODAY) == []
    change = PlanChange.objects.get(entity="succession", action="updated")
    assert change.key == "c-phuoc-binh c-bac-ai-tay 2025-07-01"
    assert change.after == {"valid_to": "2026-11-30"}

    data["successions"].append(dropped)
    assert "0 created, 1 updated, 0 ended" in load(write(tmp_path, data))
    assert holders("c-phuoc-binh", TODAY) == ["c-bac-ai-tay"]


def test_a_changed_succession_is_updated_in_place(plan, tmp_path):
    data = shipped()
    row = data["successions"][find(data, predecessor="c-phuoc-binh")]
    row["note"] = "Checked against the resolution's text."
    pk = Succession.objects.get(predecessor__code="c-phuoc-binh").pk

    assert "1 updated" in load(write(tmp_path, data))
    assert Succession.objects.get(pk=pk).note == "Checked against the resolution's text."


def succession_unknown_unit(data):
    i = find(data, predecessor="c-phuoc-binh")
    data["successions"][i]["successor"] = "c-bac-ai-nam"
    return (
        f'successions[{i}] (c-phuoc-binh → c-bac-ai-nam): successor "c-bac-ai-nam" does not exist'
    )


def succession_kind_unknown(data):
    i = find(data, predecessor="c-phuoc-binh")
    data["successions"][i]["kind"] = "absorbed"
    choices = "merged_into, split, renamed, functions_moved, dissolved_into"
    return (
        f'successions[{i}] (c-phuoc-binh → c-bac-ai-tay): kind "absorbed" is not one of {choices}'
    )


def succession_without_act(data):
    i = find(data, predecessor="c-phuoc-binh")
    del data["successions"][i]["act"]
    return f'successions[{i}] (c-phuoc-binh → c-bac-ai-tay): missing field "act"'


def part_of_a_merger(data):
    i = find(data, predecessor="c-phuoc-binh")
    data["successions"][i]["part"] = "thôn 1"
    return f"successions[{i}] (c-phuoc-binh → c-bac-ai-tay): part and main are only for a split"


def steps_of_a_merger(data):
    i = find(data, predecessor="dpi")
    data["successions"][i]["steps"] = ["mobilisation.record"]
    return f"successions[{i}] (dpi → dof): steps and duties are only for functions_moved"


def step_not_in_the_matrix(data):
    i = find(data, predecessor="dolisa", kind="functions_moved")
    data["successions"][i]["steps"].append("aid_request.consolidation")
    return f'successions[{i}] (dolisa → doh): steps "aid_request.consolidation" does not exist'


def step_not_a_step(data):
    i = find(data, predecessor="dolisa", kind="functions_moved")
    data["successions"][i]["steps"].append("consolidate")
    return (
        f'successions[{i}] (dolisa → doh): steps[9] "consolidate" must be a matrix step such as '
        '"aid_request.consolidate"'
    )


def duty_unknown(data):
    i = find(data, predecessor="dolisa", kind="functions_moved")
    data["successions"][i]["duties"] = ["yearly_report"]
    return f'successions[{i}] (dolisa → doh): duties "yearly_report" does not exist'


def successor_not_there_yet(data):
    i = find(data, predecessor="c-phuoc-binh")
    data["successions"][i]["effective_on"] = dt.date(2025, 6, 1)
    return (
        f'successions[{i}] (c-phuoc-binh → c-bac-ai-tay): successor "c-bac-ai-tay" does not '
        "exist on effective_on 2025-06-01"
    )


def predecessor_not_there_yet(data):
    i = find(data, predecessor="c-phuoc-binh")
    data["successions"][i]["effective_on"] = dt.date(2019, 1, 1)
    data["units"][next(j for j, u in enumerate(data["units"]) if u["code"] == "c-bac-ai-tay")][
        "valid_from"
    ] = dt.date(2019, 1, 1)
    return (
        f'successions[{i}] (c-phuoc-binh → c-bac-ai-tay): predecessor "c-phuoc-binh" does not '
        "exist before effective_on 2019-01-01"
    )


def succession_twice(data):
    i = find(data, predecessor="c-phuoc-binh")
    row = copy.deepcopy(data["successions"][i])
    row["kind"] = "renamed"
    data["successions"].append(row)
    last = len(data["successions"]) - 1
    twice = f"successions[{last}] (c-phuoc-binh → c-bac-ai-tay): the same succession as "
    mixed = 'successions ("c-phuoc-binh", 2025-07-01): one unit is handed over one way on one '
    return [
        twice + f"successions[{i}] (c-phuoc-binh → c-bac-ai-tay)",
        mixed + "day, not merged_into, renamed",
    ]


def merged_into_two(data):
    i = find(data, predecessor="c-phuoc-binh")
    row = copy.deepcopy(data["successions"][i])
    row["successor"] = "c-bac-ai"
    data["successions"].append(row)
    return (
        'successions ("c-phuoc-binh", 2025-07-01): merged_into names one successor; a unit whose '
        "parts go to several is split"
    )


def split_without_main(data):
    i = find(data, predecessor="c-dong-hai", main=True)
    del data["successions"][i]["main"]
    return (
        'successions ("c-dong-hai", 2025-07-01): a split names two successors or more, one of '
        "them main (the remainder)"
    )


def succession_cycle(data):
    data["successions"].append(
        {"predecessor": "c-bac-ai-tay", "successor": "c-phuoc-binh", "kind": "renamed",
         "effective_on": dt.date(2025, 8, 1), "act": "1/NQ-UBTVQH15"}
    )  # fmt: skip
    data["units"][next(j for j, u in enumerate(data["units"]) if u["code"] == "c-phuoc-binh")][
        "valid_to"
    ] = None
    i = find(data, predecessor="c-phuoc-binh")
    last = len(data["successions"]) - 1
    message = "successions lead back from the successor to the predecessor"
    return [
        f"successions[{i}] (c-phuoc-binh → c-bac-ai-tay): {message}",
        f"successions[{last}] (c-bac-ai-tay → c-phuoc-binh): {message}",
    ]


def official_code_not_digits(data):
    i = next(j for j, u in enumerate(data["units"]) if u["code"] == "c-bac-ai-tay")
    data["units"][i]["official_code"] = "22786a"
    return (
        f'units[{i}] (code "c-bac-ai-tay"): official_code "22786a" must be a code of 2 to 5 '
        'digits, such as "22786"'
    )


BROKEN = [
    succession_unknown_unit,
    succession_kind_unknown,
    succession_without_act,
    part_of_a_merger,
    steps_of_a_merger,
    step_not_in_the_matrix,
    step_not_a_step,
    duty_unknown,
    successor_not_there_yet,
    predecessor_not_there_yet,
    succession_twice,
    merged_into_two,
    split_without_main,
    succession_cycle,
    official_code_not_digits,
]


@pytest.mark.parametrize("breaks", BROKEN, ids=lambda f: f.__name__)
def test_broken_successions_are_refused_and_write_nothing(plan, tmp_path, breaks):
    data = shipped()
    expected = breaks(data)
    rows = list(Succession.objects.order_by("pk").values())

    with pytest.raises(CommandError) as refused:
        load(write(tmp_path, data))

    errors = [line.strip() for line in str(refused.value).splitlines()[1:]]
    assert errors == (expected if isinstance(expected, list) else [expected])
    assert list(Succession.objects.order_by("pk").values()) == rows


def test_an_unquoted_official_code_is_read_as_its_digits(plan, tmp_path):
    data = shipped()
    i = next(j for j, u in enumerate(data["units"]) if u["code"] == "kh-ppc")
    data["units"][i]["official_code"] = 56  # written without quotes

    assert "(0 changes)" in load(write(tmp_path, data))


# Admin ------------------------------------------------------------------------------------------


def test_admin_lists_successions_read_only_and_on_each_units_page(admin_client, plan):
    changelist = reverse("admin:agencies_succession_changelist")
    assert admin_client.get(changelist, {"q": "phuoc-binh"}).status_code == 200
    rows = admin_client.get(changelist, {"kind__exact": "split"}).context["cl"].queryset
    assert rows.count() == 2
    with time_machine.travel(dt.datetime(2025, 6, 30, 9, tzinfo=VN), tick=False):
        future = admin_client.get(changelist, {"in_force": "future"}).context["cl"].queryset
        assert future.count() == 110 - 6 - 3  # all but March 2025's and the 2024 wards'
    row = Succession.objects.get(predecessor__code="c-phuoc-binh")
    page = admin_client.get(reverse("admin:agencies_succession_change", args=[row.pk]))
    assert page.status_code == 200 and 'name="act"' not in page.content.decode()
    assert admin_client.post(reverse("admin:agencies_succession_add")).status_code == 403

    html = admin_client.get(
        reverse("admin:agencies_unit_change", args=[unit("c-phuoc-binh").pk])
    ).content.decode()
    assert "successions_from-TOTAL_FORMS" in html and "<p>Điều 1 khoản 48</p>" in html
    assert 'name="successions_from-0-act"' not in html  # shown, not editable
    html = admin_client.get(
        reverse("admin:agencies_unit_change", args=[unit("c-bac-ai-tay").pk])
    ).content.decode()
    assert "successions_to-TOTAL_FORMS" in html
    assert html.count("<p>Điều 1 khoản 48</p>") == 3  # Phước Bình, Phước Hòa, Phước Tân
