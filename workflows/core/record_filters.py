"""What each process's record list filters by first: a search by code or names, the status and
the year (workflows.core.filters has the filters themselves and the inbox's)."""

from __future__ import annotations

from typing import Any

import django_filters  # type: ignore[import-untyped]
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .filters import SearchFilter, YearFilter, code_lookup


class RecordFilter(django_filters.FilterSet):
    """A process's record list: each adds its own filters, says what its search box takes
    (`search_help`) and what the search matches besides a record's code (`search`)."""

    search_help: Any = ""

    q = SearchFilter(method="by_search")
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=_("All statuses"))
    year = YearFilter(field_name="year")

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["q"].extra["help_text"] = self.search_help
        status = self._meta.model._meta.get_field("status")
        self.filters["status"].extra["choices"] = status.choices

    def by_search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(self.search(text) | (code_lookup(text) or Q(pk__in=[])))

    def search(self, text: str) -> Q:
        """The records the text names besides by code: each list says which."""
        raise NotImplementedError
