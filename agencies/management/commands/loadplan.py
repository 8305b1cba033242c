"""`manage.py loadplan FILE`: load or reload a plan data file (agencies.planfile, planload)."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import Unit
from agencies.planfile import PlanFile, PlanFileError, read_plan_file
from agencies.planload import load_plan
from agencies.signals import plan_loaded


def unmet_requirements(plan_file: PlanFile) -> list[str]:
    """What the installed processes need of a plan that this file does not give: for each
    process the matrix uses, every step its app implements (`plan_steps`), and every rule the
    app reads (`plan_rules`); a plan that never names a process does not run it."""
    steps = {(r.process, r.step) for r in plan_file.responsibilities}
    used = {process for process, _step in steps}
    errors = []
    for config in apps.get_app_configs():
        needed = {tuple(s.split(".", 1)) for s in getattr(config, "plan_steps", ())}
        if not any(process in used for process, _step in needed):
            continue
        for process, step in sorted(needed - steps):
            errors.append(
                _("responsibilities: no row for step %(step)s, which %(app)s implements")
                % {"step": f"{process}.{step}", "app": config.label}
            )
        for rule in sorted(set(getattr(config, "plan_rules", ())) - set(plan_file.rules)):
            errors.append(
                _("rules: %(rule)s is missing, which %(app)s reads")
                % {"rule": rule, "app": config.label}
            )
    return errors


class Command(BaseCommand):
    help = (
        "Load a plan data file in one transaction: rows are updated in place, every change is "
        "kept as a PlanChange, and an invalid file writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the plan's YAML file")

    def handle(self, *args, file: str, verbosity: int, **options):
        try:
            loaded_units = dict(Unit.objects.values_list("code", "plan__code"))
            plan_file = read_plan_file(file, loaded_units=loaded_units)
            unmet = unmet_requirements(plan_file)
            if unmet:
                raise PlanFileError(unmet)
            result = load_plan(plan_file=plan_file)
            plan_loaded.send(sender=self.__class__, plan_code=result.plan_code)
        except PlanFileError as exc:
            raise CommandError(
                _("%(file)s is not a valid plan file:") % {"file": file}
                + "".join(f"\n  {error}" for error in exc.errors)
            ) from exc
        if verbosity >= 2:
            for change in result.changes:
                self.stdout.write(f"{change.action} {change.entity} {change.key}")
        if verbosity >= 1:
            self.stdout.write(result.summary())
