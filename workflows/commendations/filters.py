"""The commendation list's filters (in the URL, kept across pages and saved filters): status,
year, kind of nominee, and a search by code or the nominee's name."""

from __future__ import annotations

import django_filters  # type: ignore[import-untyped]
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.core.record_filters import RecordFilter

from .models import Commendation, NomineeKind


class CommendationFilter(RecordFilter):
    search_help = _("Code or nominee")

    nominee_kind = django_filters.ChoiceFilter(
        label=_("Kind of nominee"), choices=NomineeKind.choices, empty_label=_("All kinds")
    )

    class Meta:
        model = Commendation
        fields: list[str] = []

    def search(self, text: str) -> Q:
        return Q(nominee_name__icontains=text)
