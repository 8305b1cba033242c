from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Reporting obligations: yearly reports, DOLISA's review and consolidation, reminders and
    overdue escalation, the supervisor dashboard (plan clauses IV.1.d–đ, IV.11, IV.12, V)."""

    name = "workflows.reporting"
    label = "reporting"
    verbose_name = _("Reporting")
    default_auto_field = "django.db.models.BigAutoField"

    # Steps of the responsibility matrix this process implements (read by plan_coverage).
    plan_steps = (
        "report.draft",
        "report.sign_off",
        "report.review",
        "report.annex_review",
        "report.waive",
        "report.consolidate",
        "report.approve",
        "report.acknowledge",
    )
