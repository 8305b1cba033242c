"""`manage.py check_plan [--on YYYY-MM-DD]`: every step, duty and open task that nobody holds
on the day (default today, Vietnam time); exits non-zero when there is any."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.selectors import today
from workflows.core.holders import unheld


class Command(BaseCommand):
    help = "List what nobody holds on a day: steps, duties, open tasks (non-zero exit if any)."

    def add_arguments(self, parser):
        parser.add_argument("--on", type=dt.date.fromisoformat, help="the day, YYYY-MM-DD")

    def handle(self, *args, on: dt.date | None = None, **options):
        day = on or today()
        problems = unheld(day)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(
                _("%(count)d things are held by no one on %(day)s.")
                % {"count": len(problems), "day": day.strftime("%d/%m/%Y")}
            )
        self.stdout.write(
            _("Nothing is held by no one on %(day)s.") % {"day": day.strftime("%d/%m/%Y")}
        )
