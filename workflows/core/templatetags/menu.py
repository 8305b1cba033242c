"""The menu's checks: a link is shown only to who may use it, asked of the rules its page
applies. They run on every page, so each answer is kept in the cache for the user, the day and
the plan data's version (the matrix is read over every loaded plan: with fifty provinces'
plans that costs more than the inbox itself); the pages behind the links check again."""

from collections.abc import Callable

from django import template
from django.apps import apps
from django.core.cache import cache
from django.template import Context

from agencies.selectors import MATRIX_VERSION_KEY, current_memberships, today
from workflows.core.errors import PermissionDenied
from workflows.core.selectors import actionable_tasks, notifications_for
from workflows.core.transitions import may_start
from workflows.reporting.selectors import can_oversee

register = template.Library()


def _remembered(request, name: str, answer: Callable[[], bool]) -> bool:
    """The answer kept in the cache for the user, today, their memberships and the plan data's
    version (a cache that is down only means asking again), and once per request anyway."""
    memo = request.__dict__.setdefault("_menu", {})  # the menu and the page may both ask
    if name not in memo:
        version = cache.get(MATRIX_VERSION_KEY, 0)
        held = ".".join(str(m.pk) for m in current_memberships(request.user))  # loaded already
        key = f"menu:{request.user.pk}:{today().isoformat()}:{version}:{held}:{name}"
        found = cache.get(key)
        if found is None:
            found = answer()
            cache.set(key, found, timeout=3600)
        memo[name] = bool(found)
    return memo[name]


@register.simple_tag(takes_context=True)
def may_start_process(context: Context, model_label: str) -> bool:
    """Whether the door lets the user start a record of the model ("app.Model") for one of
    the units they act for today, as its create page would (a district officer's request)."""
    request = context["request"]
    return _remembered(
        request,
        f"may_start:{model_label}",
        lambda: _may_start(request.user, apps.get_model(model_label)),
    )


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
    request = context["request"]
    return _remembered(request, "oversees", lambda: can_oversee(request.user))


@register.simple_tag(takes_context=True)
def open_task_count(context: Context) -> int:
    """The count beside "My tasks": the inbox page's own count when on it (its page statement
    counts already), else one indexed COUNT over the user's actionable tasks."""
    if "open_count" in context:
        return int(context["open_count"])
    return actionable_tasks(context["request"].user).count()


@register.simple_tag(takes_context=True)
def unread_notice_count(context: Context) -> int:
    """The bell's number: the user's notices not yet read (a partial index keeps it cheap)."""
    return notifications_for(context["request"].user).filter(read_at__isnull=True).count()
