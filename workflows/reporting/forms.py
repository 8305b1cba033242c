"""Forms of the reporting pages; they parse input, services decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Category, FundingSource, ObligationDefinition, Unit, UnitKind
from workflows.core.bounds import FIRST_YEAR, LAST_YEAR, MAX_COUNT, MAX_LINES, MAX_VND
from workflows.core.forms import MultipleFileField, ReasonForm

from .selectors import places_of, reporting_kinds
from .services import ChildrenLine, ReportInput, ResourceLine


class ReportForm(forms.Form):
    """The narrative and activity count; figures come from the two formsets."""

    narrative = forms.CharField(
        label=_("Narrative"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    activities_held = forms.IntegerField(
        label=_("Activities held"), min_value=0, max_value=MAX_COUNT, initial=0
    )
    attachments = MultipleFileField(label=_("Attachments (PDF, images, Office files ≤ 10 MB)"))


class ResourceForm(forms.Form):
    source = forms.ModelChoiceField(queryset=FundingSource.objects.all(), label=_("Source"))
    cash_vnd = forms.IntegerField(
        label=_("Cash (VND)"), min_value=0, max_value=MAX_VND, required=False
    )
    in_kind_vnd = forms.IntegerField(
        label=_("In-kind value (VND)"), min_value=0, max_value=MAX_VND, required=False
    )


class ChildrenForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all(), label=_("Category"))
    commune = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Commune"))
    children = forms.IntegerField(label=_("Children supported"), min_value=1, max_value=MAX_COUNT)

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = communes


ResourceFormSet = forms.formset_factory(
    ResourceForm, extra=3, max_num=MAX_LINES, absolute_max=MAX_LINES, validate_max=True
)
ChildrenFormSet = forms.formset_factory(
    ChildrenForm, extra=5, max_num=MAX_LINES, absolute_max=MAX_LINES, validate_max=True
)


def children_formset(data, *, unit: Unit, initial=None):
    """Children lines offer only the communes the unit may report (IV.12.b)."""
    communes = places_of(unit).order_by("name_vi")
    return ChildrenFormSet(
        data, prefix="children", initial=initial, form_kwargs={"communes": communes}
    )


def _filled(formset) -> list[dict]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data]


def report_input(form: ReportForm, resources, children) -> ReportInput:
    data = form.cleaned_data
    return ReportInput(
        narrative=data["narrative"],
        activities_held=data["activities_held"],
        resources=[
            ResourceLine(
                source=x["source"], cash_vnd=x["cash_vnd"] or 0, in_kind_vnd=x["in_kind_vnd"] or 0
            )
            for x in _filled(resources)
        ],
        children=[
            ChildrenLine(category=x["category"], commune=x["commune"], children=x["children"])
            for x in _filled(children)
        ],
    )


def report_initial(report) -> tuple[dict, list[dict], list[dict]]:
    """A saved report as the initial values of the form and its formsets."""
    return (
        {"narrative": report.narrative, "activities_held": report.activities_held},
        [
            {"source": x.source, "cash_vnd": x.cash_vnd, "in_kind_vnd": x.in_kind_vnd}
            for x in report.resources.all()
        ],
        [
            {"category": x.category, "commune": x.commune, "children": x.children}
            for x in report.children.all()
        ],
    )


class NarrativeForm(forms.Form):
    narrative = forms.CharField(label=_("Narrative"), widget=forms.Textarea(attrs={"rows": 10}))


class WaiveForm(ReasonForm):
    """A waiver is destructive: a reason and a confirmation, as declared (V.2)."""

    confirm = forms.BooleanField(label=_("I confirm this action."), required=True)


class BulkWaiveForm(WaiveForm):
    """Several duties waived with one reason, each through the door on its own (V.2)."""

    obligations = forms.TypedMultipleChoiceField(
        label=_("Duties"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedMultipleChoiceField, self.fields["obligations"])
        field.choices = choices


class DashboardForm(forms.Form):
    """The dashboard's period, and the kind of unit and duty when asked (V.2)."""

    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    kind = forms.ChoiceField(label=_("Kind of unit"), required=False)
    definition = forms.ModelChoiceField(
        queryset=ObligationDefinition.objects.all(),
        label=_("Obligation"),
        required=False,
        to_field_name="code",
        empty_label=_("All obligations"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        named = reporting_kinds()
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("All kinds of unit")),
            *((kind.value, kind.label) for kind in UnitKind if kind.value in named),
        ]
