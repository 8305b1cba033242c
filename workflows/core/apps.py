from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared process machinery: the transition door, audit log, notifications."""

    name = "workflows.core"
    label = "workflows_core"
    verbose_name = _("Workflow core")
    default_auto_field = "django.db.models.BigAutoField"
