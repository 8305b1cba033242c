"""P4 consolidation: the provincial figures computed from the accepted unit reports
(workflows.reporting.selectors.provincial_figures), for one province and for all provinces.

The selector sums every accepted unit report of a year, with no province in its arguments: one
province's figure is measured on a year only that province has reports for, and the national
figure is one call over every province's reports of another year."""

from __future__ import annotations

import statistics
import time

from workflows.reporting.selectors import provincial_figures

from ..counting import counting

REPEATS = 5


def measure(year: int) -> dict:
    """Median time of the computation over REPEATS runs, its statements, and what it summed."""
    with counting() as count:
        figures = provincial_figures(year=year)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        provincial_figures(year=year)
        times.append(time.perf_counter() - started)
    return {
        "year": year,
        "seconds": statistics.median(times),
        "statements": count.statements,
        "reports": figures["reports"],
        "children_lines": len(figures["children"]),
    }


def run(*, provincial_year: int, national_year: int) -> dict:
    provincial, national = measure(provincial_year), measure(national_year)
    return {
        "available": True,
        "provincial": provincial,
        "national": national,
        "provincial_ms": provincial["seconds"] * 1000,
        "national_s": national["seconds"],
    }
