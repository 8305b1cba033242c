"""`manage.py plan_coverage`: every clause of a plan, what implements it, and its status.

A clause is `implemented` when a process step citing it is declared by code, `mapped` when only
the data cites it (responsibilities, obligations, categories, funding sources), `out of scope`
with the reason the data gives, or `MISSING`, which makes the command fail. Code declares steps
through an optional `plan_steps` attribute ("process.step" strings) on its AppConfig, so that
agencies never imports workflows.
"""

from __future__ import annotations

import csv
import datetime as dt
import textwrap
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agencies.models import Plan, Responsibility
from agencies.selectors import today

# Statuses are written as-is to CSV and translated in the table.
IMPLEMENTED = gettext_noop("implemented")
MAPPED = gettext_noop("mapped")
OUT_OF_SCOPE = gettext_noop("out of scope")
MISSING = gettext_noop("MISSING")
STATUSES = (IMPLEMENTED, MAPPED, OUT_OF_SCOPE, MISSING)
SUMMARY_WIDTH = 48
IMPLEMENTER_WIDTH = 72


@dataclass(frozen=True)
class ClauseCoverage:
    code: str
    summary_vi: str
    status: str
    implementers: tuple[str, ...]


def implemented_steps() -> set[str]:
    """The "process.step" strings that installed apps declare they implement."""
    return {step for config in apps.get_app_configs() for step in getattr(config, "plan_steps", ())}


def clause_coverage(*, plan: Plan, on: dt.date) -> list[ClauseCoverage]:
    """How each clause of the plan is implemented, in plan order, by rows not ended before `on`."""
    steps = implemented_steps()
    cited: dict[int, list[str]] = defaultdict(list)
    coded: set[int] = set()
    rows = (
        Responsibility.objects.filter(plan=plan)
        .exclude(valid_to__lt=on)
        .select_related("unit", "role", "category")
        .order_by("process", "step", "id")
    )
    for row in rows:
        who = row.unit.code if row.unit_id else f"<{row.unit_kind}>"
        step = f"{row.process}.{row.step}"
        reviews = f" [{row.category.code}]" if row.category_id else ""
        cited[row.clause_id].append(f"{step} ({who}/{row.role.code}){reviews}")
        if step in steps:
            coded.add(row.clause_id)
    for obligation in plan.obligations.prefetch_related("also_cites"):
        for clause_id in {obligation.clause_id, *(c.pk for c in obligation.also_cites.all())}:
            cited[clause_id].append(_("obligation %(code)s") % {"code": obligation.code})
    for source in plan.funding_sources.exclude(clause=None):
        if source.clause_id is None:  # excluded by the query; narrows the nullable key
            continue
        rule = "" if source.may_fund_children else " " + _("(not for support to children)")
        cited[source.clause_id].append(_("funding %(code)s") % {"code": source.code} + rule)
    for category in plan.categories.exclude(clause=None):
        if category.clause_id is None:  # excluded by the query; narrows the nullable key
            continue
        cited[category.clause_id].append(_("category %(code)s") % {"code": category.code})

    coverage = []
    for clause in plan.clauses.order_by("position"):
        implementers = tuple(dict.fromkeys(cited[clause.pk]))
        if clause.out_of_scope:
            status = OUT_OF_SCOPE
            implementers += (_("OUT OF SCOPE: %(reason)s") % {"reason": clause.out_of_scope},)
        elif clause.pk in coded:
            status = IMPLEMENTED
        else:
            status = MAPPED if implementers else MISSING
        coverage.append(ClauseCoverage(clause.code, clause.summary_vi, status, implementers))
    return coverage


class Command(BaseCommand):
    help = (
        "List every clause of a plan with what implements it; fail if a clause is neither "
        "mapped nor out of scope."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", help="plan code (default: the only plan)")
        parser.add_argument("--format", choices=("table", "csv"), default="table")
        parser.add_argument(
            "--on",
            type=dt.date.fromisoformat,
            help="count matrix rows not ended before this day (default: today)",
        )

    def handle(self, *args, plan: str | None, format: str, on: dt.date | None, **options):
        coverage = clause_coverage(plan=self._plan(plan), on=on or today())
        if format == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(["clause", "status", "summary_vi", "implemented_by"])
            for item in coverage:
                implementers = "; ".join(item.implementers)
                writer.writerow([item.code, item.status, item.summary_vi, implementers])
        else:
            self._table(coverage)
        missing = [item.code for item in coverage if item.status == MISSING]
        if missing:
            raise CommandError(
                _("Clauses neither mapped nor out of scope: %(codes)s")
                % {"codes": ", ".join(missing)}
            )

    def _plan(self, code: str | None) -> Plan:
        plans = Plan.objects.filter(code=code) if code else Plan.objects.all()
        found = list(plans[:2])
        if len(found) == 1:
            return found[0]
        if code:
            raise CommandError(_('No plan "%(code)s" is loaded.') % {"code": code})
        if not found:
            raise CommandError(_("No plan is loaded; run loadplan first."))
        raise CommandError(_("Several plans are loaded; choose one with --plan."))

    def _table(self, coverage: list[ClauseCoverage]) -> None:
        code_width = max(len(item.code) for item in coverage)
        status_width = max(len(_(status)) for status in STATUSES)

        def line(code: str, status: str, summary: str, implementer: str) -> str:
            columns = (code.ljust(code_width), status.ljust(status_width))
            return "  ".join((*columns, summary.ljust(SUMMARY_WIDTH), implementer)).rstrip()

        self.stdout.write(line(_("Clause"), _("Status"), _("Summary"), _("Implemented by")))
        for item in coverage:
            summary = Truncator(" ".join(item.summary_vi.split())).chars(SUMMARY_WIDTH)
            wrapped = [
                part
                for implementer in item.implementers
                for part in textwrap.wrap(implementer, IMPLEMENTER_WIDTH, subsequent_indent="  ")
            ] or [""]
            self.stdout.write(line(item.code, _(item.status), summary, wrapped[0]))
            for part in wrapped[1:]:
                self.stdout.write(line("", "", "", part))
        counts = dict.fromkeys(STATUSES, 0)
        for item in coverage:
            counts[item.status] += 1
        self.stdout.write(
            _("%(total)d clauses: %(counts)s")
            % {
                "total": len(coverage),
                "counts": ", ".join(f"{n} {_(status)}" for status, n in counts.items()),
            }
        )
