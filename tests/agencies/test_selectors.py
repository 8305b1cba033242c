"""Who may act, read through the selectors over the shipped plan and members made by services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
import yaml
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import translation

from agencies.auth_backends import MembershipBackend
from agencies.models import PlanChange, Unit
from agencies.selectors import actors_for, permissions_of, target_communes, units_for_user
from tests.conftest import PLAN_FILE

pytestmark = pytest.mark.django_db

IN_PLAN = dt.date(2024, 5, 1)
LAST_DISTRICT_DAY = dt.date(2025, 6, 30)
VN = dt.timezone(dt.timedelta(hours=7))


def codes(units) -> list[str]:
    return sorted(unit.code for unit in units)


def draft_actors(commune_code: str, on: dt.date) -> set[tuple[str, str]]:
    subject = Unit.objects.get(code=commune_code)
    actors = actors_for(process="aid_request", step="draft", subject_unit=subject, on=on)
    return {(actor.unit.code, actor.role) for actor in actors}


def test_district_officer_acts_for_own_district_only(make_member):
    officer = make_member("d-bac-ai", "officer")

    assert codes(units_for_user(officer, on=IN_PLAN)) == ["d-bac-ai"]
    assert permissions_of(officer, on=IN_PLAN) == {"agencies.act.d-bac-ai.officer"}
    assert draft_actors("c-phuoc-dai", IN_PLAN) == {("d-bac-ai", "officer")}
    assert draft_actors("c-my-son", IN_PLAN) == {("d-ninh-son", "officer")}


def test_actor_permission_matches_only_the_subjects_district(make_member):
    officer = make_member("d-bac-ai", "officer")
    held = permissions_of(officer, on=IN_PLAN)

    def permissions(commune_code: str) -> set[str]:
        subject = Unit.objects.get(code=commune_code)
        actors = actors_for(process="aid_request", step="draft", subject_unit=subject, on=IN_PLAN)
        return {actor.permission for actor in actors}

    assert permissions("c-phuoc-dai") & held
    assert not permissions("c-my-son") & held


def test_role_filter_separates_roles_in_the_same_unit(make_member):
    leader = make_member("dolisa", "leader")

    assert codes(units_for_user(leader, on=IN_PLAN, role="leader")) == ["dolisa"]
    assert codes(units_for_user(leader, on=IN_PLAN, role="officer")) == []


def test_expired_membership_grants_nothing(make_member):
    officer = make_member("d-bac-ai", "officer", valid_to=dt.date(2020, 12, 31))
    backend = MembershipBackend()
    perm = "agencies.act.d-bac-ai.officer"

    assert permissions_of(officer, on=dt.date(2020, 12, 31)) == {perm}
    assert codes(units_for_user(officer, on=dt.date(2021, 1, 1))) == []
    assert permissions_of(officer, on=dt.date(2021, 1, 1)) == set()
    with time_machine.travel(dt.datetime(2021, 1, 1, 0, 5, tzinfo=VN), tick=False):
        assert backend.get_all_permissions(officer) == set()
        assert not backend.has_perm(officer, perm)
        assert not officer.has_perm(perm)


def test_backend_grants_current_membership_today_in_vietnam_time(make_member, django_user_model):
    officer = make_member("d-bac-ai", "officer", valid_to=dt.date(2020, 12, 31))
    perm = "agencies.act.d-bac-ai.officer"

    # 31/12/2020 23:30 in Vietnam is still 16:30 UTC the same day, so the membership holds.
    with time_machine.travel(dt.datetime(2020, 12, 31, 23, 30, tzinfo=VN), tick=False):
        assert MembershipBackend().get_all_permissions(officer) == {perm}
        assert django_user_model.objects.get(pk=officer.pk).has_perm(perm)
    # 01/01/2021 00:30 in Vietnam is still 31/12/2020 in UTC, yet the membership has ended.
    with time_machine.travel(dt.datetime(2021, 1, 1, 0, 30, tzinfo=VN), tick=False):
        assert not django_user_model.objects.get(pk=officer.pk).has_perm(perm)


def test_backend_ignores_other_permissions_inactive_and_anonymous_users(make_member):
    officer = make_member("d-bac-ai", "officer")
    backend = MembershipBackend()

    with time_machine.travel(dt.datetime(2024, 5, 1, 9, tzinfo=VN), tick=False):
        assert not backend.has_perm(officer, "agencies.change_unit")
        assert backend.get_all_permissions(AnonymousUser()) == set()
        officer.is_active = False
        assert backend.get_all_permissions(officer) == set()


def test_future_membership_grants_nothing_yet(make_member):
    officer = make_member("dolisa", "officer", valid_from=dt.date(2024, 6, 1))

    assert permissions_of(officer, on=dt.date(2024, 5, 31)) == set()
    assert permissions_of(officer, on=dt.date(2024, 6, 1)) == {"agencies.act.dolisa.officer"}


def test_district_is_offered_until_its_last_day_only(make_member):
    officer = make_member("d-bac-ai", "officer")
    day_after = LAST_DISTRICT_DAY + dt.timedelta(days=1)

    assert codes(units_for_user(officer, on=LAST_DISTRICT_DAY)) == ["d-bac-ai"]
    assert codes(units_for_user(officer, on=day_after)) == []
    assert ("d-bac-ai", "officer") in draft_actors("c-phuoc-dai", LAST_DISTRICT_DAY)
    assert ("d-bac-ai", "officer") not in draft_actors("c-phuoc-dai", day_after)


def test_open_ended_membership_is_clamped_to_the_district_and_ends_with_it(make_member):
    officer = make_member("d-bac-ai", "leader")

    with time_machine.travel(dt.datetime(2025, 6, 30, 23, 59, tzinfo=VN), tick=False):
        assert codes(units_for_user(officer)) == ["d-bac-ai"]
        assert MembershipBackend().has_perm(officer, "agencies.act.d-bac-ai.leader")
    with time_machine.travel(dt.datetime(2025, 7, 1, 0, 1, tzinfo=VN), tick=False):
        assert codes(units_for_user(officer)) == []
        assert permissions_of(officer) == set()


BAC_AI_COMMUNES = [
    "c-phuoc-binh",
    "c-phuoc-chinh",
    "c-phuoc-dai",
    "c-phuoc-hoa",
    "c-phuoc-tan",
    "c-phuoc-thang",
    "c-phuoc-thanh",
    "c-phuoc-tien",
    "c-phuoc-trung",
]
# Only khu vực III communes are targets (rules.target_area_classes); Ninh Sơn's others are I.
NINH_SON_COMMUNES = ["c-ma-noi", "c-my-son"]


@pytest.mark.parametrize(
    ("district", "on", "expected"),
    [
        ("d-bac-ai", dt.date(2022, 3, 1), BAC_AI_COMMUNES),
        ("d-ninh-son", dt.date(2022, 3, 1), NINH_SON_COMMUNES),
        ("d-ninh-hai", dt.date(2022, 3, 1), []),  # Xuân Hải is khu vực I
        ("d-ninh-phuoc", dt.date(2022, 3, 1), []),  # all khu vực I
        ("d-phan-rang-thap-cham", dt.date(2022, 3, 1), []),
        # 861/QĐ-TTg applies from 01/01/2021 until the communes end on 30/06/2025; earlier lists
        # are not in the data, nor any class of the new communes.
        ("d-bac-ai", dt.date(2020, 12, 31), []),
        ("d-bac-ai", dt.date(2021, 1, 1), BAC_AI_COMMUNES),
        ("d-bac-ai", dt.date(2025, 6, 30), BAC_AI_COMMUNES),
        ("d-bac-ai", dt.date(2025, 7, 1), []),
    ],
)
def test_target_communes_per_district_and_date(plan, district, on, expected):
    assert codes(target_communes(district=Unit.objects.get(code=district), on=on)) == expected


def test_target_communes_of_the_province(plan):
    assert target_communes(on=dt.date(2022, 3, 1)).count() == 15
    assert not target_communes(on=dt.date(2025, 7, 1)).exists()


def load_data(tmp_path, data: dict, name: str = "plan.yaml") -> None:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    call_command("loadplan", str(path), verbosity=0)


def shipped() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def test_only_the_extremely_disadvantaged_communes_are_targets(plan):
    """372/KH-UBND supports the communes 861/QĐ-TTg puts in khu vực III, not those in I or II."""
    targets = set(codes(target_communes(on=IN_PLAN)))

    assert plan.rules["target_area_classes"] == ["III"]
    assert "c-phuoc-dai" in targets  # III
    assert "c-xuan-hai" not in targets  # I
    assert "c-loi-hai" not in targets  # II
    ninh_hai = Unit.objects.get(code="d-ninh-hai")
    assert not target_communes(district=ninh_hai, on=IN_PLAN).filter(code="c-xuan-hai").exists()
    region_iii = Unit.objects.filter(classifications__area_class="III")
    assert set(region_iii.values_list("code", flat=True)) == targets


def test_a_plan_that_lists_khu_vuc_i_targets_its_communes(plan, tmp_path):
    data = shipped()
    data["rules"]["target_area_classes"] = ["I", "III"]

    load_data(tmp_path, data)

    ninh_hai = Unit.objects.get(code="d-ninh-hai")
    assert codes(target_communes(district=ninh_hai, on=IN_PLAN)) == ["c-xuan-hai"]
    assert "c-loi-hai" not in codes(target_communes(on=IN_PLAN))  # II is still not listed
    assert target_communes(on=IN_PLAN).count() == 27
    change = PlanChange.objects.get(entity="plan", action="updated")
    assert change.after["rules"]["target_area_classes"] == ["I", "III"]


def test_the_class_is_read_on_the_date(plan, tmp_path):
    """A commune reclassified into khu vực III is a target from that day, not before."""
    data = shipped()
    commune = next(unit for unit in data["units"] if unit["code"] == "c-xuan-hai")
    commune["classifications"] = [
        {"area_class": "I", "act": "861/QĐ-TTg", "valid_from": dt.date(2021, 1, 1),
         "valid_to": dt.date(2022, 12, 31)},
        {"area_class": "III", "act": "861/QĐ-TTg", "valid_from": dt.date(2023, 1, 1),
         "valid_to": dt.date(2025, 6, 30)},
    ]  # fmt: skip

    load_data(tmp_path, data)

    ninh_hai = Unit.objects.get(code="d-ninh-hai")
    assert codes(target_communes(district=ninh_hai, on=dt.date(2022, 12, 31))) == []
    assert codes(target_communes(district=ninh_hai, on=dt.date(2023, 1, 1))) == ["c-xuan-hai"]


def test_each_commune_follows_the_rule_of_its_own_plan(plan, tmp_path):
    other = {
        "plan": {
            "code": "other-province",
            "title_vi": "Kế hoạch của tỉnh khác",
            "act": "1/KH-UBND",
            "issued_on": dt.date(2019, 9, 3),
            "first_year": 2019,
            "last_year": 2025,
        },
        "rules": {**shipped()["rules"], "target_area_classes": ["I"]},
        "roles": shipped()["roles"],
        "clauses": [{"code": "I.1", "summary_vi": "Mục tiêu", "out_of_scope": "not this test"}],
        "units": [
            {
                "code": "o-ppc",
                "kind": "province",
                "name_vi": "UBND tỉnh khác",
                "valid_from": dt.date(2019, 1, 1),
            },
            {
                "code": "o-district",
                "kind": "district",
                "parent": "o-ppc",
                "name_vi": "Huyện khác",
                "valid_from": dt.date(2019, 1, 1),
            },
            {
                "code": "o-commune",
                "kind": "commune",
                "parent": "o-district",
                "name_vi": "Xã khác",
                "valid_from": dt.date(2019, 1, 1),
                "classifications": [
                    {"area_class": "I", "act": "861/QĐ-TTg", "valid_from": dt.date(2021, 1, 1)}
                ],
            },
        ],
        "categories": [],
        "funding_sources": [],
        "responsibilities": [],
        "obligations": [],
        "successions": [],
    }

    load_data(tmp_path, other, "other.yaml")

    targets = codes(target_communes(on=IN_PLAN))
    assert "o-commune" in targets  # khu vực I, listed by its plan
    assert "c-xuan-hai" not in targets  # khu vực I, not listed by the Ninh Thuận plan
    assert len(targets) == 16
    district = Unit.objects.get(code="o-district")
    assert codes(target_communes(district=district, on=IN_PLAN)) == ["o-commune"]


def test_matrix_memo_follows_plan_changes(plan, django_assert_num_queries):
    """actors_for memoises the matrix, and a change of plan data is seen at once."""
    import datetime as dt

    from agencies.models import Responsibility, Unit
    from agencies.selectors import actors_for

    day = dt.date(2023, 3, 15)
    first = actors_for(process="aid_request", step="consolidate", on=day)
    with django_assert_num_queries(0):
        assert actors_for(process="aid_request", step="consolidate", on=day) == first
    row = Responsibility.objects.filter(process="aid_request", step="consolidate").first()
    row.unit = Unit.objects.get(code="doh")
    row.save()
    assert actors_for(process="aid_request", step="consolidate", on=day)[0].unit.code == "doh"


def test_a_new_commune_takes_its_predecessors_highest_class_where_the_plan_opts_in(plan, tmp_path):
    """Bác Ái Tây (from Phước Bình, Phước Hòa, Phước Tân, all khu vực III) is provisionally
    of class III; Phan Rang (from wards 861/QĐ-TTg never classified) is of none."""
    from agencies.models import Plan
    from agencies.selectors import provisional_classes

    after = dt.date(2026, 3, 1)
    bac_ai_tay = Unit.objects.get(code="c-bac-ai-tay")
    assert not target_communes(on=after).exists()  # no class of its own, and no opt-in

    data = shipped()
    data["rules"]["provisional_classification"] = True
    load_data(tmp_path, data)

    provisional = provisional_classes(on=after)
    assert provisional[bac_ai_tay.pk] == ("III", ["861/QĐ-TTg"])
    assert Unit.objects.get(code="c-phan-rang").pk not in provisional
    of_class_iii = [pk for pk, (area_class, _acts) in provisional.items() if area_class == "III"]
    assert codes(target_communes(on=after)) == codes(Unit.objects.filter(pk__in=of_class_iii))
    assert len(of_class_iii) < len(provisional)  # others are provisionally of class I or II
    assert codes(target_communes(district=bac_ai_tay, on=after)) == ["c-bac-ai-tay"]
    later = Plan.objects.get()
    assert "c-bac-ai-tay" in codes(target_communes(plan=later, on=after))


def test_a_decision_of_its_own_replaces_the_provisional_class(plan, tmp_path):
    from agencies.selectors import provisional_classes

    data = shipped()
    data["rules"]["provisional_classification"] = True
    commune = next(unit for unit in data["units"] if unit["code"] == "c-bac-ai-tay")
    commune["classifications"] = [
        {"area_class": "I", "act": "Quyết định của UBND tỉnh (ví dụ)",
         "valid_from": dt.date(2026, 1, 1)}
    ]  # fmt: skip
    load_data(tmp_path, data)

    after = dt.date(2026, 3, 1)
    assert Unit.objects.get(code="c-bac-ai-tay").pk not in provisional_classes(on=after)
    assert "c-bac-ai-tay" not in codes(target_communes(on=after))  # class I is not targeted


def test_a_pages_area_class_says_when_it_is_provisional_and_by_which_rule(plan):
    from agencies.models import Plan
    from agencies.selectors import area_class_label

    call_command("loadplan", "agencies/plans/khanh-hoa-2026-example.yaml", verbosity=0)
    example = Plan.objects.get(code="khanh-hoa-2026-example")

    with translation.override("en"):
        own = area_class_label(Unit.objects.get(code="c-phuoc-binh"), on=IN_PLAN)
        provisional = area_class_label(
            Unit.objects.get(code="c-bac-ai-tay"), on=dt.date(2026, 3, 1), plan=example
        )
        under_372 = area_class_label(Unit.objects.get(code="c-bac-ai-tay"), on=dt.date(2026, 3, 1))

    assert own == "Area III (861/QĐ-TTg)"
    assert provisional.startswith("Area III, provisional") and "861/QĐ-TTg" in provisional
    assert under_372 == ""  # plan 372 does not opt in
