"""Flow nodes whose owners come from the responsibility matrix (the plan is data)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from viewflow import this
from viewflow.workflow import Activation, nodes
from viewflow.workflow.base import Edge, Node

from .errors import NoResponsibleUnit


def actor_data(actor) -> dict:
    """What a task remembers of its actor: unit, role, clause and the permission derived."""
    return {
        "unit": actor.unit.code,
        "unit_id": actor.unit.pk,
        "role": actor.role,
        "clause": actor.clause,
        "permission": actor.permission,
    }


def record_of(activation: Activation):
    """The record the activation's process routes: viewflow's process artifact, which the
    door binds (and caches) before any routing reads it."""
    return activation.process.artifact


def _bind(activation: Activation, *, record):
    activation.process.artifact = record
    return activation.process


class Start(nodes.StartHandle):
    """A process started by the door for one saved record (transitions.start): the record
    becomes the process's artifact before the first task is routed."""

    def __init__(self):
        super().__init__(func=_bind)


def routed_next(activation: Activation):
    """Go straight to the node the cases pick for the record's new state: no gateway task
    between a decision and where it leads (fewer rows and statements per step)."""
    yield activation.flow_task.next_node(activation)._create(activation, activation.task.token)


class RoutedNodeMixin(Node):
    """`.Next(default).Case(node, condition)…`: the first case whose condition holds wins."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cases: list = []

    def Case(self, node, condition):  # noqa: N802 (viewflow's fluent API)
        """Go to `node` instead of Next when `condition(activation)` holds (first match)."""
        self._cases.append((node, condition))
        return self

    def _resolve(self, instance):
        super()._resolve(instance)
        self._cases = [
            (this.resolve(instance, n), this.resolve(instance, c)) for n, c in self._cases
        ]

    def _outgoing(self):
        yield from super()._outgoing()
        for node, _condition in self._cases:
            yield Edge(src=self, dst=node, edge_class="cond_true")

    def next_node(self, activation: Activation):
        for node, condition in self._cases:
            if condition(activation):
                return node
        return self._next


class StepActivation(nodes.ViewActivation):
    @Activation.status.super()
    def create_next(self):
        yield from routed_next(self)


class Step(RoutedNodeMixin, nodes.View):
    """A human step: its task carries the owner permission of the unit and role the matrix
    names for this step and subject, fixed when the task is created."""

    activation_class = StepActivation
    _owner_permission_obj = None

    def __init__(self, **kwargs):
        super().__init__(view=None, **kwargs)

    def calc_owner_permission(self, activation: Activation) -> str:
        actor = activation.task.data.get("actor")
        if actor is None:
            actors = self.flow_class.instance.actors(activation, step=self.name)
            if not actors:
                raise NoResponsibleUnit(
                    _("No unit is responsible for step %(step)s on this date.")
                    % {"step": self.name}
                )
            actor = actor_data(actors[0])
            activation.task.data["actor"] = actor
        return actor["permission"]


class FanOutActivation(nodes.SplitActivation):
    """Creates one task per data item, for steps that several units perform in parallel."""

    @Activation.status.super()
    def activate(self):
        for node, cond, data_source in self.flow_task._branches:
            if cond and not cond(self):
                continue
            items = data_source(self) if data_source else [None]
            if not items:
                raise NoResponsibleUnit(
                    _("No unit is responsible for step %(step)s on this date.")
                    % {"step": node.name}
                )
            self.next_tasks.extend((node, item) for item in items)


class FanOut(nodes.Split):
    """Parallel split with one branch task per item of `data_source(activation)`."""

    activation_class = FanOutActivation

    def Next(self, node, case=None, data_source=None):  # noqa: N802 (viewflow's fluent API)
        self._activate_next.append((node, case, data_source))
        return self


class RoutedJoinActivation(nodes.JoinActivation):
    @Activation.status.super()
    def create_next(self):
        yield from routed_next(self)


class RoutedJoin(RoutedNodeMixin, nodes.Join):
    """A join that routes by cases once its branches are in (e.g. a review round's outcome)."""

    activation_class = RoutedJoinActivation
