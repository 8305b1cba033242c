"""How views turn the door's refusals into pages: 403 and 409 with the message, nothing saved."""

from __future__ import annotations

import functools

from django.shortcuts import render

from .errors import Conflict, NoResponsibleUnit, PermissionDenied, RuleViolation


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
