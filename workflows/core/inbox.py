"""The task inbox and archive across every process: rows a person can read and act on."""

from __future__ import annotations

from collections import defaultdict


def task_rows(tasks) -> list[dict]:
    """Each task with its subject record and step label; one query per process kind."""
    tasks = list(tasks)
    process_ids = defaultdict(list)
    for task in tasks:
        process_ids[task.flow_task.flow_class].append(task.process_id)
    subjects: dict[int, object] = {}
    for flow_class, ids in process_ids.items():
        subjects.update(flow_class.instance.subjects(ids))
    return [
        {
            "task": task,
            "subject": subjects.get(task.process_id),
            "process": task.flow_task.flow_class.process_title,
            "step": task.flow_task.flow_class.instance.step_label(task.flow_task.name),
        }
        for task in tasks
    ]
