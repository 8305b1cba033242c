"""The door bound to one record model, so that a process's services name their model once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model

from agencies.models import Unit
from agencies.selectors import Actor

from . import transitions
from .models import ProcessRecord

R = TypeVar("R", bound=ProcessRecord)


@dataclass(frozen=True)
class Door(Generic[R]):
    """The entry points of workflows.core.transitions for records of `model`, typed as them; the
    options (apply, comment, data, then) pass through, so that they are declared there only."""

    model: type[R]

    def may_start(self, user, subject_unit: Unit | None = None) -> Actor:
        return transitions.may_start(model=self.model, user=user, subject_unit=subject_unit)

    def perform(self, pk: int, user, action: str, **options: Any) -> R:
        return transitions.perform(model=self.model, pk=pk, user=user, action=action, **options)

    def edit(self, pk: int, user, change: Callable[[R], None], comment: str = "") -> R:
        """The step's (edit) action: the holder changes the record without moving it."""
        return transitions.edit_in_step(
            model=self.model, pk=pk, user=user, action="edit", change=change, comment=comment
        )

    def outside(self, record: Model, user, action: str, **options: Any) -> Actor:
        """An action no task carries; `record` may be another model's (a waiver's duty)."""
        return transitions.act_outside_step(
            model=self.model, record=record, user=user, action=action, **options
        )
