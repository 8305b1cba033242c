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

    def ready(self) -> None:
        from agencies.signals import membership_ended, plan_loaded

        from .departures import release_on_membership_end
        from .successions import move_work_after_load

        # A membership that ends gives the tasks its holder had taken back to the unit's queue.
        membership_ended.connect(release_on_membership_end, dispatch_uid="core-release-on-end")
        # A loaded plan may end units: their open tasks move to their successors' queues.
        plan_loaded.connect(move_work_after_load, dispatch_uid="core-move-work-after-load")


class ProcessAppConfig(AppConfig):
    """A process package: its `actions` module declares the process once (declaration.py);
    what the plan must provide for it is read from there by plan_coverage and loadplan."""

    default = False  # a base: each process package's subclass sets default = True
    default_auto_field = "django.db.models.BigAutoField"

    plan_steps: set[str] = set()  # steps of the responsibility matrix it implements
    plan_rules: set[str] = set()  # rules of the plan (its `rules:` section) it reads

    def ready(self) -> None:
        import_module(f"{self.name}.actions")
        from .declaration import declarations

        mine = [d for d in declarations() if d.model._meta.app_config is self]
        self.plan_steps = {step for d in mine for step in d.matrix_steps()}
        self.plan_rules = {rule for d in mine for rule in d.required_rules}
