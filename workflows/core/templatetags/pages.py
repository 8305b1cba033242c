"""Links between pages of a list that keep the list's filters (the query string)."""

from django import template
from django.template import Context

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context: Context, number: int) -> str:
    """`?…&page=N` with every other parameter of the current request kept."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
