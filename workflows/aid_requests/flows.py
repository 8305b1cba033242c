"""Routing of an aid request: district submission → sector review → DOLISA consolidation →
approval → delivery. Nodes only route; the door changes state, actions.py declares the steps."""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import Activation, flow, lock

from agencies.selectors import actors_for, has_membership, memberships_of
from workflows.core.declaration import FanOut, RoutedJoin, Start, Step, actor_data, record_of

from .models import AidRequest, Status

# The process name of the aid request rows in the responsibility matrix (plan data).
PROCESS = "aid_request"


def status_is(*statuses: str):
    return lambda activation: record_of(activation).status in statuses


rejected = status_is(Status.REJECTED)
withdrawn = status_is(Status.WITHDRAWN)


class AidRequestFlow(flow.Flow):
    """Aid request

    A district asks for support to children of one target commune; sector departments
    review, DOLISA consolidates, the approving leader decides, the district delivers.
    """

    process_slug = PROCESS
    lock_impl = lock.select_for_update_lock

    start = Start().Next(this.draft)
    draft = Step().Assign(this.drafter).Next(this.sign_off).Case(this.end, withdrawn)
    sign_off = (
        Step()
        .Next(this.split_review)
        .Case(this.draft, status_is(Status.RETURNED))
        .Case(this.end, rejected)
    )
    split_review = FanOut().Next(this.review, data_source=this.reviewers)
    review = Step().Next(this.join_review)
    join_review = (
        RoutedJoin(continue_on_condition=this.review_decided)
        .Next(this.consolidate)
        .Case(this.draft, status_is(Status.RETURNED))
        .Case(this.end, rejected)
    )
    consolidate = (
        Step()
        .Next(this.approve)
        .Case(this.end, rejected)
        .Case(this.approve_ppc, this.above_threshold)
    )
    approve = Step().Next(this.deliver).Case(this.end, rejected)
    approve_ppc = Step().Next(this.deliver).Case(this.end, rejected)
    deliver = Step().Assign(this.delivery_recorder).Next(this.confirm_delivery)
    confirm_delivery = Step().Next(this.end).Case(this.deliver, status_is(Status.DELIVERY_RETURNED))
    end = flow.End()

    def actors(self, activation: Activation, *, step: str):
        """Who the matrix of the request's plan names for the step, for its district, today."""
        request: AidRequest = record_of(activation)
        return actors_for(
            process=PROCESS,
            step=step,
            subject_unit=request.district,
            near=request.commune,
            plan=request.category.plan,
        )

    def drafter(self, activation: Activation):
        """A returned request goes back to the inbox of its drafter while they still hold the
        role; otherwise it waits in the district officers' queue."""
        request: AidRequest = record_of(activation)
        actor = activation.task.data["actor"]
        if has_membership(request.drafted_by, unit=request.district, role=actor["role"]):
            return request.drafted_by
        return None

    def delivery_recorder(self, activation: Activation):
        """A returned delivery goes back to the inbox of the officer who recorded it while they
        still hold the unit and role of the step; otherwise (and the first time) it waits in
        the queue of the unit's officers."""
        request: AidRequest = record_of(activation)
        recorder = (
            request.delivery_recorded_by if request.status == Status.DELIVERY_RETURNED else None
        )
        if recorder is None:
            return None
        actor = activation.task.data["actor"]
        held = memberships_of(recorder).filter(unit_id=actor["unit_id"], role__code=actor["role"])
        return recorder if recorder.is_active and held.exists() else None

    def reviewers(self, activation: Activation) -> list[dict]:
        """One review task per unit the matrix names for the request's category (parallel)."""
        request: AidRequest = record_of(activation)
        actors = actors_for(
            process=PROCESS,
            step="review",
            subject_unit=request.district,
            category_code=request.category.code,
            near=request.commune,
            plan=request.category.plan,
        )
        return [{"actor": actor_data(actor)} for actor in actors]

    def review_decided(self, activation: Activation, active_tasks) -> bool:
        """A return or a rejection ends the round: the other reviews are cancelled."""
        return record_of(activation).status in (Status.RETURNED, Status.REJECTED)

    def above_threshold(self, activation: Activation) -> bool:
        """Above the plan's threshold the Provincial People's Committee approves."""
        request: AidRequest = record_of(activation)
        threshold = request.category.plan.rules.get("ppc_approval_threshold_vnd")
        return threshold is not None and request.amount > threshold
