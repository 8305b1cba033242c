from django.utils.translation import gettext_lazy as _

from workflows.core.apps import ProcessAppConfig


class ReportingConfig(ProcessAppConfig):
    """Reporting obligations: yearly reports, DOLISA's review and consolidation, reminders and
    overdue escalation, the supervisor dashboard (plan clauses IV.1.d–đ, IV.11, IV.12, V)."""

    default = True
    name = "workflows.reporting"
    label = "reporting"
    verbose_name = _("Reporting")

    def unheld_duties(self, day):
        """Outstanding duties whose unit no longer exists on the day (check_plan)."""
        from .selectors import unheld_duties

        return unheld_duties(day)
