"""`python -m bench.run [--scale S] [--quick]`: create a database on the DATABASE_URL server,
migrate, load the plan, generate data at scale S, run P2, P1, P3 and P4, write
bench/results/<name>.json and .md, and drop the database. All figures come from one run."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import signal
import subprocess
import time
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

from .database import Server, scratch_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# A quick run makes templates of two categories only: one reviewed in parallel, one not.
QUICK_CATEGORIES = ("nutrition", "health")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", type=int, help="provinces, 1–51 (default 51; quick: 2)")
    parser.add_argument("--quick", action="store_true", help="small and short: minutes, not tens")
    parser.add_argument("--duration", type=float, help="seconds of P1 per engine and workers")
    parser.add_argument("--requests", type=int, help="HTTP requests per officer in P2")
    parser.add_argument("--name", help="results file stem (default: latest, or quick)")
    parser.add_argument(
        "--no-readme",
        action="store_true",
        help="leave README.md as it is (a full run quotes its table there by default)",
    )
    args = parser.parse_args(argv)
    args.scale = args.scale or (2 if args.quick else 51)
    args.duration = args.duration or (4.0 if args.quick else 45.0)
    args.requests = args.requests or (50 if args.quick else 200)
    args.name = args.name or ("quick" if args.quick else "latest")
    if not 1 <= args.scale <= 51:
        parser.error("--scale is a number of provinces, 1 to 51")
    return args


def _command(*argv: str) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def machine() -> dict:
    """What the figures were measured on."""
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
        cursor.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers',"
            " 'work_mem', 'effective_cache_size', 'synchronous_commit', 'fsync', 'jit')"
        )
        settings = {name: f"{value}{unit or ''}" for name, value, unit in cursor.fetchall()}
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_kb / 1024 / 1024,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": version("django"),
        "viewflow": version("django-viewflow"),
        "postgresql": server_version,
        "postgresql_settings": settings,
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(args: argparse.Namespace) -> dict:
    """Everything inside the scratch database, in one process plus its workers."""
    server = Server.from_environment()
    started = time.perf_counter()
    load_start = _load()
    # The code measured is the tree as it is now: others may commit while the run goes on.
    commit = _command("git", "rev-parse", "--short", "HEAD") + (
        " (uncommitted changes)" if _command("git", "status", "--porcelain") else ""
    )
    with scratch_database(server) as database:
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from agencies.models import Plan

        from .generator import CONSOLIDATED_YEAR, PLAN_FILE, PROVINCIAL_YEAR, Scale, generate
        from .scenarios import consolidation, inbox, overdue, throughput

        print(f"bench: database {database}, scale {args.scale}", flush=True)
        call_command("migrate", verbosity=0)
        call_command("loadplan", str(PLAN_FILE), verbosity=0)
        plan = Plan.objects.get()
        generated = generate(
            plan, Scale(args.scale), categories=QUICK_CATEGORIES if args.quick else None
        )
        print(f"bench: generated {generated.counts} in {generated.seconds}", flush=True)
        connections.close_all()
        results = {"scale": asdict(generated)}
        results["p2"] = inbox.run(requests=args.requests)
        print("bench: P2 done", flush=True)
        results["p1"] = throughput.run(
            server=server,
            database=database,
            plan_code=plan.code,
            duration=args.duration,
            rounds=1 if args.quick else 3,
        )
        print("bench: P1 done", flush=True)
        results["p3"] = overdue.run()
        print("bench: P3 done", flush=True)
        results["p4"] = consolidation.run(
            provincial_year=PROVINCIAL_YEAR, national_year=CONSOLIDATED_YEAR
        )
        results["run"] = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "quick": args.quick,
            "arguments": {k: v for k, v in vars(args).items() if k != "name"},
            "commit": commit,
            "machine": machine(),
            "load_average_start": load_start,
            "load_average_end": _load(),
        }
        connections.close_all()
    results["run"]["seconds"] = time.perf_counter() - started
    return results


def _stop(signum: int, _frame) -> None:
    """SIGTERM ends the run like Ctrl-C: the scratch database is still dropped."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    from .quote import quote
    from .report import archive_previous, write

    args = parse(argv)
    signal.signal(signal.SIGTERM, _stop)
    results = run(args)
    results["previous"] = archive_previous(RESULTS, args.name)
    json_path, md_path = write(results, RESULTS, args.name)
    if args.name == "latest" and not args.no_readme:
        quote(ROOT / "README.md", md_path)
    print(md_path.read_text())
    print(f"bench: wrote {json_path.relative_to(ROOT)} and {md_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
