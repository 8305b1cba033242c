"""Routing of a commendation: DOLISA proposes, the PPC's leader decides (II.5, IV.1.đ).
Nodes only route; services change state."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import Activation, flow, lock

from agencies.selectors import actors_for, has_membership
from workflows.core.flows import SubjectFlowMixin
from workflows.core.nodes import Step

from .models import PROCESS, Commendation, Status


def subject(activation: Activation) -> Commendation:
    """The commendation of the activation's process (set by the door; loaded once otherwise)."""
    process = activation.process
    if getattr(process, "subject", None) is None:
        process.subject = Commendation.objects.get(process_id=process.pk)
    return process.subject


def status_is(status: str):
    return lambda activation: subject(activation).status == status


class CommendationFlow(SubjectFlowMixin, flow.Flow):
    """Commendation

    A DOLISA officer proposes to praise or reward an agency, organisation, business or person
    who contributed or mobilised resources for children; the PPC's leader approves by a
    numbered decision, returns the proposal or rejects it (II.5, IV.1.đ).
    """

    process_slug = "commendation"
    subject_model = Commendation
    step_labels = {
        "propose": _("Proposal by DOLISA"),
        "approve": _("Decision by the PPC's leader"),
    }
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_commendation).Next(this.propose)
    propose = (
        Step().Assign(this.proposer).Next(this.approve).Case(this.end, status_is(Status.WITHDRAWN))
    )
    approve = Step().Next(this.end).Case(this.propose, status_is(Status.RETURNED))
    end = flow.End()

    def start_commendation(self, activation: Activation, commendation: Commendation):
        """The new process routes this commendation; the caller binds it once it is saved."""
        activation.process.subject = commendation
        return activation.process

    def actors(self, activation: Activation, *, step: str):
        """Who the matrix names for the step today (fixed units: DOLISA, the PPC)."""
        return actors_for(process=PROCESS, step=step)

    def proposer(self, activation: Activation):
        """A returned proposal goes back to the officer who wrote it while they still hold
        the role; otherwise it waits in DOLISA's queue."""
        commendation = subject(activation)
        actor = activation.task.data["actor"]
        unit = actor["unit_id"]
        if has_membership(commendation.proposed_by, unit=unit, role=actor["role"]):
            return commendation.proposed_by
        return None
