"""Routing of a commendation: DOLISA proposes, the PPC's leader decides (II.5, IV.1.đ).
Nodes only route; the door changes state, actions.py declares the steps."""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import Activation, flow, lock

from agencies.selectors import actors_for, has_membership
from workflows.core.declaration import Start, Step, record_of

from .models import PROCESS, Commendation, Status


def status_is(status: str):
    return lambda activation: record_of(activation).status == status


class CommendationFlow(flow.Flow):
    """Commendation

    A DOLISA officer proposes to praise or reward an agency, organisation, business or person
    who contributed or mobilised resources for children; the PPC's leader approves by a
    numbered decision, returns the proposal or rejects it (II.5, IV.1.đ).
    """

    process_slug = PROCESS
    lock_impl = lock.select_for_update_lock

    start = Start().Next(this.propose)
    propose = (
        Step().Assign(this.proposer).Next(this.approve).Case(this.end, status_is(Status.WITHDRAWN))
    )
    approve = Step().Next(this.end).Case(this.propose, status_is(Status.RETURNED))
    end = flow.End()

    def actors(self, activation: Activation, *, step: str):
        """Who the matrix names for the step today (its rows name fixed units)."""
        return actors_for(process=PROCESS, step=step)

    def proposer(self, activation: Activation):
        """A returned proposal goes back to the officer who wrote it while they still hold
        the unit and role the matrix gave the task; otherwise it waits in that unit's queue."""
        commendation: Commendation = record_of(activation)
        actor = activation.task.data["actor"]
        if has_membership(commendation.proposed_by, unit=actor["unit_id"], role=actor["role"]):
            return commendation.proposed_by
        return None
