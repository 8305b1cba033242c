from django.utils.translation import gettext_lazy as _

from workflows.core.apps import ProcessAppConfig


class AidRequestsConfig(ProcessAppConfig):
    """District aid requests: submission, sector review, DOLISA consolidation, approval,
    delivery (plan clauses II.3, II.4, III, IV.1.a, IV.2–4, IV.8, IV.12.b)."""

    default = True
    name = "workflows.aid_requests"
    label = "aid_requests"
    verbose_name = _("Aid requests")
