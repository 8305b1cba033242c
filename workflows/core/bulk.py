"""Several items acted on in one request: each through the door in its own transaction, so
one refusal stops no other, and the page says what became of each (the duties' bulk waiver,
the inbox's bulk actions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from viewflow.workflow.models import Task

from agencies.selectors import permissions_of

from .errors import Conflict, NoResponsibleUnit, PermissionDenied, RuleViolation

# What the door and the services refuse with a message for the person.
REFUSALS = (PermissionDenied, Conflict, RuleViolation, NoResponsibleUnit, ValidationError)


@dataclass(frozen=True)
class Result:
    """What became of one item: done, or refused with the refusal's message."""

    item: Any
    done: bool
    message: str = ""


def selected_tasks(user, ids: Iterable[int]) -> QuerySet[Task]:
    """The human tasks among `ids` that are the user's or that belong to a queue of a unit and
    role they hold, whatever they have become since the page listed them (so that a task done
    or taken meanwhile is listed with the door's refusal, not dropped), in the inbox's order."""
    mine = Q(owner=user) | Q(owner_permission__in=permissions_of(user))
    return Task.objects.filter(mine, flow_task_type="HUMAN", pk__in=list(ids)).order_by(
        "created", "id"
    )


def refusal_message(exc: Exception) -> str:
    """The refusal's words: a ValidationError's messages joined, else the exception's text."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def run_each(items: Iterable[Any], act: Callable[[Any], object]) -> list[Result]:
    """`act(item)` for each item in its own transaction; a refusal rolls back that item only
    and is listed with its message."""
    results = []
    for item in items:
        try:
            with transaction.atomic():
                act(item)
        except REFUSALS as exc:
            results.append(Result(item, False, refusal_message(exc)))
        else:
            results.append(Result(item, True))
    return results
