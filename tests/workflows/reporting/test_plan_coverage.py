"""plan_coverage shows the clauses the reporting process implements, and operators can
generate the duties by hand (issue: reporting obligations)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from workflows.reporting.models import Obligation

pytestmark = pytest.mark.django_db

STEPS = {
    "IV.1.d": "report.consolidate",
    "IV.1.đ": "report.approve",
    "IV.11": "report.draft",
    "IV.12.b": "report.sign_off",
    "V.1": "report.draft",
    "V.2": "report.acknowledge",
}


def test_reporting_clauses_are_implemented(plan):
    out = io.StringIO()
    call_command("plan_coverage", "--format=csv", stdout=out)
    implemented = {
        row["clause"]: row["implemented_by"]
        for row in csv.DictReader(io.StringIO(out.getvalue()))
        if row["status"] == "implemented"
    }
    for clause, step in STEPS.items():
        assert step in implemented.get(clause, ""), clause


def test_generate_obligations_command_is_idempotent(plan):
    first, second = io.StringIO(), io.StringIO()
    call_command("generate_obligations", stdout=first)
    call_command("generate_obligations", stdout=second)
    assert first.getvalue().split()[-1] == str(Obligation.objects.count())
    assert Obligation.objects.exists()
    assert second.getvalue().split()[-1] == "0"
