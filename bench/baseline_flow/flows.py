"""Start → View → End in plain viewflow, locked like ours (select_for_update), permission-based
queue: P1's peer, the cost of a human step in viewflow alone (bench/README.md, P1)."""

from __future__ import annotations

from django.db import transaction
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow.views import UpdateProcessView
from viewflow.workflow.models import Process, Task


class BaselineFlow(flow.Flow):
    """Plain viewflow peer

    One human step between a start and an end, nothing of ours in between.
    """

    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle().Next(this.review)
    review = (
        flow.View(UpdateProcessView.as_view(fields=[])).Permission(auto_create=True).Next(this.end)
    )
    end = flow.End()


def _locked_activation(task_pk: int):
    """What viewflow's task views do on POST: lock, re-read the task and its process."""
    task = Task.objects.get(pk=task_pk)
    if task.process.flow_class != BaselineFlow:
        raise LookupError(task_pk)
    return task.flow_task.activation_class(task)


def run_cycle(user) -> Process:
    """Start a process, fetch its task, assign it and execute it the way viewflow's own
    AssignTaskView and UpdateProcessView do (each in the flow lock and a transaction)."""
    process = BaselineFlow.start.run()
    task = Task.objects.get(process=process, flow_task=BaselineFlow.review)
    with BaselineFlow.lock(process.pk), transaction.atomic():
        activation = _locked_activation(task.pk)
        if not BaselineFlow.review.can_assign(user, activation.task):
            raise PermissionError(user)
        activation.assign(user)
    with BaselineFlow.lock(process.pk), transaction.atomic():
        activation = _locked_activation(task.pk)
        if not BaselineFlow.review.can_execute(user, activation.task):
            raise PermissionError(user)
        activation.start(None)
        activation.execute()
    return process
