"""benchmarks/run.py still works: one quick run, every row present. Never asserts on timings."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Written out, not imported, so that dropping a row from the script fails here.
ROWS = [
    "first_call",
    "warm_call_x_plus_1",
    "warm_call_cpu_10ms",
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
]


def test_quick_benchmark_run_reports_every_row():
    process = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert process.returncode == 0, process.stderr[-4000:]
    report = json.loads(process.stdout)
    assert report["meta"]["quick"] is True
    assert report["failed"] == []
    rows = {row["id"]: row for row in report["rows"]}
    assert list(rows) == ROWS
    for row_id, row in rows.items():
        assert row["error"] is None, (row_id, row["error"])
        assert row["ours"], row_id
        # Each row either measures the baseline or says why it cannot.
        assert row["baseline"] or row["baseline_note"], row_id
    assert rows["churn"]["ours"]["state_ok"] is True


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
