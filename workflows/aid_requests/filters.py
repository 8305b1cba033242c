"""The aid request list's filters (in the URL, kept across pages and saved filters): status,
year, district, category, delivery overdue, and a search by code or commune."""

from __future__ import annotations

import django_filters  # type: ignore[import-untyped]
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Category, Unit
from workflows.core.filters import name_lookup
from workflows.core.record_filters import RecordFilter

from . import selectors
from .models import AidRequest


class AidRequestFilter(RecordFilter):
    search_help = _("Code or commune")

    unit = django_filters.ChoiceFilter(
        label=_("District"), method="by_unit", empty_label=_("All districts")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), field_name="category__code", empty_label=_("All categories")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Delivery overdue"), method="by_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = AidRequest
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        districts = Unit.objects.filter(pk__in=self.queryset.values("district_id"))
        self.filters["unit"].extra["choices"] = [
            (unit.code, unit.name) for unit in districts.order_by("code")
        ]
        categories = Category.objects.order_by("position", "code")
        self.filters["category"].extra["choices"] = list(
            {c.code: c.name for c in categories.only("code", "name_vi", "name_en")}.items()
        )

    def by_unit(self, queryset, name, value):
        return queryset.filter(district__code=value)

    def by_overdue(self, queryset, name, value):
        """Approved but not delivered by the due date."""
        return queryset.filter(pk__in=selectors.overdue_deliveries()) if value else queryset

    def search(self, text: str) -> Q:
        return name_lookup("commune", text)
