"""The benchmark harness on tiny data, not timed: the generator makes data the services can
go on with, and every measurement returns its figures, so `make bench` cannot silently rot.
PostgreSQL-only parts (EXPLAIN ANALYZE, pgbench, the scratch database) skip on SQLite."""

from __future__ import annotations

import json
import sys

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import modify_settings
from viewflow.workflow.models import Task

from agencies.models import Plan, Unit
from bench import quote, report
from bench.counting import counting
from bench.database import Server, scratch_database
from bench.generator import (
    CONSOLIDATED_YEAR,
    NATIONAL_TARGET_COMMUNES,
    PROVINCIAL_YEAR,
    Scale,
    generate,
)
from bench.lifecycle import BENCH_DAY, Cast, bench_clock
from bench.scenarios import consolidation, inbox, overdue, throughput
from bench.workers import run_workers
from workflows.aid_requests import services
from workflows.aid_requests.models import AidRequest, Status
from workflows.core.selectors import actionable_tasks
from workflows.reporting.models import Obligation

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(plan):
    """Ninh Thuận and one synthetic province, templates of one category only (fast)."""
    return generate(plan, Scale(2), categories=("nutrition",))


def test_scale_adds_provinces_up_to_the_national_communes():
    assert Scale(1).synthetic_communes(28) == []
    national = Scale(51).synthetic_communes(28)
    assert len(national) == 50
    assert 28 + sum(national) == NATIONAL_TARGET_COMMUNES


def test_generator_clones_service_made_requests_into_every_province(generated):
    assert generated.provinces == 2
    assert generated.templates == 11  # one category × every outcome
    assert generated.counts["aid_requests"] == generated.templates + generated.history_requests
    assert generated.counts["tasks"] > 10 * generated.counts["aid_requests"]
    synthetic = Plan.objects.get(code="p02-synthetic")
    request = AidRequest.objects.filter(district__plan=synthetic).order_by("pk").first()
    assert request.category.plan == synthetic  # the province's own category, same code
    tasks = Task.objects.filter(process_id=request.process_id, flow_task_type="HUMAN")
    assert tasks.exists()
    for task in tasks:  # owners and actors belong to the clone's own province
        assert task.owner_permission.startswith("agencies.act.p02-")
        assert task.data["actor"]["unit_id"] in {request.district_id, *_units_of(synthetic)}


def _units_of(plan: Plan) -> set[int]:
    return set(Unit.objects.filter(plan=plan).values_list("pk", flat=True))


def test_a_cloned_open_request_goes_on_through_the_services(generated):
    plan = Plan.objects.get(code="ninh-thuan-372")
    cloned = (
        AidRequest.objects.filter(district__plan=plan, status=Status.ACCEPTED)
        .order_by("-pk")
        .first()
    )
    with bench_clock():
        dolisa = get_user_model().objects.get(username="dolisa.officer")
        assert actionable_tasks(dolisa, process_ids=[cloned.process_id]).exists()
        cast = Cast.load(plan, on=BENCH_DAY.date())
        services.consolidate(
            user=dolisa,
            request_id=cloned.pk,
            funding_source=cast.funding_source,
            resolution="justified",
            note="kiểm tra",
        )
    cloned.refresh_from_db()
    assert cloned.status == Status.CONSOLIDATED


def test_a_synthetic_province_is_a_loaded_plan_that_routes_its_own_requests(generated):
    synthetic = Plan.objects.get(code="p02-synthetic")
    assert synthetic.checksum and synthetic.changes.filter(entity="responsibility").exists()
    cloned = (
        AidRequest.objects.filter(district__plan=synthetic, status=Status.ACCEPTED)
        .order_by("pk")
        .first()
    )
    with bench_clock():
        dolisa = get_user_model().objects.get(username="p02-dolisa.officer")
        services.consolidate(
            user=dolisa,
            request_id=cloned.pk,
            funding_source=synthetic.funding_sources.get(code="donor_pledge"),
            resolution="justified",
            note="kiểm tra",
        )
    waiting = Task.objects.get(
        process_id=cloned.process_id, flow_task_type="HUMAN", status__in=("NEW", "ASSIGNED")
    )
    assert waiting.owner_permission == "agencies.act.p02-dolisa.leader"  # approve (IV.1.a)


def test_counting_separates_transaction_control(plan):
    with counting() as count, transaction.atomic():
        Unit.objects.count()
        with transaction.atomic():
            Unit.objects.exists()
    assert count.statements == 2
    assert count.transaction_control >= 2  # SAVEPOINT and RELEASE at least


def test_counting_counts_python_calls_only_when_asked():
    def leaf() -> None:
        pass

    def calls_leaves(n: int) -> None:
        for _ in range(n):
            leaf()

    with counting(calls=True) as ten:
        calls_leaves(10)
    with counting(calls=True) as twenty:
        calls_leaves(20)
    with counting() as unasked:
        calls_leaves(10)
    assert twenty.calls - ten.calls == 10 and ten.calls >= 11
    assert unasked.calls == 0
    assert sys.getprofile() is None  # the profiler is gone after the block


def test_p1_counts_the_statements_of_every_action(plan):
    generate(plan, Scale(1), categories=("health",))
    with bench_clock():
        cast = Cast.load(plan, on=BENCH_DAY.date())
        found = throughput.statements_of_lifecycles(cast)
        worker = throughput._timed(lambda: 1, barrier=_NoBarrier(), duration=0.01)
    assert found["lifecycles"] == 5
    assert 0 < found["per_human_step"]["statements"] < 100
    # A step's Python calls: far more than its statements, each a query built and read.
    assert found["per_human_step"]["python_calls"] > 100 * found["per_human_step"]["statements"]
    assert {"create", "submit", "review", "confirm"} <= set(found["by_action"])
    assert worker["units"] >= 1


@modify_settings(INSTALLED_APPS={"append": "bench.baseline_flow"})
def test_p1_baseline_runs_plain_viewflow(plan):
    found = throughput.statements_of_baseline()
    assert found["per_human_step"]["statements"] > 5
    assert Task.objects.filter(flow_task_type="HUMAN", status="DONE").count() == 1


def test_p2_measures_an_officers_first_page(generated):
    with bench_clock():
        user = get_user_model().objects.get(username="dolisa.officer")
        found = inbox.measure_officer(Client(), user, requests=3)
    assert found["p50_ms"] > 0 and found["p95_ms"] >= found["p50_ms"]
    assert 0 < found["rows"]["page"] <= found["rows"]["assigned"] + found["rows"]["queue"]
    assert found["statements_per_page"] > 0
    assert found["python_calls_per_page"] > 1000
    if connection.vendor == "postgresql":
        assert found["raw_sql"]["page"]["execution_ms"] > 0
        assert found["p95_over_raw_sql"] > 0
    else:
        assert found["raw_sql"]["page"] is None


def test_duties_for_every_province_and_p3_p4_measure_them(generated):
    duties = generated.duties
    owed = Obligation.objects.filter(unit__plan__code="p02-synthetic")
    assert owed.exists() and not owed.exclude(definition__plan__code="p02-synthetic").exists()
    assert not Obligation.objects.exclude(definition__plan=F("unit__plan")).exists()
    assert duties["plan_duties"] > 0 and duties["bench_monthly_duties"] > duties["plan_duties"]
    assert 0 < duties["overdue"] < generated.counts["obligations"]
    assert duties["reports"][CONSOLIDATED_YEAR] > duties["reports"][PROVINCIAL_YEAR] > 0
    with bench_clock():
        half = overdue.scan_with_half_outstanding()
        first, second = overdue.scan_once(), overdue.scan_once()
    assert half > 0  # equal to the first run's at scale; tiny data can empty a definition
    assert first["enqueued_by_kind"]["overdue"] > 0
    assert second["enqueued"] == 0
    assert first["scan_statements"] > 0 and first["scan_seconds"] <= first["seconds"]
    provincial = consolidation.measure(PROVINCIAL_YEAR)
    national = consolidation.measure(CONSOLIDATED_YEAR)
    assert 0 < provincial["reports"] < national["reports"]
    assert provincial["statements"] == national["statements"]


def test_workers_run_together_and_report_their_memory():
    results = run_workers(f"{__name__}:echo_worker", 2, word="xin chào")
    assert sorted(r["index"] for r in results) == [0, 1]
    assert all(r["word"] == "xin chào" for r in results)
    assert all(r["peak_rss_mb"] is None or r["peak_rss_mb"] > 10 for r in results)


def echo_worker(*, index: int, barrier, word: str) -> dict:
    """A worker that touches no database (the test database is not the spawned one's)."""
    barrier.wait()
    return {"index": index, "word": word}


class _NoBarrier:
    def wait(self) -> None:
        """One worker in-process: nobody to wait for."""


@pytest.mark.postgres
def test_pgbench_and_the_scratch_database():
    server = Server.from_environment()
    with scratch_database(server, name="hotro_bench_test") as name:
        found = throughput.pgbench_tps(server, name, duration=1)
    if throughput.pgbench_program() is None:
        assert found == {"available": False, "reason": "pgbench is not installed"}
    else:
        assert found["tps"] > 0
    with server.connect() as maintenance:
        gone = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        assert gone.fetchone() is None


def test_report_marks_targets_met_missed_or_not_measured():
    results = {
        "p1": {"ratios": {"ours_vs_viewflow_1w": 1.2, "ours_vs_viewflow_2w": 0.9}},
        "p2": {"officers": {"district_officer": {"p95_ms": 12.0, "p95_over_raw_sql": 4.0}}},
    }
    found = {t.key: t.met for t in report.targets(results)}
    assert found["p1_vs_viewflow_1w"] is True
    assert found["p1_vs_viewflow_2w"] is False
    assert found["p2_p95_district_officer"] is True
    assert found["p2_ratio_district_officer"] is False
    assert found["p3_scan_seconds"] is None


def test_report_keeps_the_previous_run_for_before_and_after(tmp_path):
    last = {
        "run": {"date": "2026-11-29T08:00:00+00:00", "commit": "abc1234 (uncommitted changes)"},
        "targets": [{"key": "p1_statements", "value": 21.0}],
    }
    (tmp_path / "latest.json").write_text(json.dumps(last))
    previous = report.archive_previous(tmp_path, "latest")
    assert previous["values"] == {"p1_statements": 21.0}
    assert (tmp_path / previous["file"]).exists()
    assert not (tmp_path / "latest.json").exists()
    assert report.archive_previous(tmp_path, "latest") == {}


def test_readme_quotes_the_summary_of_the_latest_run(tmp_path):
    results = tmp_path / "bench" / "results"
    results.mkdir(parents=True)
    (results / "latest.md").write_text(
        "# Benchmark results (full run)\n\nRun 2026-11-29 on a machine.\n\n"
        "| Figure | Value | Previous ([x](history/x.json)) |\n| --- | --- | --- |\n"
        "| P1 | 1.2× | 1.1× |\n\n## P1 throughput\n\ndetails\n"
    )
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{quote.START}\nold table\n{quote.END}\nafter\n")
    quote.quote(readme, results / "latest.md")
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{quote.END}\nafter\n")
    assert "old table" not in text and "details" not in text and "# Benchmark" not in text
    assert "Run 2026-11-29 on a machine." in text and "| P1 | 1.2× | 1.1× |" in text
    assert "](bench/results/history/x.json)" in text
