"""plan_coverage: every clause in plan order with what implements it; it fails on a clause that
is neither mapped nor out of scope."""

from __future__ import annotations

import csv
import io

import pytest
import yaml
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import PLAN_FILE

CLAUSES = [
    "I.1", "I.2", "I.3",
    "II.1", "II.2", "II.3", "II.4", "II.5",
    "III.1", "III.2",
    "IV.1.a", "IV.1.b", "IV.1.c", "IV.1.d", "IV.1.đ",
    "IV.2", "IV.3", "IV.4", "IV.5", "IV.6", "IV.7", "IV.8", "IV.9", "IV.10", "IV.11",
    "IV.12.a", "IV.12.b",
    "V.1", "V.2",
]  # fmt: skip


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def declare_steps(monkeypatch):
    """Make the installed apps declare exactly these steps, whatever the apps declare today
    (an app may set plan_steps on itself or compute it in a property of its class)."""

    def set_steps(config, steps: tuple[str, ...]) -> None:
        if "plan_steps" in vars(config):
            monkeypatch.setattr(config, "plan_steps", steps)
        else:
            monkeypatch.setattr(type(config), "plan_steps", steps, raising=False)

    def declare(*steps: str) -> None:
        for config in apps.get_app_configs():
            set_steps(config, ())
        set_steps(apps.get_app_config("agencies"), steps)

    return declare


def load_changed(tmp_path, change) -> None:
    """Load a copy of the shipped plan file changed by `change(data)`."""
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    call_command("loadplan", str(path), verbosity=0)


def coverage(*args: str) -> str:
    out = io.StringIO()
    call_command("plan_coverage", *args, stdout=out)
    return out.getvalue()


def csv_rows(*args: str) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(coverage("--format=csv", *args)))
    return {row["clause"]: row for row in rows}


def test_table_lists_every_clause_in_plan_order(plan):
    lines = coverage().splitlines()

    first_column = [line.split(" ")[0] for line in lines[1:-1] if not line.startswith(" ")]
    assert first_column == CLAUSES
    assert lines[-1].startswith("29 clauses: ") and lines[-1].endswith(
        ", 3 out of scope, 0 MISSING"
    )
    iv7 = next(line for line in lines if line.startswith("IV.7 "))
    assert "out of scope" in iv7 and "Sở TT&TT chỉ đạo" in iv7 and "OUT OF SCOPE: Press" in iv7


def test_csv_names_what_implements_each_clause(plan, declare_steps):
    declare_steps()
    rows = csv_rows()

    assert list(rows) == CLAUSES
    assert {code for code, row in rows.items() if row["status"] == "out of scope"} == {
        "IV.6",
        "IV.7",
        "IV.9",
    }
    assert {
        row["status"] for code, row in rows.items() if code not in ("IV.6", "IV.7", "IV.9")
    } == {"mapped"}
    assert rows["IV.3"]["implemented_by"].split("; ")[:2] == [
        "aid_request.review (doh/officer) [health]",
        "aid_request.review (doh/officer) [nutrition]",
    ]
    assert "report.draft (<mass_org>/officer)" in rows["IV.11"]["implemented_by"]
    assert "obligation yearly_results_report" in rows["IV.11"]["implemented_by"]
    assert rows["III.2"]["implemented_by"] == "funding state_budget (not for support to children)"
    assert rows["I.1"]["implemented_by"] == "category health; category nutrition"
    assert rows["I.1"]["summary_vi"].startswith("Mục tiêu: cải thiện tình trạng sức khỏe")


def test_steps_declared_by_code_make_clauses_implemented(plan, declare_steps):
    declare_steps("aid_request.draft", "report.consolidate")
    rows = csv_rows()

    implemented = {code for code, row in rows.items() if row["status"] == "implemented"}
    assert implemented == {"IV.12.b", "IV.1.d"}


def test_a_clause_neither_mapped_nor_out_of_scope_fails(plan, tmp_path):
    load_changed(
        tmp_path,
        lambda data: data["clauses"].append({"code": "VI.1", "summary_vi": "Chưa ánh xạ."}),
    )
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"^Clauses neither mapped nor out of scope: VI\.1$"):
        call_command("plan_coverage", stdout=out)
    assert out.getvalue().splitlines()[-2].split()[:2] == ["VI.1", "MISSING"]


def test_a_mapping_dropped_from_the_file_no_longer_counts(plan, tmp_path):
    def drop_iv5(data):
        data["responsibilities"] = [r for r in data["responsibilities"] if r["clause"] != "IV.5"]

    load_changed(tmp_path, drop_iv5)

    with pytest.raises(CommandError, match=r"IV\.5$"):
        coverage()
    # The ended row still tells what the plan data said on an earlier day.
    assert (
        csv_rows("--on=2022-01-01")["IV.5"]["implemented_by"] == "mobilisation.record (dpi/officer)"
    )


def test_unknown_plan_is_an_error(plan):
    with pytest.raises(CommandError, match='No plan "khanh-hoa" is loaded'):
        coverage("--plan=khanh-hoa")
    assert "IV.12.b" in coverage("--plan=ninh-thuan-372")


def test_no_plan_loaded_is_an_error(db):
    with pytest.raises(CommandError, match="No plan is loaded"):
        coverage()


@pytest.mark.parametrize("command", ["loadplan", "plan_coverage"])
def test_help_renders(command, capsys):
    """`--help` must print, not crash on a lazy translation."""
    with pytest.raises(SystemExit) as exit_info:
        call_command(command, "--help")
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out
