"""Routing only of the unit and provincial reports; the door changes state (V.1–2)."""

from __future__ import annotations

import datetime as dt

from viewflow import this
from viewflow.workflow import Activation, flow, lock

from agencies.models import Unit
from agencies.selectors import actors_for, has_membership
from workflows.core.declaration import FanOut, Start, Step, actor_data, record_of

from .models import PROCESS, ProvincialReport, ProvincialStatus, Report, Status
from .reminders import remind_waiting_review


def review_wait(activation: Activation) -> dt.timedelta:
    """How long a review or approval may wait before its unit's supervisors are told (V.2
    "đôn đốc"): the plan's rules, review_wait_days, read when the step starts."""
    rules = record_of(activation).obligation.definition.plan.rules
    return dt.timedelta(days=rules["review_wait_days"])


def returned(activation: Activation, *args) -> bool:
    return record_of(activation).status == Status.RETURNED


def annex_categories(report: Report) -> list[str]:
    """Support categories the report gives figures for: each has its sector annex."""
    return list(
        report.children.order_by("category__position")
        .values_list("category__code", flat=True)
        .distinct()
    )


def consolidating(activation: Activation) -> bool:
    return record_of(activation).status == ProvincialStatus.CONSOLIDATING


def review_waited(activation: Activation) -> None:
    """A review step's timer fired: tell the reviewing unit's supervisors (V.2)."""
    remind_waiting_review(record=record_of(activation), task=activation.task)


def assignee_or_queue(activation: Activation, *, user, unit: Unit):
    """Back to the same person while they still hold the role; otherwise the unit's queue."""
    actor = activation.task.data["actor"]
    if user is not None and has_membership(user, unit=unit, role=actor["role"]):
        return user
    return None


class ObligationRouting:
    """Both flows route by the matrix rows of the `report` process for the obliged unit."""

    def actors(self, activation: Activation, *, step: str):
        """Who the matrix of the duty's plan names for the step, for the obliged unit, today."""
        obligation = record_of(activation).obligation
        return actors_for(
            process=PROCESS,
            step=step,
            subject_unit=obligation.unit,
            plan=obligation.definition.plan,
        )


class ReportFlow(ObligationRouting, flow.Flow):
    """Unit report

    A unit's officer drafts the report an obligation asks for, the unit's leader signs it off,
    sector departments review their annexes, DOLISA accepts it or returns it.
    """

    process_slug = "report"
    lock_impl = lock.select_for_update_lock

    start = Start().Next(this.draft)
    draft = Step().Assign(this.drafter).Next(this.sign_off)
    sign_off = Step().Next(this.route_sign_off)
    route_sign_off = (
        flow.Switch()
        .Case(this.draft, returned)
        .Case(this.split_annex, this.has_annexes)
        .Default(this.review)
    )
    split_annex = FanOut().Next(this.annex_review, data_source=this.annex_reviewers)
    annex_review = (
        Step().OnTimeout(review_wait, this.review_waiting, interrupting=False).Next(this.join)
    )
    join = flow.Join(continue_on_condition=returned).Next(this.route_annex)
    route_annex = flow.Switch().Case(this.draft, returned).Default(this.review)
    review = (
        Step()
        .OnTimeout(review_wait, this.review_waiting, interrupting=False)
        .Next(this.route_review)
    )
    route_review = flow.Switch().Case(this.draft, returned).Default(this.end)
    review_waiting = flow.Function(review_waited)
    end = flow.End()

    def drafter(self, activation: Activation):
        """A new or returned report goes to the inbox of its drafter."""
        report: Report = record_of(activation)
        return assignee_or_queue(activation, user=report.drafted_by, unit=report.obligation.unit)

    def has_annexes(self, activation: Activation) -> bool:
        return bool(self.annex_reviewers(activation))

    def annex_reviewers(self, activation: Activation) -> list[dict]:
        """One task per sector department the matrix names for the report's categories."""
        report: Report = record_of(activation)
        tasks: dict[str, dict] = {}
        for category in annex_categories(report):
            for actor in actors_for(
                process=PROCESS,
                step="annex_review",
                subject_unit=report.obligation.unit,
                category_code=category,
                plan=report.obligation.definition.plan,
            ):
                tasks.setdefault(actor.permission, {"actor": actor_data(actor), "categories": []})
                tasks[actor.permission]["categories"].append(category)
        return list(tasks.values())


class ConsolidationFlow(ObligationRouting, flow.Flow):
    """Provincial yearly report

    A DOLISA officer consolidates the accepted unit reports and writes the narrative, the DOLISA
    leader approves, the PPC's leader acknowledges (IV.1.d–đ, V.2).
    """

    process_slug = "report_consolidation"
    lock_impl = lock.select_for_update_lock

    start = Start().Next(this.consolidate)
    consolidate = Step().Assign(this.consolidator).Next(this.approve)
    approve = (
        Step()
        .OnTimeout(review_wait, this.approval_waiting, interrupting=False)
        .Next(this.route_approve)
    )
    route_approve = flow.Switch().Case(this.consolidate, consolidating).Default(this.acknowledge)
    acknowledge = Step().Next(this.end)
    approval_waiting = flow.Function(review_waited)
    end = flow.End()

    def consolidator(self, activation: Activation):
        """The officer who opened the consolidation, or DOLISA's queue."""
        provincial: ProvincialReport = record_of(activation)
        return assignee_or_queue(
            activation, user=provincial.opened_by, unit=provincial.obligation.unit
        )
