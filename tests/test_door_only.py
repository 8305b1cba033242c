"""Every change of state goes through the door (workflows.core.transitions): no other module of
the product calls an FSM transition method, writes an audit event or saves a status field."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest
from django.apps import apps
from django.conf import settings

DOOR = "workflows/core/transitions.py"
AUDIT_WRITERS = {"record_event", "_record_event"}


def transition_names() -> set[str]:
    """Names of the methods django-fsm's @transition decorates, on every installed model."""
    names = set()
    for model in apps.get_models():
        for name in dir(model):
            if hasattr(getattr(model, name, None), "_django_fsm"):
                names.add(name)
    return names


def violations(source: str, *, namespace: dict, transitions: set[str]) -> list[str]:
    """What the source does that only the door may do, as "line: what" strings. Calls on a
    module (`services.approve(...)`) are calls of functions, not of transitions."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in AUDIT_WRITERS:
                found.append(f"{node.lineno}: writes an audit event ({name})")
            elif isinstance(func, ast.Attribute) and name in transitions:
                receiver = func.value
                on_module = isinstance(receiver, ast.Name) and isinstance(
                    namespace.get(receiver.id), ModuleType
                )
                if not on_module:
                    found.append(f"{node.lineno}: calls the FSM transition {name}()")
            if name in ("update", "create", "get_or_create", "update_or_create") and any(
                k.arg == "status" for k in node.keywords
            ):
                found.append(f"{node.lineno}: saves a status field ({name}(status=…))")
            if name == "setattr" and len(node.args) > 1:
                target = node.args[1]
                if isinstance(target, ast.Constant) and target.value == "status":
                    found.append(f"{node.lineno}: sets a status field (setattr)")
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                found.append(f"{node.lineno}: sets a status field (.status = …)")
    return found


def product_modules():
    """(path, module) for every product module outside the door, migrations excluded."""
    for package in ("agencies", "workflows"):
        for path in sorted((settings.BASE_DIR / package).rglob("*.py")):
            relative = path.relative_to(settings.BASE_DIR).as_posix()
            if "/migrations/" in relative or relative == DOOR:
                continue
            name = relative.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
            yield path, importlib.import_module(name)


def test_only_the_door_changes_state():
    transitions = transition_names()
    assert {"submit", "approve", "reopen", "waive"} <= transitions  # the scan sees the models
    problems = [
        f"{path.relative_to(settings.BASE_DIR)}:{problem}"
        for path, module in product_modules()
        for problem in violations(
            Path(path).read_text(), namespace=vars(module), transitions=transitions
        )
    ]
    assert problems == []


VIOLATIONS = {
    "transition": "def f(request):\n    request.submit()\n",
    "audit": "from workflows.core.transitions import record_event\nrecord_event(subject=x)\n",
    "private audit": "transitions._record_event(subject=x)\n",
    "assign": "def f(report):\n    report.status = 'accepted'\n",
    "update": "Report.objects.filter(pk=1).update(status='accepted')\n",
    "setattr": "setattr(report, 'status', 'accepted')\n",
}


@pytest.mark.parametrize("source", VIOLATIONS.values(), ids=VIOLATIONS.keys())
def test_the_scan_finds_a_deliberate_violation(source):
    assert violations(source, namespace={}, transitions=transition_names())


def test_a_service_called_by_module_is_not_a_transition():
    from workflows.aid_requests import services

    source = "services.approve(user=u, request_id=1)\n"
    assert violations(source, namespace={"services": services}, transitions={"approve"}) == []
