from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommendationsConfig(AppConfig):
    """Commendations: DOLISA proposes praise or an award for those who contributed or mobilised
    resources for children, the PPC's leader decides (plan clauses II.5, IV.1.đ)."""

    name = "workflows.commendations"
    label = "commendations"
    verbose_name = _("Commendations")
    default_auto_field = "django.db.models.BigAutoField"

    # Steps of the responsibility matrix this process implements (read by plan_coverage).
    plan_steps = ("commendation.propose", "commendation.approve")
