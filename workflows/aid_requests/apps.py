from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidRequestsConfig(AppConfig):
    """District aid requests: submission, sector review, DOLISA consolidation, approval,
    delivery (plan clauses II.3, II.4, III, IV.1.a, IV.2–4, IV.8, IV.12.b)."""

    name = "workflows.aid_requests"
    label = "aid_requests"
    verbose_name = _("Aid requests")
    default_auto_field = "django.db.models.BigAutoField"

    # Steps of the responsibility matrix this process implements (read by plan_coverage).
    plan_steps = (
        "aid_request.draft",
        "aid_request.sign_off",
        "aid_request.review",
        "aid_request.consolidate",
        "aid_request.approve",
        "aid_request.approve_ppc",
        "aid_request.deliver",
        "aid_request.confirm_delivery",
    )
