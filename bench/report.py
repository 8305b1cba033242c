"""Targets of the issue checked against one run's figures, and the results as JSON and as the
Markdown table the README quotes."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

AT_LEAST, AT_MOST = "≥", "≤"
OFFICER_LABELS = {"district_officer": "district officer", "dolisa_officer": "DOLISA officer"}


@dataclass
class Target:
    """One target of the issue: the figure, the limit, and whether this run met it (None when
    the figure could not be measured)."""

    key: str
    figure: str
    value: float | None
    limit: float
    sense: str
    unit: str
    met: bool | None

    @classmethod
    def check(cls, key: str, figure: str, value, sense: str, limit: float, unit: str) -> Target:
        compare: Callable = operator.ge if sense == AT_LEAST else operator.le
        met = None if value is None else bool(compare(value, limit))
        return cls(key, figure, value, limit, sense, unit, met)


def _get(data: dict, *path, default=None):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def targets(results: dict) -> list[Target]:
    """Every target of the issue, in its order: P1, P2, P3, P4, memory."""
    p1, p2, p3, p4 = (results.get(k, {}) for k in ("p1", "p2", "p3", "p4"))
    found = [
        Target.check(
            f"p1_vs_viewflow_{w}w",
            f"P1 human-step rate ÷ plain viewflow's, {w} worker{'s' * (w > 1)}",
            _get(p1, "ratios", f"ours_vs_viewflow_{w}w"),
            AT_LEAST,
            1.0,
            "×",
        )
        for w in (1, 2)
    ]
    found.append(
        Target.check(
            "p1_statements",
            "P1 SQL statements per human step",
            _get(p1, "sql", "ours", "per_human_step", "statements"),
            AT_MOST,
            30,
            "",
        )
    )
    for key, label in OFFICER_LABELS.items():
        officer = _get(p2, "officers", key, default={})
        found.append(
            Target.check(
                f"p2_p95_{key}", f"P2 p95, {label}", officer.get("p95_ms"), AT_MOST, 20, "ms"
            )
        )
        found.append(
            Target.check(
                f"p2_ratio_{key}",
                f"P2 p95 ÷ raw SQL, {label}",
                officer.get("p95_over_raw_sql"),
                AT_MOST,
                3,
                "×",
            )
        )
    found += [
        Target.check(
            "p3_scan_seconds", "P3 overdue scan, first run (record and enqueue)",
            _get(p3, "first", "scan_seconds"), AT_MOST, 1, "s",
        ),
        Target.check(
            "p3_constant",
            "P3 extra statements with twice the outstanding duties",
            _difference(
                _get(p3, "first", "scan_statements"),
                _get(p3, "scan_statements_with_half_outstanding"),
            ),
            AT_MOST, 0, "",
        ),
        Target.check(
            "p3_second_run", "P3 second run enqueues", _get(p3, "second", "enqueued"),
            AT_MOST, 0, "",
        ),
        Target.check(
            "p4_provincial", "P4 one provincial report", _get(p4, "provincial_ms"),
            AT_MOST, 200, "ms",
        ),
        Target.check(
            "p4_national", "P4 all provinces", _get(p4, "national_s"), AT_MOST, 5, "s"
        ),
        Target.check(
            "memory_web", "Peak RSS, web process serving P2",
            _get(p2, "web_process_peak_rss_mb"), AT_MOST, 150, "MB",
        ),
        Target.check(
            "memory_worker", "Peak RSS, Celery worker running P3",
            _get(p3, "worker_peak_rss_mb"), AT_MOST, 150, "MB",
        ),
    ]  # fmt: skip
    return found


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if value else "0"
    return f"{text} {unit}".strip() if unit and unit != "×" else f"{text}{unit}"


def _met(target: Target) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[target.met]


def markdown(results: dict) -> str:
    """The results table and the figures behind it."""
    run, scale = results["run"], results["scale"]
    previous = results.get("previous") or {}
    lines = [
        f"# Benchmark results ({'quick' if run['quick'] else 'full'} run)",
        "",
        (
            f"Run {run['date']} on {run['machine']['cpu']} ({run['machine']['cores']} cores, "
            f"{run['machine']['memory_gb']:.0f} GB), PostgreSQL {run['machine']['postgresql']}, "
            f"commit {run['commit']}; load average {run['load_average_start']} at start, "
            f"{run['load_average_end']} at end (a shared machine: compare ratios, which come from "
            "one run)."
        ),
        "",
        (
            f"Scale S={scale['scale']}: {scale['provinces']} provinces, "
            f"{scale['target_communes']:,} target communes, "
            f"{scale['counts']['aid_requests']:,} aid requests, "
            f"{scale['counts']['tasks']:,} viewflow tasks "
            f"({scale['counts']['open_human_tasks']:,} open human tasks), "
            f"{scale['counts']['audit_events']:,} audit events; "
            f"{scale['templates']} requests made through the services, the rest cloned from them; "
            f"generated in {scale['seconds']['total']:.0f} s."
        ),
        "",
        f"| Figure | Value | Target | Met | {_previous_heading(previous)} |",
        "| --- | --- | --- | --- | --- |",
    ]
    for target in (Target(**t) for t in results["targets"]):
        lines.append(
            f"| {target.figure} | {_number(target.value, target.unit)} | "
            f"{target.sense} {_number(target.limit, target.unit)} | {_met(target)} | "
            f"{_number(previous.get('values', {}).get(target.key), target.unit)} |"
        )
    lines += _p1_lines(results.get("p1", {})) + _p2_lines(results.get("p2", {}))
    lines += _p3_lines(results.get("p3", {})) + _p4_lines(results.get("p4", {}))
    return "\n".join(lines) + "\n"


def _p1_lines(p1: dict) -> list[str]:
    if not p1:
        return []
    lines = [
        "",
        "## P1 throughput",
        "",
        (
            "| engine | workers | lifecycles or processes/s | human steps/s | peak RSS "
            "| then sending (worker) |"
        ),
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rate in p1["rates"]:
        lines.append(
            f"| {rate['engine']} | {rate['workers']} | {rate['units_per_s']:.2f} | "
            f"{rate['human_steps_per_s']:.1f} | {_number(rate['peak_rss_mb'], 'MB')} | "
            f"{_sending(rate.get('sending'))} |"
        )
    ours, viewflow = p1["sql"]["ours"], p1["sql"]["viewflow"]
    pgbench = p1["pgbench"]
    lines += [
        "",
        (
            f"Per human step: ours {ours['per_human_step']['statements']:.1f} SQL statements, "
            f"{ours['per_human_step']['transaction_statements']:.1f} transaction statements, "
            f"{ours['per_human_step']['commits']:.2f} commits"
            f"{_calls(ours['per_human_step'].get('python_calls'))}; plain viewflow "
            f"{viewflow['per_human_step']['statements']:.0f}, "
            f"{viewflow['per_human_step']['transaction_statements']:.0f}, "
            f"{viewflow['per_human_step']['commits']:.0f}"
            f"{_calls(viewflow['per_human_step'].get('python_calls'))}."
        ),
        "",
        "| action | SQL statements | transaction statements |",
        "| --- | --- | --- |",
        *(
            f"| {action} | {c['statements']:.1f} | {c['transaction_statements']:.1f} |"
            for action, c in ours["by_action"].items()
        ),
    ]
    sending = ours.get("sending")
    if sending:
        lines += [
            "",
            (
                "The steps' sending is a worker's, not counted in the steps above: "
                f"{sending['messages_per_human_step']:.2f} sending tasks published per human step "
                "(to the in-memory broker, inside the timed step), then "
                f"{sending['emails']} emails sent in {sending['statements']} statements "
                f"({sending['statements_per_human_step']:.1f} per human step) after the lifecycles."
            ),
        ]
    if pgbench.get("available"):
        lines += [
            "",
            f"pgbench TPC-B-like, {pgbench['clients']} clients, scale {pgbench['scale']}: "
            f"{pgbench['tps']:,.0f} tps; our human-step rate ÷ pgbench tps: "
            + ", ".join(
                f"{v:.4f} ({k.rsplit('_', 1)[1]})"
                for k, v in p1["ratios"].items()
                if "pgbench" in k
            )
            + ".",
        ]
    return lines


def _calls(calls: float | None) -> str:
    """The Python calls of the work counted, where the run counted them."""
    return f", {calls:,.0f} Python calls" if calls is not None else ""


def _sending(sending: dict | None) -> str:
    """What the worker did after a window: the published tasks' sending, timed apart."""
    if not sending:
        return "–"
    return (
        f"{sending['messages']:,} tasks published, {sending['emails']:,} emails "
        f"in {sending['seconds']:.2f} s"
    )


def _p2_lines(p2: dict) -> list[str]:
    if not p2:
        return []
    lines = [
        "",
        "## P2 inbox (/tasks/, first page)",
        "",
        "| officer | requests | p50 | p95 | statements | calls | rows (assigned + queue) | SQL |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    plans = []
    for key, officer in p2["officers"].items():
        raw = officer["raw_sql"]["page"]
        lines.append(
            f"| {OFFICER_LABELS[key]} | {officer['requests']} | {officer['p50_ms']:.1f} ms | "
            f"{officer['p95_ms']:.1f} ms | {officer['statements_per_page']} | "
            f"{_number(officer.get('python_calls_per_page'), '')} | "
            f"{officer['rows']['assigned']} + {officer['rows']['queue']} | "
            f"{_number(raw['execution_ms'] if raw else None, 'ms')} |"
        )
        if raw:
            plans += ["", f"Plan of the page's task query, {OFFICER_LABELS[key]}:", "", "```"]
            plans += [*raw["plan"], "```"]
    return lines + plans


def _p3_lines(p3: dict) -> list[str]:
    if not p3:
        return []
    lines = [
        "",
        (
            f"## P3 overdue scan ({p3['obligations']:,} obligations, "
            f"{p3['outstanding']:,} outstanding)"
        ),
        "",
        "| run | scan (record and enqueue) | statements | enqueued | then sending (worker) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for run in ("first", "second"):
        found = p3[run]
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in found["enqueued_by_kind"].items())
        lines.append(
            f"| {run} | {found['scan_seconds']:.3f} s | {found['scan_statements']} | "
            f"{found['enqueued']:,} ({kinds}) | {found['sending_seconds']:.2f} s, "
            f"{found['sending_statements']} statements |"
        )
    lines += [
        "",
        (
            "With every other outstanding duty marked submitted (rolled back) the scan took "
            f"{p3['scan_statements_with_half_outstanding']} statements. Sending is the queued "
            "task a worker runs after the scan commits: one digest email per recipient."
        ),
    ]
    return lines


def _p4_lines(p4: dict) -> list[str]:
    if not p4:
        return []
    return [
        "",
        "## P4 consolidation (provincial_figures)",
        "",
        "| scope | year | unit reports | children lines | time | statements |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {scope} | {found['year']} | {found['reports']:,} | {found['children_lines']:,} | "
            f"{found['seconds'] * 1000:.1f} ms | {found['statements']} |"
            for scope, found in (("one province", p4["provincial"]), ("all", p4["national"]))
        ),
    ]


def _previous_heading(previous: dict) -> str:
    if not previous:
        return "Previous run"
    commit = previous["commit"].split()[0]
    return f"Previous run ([{previous['date'][:10]}, {commit}]({previous['file']}))"


def archive_previous(directory: Path, stem: str) -> dict:
    """Move the last results of this name to history/ and return their target values, so that
    every table shows the run before it: a change's before and after."""
    last = directory / f"{stem}.json"
    if not last.exists():
        return {}
    data = json.loads(last.read_text())
    history = directory / "history"
    history.mkdir(exist_ok=True)
    commit = data["run"]["commit"].split()[0]
    kept = history / f"{data['run']['date'][:10]}-{commit}-{stem}.json"
    last.rename(kept)
    (directory / f"{stem}.md").unlink(missing_ok=True)
    return {
        "date": data["run"]["date"],
        "commit": data["run"]["commit"],
        "file": str(kept.relative_to(directory)),
        "values": {t["key"]: t["value"] for t in data.get("targets", [])},
    }


def write(results: dict, directory: Path, stem: str) -> tuple[Path, Path]:
    """`<stem>.json` and `<stem>.md` in the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    results["targets"] = [asdict(t) for t in targets(results)]
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path
