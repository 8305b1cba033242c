"""Forms of the commendation pages; the services validate again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.core.bounds import FIRST_YEAR, LAST_YEAR, MAX_VND

from .models import NomineeKind
from .services import Nomination


class NominationForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year of the contribution"), min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    nominee_name = forms.CharField(label=_("Nominee"), max_length=255)
    nominee_kind = forms.ChoiceField(label=_("Kind of nominee"), choices=NomineeKind.choices)
    contribution = forms.CharField(
        label=_("Contribution"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the nominee gave or mobilised for children, and where."),
    )
    value_vnd = forms.IntegerField(
        label=_("Value (VND)"), min_value=0, max_value=MAX_VND, initial=0
    )

    def nomination(self) -> Nomination:
        return Nomination(**self.cleaned_data)


class DecisionForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=64)
    decision_date = forms.DateField(label=_("Decision date (dd/mm/yyyy)"))
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
