"""`manage.py move_work [--on YYYY-MM-DD]`: open tasks of units that have ended move to their
successors' queues (loadplan and a daily task do it too); prints how many moved."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from workflows.core.successions import move_work_of_ended_units


class Command(BaseCommand):
    help = "Move open tasks of units that have ended to their successors' queues."

    def add_arguments(self, parser):
        parser.add_argument("--on", type=dt.date.fromisoformat, help="the day, YYYY-MM-DD")

    def handle(self, *args, on: dt.date | None = None, **options):
        self.stdout.write(str(move_work_of_ended_units(on=on)))
