from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared process machinery: the transition door, audit log, notifications."""

    default = True
    name = "workflows.core"
    label = "workflows_core"
    verbose_name = _("Workflow core")
    default_auto_field = "django.db.models.BigAutoField"


class ProcessAppConfig(AppConfig):
    """A process package: its `actions` module declares the process once (declaration.py);
    what the plan must provide for it is read from there by plan_coverage and loadplan."""

    default = False  # a base: each process package's subclass sets default = True
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        self.actions = import_module(f"{self.name}.actions")

    def _declarations(self):
        from .declaration import declarations

        return [d for d in declarations() if d.model._meta.app_config is self]

    @property
    def plan_steps(self) -> set[str]:
        """Steps of the responsibility matrix this process implements ("process.step")."""
        return {step for d in self._declarations() for step in d.matrix_steps()}

    @property
    def plan_rules(self) -> set[str]:
        """Rules of the plan (its `rules:` section) this process reads."""
        return {rule for d in self._declarations() for rule in d.required_rules}
