"""The menu's checks: a link is shown only to who may use it, asked of the rules its page
applies. They run on every page, so they read the memberships the header already loaded and
ask further only of a user who holds some."""

from django import template
from django.apps import apps
from django.template import Context

from agencies.selectors import current_memberships
from workflows.core.errors import PermissionDenied
from workflows.core.transitions import may_start
from workflows.reporting.selectors import can_oversee

register = template.Library()


@register.simple_tag(takes_context=True)
def may_start_process(context: Context, model_label: str) -> bool:
    """Whether the door lets the user start a record of the model ("app.Model") for one of
    the units they act for today, as its create page would (a district officer's request)."""
    request = context["request"]
    memo = request.__dict__.setdefault("_may_start_process", {})  # the menu and the page ask
    if model_label not in memo:
        memo[model_label] = _may_start(request.user, apps.get_model(model_label))
    return memo[model_label]


def _may_start(user, model) -> bool:
    for membership in current_memberships(user):
        try:
            may_start(model=model, user=user, subject_unit=membership.unit)
        except PermissionDenied:
            continue
        return True
    return False


@register.simple_tag(takes_context=True)
def oversees_reporting(context: Context) -> bool:
    """Whether the reporting dashboard has units for the user (reporting's can_oversee)."""
    return can_oversee(context["request"].user)
