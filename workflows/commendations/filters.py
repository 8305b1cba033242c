"""The commendation list's filters (in the URL, kept across pages and saved filters): status,
year, kind of nominee, and a search by code or the nominee's name."""

from __future__ import annotations

import django_filters  # type: ignore[import-untyped]
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.core.filters import SearchFilter, YearFilter, code_lookup

from .models import Commendation, NomineeKind, Status


class CommendationFilter(django_filters.FilterSet):
    q = SearchFilter(method="by_search", help_text=_("Code or nominee"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Status.choices, empty_label=_("All statuses")
    )
    year = YearFilter(field_name="year")
    nominee_kind = django_filters.ChoiceFilter(
        label=_("Kind of nominee"), choices=NomineeKind.choices, empty_label=_("All kinds")
    )

    class Meta:
        model = Commendation
        fields: list[str] = []

    def by_search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        code = code_lookup(text) or Q(pk__in=[])
        return queryset.filter(Q(nominee_name__icontains=text) | code)
