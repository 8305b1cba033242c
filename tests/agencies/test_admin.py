"""Admin over the loaded plan: every list opens, filters by validity, history stays read-only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from agencies.models import ObligationDefinition, PlanChange, Responsibility, Unit

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

    assert {unit.kind for unit in ended} == {"district"}
    assert ended.count() == 7
    assert current.filter(code="dolisa").exists()
    assert not current.filter(kind="district").exists()


def test_unit_filters_by_kind(staff):
    rows = staff.get(changelist(Unit), {"kind__exact": "commune"}).context["cl"].queryset

    assert rows.count() == 28


def test_classifications_are_edited_on_communes_only(staff):
    commune = Unit.objects.get(code="c-phuoc-dai")
    district = Unit.objects.get(code="d-bac-ai")

    page = staff.get(reverse("admin:agencies_unit_change", args=[commune.pk]))
    assert "classifications-TOTAL_FORMS" in page.content.decode()
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
            "term": "Bác Ái",
        },
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Ủy ban nhân dân huyện Bác Ái"]


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
