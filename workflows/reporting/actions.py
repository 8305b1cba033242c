"""Both reporting processes declared once, for the door, pages and inbox (V.1, IV.1.d–đ, V.2)."""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext_lazy as _

from workflows.core.declaration import DECIDED, Action, HumanStep, ProcessDeclaration

from . import selectors, services
from .flows import ConsolidationFlow, ReportFlow
from .forms import NarrativeForm
from .models import PROCESS, ProvincialReport, Report, Status

# Plan rules both processes read (the `rules:` section of the plan data, required by loadplan).
RULES = (
    "review_wait_days",
    "escalation_every_days",
    selectors.UNIT_REPORT_RULE,
    selectors.PROVINCIAL_REPORT_RULE,
    selectors.REMINDER_ROLE_RULE,
    selectors.SUPERVISOR_ROLE_RULE,
)

# A DOLISA leader excuses the unit from the period (V.2): a report not yet under review ends
# with its process. Offered on the report's page and, for a duty with no report, on its own.
WAIVE = Action(
    "waive",
    _("Waive"),
    services.waive_report,
    reason=True,
    destructive=True,
    matrix_step="waive",
    when=lambda report: selectors.waivable(report.obligation),
)

RETURN = Action.return_to_drafter(services.return_for_revision)

# Both processes answer a duty: the same matrix rows, read for the duty's unit, and plan rules.
duty_process = partial(
    ProcessDeclaration,
    matrix_process=PROCESS,
    subject_unit=lambda record: record.obligation.unit,
    inbox_related=("obligation__definition__plan", "obligation__unit"),
    record_related=("obligation__unit", "obligation__definition__plan"),
    required_rules=RULES,
)

REPORT = duty_process(
    title=_("Unit report"),
    flow=ReportFlow,
    model=Report,
    record_arg="report_id",
    visible=selectors.reports_visible_to,
    steps={
        "draft": HumanStep(
            _("Drafting by the unit"),
            (
                Action.edit_page(_("Edit the draft"), services.update_draft, "reporting:edit"),
                Action("submit", _("Submit"), services.submit),
            ),
        ),
        "sign_off": HumanStep(
            _("Sign-off by the unit's leader"),
            (Action("sign_off", _("Sign off and send to DOLISA"), services.sign_off), RETURN),
        ),
        "annex_review": HumanStep(
            _("Sector annex review"),
            (
                Action(
                    "accept_annex", _("Accept the annex"), services.accept_annex, transition=None
                ),
                RETURN,
            ),
        ),
        "review": HumanStep(
            _("Review by DOLISA"), (Action("accept", _("Accept"), services.accept), RETURN)
        ),
    },
    outside=(
        WAIVE,
        # DOLISA's reviewers re-open an accepted report for correction, in a new process.
        Action(
            "reopen",
            _("Re-open"),
            services.reopen,
            reason=True,
            matrix_step="review",
            when=lambda report: report.status == Status.ACCEPTED,
        ),
    ),
)

CONSOLIDATION = duty_process(
    title=_("Provincial yearly report"),
    flow=ConsolidationFlow,
    model=ProvincialReport,
    record_arg="provincial_id",
    visible=selectors.provincial_reports_visible_to,
    extra_labels={"open": _("Opened")},
    steps={
        "consolidate": HumanStep(
            _("Consolidation by DOLISA"),
            (
                Action(
                    "edit",
                    _("Save the narrative"),
                    services.update_consolidation,
                    form=NarrativeForm,
                    transition=None,
                    initial=lambda provincial: {"narrative": provincial.narrative},
                ),
                Action("submit", _("Submit"), services.submit_consolidation),
            ),
        ),
        "approve": HumanStep(
            _("Approval by DOLISA's leader"),
            (
                Action(
                    "approve",
                    _("Approve and send to the PPC"),
                    services.approve_consolidation,
                    tells=DECIDED,
                ),
                Action.return_to_drafter(services.return_consolidation),
            ),
        ),
        "acknowledge": HumanStep(
            _("Acknowledgement by the PPC"),
            (Action("acknowledge", _("Acknowledge"), services.acknowledge),),
        ),
    },
    outside=(
        # Taken with a unit report's re-open (services.reopen), by the same reviewer; no page
        # offers it on its own (no `when`).
        Action(
            "reopen",
            _("Re-open"),
            services.reopen_consolidation,
            reason=True,
            matrix_step="review",
        ),
    ),
)
