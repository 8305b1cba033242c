from django.utils.translation import gettext_lazy as _

from workflows.core.apps import ProcessAppConfig


class CommendationsConfig(ProcessAppConfig):
    """Commendations: DOLISA proposes praise or an award for those who contributed or mobilised
    resources for children, the PPC's leader decides (plan clauses II.5, IV.1.đ)."""

    default = True
    name = "workflows.commendations"
    label = "commendations"
    verbose_name = _("Commendations")
