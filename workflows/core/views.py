"""How views turn the door's refusals into pages: 403 and 409 with the message, nothing saved."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .errors import Conflict, NoResponsibleUnit, PermissionDenied, RuleViolation
from .inbox import task_rows
from .selectors import actionable_tasks, archived_tasks

PAGE = 100


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


@login_required
def inbox(request):
    """Tasks waiting for the user: assigned to them or in their units' queues."""
    rows = task_rows(actionable_tasks(request.user)[:PAGE])
    return render(request, "core/inbox.html", {"rows": rows})


@login_required
def archive(request):
    """Tasks the user completed."""
    rows = task_rows(archived_tasks(request.user)[:PAGE])
    return render(request, "core/archive.html", {"rows": rows})
