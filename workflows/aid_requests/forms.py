"""Forms of the aid request pages; they parse input, services decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agencies.models import Category, FundingSource, Unit
from agencies.selectors import plans_in_force, target_communes, today
from workflows.core.bounds import LAST_YEAR, MAX_COUNT, MAX_LINES, MAX_VND, grouped
from workflows.core.forms import MultipleFileField

from .models import AidRequest
from .selectors import drafting_units
from .services import Line, RequestInput, line_total_error


class RequestForm(forms.Form):
    """The request itself; line items come from LineFormSet."""

    district = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("District"))
    commune = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Commune"))
    category = forms.ModelChoiceField(queryset=Category.objects.all(), label=_("Support category"))
    year = forms.IntegerField(label=_("Year"), min_value=2019, max_value=LAST_YEAR)
    children_preschool = forms.IntegerField(
        label=_("Preschool children"), min_value=0, max_value=MAX_COUNT, initial=0
    )
    children_primary = forms.IntegerField(
        label=_("Primary pupils"), min_value=0, max_value=MAX_COUNT, initial=0
    )
    children_other = forms.IntegerField(
        label=_("Other children"), min_value=0, max_value=MAX_COUNT, initial=0
    )
    ethnic_breakdown = forms.CharField(
        label=_("Ethnic breakdown (optional), one group per line: Raglai: 30"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(label=_("Needs assessment (PDF, images, Office files ≤ 10 MB)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = drafting_units(user)
        district_field = cast(forms.ModelChoiceField, self.fields["district"])
        district_field.queryset = Unit.objects.filter(pk__in=[d.pk for d in districts])
        # What the plans in force today offer, and what an older draft already names.
        plans = plans_in_force(today())
        communes = Unit.objects.none()
        for district in districts:
            for plan in plans:
                communes = communes | target_communes(district=district, plan=plan)
        named = (self.initial or {}).get("commune")
        if named is not None:
            communes = communes | Unit.objects.filter(pk=getattr(named, "pk", named))
        cast(forms.ModelChoiceField, self.fields["commune"]).queryset = communes.distinct()
        categories = Category.objects.filter(plan__in=plans)
        if (category := (self.initial or {}).get("category")) is not None:
            categories = categories | Category.objects.filter(pk=getattr(category, "pk", category))
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories.distinct()
        if len(districts) == 1:
            self.fields["district"].initial = districts[0]
        self.fields["year"].initial = today().year

    def clean_ethnic_breakdown(self) -> dict[str, int]:
        """Parse "group: count" lines into a mapping of whole numbers."""
        breakdown: dict[str, int] = {}
        for raw in self.cleaned_data["ethnic_breakdown"].splitlines():
            if not raw.strip():
                continue
            name, sep, count = raw.rpartition(":")
            count = count.strip()
            # ASCII digits: "²" is a digit to isdigit() and not a number to int().
            if not sep or not name.strip() or not (count.isascii() and count.isdigit()):
                raise forms.ValidationError(_("Write one group per line, e.g. “Raglai: 30”."))
            digits = count.lstrip("0") or "0"
            if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
                raise forms.ValidationError(
                    _("A group counts at most %(max)s children.") % {"max": grouped(MAX_COUNT)}
                )
            breakdown[name.strip()] = int(digits)
        return breakdown

    def to_input(self, lines: list[Line]) -> RequestInput:
        data = self.cleaned_data
        return RequestInput(
            district=data["district"],
            commune=data["commune"],
            category=data["category"],
            year=data["year"],
            justification=data["justification"],
            lines=lines,
            children_preschool=data["children_preschool"],
            children_primary=data["children_primary"],
            children_other=data["children_other"],
            ethnic_breakdown=data["ethnic_breakdown"],
        )


class LineForm(forms.Form):
    item = forms.CharField(label=_("Item"), max_length=255)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_COUNT)
    unit_cost = forms.IntegerField(label=_("Unit cost (VND)"), min_value=1, max_value=MAX_VND)

    def clean(self):
        """A line's total is an amount too: it stays under the ceiling of one (bounds.MAX_VND)."""
        data = super().clean() or {}
        quantity, unit_cost = data.get("quantity"), data.get("unit_cost")
        if quantity and unit_cost and quantity * unit_cost > MAX_VND:
            self.add_error("unit_cost", line_total_error())
        return data


LineFormSet = forms.formset_factory(
    LineForm,
    extra=3,
    min_num=1,
    validate_min=True,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=True,
)


def lines_from(formset) -> list[Line]:
    return [
        Line(
            item=f.cleaned_data["item"],
            quantity=f.cleaned_data["quantity"],
            unit_cost=f.cleaned_data["unit_cost"],
        )
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class ReviewForm(forms.Form):
    assessed_total = forms.IntegerField(
        label=_("Assessed amount (VND), if lower"),
        min_value=0,
        max_value=MAX_VND,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason for a lower amount"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConsolidateForm(forms.Form):
    funding_source = forms.ModelChoiceField(
        queryset=FundingSource.objects.all(), label=_("Intended funding source")
    )
    resolution = forms.ChoiceField(
        label=_("Overlap resolution"),
        choices=[("", "—"), *AidRequest.OverlapResolution.choices],
        required=False,
    )
    reduced_total = forms.IntegerField(
        label=_("Reduced amount (VND)"), min_value=1, max_value=MAX_VND, required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on (dd/mm/yyyy)"))
    children_reached = forms.IntegerField(
        label=_("Children reached"), min_value=1, max_value=MAX_COUNT
    )
    note = forms.CharField(label=_("Items delivered"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = MultipleFileField(label=_("Evidence"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A returned delivery's reason, under its first field for whoever records it again.
        self.return_reason = self.initial.pop("return_reason", "")
        if self.return_reason:
            first = self.fields["delivered_on"]
            first.help_text = format_html(
                '<span class="return-reason"><strong>{}</strong>: {}</span>',
                _("Delivery returned for correction"),
                self.return_reason,
            )
