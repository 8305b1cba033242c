"""The commendation process declared once: its two human steps, what their holders may do
there, and the service each action calls (II.5, IV.1.đ)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workflows.core.declaration import (
    Action,
    HumanStep,
    ProcessDeclaration,
    edit_page,
    reject,
    return_for_revision,
)

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
                edit_page(_("Edit the proposal"), services.update_draft, "commendations:edit"),
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
                return_for_revision(services.return_for_revision),
                reject(services.reject),
            ),
        ),
    },
)
