"""The task inbox and archive across every process: rows a person can read and act on."""

from __future__ import annotations

from collections import defaultdict

from .declaration import declaration_of_flow


def task_rows(tasks) -> list[dict]:
    """Each task with its subject record, process title and step label from its process's
    declaration; one query per process kind."""
    tasks = list(tasks)
    process_ids = defaultdict(list)
    for task in tasks:
        process_ids[task.flow_task.flow_class].append(task.process_id)
    subjects: dict[int, object] = {}
    for flow_class, ids in process_ids.items():
        declaration = declaration_of_flow(flow_class)
        if declaration is not None:
            subjects.update(declaration.subjects(ids))
    rows = []
    for task in tasks:
        declaration = declaration_of_flow(task.flow_task.flow_class)
        rows.append(
            {
                "task": task,
                "subject": subjects.get(task.process_id),
                "process": declaration.title if declaration else task.flow_task.flow_class,
                "step": declaration.step_label(task.flow_task.name)
                if declaration
                else task.flow_task.name,
            }
        )
    return rows
