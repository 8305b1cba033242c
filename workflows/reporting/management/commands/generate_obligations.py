"""`manage.py generate_obligations`: create the reporting duties the plan data names (the beat
schedule runs the same service every night)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflows.reporting.services import generate_obligations


class Command(BaseCommand):
    help = "Create each unit's reporting duties from the plan data, up to the end of next year."

    def handle(self, *args, **options) -> None:
        created = generate_obligations()
        self.stdout.write(_("Reporting duties created: %(count)d") % {"count": created})
