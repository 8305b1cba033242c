"""Template helpers for the product's pages."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import numberformat
from django.utils.formats import get_format

register = template.Library()


@register.filter
def vnd(value):
    """Amounts in Vietnamese đồng grouped by the active language (vi 1.500.000 ₫, en
    1,500,000 ₫); the đồng has no subunit, so fractions round to the nearest đồng."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return value
    grouped = numberformat.format(
        amount,
        decimal_sep=get_format("DECIMAL_SEPARATOR"),
        decimal_pos=0,
        grouping=get_format("NUMBER_GROUPING"),
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )
    return f"{grouped} ₫"
