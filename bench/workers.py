"""Fresh worker processes (spawned, never forked, so each opens its own connection and its
memory is its own), started together behind a barrier; each reports its peak RSS."""

from __future__ import annotations

import importlib
import multiprocessing
import time
import traceback
from pathlib import Path
from queue import Empty

WORKER_TIMEOUT = 900  # seconds; a worker that says nothing by then has hung


def peak_rss_mb() -> float | None:
    """This process's peak resident set size (VmHWM) in MiB, or None off Linux."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def _entry(target: str, index: int, barrier, queue, kwargs: dict) -> None:
    """Set Django up in the fresh interpreter, then import and run the target (`module:name`;
    importing it first would load models before the app registry), send back what it says."""
    try:
        import django

        django.setup()
        module, name = target.split(":")
        result = getattr(importlib.import_module(module), name)(
            index=index, barrier=barrier, **kwargs
        )
        result["peak_rss_mb"] = peak_rss_mb()
        queue.put(("ok", result))
    except BaseException:  # noqa: BLE001 - the parent re-raises with the worker's traceback
        barrier.abort()
        queue.put(("error", traceback.format_exc()))


class WorkerFailed(RuntimeError):
    """A worker raised or died; the message carries what is known."""


def _collect(processes: list, queue) -> list[tuple[str, object]]:
    """One outcome per process; a process that exits without one counts as failed."""
    outcomes = []
    deadline = time.monotonic() + WORKER_TIMEOUT
    while len(outcomes) < len(processes):
        try:
            outcomes.append(queue.get(timeout=1))
        except Empty:
            dead = [p for p in processes if p.exitcode not in (None, 0)]
            if dead or time.monotonic() > deadline:
                codes = [p.exitcode for p in processes]
                raise WorkerFailed(f"workers died or hung, exit codes {codes}") from None
    return outcomes


def run_workers(target: str, count: int, **kwargs) -> list[dict]:
    """Run `target(index=i, barrier=b, **kwargs)` (`"module:function"`) in `count` spawned
    processes. The target calls `barrier.wait()` once it is warm, so the timed parts of all
    workers run at the same time."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(count)
    queue = context.Queue()
    processes = [
        context.Process(target=_entry, args=(target, index, barrier, queue, kwargs))
        for index in range(count)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = _collect(processes, queue)
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    errors = [detail for status, detail in outcomes if status == "error"]
    if errors:
        raise WorkerFailed("\n".join(errors))
    return [detail for _status, detail in outcomes]
