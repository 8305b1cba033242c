"""The duties list's filters (in the URL, kept in saved filters): period, unit, obligation,
state (derived in SQL as Obligation.state derives it), overdue, and a search by the
obligation's or the unit's name."""

from __future__ import annotations

import django_filters  # type: ignore[import-untyped]
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import ObligationDefinition
from agencies.selectors import current_memberships
from workflows.core.filters import SearchFilter, YearFilter, name_lookup

from .models import Obligation, ObligationState


def state_lookup(state: str) -> Q | None:
    """The duties in a state now, as Obligation.state reads it."""
    now = timezone.now()
    owed = Q(waiver__isnull=True, submitted_at__isnull=True)
    submitted = Q(waiver__isnull=True, submitted_at__isnull=False)
    return (
        {
            ObligationState.WAIVED: Q(waiver__isnull=False),
            ObligationState.ON_TIME: submitted & Q(submitted_at__lt=F("due_at")),
            ObligationState.LATE: submitted & Q(submitted_at__gte=F("due_at")),
            ObligationState.OVERDUE: owed & Q(due_at__lte=now),
            ObligationState.OPEN: owed & Q(due_at__gt=now),
        }.get(ObligationState(state))
        if state in ObligationState.values
        else None
    )


class ObligationFilter(django_filters.FilterSet):
    q = SearchFilter(method="by_search", help_text=_("Obligation or unit"))
    year = YearFilter(field_name="year", label=_("Period"))
    unit = django_filters.ChoiceFilter(
        label=_("Unit"), field_name="unit__code", empty_label=_("All units")
    )
    definition = django_filters.ChoiceFilter(
        label=_("Obligation"), field_name="definition__code", empty_label=_("All obligations")
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=ObligationState.choices,
        method="by_state",
        empty_label=_("All states"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="by_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Obligation
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        units = {m.unit.code: m.unit.name for m in current_memberships(user)}
        self.filters["unit"].extra["choices"] = list(units.items())
        owed = ObligationDefinition.objects.filter(pk__in=self.queryset.values("definition_id"))
        self.filters["definition"].extra["choices"] = list(
            {d.code: d.name for d in owed.order_by("code")}.items()
        )

    def by_state(self, queryset, name, value):
        found = state_lookup(value)
        return queryset.filter(found) if found is not None else queryset

    def by_overdue(self, queryset, name, value):
        return queryset.filter(state_lookup(ObligationState.OVERDUE)) if value else queryset

    def by_search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(name_lookup("definition", text) | name_lookup("unit", text))
