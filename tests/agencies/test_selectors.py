"""Who may act, read through the selectors over the shipped plan and members made by services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from agencies.auth_backends import MembershipBackend
from agencies.models import Unit
from agencies.selectors import actors_for, permissions_of, target_communes, units_for_user

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
NINH_SON_COMMUNES = ["c-lam-son", "c-luong-son", "c-ma-noi", "c-my-son", "c-nhon-son"]


@pytest.mark.parametrize(
    ("district", "on", "expected"),
    [
        ("d-bac-ai", dt.date(2022, 3, 1), BAC_AI_COMMUNES),
        ("d-ninh-son", dt.date(2022, 3, 1), NINH_SON_COMMUNES),
        ("d-ninh-hai", dt.date(2022, 3, 1), ["c-xuan-hai"]),
        ("d-phan-rang-thap-cham", dt.date(2022, 3, 1), []),
        # 861/QĐ-TTg applies from 01/01/2021 to 31/12/2025; earlier lists are not in the data.
        ("d-bac-ai", dt.date(2020, 12, 31), []),
        ("d-bac-ai", dt.date(2021, 1, 1), BAC_AI_COMMUNES),
        ("d-bac-ai", dt.date(2025, 12, 31), BAC_AI_COMMUNES),
    ],
)
def test_target_communes_per_district_and_date(plan, district, on, expected):
    assert codes(target_communes(district=Unit.objects.get(code=district), on=on)) == expected


def test_target_communes_of_the_province(plan):
    assert target_communes(on=dt.date(2022, 3, 1)).count() == 28
    assert not target_communes(on=dt.date(2026, 1, 1)).exists()


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
