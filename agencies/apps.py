from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    """Units, roles, memberships and the plan's responsibility matrix, loaded from plan data."""

    name = "agencies"
    verbose_name = _("Agencies and plan")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the matrix-version receivers)
