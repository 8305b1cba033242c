"""How views turn the door's refusals into pages: 403 and 409 with the message, nothing saved."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .errors import Conflict, NoResponsibleUnit, PermissionDenied, RuleViolation
from .inbox import task_rows
from .selectors import actionable_tasks, archived_tasks

PAGE = 25
# What an inbox row reads of a task; the rest (JSON data, token) is not loaded.
ROW_FIELDS = ("id", "process_id", "flow_task", "flow_task_type", "status", "owner_id", "created")


def door_errors(view):
    """Render PermissionDenied as 403 and conflicts or plan-rule refusals as 409."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(request, "core/refused.html", {"message": str(exc)}, status=403)
        except (Conflict, RuleViolation, NoResponsibleUnit) as exc:
            return render(request, "core/refused.html", {"message": str(exc)}, status=409)

    return wrapped


def step_actions(
    step: str | None,
    table: dict,
    labels: dict,
    bound: tuple[str, object] | None = None,
    initial: dict | None = None,
) -> list[dict]:
    """The forms of the actions the user may take at the step (`table`: step → action → form
    class), one of them bound to what was posted."""
    initial = initial or {}
    return [
        {
            "name": name,
            "label": labels[name],
            "form": bound[1]
            if bound and bound[0] == name
            else form_class(prefix=name, initial=initial.get(name)),
        }
        for name, form_class in table.get(step, {}).items()
    ]


def errors_into(form, exc: ValidationError) -> None:
    """A service's field errors shown on the form that was posted."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def act(request, *, action: str, form_class, run, done, failed, labels: dict):
    """Parse the action's form and call its service: then back to the record, or the page
    again with the errors (400). Refusals of the door become 403/409 (door_errors)."""
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": labels[action]})
            return redirect(done)
    return failed(form)


def _page(request, tasks, template: str):
    """One page of task rows; the next page exists if one more row does (no COUNT over the
    queue, which grows with the whole province's work)."""
    try:
        number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        number = 1
    start = (number - 1) * PAGE
    rows = task_rows(tasks.only(*ROW_FIELDS)[start : start + PAGE + 1])
    context = {
        "rows": rows[:PAGE],
        "page": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if len(rows) > PAGE else None,
    }
    return render(request, template, context)


@login_required
def inbox(request):
    """Tasks waiting for the user: assigned to them or in their units' queues."""
    return _page(request, actionable_tasks(request.user), "core/inbox.html")


@login_required
def archive(request):
    """Tasks the user completed."""
    return _page(request, archived_tasks(request.user), "core/archive.html")
