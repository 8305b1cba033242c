"""P2 inbox: the first page of an officer's tasks (/tasks/: what is assigned to them and what
waits in their units' queues, every process) over HTTP through the test client, in a web
process of its own, beside the raw SQL time of the page's task query (EXPLAIN ANALYZE)."""

from __future__ import annotations

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from viewflow.workflow import STATUS

from workflows.core.selectors import actionable_tasks
from workflows.core.views import PAGE

from ..counting import counting
from ..lifecycle import bench_clock
from ..workers import run_workers

# The officers the issue names, as `seed_demo` made them in Ninh Thuận.
OFFICERS = {"district_officer": "d-bac-ai.officer", "dolisa_officer": "dolisa.officer"}
WARM_UP = 10
EXPLAIN_REPEATS = 20


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of the values."""
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, round(fraction * len(ranked)) - 1))]


def task_query(sql: list[str]) -> str:
    """The page's task query among the statements one request sent: the same SQL, whatever
    the view does to build it (workflows.core.views.inbox)."""
    return next(s for s in sql if s.lstrip().startswith("SELECT") and 'FROM "viewflow_task"' in s)


def halves(user) -> dict[str, QuerySet]:
    """The two halves of actionable_tasks: assigned to the officer, and waiting in their
    units' queues (a page's worth each)."""
    tasks = actionable_tasks(user)
    return {
        "assigned": tasks.filter(status=STATUS.ASSIGNED)[:PAGE],
        "queue": tasks.filter(status=STATUS.NEW)[:PAGE],
    }


def explain_ms(sql: str, params=(), *, repeats: int = EXPLAIN_REPEATS) -> dict | None:
    """Median execution and planning time of the query by EXPLAIN ANALYZE (PostgreSQL only),
    and the plan's top node."""
    if connection.vendor != "postgresql":
        return None
    executions, plannings = [], []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0][0]
            executions.append(plan["Execution Time"])
            plannings.append(plan["Planning Time"])
    return {
        "execution_ms": statistics.median(executions),
        "planning_ms": statistics.median(plannings),
        "plan": _plan_outline(plan["Plan"]),
    }


def _plan_outline(node: dict, depth: int = 0) -> list[str]:
    """One line per plan node: type, relation or index, rows."""
    label = node["Node Type"]
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    elif "Relation Name" in node:
        label += f" on {node['Relation Name']}"
    lines = [f"{'  ' * depth}{label} (rows={node.get('Actual Rows')})"]
    for child in node.get("Plans", []):
        lines.extend(_plan_outline(child, depth + 1))
    return lines


def measure_officer(client: Client, user, *, requests: int) -> dict:
    """Latency of the officer's first page over HTTP, its statements, and the raw SQL."""
    url = reverse("tasks:inbox")
    client.force_login(user)
    for _ in range(WARM_UP):
        client.get(url)
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code} for {user}")
    with counting(calls=True) as count:
        client.get(url)
    page = task_query(count.sql)
    with connection.cursor() as cursor:
        cursor.execute(page)
        rows = {"page": len(cursor.fetchall())}
    sql = {"page": explain_ms(page)}
    for name, queryset in halves(user).items():
        rows[name] = len(list(queryset))
        sql[name] = explain_ms(*queryset.query.sql_with_params())
    p95 = percentile(latencies, 0.95)
    raw = sql["page"]["execution_ms"] if sql["page"] else None
    return {
        "username": user.username,
        "requests": requests,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": p95,
        "max_ms": max(latencies),
        "rows": rows,
        "statements_per_page": count.statements,
        "python_calls_per_page": count.calls,
        "raw_sql": sql,
        "p95_over_raw_sql": p95 / raw if raw else None,
    }


def web_worker(*, index: int, barrier, requests: int) -> dict:
    """The web process: serves every officer's page `requests` times."""
    barrier.wait()
    with bench_clock():
        users = get_user_model().objects.in_bulk(OFFICERS.values(), field_name="username")
        return {
            label: measure_officer(Client(), users[username], requests=requests)
            for label, username in OFFICERS.items()
        }


def run(*, requests: int) -> dict:
    """P2 in a fresh web process, whose peak RSS is the web figure of the memory target."""
    (result,) = run_workers(f"{__name__}:web_worker", 1, requests=requests)
    peak = result.pop("peak_rss_mb")
    return {"officers": result, "web_process_peak_rss_mb": peak}
