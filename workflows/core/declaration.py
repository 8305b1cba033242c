"""One declaration per process: its human steps, each step's actions (label, form, service,
reason, confirmation) and the actions no task carries. The door, the generic action view, the
inbox, the timeline and plan_coverage all read it, so a step is written down once
(docs/architecture.md, "One declaration per process")."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import Flow

from .forms import CommentForm, ReasonForm
from .models import ProcessRecord, ReviewedRecord

Label = str | Promise

# Labels of the audit actions that no declared action carries.
BUILT_IN_LABELS: dict[str, Label] = {
    "create": _("Created"),
    "edit": _("Edited"),
    "reassign": _("Reassigned"),
    "move": _("Moved to the successor unit"),
    "release": _("Returned to the queue"),
    "take": _("Taken from the queue"),
}


@dataclass(frozen=True)
class Action:
    """Something a person does to a record: the service it calls with the form's cleaned data,
    whether it needs a reason, whether it is destructive (asks for confirmation), and the FSM
    transition the door applies (`""` for the action's own name, None for none)."""

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

    @property
    def form_class(self) -> type[forms.Form]:
        if self.form is not None:
            return self.form
        return ReasonForm if self.reason else CommentForm

    @property
    def fsm_transition(self) -> str | None:
        return self.name if self.transition == "" else self.transition

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
        )

    @classmethod
    def rejection(cls, service: Callable[..., Any]) -> Action:
        """Refused for good, with a reason, after a confirmation."""
        return cls("reject", _("Reject"), service, reason=True, destructive=True)

    @classmethod
    def withdrawal(cls, service: Callable[..., Any]) -> Action:
        """Dropped by its drafter before it goes on, after a confirmation."""
        return cls("withdraw", _("Withdraw"), service, destructive=True)


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
