"""The commendation process declared once: its two human steps, what their holders may do
there, and the service each action calls (II.5, IV.1.đ)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workflows.core.declaration import Action, HumanStep, ProcessDeclaration

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
    url_namespace="commendations",
    visible=selectors.commendations_visible_to,
    inbox_fields=("process_id", "status", "year", "nominee_name"),
    steps={
        "propose": HumanStep(
            _("Proposal by DOLISA"),
            (
                Action(
                    "edit",
                    _("Edit the proposal"),
                    services.update_draft,
                    transition=None,
                    page="commendations:edit",
                ),
                Action("propose", _("Propose to the PPC"), services.propose),
                Action("withdraw", _("Withdraw"), services.withdraw, destructive=True),
            ),
        ),
        "approve": HumanStep(
            _("Decision by the PPC's leader"),
            (
                Action(
                    "approve", _("Approve the commendation"), services.approve, form=DecisionForm
                ),
                Action(
                    "return",
                    _("Return for revision"),
                    services.return_for_revision,
                    reason=True,
                    transition="return_for_revision",
                ),
                Action("reject", _("Reject"), services.reject, reason=True, destructive=True),
            ),
        ),
    },
)
