"""How views turn the door's refusals into pages: 403 and 409 with the message, nothing saved."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

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
