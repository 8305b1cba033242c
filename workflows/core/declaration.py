"""One declaration per process: the nodes its flow is built of (owners from the responsibility
matrix, routing by cases), its human steps, each step's actions (label, form, service, reason,
confirmation) and the actions no task carries. The door, the generic action view, the inbox,
the timeline and plan_coverage all read it, so a step is written down once
(docs/architecture.md, "One declaration per process")."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import Activation, nodes
from viewflow.workflow.base import Edge, Node
from viewflow.workflow.flow import Flow

from .errors import NoResponsibleUnit
from .forms import CommentForm, ReasonForm
from .models import ProcessRecord, ReviewedRecord

Label = str | Promise

# The nodes of a declared flow: owners from the matrix, routing by cases.


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
                    gettext("No unit is responsible for step %(step)s on this date.")
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
                    gettext("No unit is responsible for step %(step)s on this date.")
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


# The human steps and their actions.

# Labels of the audit actions that no declared action carries.
BUILT_IN_LABELS: dict[str, Label] = {
    "create": _("Created"),
    "edit": _("Edited"),
    "reassign": _("Reassigned"),
    "move": _("Moved to the successor unit"),
    "release": _("Returned to the queue"),
    "take": _("Taken from the queue"),
}


# What a step tells the record's author (workflows.core.notices): that it came back to them,
# that it was decided, or nothing; undeclared, a step that ends its process decides it.
RETURNED, DECIDED, QUIET = "returned", "decided", "quiet"


@dataclass(frozen=True)
class Action:
    """Something a person does to a record: the service it calls with the form's cleaned data,
    whether it needs a reason, whether it is destructive (asks for confirmation), the FSM
    transition the door applies (`""` for the action's own name, None for none), and what its
    step tells the record's author."""

    name: str
    label: Label
    service: Callable[..., Any]
    form: type[forms.Form] | None = None
    reason: bool = False
    destructive: bool = False
    transition: str | None = ""
    page: str | None = None  # URL name of the action's own page (a full edit form)
    matrix_step: str | None = None  # for an action no task carries: the matrix step it needs
    when: Callable[[Any], bool] | None = None  # for such an action: the records it applies to
    initial: Callable[[Any], dict] | None = None  # the form's initial data from the record
    tells: str = ""  # RETURNED, DECIDED or QUIET; "" for DECIDED when the step ends the process

    @property
    def form_class(self) -> type[forms.Form]:
        if self.form is not None:
            return self.form
        return ReasonForm if self.reason else CommentForm

    @property
    def fsm_transition(self) -> str | None:
        return self.name if self.transition == "" else self.transition

    def author_told(self, *, finished: bool) -> str:
        """The notice its step sends the record's author ("" for none), `finished` when the
        step ended the process."""
        if self.tells:
            return "" if self.tells == QUIET else self.tells
        return DECIDED if finished else ""

    # The actions every process words alike (named apart from the FSM transitions they run).

    @classmethod
    def edit_page(cls, label: Label, service: Callable[..., Any], page: str) -> Action:
        """The holder of the step edits the record on its own page, without moving it."""
        return cls("edit", label, service, transition=None, page=page)

    @classmethod
    def return_to_drafter(cls, service: Callable[..., Any]) -> Action:
        """Back to the drafter, with a reason they will read."""
        return cls(
            "return",
            _("Return for revision"),
            service,
            reason=True,
            transition="return_for_revision",
            tells=RETURNED,
        )

    @classmethod
    def rejection(cls, service: Callable[..., Any]) -> Action:
        """Refused for good, with a reason, after a confirmation."""
        return cls("reject", _("Reject"), service, reason=True, destructive=True, tells=DECIDED)

    @classmethod
    def withdrawal(cls, service: Callable[..., Any]) -> Action:
        """Dropped by its drafter before it goes on, after a confirmation."""
        return cls("withdraw", _("Withdraw"), service, destructive=True, tells=QUIET)


@dataclass(frozen=True)
class HumanStep:
    """A node of the flow where a person acts, and what they may do there."""

    label: Label
    actions: tuple[Action, ...] = ()


@dataclass
class ProcessDeclaration:
    """A process as the shared machinery sees it (see the module docstring)."""

    title: Label
    flow: type[Flow]
    model: type[ProcessRecord]
    matrix_process: str
    record_arg: str  # the services' keyword for the record's id, e.g. "request_id"
    steps: dict[str, HumanStep]
    visible: Callable[[Any], QuerySet]  # the records a user may read
    url_namespace: str = ""  # default: the namespace of the model's detail_url
    subject_unit: Callable[[Any], Any] = lambda record: None  # whose unit the matrix reads
    # Where the record's work is, to pick among a dissolved unit's successors (a commune).
    near_unit: Callable[[Any], Any] = lambda record: None
    outside: tuple[Action, ...] = ()
    extra_labels: dict[str, Label] = field(default_factory=dict)
    # What routing reads of the record, loaded with it when the door locks it (no query each).
    record_related: tuple[str, ...] = ()
    inbox_related: tuple[str, ...] = ()  # what an inbox row reads of a record …
    inbox_fields: tuple[str, ...] = ()  # … and only these columns, when given
    required_rules: tuple[str, ...] = ()  # plan rules the process reads
    # The statuses in which a record waits, returned, for its holder to act again, each with
    # the audit action whose reason they read (default: the review return, where the model
    # has that status).
    returns: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self.url_namespace = self.url_namespace or self.model.detail_url.rpartition(":")[0]
        for name in self.steps:
            getattr(self.flow, name)  # a typo in the declaration fails at import
        self.returns = self._checked_returns(self.returns)
        _REGISTRY[self.model] = self
        _BY_FLOW[self.flow] = self

    def _checked_returns(self, returns: dict[str, str] | None) -> dict[str, str]:
        """The declared returns, a status or action the process lacks failing at import."""
        statuses = self.status_labels
        if returns is None:
            default = {ReviewedRecord.RETURNED: "return"}
            return {s: a for s, a in default.items() if s in statuses}
        names = {a.name for a in self.actions()}
        for status, action in returns.items():
            if str(status) not in statuses or action not in names:
                raise ValueError(f"{self.model.__name__}: no status {status} or action {action}")
        return {str(status): action for status, action in returns.items()}

    def return_action(self, status: str | None) -> str | None:
        """The audit action that put a record in this status, when it is a returned one."""
        return (self.returns or {}).get(str(status)) if status is not None else None

    def actions(self) -> Iterator[Action]:
        """Every declared action once (the same action may be declared at several steps)."""
        seen: set[str] = set()
        for step in self.steps.values():
            for action in step.actions:
                if action.name not in seen:
                    seen.add(action.name)
                    yield action
        yield from self.outside

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions() if a.name == name), None)

    def nodes_for(self, action: str) -> tuple:
        """The flow's nodes whose holder may take this action."""
        return tuple(
            getattr(self.flow, name)
            for name, step in self.steps.items()
            if any(a.name == action for a in step.actions)
        )

    def step_actions(self, step: str | None) -> tuple[Action, ...]:
        return self.steps[step].actions if step in self.steps else ()

    def step_label(self, name: str) -> Label:
        step = self.steps.get(name)
        return step.label if step else name

    @property
    def step_labels(self) -> dict[str, Label]:
        return {name: step.label for name, step in self.steps.items()}

    @property
    def action_labels(self) -> dict[str, Label]:
        return {a.name: a.label for a in self.actions()} | BUILT_IN_LABELS | self.extra_labels

    @property
    def status_labels(self) -> dict[str, str]:
        field = next(f for f in self.model._meta.get_fields() if f.name == "status")
        return {str(value): str(label) for value, label in getattr(field, "flatchoices", ())}

    def subjects(self, process_ids) -> dict[int, ProcessRecord]:
        """The records behind these processes, keyed by process id, in one query."""
        records = self.model._default_manager.filter(process_id__in=process_ids).select_related(
            *self.inbox_related
        )
        if self.inbox_fields:
            records = records.only(*self.inbox_fields)
        return {r.process_id: r for r in records if r.process_id is not None}

    def matrix_steps(self) -> set[str]:
        """The steps of the responsibility matrix this process needs ("process.step")."""
        steps = set(self.steps) | {a.matrix_step for a in self.outside if a.matrix_step}
        return {f"{self.matrix_process}.{step}" for step in steps}


_REGISTRY: dict[type, ProcessDeclaration] = {}
_BY_FLOW: dict[type[Flow], ProcessDeclaration] = {}


def declaration_of(model: type[Model]) -> ProcessDeclaration:
    """The declaration of the process that routes records of this model."""
    return _REGISTRY[model]


def declaration_of_flow(flow_class: type[Flow]) -> ProcessDeclaration | None:
    return _BY_FLOW.get(flow_class)


def declarations() -> Iterable[ProcessDeclaration]:
    return list(_REGISTRY.values())
