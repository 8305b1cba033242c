"""P1 throughput: aid-request lifecycles through the services (every human step through the
transition door) with 1 and 2 worker processes, and in the same run plain viewflow's
Start → View → End started, assigned and executed the same way, and pgbench on the server."""

from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.models import Process

from agencies.models import Plan

from ..counting import StatementCount, counting
from ..database import Server
from ..lifecycle import BENCH_DAY, Cast, Ticket, bench_clock, drive
from ..sending import drain, published
from ..workers import run_workers

BASELINE_USERNAME = "bench.viewflow"
PGBENCH_CLIENTS = 4
PGBENCH_SCALE = 4  # one branch per client: TPC-B-like without branch-row contention


@dataclass
class Rate:
    """Work done by `workers` processes in the same timed window."""

    engine: str
    workers: int
    units: int
    human_steps: int
    seconds: float
    units_per_s: float
    human_steps_per_s: float
    peak_rss_mb: float | None
    # The worker's part after the window: messages published, emails sent, seconds, statements.
    sending: dict | None = None


def tickets(cast: Cast, *, seed: int) -> list[Ticket]:
    """Every target commune of the plan in every category, in a shuffled order."""
    communes = [commune for communes in cast.districts.values() for commune in communes]
    found = [Ticket(commune=c, category=code) for c in communes for code in cast.categories]
    random.Random(seed).shuffle(found)
    return found


def _timed(work: Callable[[], int], *, barrier, duration: float) -> dict:
    """Warm up once, wait for the other workers, then repeat `work` for `duration` seconds."""
    work()
    barrier.wait()
    units = steps = 0
    started = time.perf_counter()
    deadline = started + duration
    while time.perf_counter() < deadline:
        steps += work()
        units += 1
    return {"units": units, "human_steps": steps, "seconds": time.perf_counter() - started}


def ours_worker(*, index: int, barrier, duration: float, plan_code: str) -> dict:
    """A worker process completing lifecycles of the plan's requests through the services, as
    web requests do: the steps' sending is published, and done apart after the window
    (bench.sending)."""
    with bench_clock():
        cast = Cast.load(Plan.objects.get(code=plan_code), on=BENCH_DAY.date())
        queue = itertools.cycle(tickets(cast, seed=index))
        with published():
            timed = _timed(lambda: drive(cast, next(queue))[1], barrier=barrier, duration=duration)
        return {**timed, "sending": drain()}


def baseline_user():
    """An officer allowed the baseline's human step by a plain Django permission."""
    from bench.baseline_flow.flows import BaselineFlow

    _app, codename = BaselineFlow.review._owner_permission.split(".")
    permission, _ = Permission.objects.get_or_create(
        codename=codename,
        content_type=ContentType.objects.get_for_model(Process),
        defaults={"name": "Can review (benchmark baseline)"},
    )
    user, _ = get_user_model().objects.get_or_create(username=BASELINE_USERNAME)
    user.user_permissions.add(permission)
    return get_user_model().objects.get(pk=user.pk)


def viewflow_worker(*, index: int, barrier, duration: float) -> dict:
    """A worker process running plain viewflow cycles: start, fetch, assign, execute."""
    from bench.baseline_flow.flows import run_cycle

    with bench_clock():
        user = baseline_user()

        def cycle() -> int:
            run_cycle(user)
            return 1

        return _timed(cycle, barrier=barrier, duration=duration)


WORKER_TARGETS = {"ours": f"{__name__}:ours_worker", "viewflow": f"{__name__}:viewflow_worker"}


def measure_rate(engine: str, workers: int, *, duration: float, **kwargs) -> Rate:
    """Aggregate rate of `workers` processes timed together."""
    results = run_workers(WORKER_TARGETS[engine], workers, duration=duration, **kwargs)
    peaks = [r["peak_rss_mb"] for r in results if r["peak_rss_mb"] is not None]
    return Rate(
        engine=engine,
        workers=workers,
        units=sum(r["units"] for r in results),
        human_steps=sum(r["human_steps"] for r in results),
        seconds=max(r["seconds"] for r in results),
        units_per_s=sum(r["units"] / r["seconds"] for r in results),
        human_steps_per_s=sum(r["human_steps"] / r["seconds"] for r in results),
        peak_rss_mb=max(peaks) if peaks else None,
        sending=_sum_sending([r["sending"] for r in results if "sending" in r]),
    )


def _sum_sending(found: list[dict]) -> dict | None:
    """The workers' sending after one window, added up (seconds: the longest)."""
    if not found:
        return None
    total = {key: sum(f[key] for f in found) for key in ("messages", "emails", "statements")}
    return {**total, "seconds": max(f["seconds"] for f in found)}


def _summary(counts: list[StatementCount], human_steps: int) -> dict:
    total = StatementCount()
    for count in counts:
        total.add(count)
    return {
        "statements": total.statements / human_steps,
        "transaction_statements": total.transaction_control / human_steps,
        "commits": total.commits / human_steps,
        "python_calls": total.calls / human_steps,
    }


def statements_of_lifecycles(cast: Cast) -> dict:
    """SQL of one closed lifecycle per category: per human step over the whole lifecycle
    (its creation included), and per action; the steps' sending is published and counted
    apart, as a worker's (bench.sending)."""
    by_action: dict[str, list[StatementCount]] = {}

    @contextmanager
    def counted(action: str) -> Iterator[None]:
        with counting(calls=True) as count:
            yield
        by_action.setdefault(action, []).append(count)

    commune = next(iter(cast.districts.values()))[0]
    with published():
        human_steps = sum(
            drive(cast, Ticket(commune=commune, category=category), around=counted)[1]
            for category in cast.categories
        )
    sending = drain()
    everything = [count for counts in by_action.values() for count in counts]
    return {
        "lifecycles": len(cast.categories),
        "human_steps": human_steps,
        "per_human_step": _summary(everything, human_steps),
        "by_action": {action: _summary(c, len(c)) for action, c in by_action.items()},
        "max_statements_in_one_action": max(count.statements for count in everything),
        "sql_of_one_approve": _outline(by_action["approve"][0]),
        "sending": {
            **sending,
            "statements_per_human_step": sending["statements"] / human_steps,
            "messages_per_human_step": sending["messages"] / human_steps,
        },
    }


def _outline(count: StatementCount) -> list[str]:
    """Each statement's first words: enough to see what a step reads and writes."""
    return [" ".join(statement.split())[:140] for statement in count.sql]


def statements_of_baseline() -> dict:
    """SQL of one plain-viewflow cycle (its only human step)."""
    from bench.baseline_flow.flows import run_cycle

    user = baseline_user()
    with counting(calls=True) as count:
        run_cycle(user)
    return {
        "lifecycles": 1,
        "human_steps": 1,
        "per_human_step": _summary([count], 1),
        "sql_of_one_cycle": _outline(count),
    }


def pgbench_program() -> str | None:
    """pgbench on PATH, or in a PostgreSQL installation of Debian's layout."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True)
    return shutil.which("pgbench") or (str(found[0]) if found else None)


def pgbench_tps(server: Server, database: str, *, duration: float) -> dict:
    """TPC-B-like pgbench with 4 clients on the same server, in its own tables of the
    benchmark database (dropped afterwards)."""
    program = pgbench_program()
    if program is None:
        return {"available": False, "reason": "pgbench is not installed"}
    env = {**os.environ, **server.libpq_environment(database)}
    run = partial(subprocess.run, env=env, check=True, capture_output=True, text=True)
    run([program, "-i", "-q", "-s", str(PGBENCH_SCALE)])
    try:
        out = run(
            [
                program,
                "-n",
                "-c",
                str(PGBENCH_CLIENTS),
                "-j",
                "2",
                "-T",
                str(max(1, round(duration))),
            ]
        ).stdout
    finally:
        run([program, "-i", "-I", "d"])
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    return {
        "available": True,
        "clients": PGBENCH_CLIENTS,
        "scale": PGBENCH_SCALE,
        "seconds": round(duration),
        "tps": tps,
    }


def _median(samples: list[Rate]) -> dict:
    """The window with the median human-step rate, and every window's rate beside it."""
    ranked = sorted(samples, key=lambda r: r.human_steps_per_s)
    return {
        **asdict(ranked[(len(ranked) - 1) // 2]),
        "windows_human_steps_per_s": [r.human_steps_per_s for r in samples],
    }


def run(*, server: Server, database: str, plan_code: str, duration: float, rounds: int = 3) -> dict:
    """Rates of ours and of plain viewflow with 1 and 2 workers, each over `rounds` windows
    taken in turn (ours, viewflow, ours, …) so that drift on a shared machine hits both; the
    median window counts. Then their SQL per human step, and pgbench."""
    baseline_user()
    samples: dict[tuple[str, int], list[Rate]] = {}
    for workers in (1, 2):
        for _round in range(rounds):
            for engine, options in (("ours", {"plan_code": plan_code}), ("viewflow", {})):
                samples.setdefault((engine, workers), []).append(
                    measure_rate(engine, workers, duration=duration / rounds, **options)
                )
    rates = {key: _median(found) for key, found in samples.items()}
    with bench_clock():
        cast = Cast.load(Plan.objects.get(code=plan_code), on=BENCH_DAY.date())
        ours_sql = statements_of_lifecycles(cast)
        viewflow_sql = statements_of_baseline()
    pgbench = pgbench_tps(server, database, duration=duration / rounds)
    ratios = {}
    for workers in (1, 2):
        ours = rates["ours", workers]["human_steps_per_s"]
        ratios[f"ours_vs_viewflow_{workers}w"] = (
            ours / rates["viewflow", workers]["human_steps_per_s"]
        )
        if pgbench["available"]:
            ratios[f"ours_vs_pgbench_{workers}w"] = ours / pgbench["tps"]
    return {
        "rounds": rounds,
        "rates": list(rates.values()),
        "sql": {"ours": ours_sql, "viewflow": viewflow_sql},
        "pgbench": pgbench,
        "ratios": ratios,
    }
