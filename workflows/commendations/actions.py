"""The commendation process declared once: its two human steps, what their holders may do
there, and the service each action calls (II.5, IV.1.đ)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workflows.core.declaration import DECIDED, Action, HumanStep, ProcessDeclaration

from . import selectors, services
from .flows import CommendationFlow
from .forms import DecisionForm
from .models import PROCESS, Commendation

COMMENDATION = ProcessDeclaration(
    title=_("Commendation"),
    flow=CommendationFlow,
    model=Commendation,
    matrix_process=PROCESS,
    record_arg="commendation_id",
    visible=selectors.commendations_visible_to,
    inbox_fields=("process_id", "status", "year", "nominee_name"),
    steps={
        "propose": HumanStep(
            _("Proposal by DOLISA"),
            (
                Action.edit_page(
                    _("Edit the proposal"), services.update_draft, "commendations:edit"
                ),
                Action("propose", _("Propose to the PPC"), services.propose),
                Action.withdrawal(services.withdraw),
            ),
        ),
        "approve": HumanStep(
            _("Decision by the PPC's leader"),
            (
                Action(
                    "approve",
                    _("Approve the commendation"),
                    services.approve,
                    form=DecisionForm,
                    tells=DECIDED,
                ),
                Action.return_to_drafter(services.return_for_revision),
                Action.rejection(services.reject),
            ),
        ),
    },
)
