"""benchmarks/run.py still works: one quick run, every row present. Never asserts on timings."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Written out, not imported, so that dropping a row from the script fails here.
ROWS = [
    "first_call",
    "warm_call_x_plus_1",
    "warm_call_cpu_10ms",
    "warm_call_cpu_10ms_defaults",
    "x_equals_1_2mb_after_collect",
    "x_equals_1_2mb_after_burst",
    "str_times_10_50k",
    "restore_fresh",
    "restore_1mb",
    "restore_8mb",
    "snapshot_added_fresh",
    "snapshot_added_1mb",
    "snapshot_added_8mb",
    "stored_bytes_fresh",
    "stored_bytes_1mb",
    "stored_bytes_8mb",
    "churn",
    "throughput_x_plus_1",
    "throughput_cpu_10ms",
    "memory_idle_session",
    "process_start",
    "cpython_group_by",
    "cpython_string_building",
    "cpython_sort",
    "cpython_json_loads",
    "cpython_sql_fetch",
    "cpython_datetime",
    "cpython_csv",
    "cpython_statistics",
    "cpython_counter",
    "cpython_regex",
    "cpython_geomean",
]


@pytest.fixture(scope="module")
def quick_report():
    """One `run.py --quick --json` for the module's tests."""
    process = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert process.returncode == 0, process.stderr[-4000:]
    return json.loads(process.stdout)


def test_quick_benchmark_run_reports_every_row(quick_report):
    report = quick_report
    assert report["meta"]["quick"] is True
    assert report["failed"] == []
    rows = {row["id"]: row for row in report["rows"]}
    assert list(rows) == ROWS
    for row_id, row in rows.items():
        assert row["error"] is None, (row_id, row["error"])
        # The stable shape other tools read: ours.p50, baseline.p50 (or why there is none), target_met.
        assert isinstance(row["ours"]["p50"], (int, float)), row_id
        if row["baseline"] is None:
            assert row["baseline_note"], row_id
        else:
            assert isinstance(row["baseline"]["p50"], (int, float)), row_id
        assert row["target_met"] in (True, False, None), row_id
        assert (row["target_met"] is None) == (row["target"] is None), row_id
    assert rows["churn"]["ours"]["state_ok"] is True


def test_quick_benchmark_run_compares_each_analyst_workload_with_cpython(quick_report):
    rows = {row["id"]: row for row in quick_report["rows"]}
    workloads = [row_id for row_id in ROWS if row_id.startswith("cpython_") and row_id != "cpython_geomean"]
    assert len(workloads) == 10
    ratios = []
    for row_id in workloads:
        row = rows[row_id]
        ratio = row["ours"]["ratio_to_cpython"]
        assert ratio == row["ours"]["p50"] / row["baseline"]["p50"], row_id
        assert row["target_met"] == (ratio <= 20), row_id
        assert row["ours"]["fuel"] > 0, row_id
        ratios.append(ratio)
    geomean = rows["cpython_geomean"]
    assert geomean["ours"]["worst"] == max(ratios)
    assert geomean["target_met"] == (geomean["ours"]["p50"] <= 8)


def test_quick_fuel_measurement_reports_every_workload_in_both_modes():
    process = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "fuel.py"), "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert process.returncode == 0, process.stderr[-4000:]
    report = json.loads(process.stdout)
    kinds = {row["kind"] for row in report["rows"]}
    assert kinds == {"cpu", "allocation", "fetch"}
    for row in report["rows"]:
        assert row["ours"]["fuel"] > 0 and row["ours"]["unmetered_ms"] > 0, row
    assert any(row["baseline"] for row in report["rows"])
    assert report["fuel_for_timeout_max"] > 0
