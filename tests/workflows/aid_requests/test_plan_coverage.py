"""plan_coverage shows the clauses this process implements (issue: aid request process)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_aid_request_clauses_are_implemented(plan):
    out = io.StringIO()
    call_command("plan_coverage", "--format=csv", stdout=out)
    rows = {row["clause"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    for clause in ("II.3", "II.4", "IV.1.a", "IV.2", "IV.3", "IV.4", "IV.8", "IV.12.b"):
        assert rows[clause]["status"] == "implemented", clause
        assert "aid_request." in rows[clause]["implemented_by"], clause
