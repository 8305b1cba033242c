"""Admin over the loaded plan: every list opens and filters by validity; the plan's tables and
their history are read-only (loadplan writes them); memberships are saved by the service."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from agencies.models import (
    Category,
    Clause,
    FundingSource,
    Membership,
    ObligationDefinition,
    Plan,
    PlanChange,
    Responsibility,
    Role,
    Unit,
)

VN = dt.timezone(dt.timedelta(hours=7))
AGENCIES_MODELS = [model for model in admin.site._registry if model._meta.app_label == "agencies"]


@pytest.fixture
def staff(admin_client, make_member):
    """A superuser's client over the loaded plan with one membership, so every list has rows."""
    make_member("d-bac-ai", "officer")
    return admin_client


def changelist(model) -> str:
    return reverse(f"admin:agencies_{model._meta.model_name}_changelist")


def test_every_plan_model_is_registered():
    names = {model.__name__ for model in AGENCIES_MODELS}
    assert names == {
        "Plan",
        "Clause",
        "Unit",
        "Role",
        "Category",
        "FundingSource",
        "Membership",
        "Responsibility",
        "ObligationDefinition",
        "PlanChange",
        "Succession",
    }


@pytest.mark.parametrize("model", AGENCIES_MODELS, ids=lambda model: model.__name__)
def test_changelists_and_search_open(staff, model):
    assert staff.get(changelist(model)).status_code == 200
    assert staff.get(changelist(model), {"q": "bac"}).status_code == 200


@pytest.mark.parametrize("model", AGENCIES_MODELS, ids=lambda model: model.__name__)
def test_first_row_opens(staff, model):
    row = model.objects.first()
    url = reverse(f"admin:agencies_{model._meta.model_name}_change", args=[row.pk])
    assert staff.get(url).status_code == 200


@time_machine.travel(dt.datetime(2025, 7, 1, 9, tzinfo=VN), tick=False)
def test_unit_validity_filter_is_read_in_vietnam_today(staff):
    ended = staff.get(changelist(Unit), {"validity": "ended"}).context["cl"].queryset
    current = staff.get(changelist(Unit), {"validity": "current"}).context["cl"].queryset

    # Ninh Thuận's committee, departments, districts and communes ended on 30/06/2025.
    assert {unit.kind for unit in ended} == {"province", "department", "district", "commune"}
    assert ended.filter(kind="district").count() == 7
    assert ended.filter(code__in=["ppc", "dolisa", "c-phuoc-binh"]).count() == 3
    assert current.filter(code__in=["kh-ppc", "kh-doh", "c-bac-ai-tay", "wu"]).count() == 4
    assert not current.filter(kind="district").exists()


def test_unit_filters_by_kind(staff):
    rows = staff.get(changelist(Unit), {"kind__exact": "commune"}).context["cl"].queryset

    assert rows.count() == 89


def test_classifications_are_shown_on_communes_only_and_read_only(staff):
    commune = Unit.objects.get(code="c-phuoc-dai")
    district = Unit.objects.get(code="d-bac-ai")

    html = staff.get(reverse("admin:agencies_unit_change", args=[commune.pk])).content.decode()
    assert "classifications-TOTAL_FORMS" in html
    assert "861/QĐ-TTg" in html
    assert 'name="classifications-0-area_class"' not in html
    assert 'name="classifications-0-DELETE"' not in html
    page = staff.get(reverse("admin:agencies_unit_change", args=[district.pk]))
    assert "classifications-TOTAL_FORMS" not in page.content.decode()


def test_responsibility_list_names_the_subjects_unit_kind(staff):
    html = staff.get(changelist(Responsibility), {"process": "aid_request"}).content.decode()

    assert "Ủy ban nhân dân cấp huyện quản lý đơn vị của hồ sơ" in html
    assert "Sở Y tế" in html


def test_membership_autocomplete_finds_units(staff):
    response = staff.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "agencies",
            "model_name": "membership",
            "field_name": "unit",
            "term": "huyện Bác Ái",
        },
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Ủy ban nhân dân huyện Bác Ái"]


PLAN_MODELS = [
    Plan,
    Clause,
    Unit,
    Role,
    Category,
    FundingSource,
    Responsibility,
    ObligationDefinition,
]


@pytest.mark.parametrize("model", PLAN_MODELS, ids=lambda model: model.__name__)
def test_plan_tables_are_read_only_even_to_a_superuser(staff, model):
    """loadplan is their only writer: the admin shows rows but offers no add, change, delete."""
    row = model.objects.order_by("pk").first()
    before = model.objects.filter(pk=row.pk).values().get()
    name = model._meta.model_name
    change = reverse(f"admin:agencies_{name}_change", args=[row.pk])
    model_admin = admin.site._registry[model]
    request = staff.get(changelist(model)).wsgi_request

    listing = staff.get(changelist(model)).content.decode()
    assert reverse(f"admin:agencies_{name}_add") not in listing
    assert 'name="action"' not in listing  # no "delete selected"
    page = staff.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert reverse(f"admin:agencies_{name}_delete", args=[row.pk]) not in html
    assert staff.get(reverse(f"admin:agencies_{name}_add")).status_code == 403
    assert staff.post(change, {"code": "edited"}).status_code == 403
    delete = reverse(f"admin:agencies_{name}_delete", args=[row.pk])
    assert staff.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).values().get() == before
    assert model_admin.has_view_permission(request, row)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)


def test_plan_changes_are_read_only(staff):
    change = PlanChange.objects.first()
    url = reverse("admin:agencies_planchange_change", args=[change.pk])

    assert staff.get(reverse("admin:agencies_planchange_add")).status_code == 403
    assert 'name="_save"' not in staff.get(url).content.decode()
    assert staff.post(url, {"key": "edited"}).status_code == 403
    assert (
        staff.post(
            reverse("admin:agencies_planchange_delete", args=[change.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    change.refresh_from_db()
    assert change.key != "edited"


def test_obligations_show_when_they_are_due(staff):
    rows = staff.get(changelist(ObligationDefinition)).context["cl"].result_list
    model_admin = admin.site._registry[ObligationDefinition]

    with translation.override("vi"):
        due = {row.code: model_admin.due(row) for row in rows}
    assert due["district_implementation_plan"] == "10/09/2019"
    assert due["yearly_results_report"] == "30/12"
    assert due["provincial_yearly_report"] == "15/01 của năm sau"


# Memberships: granted and changed through agencies.services ------------------------------------


def membership_form(user, unit_code: str, role: str, valid_from: str, valid_to: str = "") -> dict:
    return {
        "user": user.pk,
        "unit": Unit.objects.get(code=unit_code).pk,
        "role": Role.objects.get(code=role).pk,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def test_membership_ending_before_it_starts_is_refused_and_nothing_saved(staff, django_user_model):
    user = django_user_model.objects.create_user("new.officer")
    count = Membership.objects.count()

    response = staff.post(
        reverse("admin:agencies_membership_add"),
        membership_form(user, "dolisa", "officer", "01/06/2024", "31/05/2024"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "valid_to": ["Phân công kết thúc trước khi bắt đầu."]
    }
    assert "Phân công kết thúc trước khi bắt đầu." in response.content.decode()
    assert Membership.objects.count() == count


def test_membership_outside_the_units_life_is_refused(staff, django_user_model):
    user = django_user_model.objects.create_user("late.officer")

    response = staff.post(
        reverse("admin:agencies_membership_add"),
        membership_form(user, "d-bac-ai", "officer", "01/07/2025"),  # districts ended 30/06
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["valid_from"]
    assert not Membership.objects.filter(user=user).exists()


def test_membership_added_in_the_admin_is_granted_by_the_service(staff, django_user_model):
    user = django_user_model.objects.create_user("bac-ai.officer")

    response = staff.post(
        reverse("admin:agencies_membership_add"),
        membership_form(user, "d-bac-ai", "officer", "01/01/2024"),
        follow=True,
    )

    membership = Membership.objects.get(user=user)
    # Open-ended, so clamped by the service to the district's last day.
    assert (membership.valid_from, membership.valid_to) == (
        dt.date(2024, 1, 1),
        dt.date(2025, 6, 30),
    )
    assert response.redirect_chain[-1][0] == changelist(Membership)
    assert "01/01/2024 – 30/06/2025" in response.content.decode()


def test_membership_changed_in_the_admin_goes_through_the_service(staff, django_user_model):
    user = django_user_model.objects.get(memberships__unit__code="d-bac-ai")
    membership = Membership.objects.get(user=user)
    url = reverse("admin:agencies_membership_change", args=[membership.pk])

    refused = staff.post(
        url, membership_form(user, "d-bac-ai", "officer", "01/03/2024", "01/02/2024")
    )
    assert list(refused.context["adminform"].form.errors) == ["valid_to"]
    membership.refresh_from_db()
    assert membership.valid_to == dt.date(2025, 6, 30)

    response = staff.post(
        url, membership_form(user, "d-bac-ai", "officer", "01/01/2019", "31/03/2024")
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.valid_from, membership.valid_to) == (
        dt.date(2019, 1, 1),
        dt.date(2024, 3, 31),
    )
    assert Membership.objects.filter(user=user).count() == 1


# What history refers to is ended, not deleted ---------------------------------------------------


def delete_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])


def bulk_delete(client, model, *rows):
    """The changelist's "delete selected", confirmed ("post": "yes"), followed to the list."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    data = {"action": "delete_selected", "_selected_action": [row.pk for row in rows]}
    return client.post(url, {**data, "post": "yes"}, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_deleting_a_unit_is_refused_with_what_to_do_instead(staff):
    unit = Unit.objects.get(code="d-bac-ai")

    page = staff.get(delete_url(unit))
    assert page.status_code == 403
    assert "tải lại kế hoạch" in page.content.decode()  # change the plan file and load it again
    assert staff.post(delete_url(unit), {"post": "yes"}).status_code == 403
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_deleting_a_membership_that_has_been_in_force_is_refused(staff, django_user_model):
    membership = Membership.objects.get(unit__code="d-bac-ai")
    change_page = staff.get(reverse("admin:agencies_membership_change", args=[membership.pk]))

    assert delete_url(membership) not in change_page.content.decode()
    page = staff.get(delete_url(membership))
    assert page.status_code == 403
    assert "hãy kết thúc phân công" in page.content.decode()
    assert staff.post(delete_url(membership), {"post": "yes"}).status_code == 403
    listing = bulk_delete(staff, Membership, membership)
    assert any("Không xóa gì" in message for message in messages_of(listing))
    assert Membership.objects.filter(pk=membership.pk).exists()


@time_machine.travel(dt.datetime(2024, 5, 1, 9, tzinfo=VN), tick=False)
def test_a_membership_granted_for_later_may_still_be_deleted(staff, make_member):
    """Nobody has acted under it yet, so a mistaken grant can go."""
    user = make_member("dolisa", "officer", valid_from=dt.date(2024, 6, 1))
    membership = Membership.objects.get(user=user)

    assert staff.post(delete_url(membership), {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_deleting_a_user_with_history_is_refused(staff, django_user_model):
    member = django_user_model.objects.get(memberships__unit__code="d-bac-ai")
    change_page = staff.get(reverse("admin:auth_user_change", args=[member.pk]))

    assert delete_url(member) not in change_page.content.decode()
    page = staff.get(delete_url(member))
    assert page.status_code == 403
    html = page.content.decode()
    assert "hãy vô hiệu hóa tài khoản" in html
    assert "phân công" in html  # what names it: its membership
    assert staff.post(delete_url(member), {"post": "yes"}).status_code == 403
    assert django_user_model.objects.filter(pk=member.pk).exists()
    assert Membership.objects.filter(user=member).exists()


def test_a_bulk_delete_with_one_user_with_history_deletes_nobody(staff, django_user_model):
    member = django_user_model.objects.get(memberships__unit__code="d-bac-ai")
    newcomer = django_user_model.objects.create_user("newcomer")

    listing = bulk_delete(staff, django_user_model, member, newcomer)

    assert any(member.username in message for message in messages_of(listing))
    assert django_user_model.objects.filter(pk__in=[member.pk, newcomer.pk]).count() == 2


def test_a_user_without_history_may_still_be_deleted(staff, django_user_model):
    mistaken = django_user_model.objects.create_user("mistaken.account")
    other = django_user_model.objects.create_user("other.mistake")

    assert staff.get(delete_url(mistaken)).status_code == 200  # the usual confirmation
    assert staff.post(delete_url(mistaken), {"post": "yes"}).status_code == 302
    bulk_delete(staff, django_user_model, other)
    assert not django_user_model.objects.filter(pk__in=[mistaken.pk, other.pk]).exists()
