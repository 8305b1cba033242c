"""`manage.py loadplan FILE`: load or reload a plan data file (agencies/planfile.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.planfile import PlanFileError, load_plan, read_plan_file


class Command(BaseCommand):
    help = (
        "Load a plan data file in one transaction: rows are updated in place, every change is "
        "kept as a PlanChange, and an invalid file writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the plan's YAML file")

    def handle(self, *args, file: str, verbosity: int, **options):
        try:
            result = load_plan(plan_file=read_plan_file(file))
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
