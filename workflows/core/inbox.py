"""The task inbox and archive across every process: rows a person can read and act on."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from .declaration import declaration_of, declaration_of_flow
from .models import AuditEvent

# The plan rule a step with a timer waits for before its unit's supervisors are told (V.2).
WAIT_RULE = "review_wait_days"


def task_rows(tasks) -> list[dict]:
    """Each task with its subject record, process title and step label from its process's
    declaration, its due date and whether it is past it, and a returned record's reason (in a
    status its declaration says is returned); one query per process kind, plus one for the
    reasons when any record is returned."""
    tasks = list(tasks)
    process_ids = defaultdict(list)
    for task in tasks:
        process_ids[task.flow_task.flow_class].append(task.process_id)
    subjects: dict[int, object] = {}
    returns: dict[int, str] = {}
    for flow_class, ids in process_ids.items():
        declaration = declaration_of_flow(flow_class)
        if declaration is not None:
            found = declaration.subjects(ids)
            subjects.update(found)
            for pid, record in found.items():
                if action := declaration.return_action(_status(record)):
                    returns[pid] = action
    reasons = _return_reasons(returns)
    now = timezone.now()
    names: dict[tuple, tuple[str, str]] = {}
    rows = []
    for task in tasks:
        node = task.flow_task
        subject = subjects.get(task.process_id)
        due, late_from = _due(task, subject)
        key = (node.flow_class, node.name)
        if key not in names:
            names[key] = _names(node)
        process, step = names[key]
        rows.append(
            {
                "task": task,
                "subject": subject,
                "process": process,
                "step": step,
                "due": due,
                "overdue": late_from is not None and now >= late_from,
                "returned": task.process_id in reasons,
                "return_reason": reasons.get(task.process_id, ""),
            }
        )
    return rows


def _names(node) -> tuple[str, str]:
    """The process title and step label of a node, as text in the page's language: rows at
    one step share them, and a page spends less on text than on lazy labels (bench P2)."""
    declaration = declaration_of_flow(node.flow_class)
    if declaration is None:
        return str(node.flow_class), node.name
    return str(declaration.title), str(declaration.step_label(node.name))


def _status(record) -> str | None:
    return getattr(record, "status", None)


def _timed(task) -> bool:
    """A step with a timer (viewflow names its boundary `<step>__timeout`) waits by the rule."""
    return hasattr(task.flow_task.flow_class, f"{task.flow_task.name}__timeout")


def _wait_days(record) -> int | None:
    """Days the record's plan lets a timed step wait (a duty's plan, loaded with the record)."""
    obligation = getattr(record, "obligation", None)
    if obligation is None:
        return None
    return obligation.definition.plan.rules.get(WAIT_RULE)


def _due(task, record) -> tuple[dt.date | None, dt.datetime | None]:
    """The day the task's work is due and the moment it is late from: a timed step its plan's
    wait after it began; an outstanding duty's report before its due day; an aid request by
    its delivery deadline."""
    wait = _wait_days(record) if _timed(task) else None
    if wait is not None:
        late_from = task.created + dt.timedelta(days=wait)
        return timezone.localdate(late_from), late_from
    obligation = getattr(record, "obligation", None)
    if obligation is not None and obligation.submitted_at is None:
        return obligation.due_on, obligation.due_at
    deadline = getattr(record, "delivery_due", None)
    if deadline is not None:
        after = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time.min)
        return deadline, timezone.make_aware(after)
    return None, None


def _return_reasons(returns: dict[int, str]) -> dict[int, str]:
    """The comment of each process's last return by the action that returned it (a request's
    delivery return, not its earlier review return), in one query."""
    if not returns:
        return {}
    events = AuditEvent.objects.filter(
        process_id__in=returns, action__in=set(returns.values())
    ).order_by("created", "id")
    return {
        pid: comment
        for pid, action, comment in events.values_list("process_id", "action", "comment")
        if returns[pid] == action
    }


def return_reason(record) -> str:
    """Why a record waiting, returned, for its holder was returned (its last return by the
    action its declaration names for its status), else ""."""
    action = declaration_of(type(record)).return_action(_status(record))
    process_id = getattr(record, "process_id", None)
    if action is None or process_id is None:
        return ""
    return _return_reasons({process_id: action}).get(process_id, "")


def with_outcomes(rows: list[dict]) -> list[dict]:
    """Each completed task's row with what was done at it: the label of the action its audit
    event records (approved, returned, rejected, submitted…) and the status it led to, in one
    query for the page."""
    events = AuditEvent.objects.filter(task_id__in=[row["task"].pk for row in rows]).order_by(
        "created", "id"
    )
    done = {
        task_id: (action, to)
        for task_id, action, to in events.values_list("task_id", "action", "to_status")
    }
    for row in rows:
        action, to_status = done.get(row["task"].pk, ("", ""))
        declaration = declaration_of_flow(row["task"].flow_task.flow_class)
        labels = declaration.action_labels if declaration else {}
        statuses = declaration.status_labels if declaration else {}
        row["outcome"] = labels.get(action, action)
        row["outcome_status"] = statuses.get(to_status, to_status)
        row["outcome_action"] = action
    return rows
