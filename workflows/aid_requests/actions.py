"""The aid request process declared once: each human step, what its holder may do there, and
the service each action calls (the door, the action page, the inbox and plan_coverage read
it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workflows.core.declaration import DECIDED, RETURNED, Action, HumanStep, ProcessDeclaration

from . import selectors, services
from .flows import PROCESS, AidRequestFlow
from .forms import ConsolidateForm, DeliveryForm, ReviewForm
from .models import AidRequest, Status

RETURN = Action.return_to_drafter(services.return_for_revision)
REJECT = Action.rejection(services.reject)
APPROVE = Action("approve", _("Approve"), services.approve, tells=DECIDED)


def recorded_delivery(request: AidRequest) -> dict:
    """A returned delivery's form starts from what was recorded, with why it was returned (the
    first time, empty)."""
    if request.delivered_on is None:
        return {}
    return {
        "delivered_on": request.delivered_on,
        "children_reached": request.children_reached,
        "note": request.delivery_note,
        "return_reason": selectors.delivery_return_reason(request),
    }


AID_REQUEST = ProcessDeclaration(
    title=_("Aid request"),
    flow=AidRequestFlow,
    model=AidRequest,
    matrix_process=PROCESS,
    record_arg="request_id",
    visible=selectors.requests_visible_to,
    subject_unit=lambda request: request.district,
    near_unit=lambda request: request.commune,
    record_related=("district", "commune", "category__plan"),
    inbox_related=("commune", "category"),
    inbox_fields=(
        "process_id",
        "status",
        "year",
        "commune__name_vi",
        "commune__name_en",
        "category__name_vi",
        "category__name_en",
        "delivery_due",
    ),
    required_rules=("ppc_approval_threshold_vnd", "target_area_classes"),
    # Returned to the drafter by sign-off or review; the delivery returned to its recorder.
    returns={Status.RETURNED: "return", Status.DELIVERY_RETURNED: "return_delivery"},
    steps={
        "draft": HumanStep(
            _("Drafting by the district"),
            (
                Action.edit_page(_("Edit the draft"), services.update_draft, "aid_requests:edit"),
                Action("submit", _("Submit for sign-off"), services.submit),
                Action.withdrawal(services.withdraw),
            ),
        ),
        "sign_off": HumanStep(
            _("District leader sign-off"),
            (Action("sign_off", _("Sign off"), services.sign_off), RETURN, REJECT),
        ),
        "review": HumanStep(
            _("Sector review"),
            (
                Action(
                    "accept_review",
                    _("Accept"),
                    services.accept_review,
                    form=ReviewForm,
                    transition="accept",
                ),
                RETURN,
                REJECT,
            ),
        ),
        "consolidate": HumanStep(
            _("DOLISA consolidation"),
            (
                Action("consolidate", _("Consolidate"), services.consolidate, form=ConsolidateForm),
                REJECT,
            ),
        ),
        "approve": HumanStep(_("Approval by DOLISA"), (APPROVE, REJECT)),
        "approve_ppc": HumanStep(
            _("Approval by the Provincial People's Committee"), (APPROVE, REJECT)
        ),
        "deliver": HumanStep(
            _("Delivery"),
            (
                Action(
                    "deliver",
                    _("Record delivery"),
                    services.record_delivery,
                    form=DeliveryForm,
                    transition="record_delivery",
                    initial=recorded_delivery,
                ),
            ),
        ),
        "confirm_delivery": HumanStep(
            _("Delivery confirmation"),
            (
                Action(
                    "confirm_delivery",
                    _("Confirm delivery"),
                    services.confirm_delivery,
                    tells=DECIDED,
                ),
                # Back to the delivery step, to whoever recorded it, with a reason they read.
                Action(
                    "return_delivery",
                    _("Return the delivery record"),
                    services.return_delivery,
                    reason=True,
                    tells=RETURNED,
                ),
            ),
        ),
    },
)
