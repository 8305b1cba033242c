"""Template helpers shared by process pages."""

from django import template

register = template.Library()


@register.filter
def label(code: str, labels: dict) -> str:
    """The human label of a code (action, status) from a mapping, else the code itself."""
    return labels.get(code, code) if code else ""
