"""Differential property test: snapshot and restore must not change what a session does.

Random snippet sequences (see `snippet_strategies.py`) run in two sessions side by side:

* A is never snapshotted;
* B is snapshotted before every snippet, its image encoded to bytes, decoded and restored into a
  fresh instance, and the old instance closed. So every snippet of B runs in an instance that has
  never run a snippet of its own.

After each snippet the outcomes must be identical: ok, stdout, stderr, truncation flags, error type,
error text (tracebacks included), trapped, fuel used (except for snippets that read the clock or
sleep, whose fuel depends on the time), the session's top-level names and its call count. At the
end of each sequence the two memory images must be identical too, byte for byte, except for the
boot-time clock base (see below).

Host randomness is pinned for the main test (`runtime.secrets` is replaced by a stand-in):
each snippet's token and the boot-time `random` seed land in guest memory, so with real randomness
the images would differ in those bytes (the outputs do not; the cross-process test runs without the
stand-in). What then still differs between two freshly booted sessions is found by booting three
and comparing them: it is one 16-byte `struct timespec` in static data, the MicroPython unix port's
ticks base, read from the session clock at boot. Every image difference between A and B must fall
inside it. Sequences that keep clock readings in memory (`_t0 = time.ticks_ms()`) also differ in
those values; their differences are counted and reported, not failed. So can the fuel of their
later snippets, by a few instructions of the conservative collector's work: within 0.1% it is
counted and reported, not failed.

A cross-process variant restores every image in the other process: B alternates between this
process and a worker process (its own Runtime, module compiled afresh), so each image is decoded
and restored by a process other than the one that captured it.

Commands (from the repository root):

    # CI size (500 snippets, and 60 across processes; about 15 s):
    .venv/bin/pytest tests/test_snapshot_differential.py

    # Full size: at least 10,000 snippets in the main test, and a tenth of that across processes:
    .venv/bin/pytest tests/test_snapshot_differential.py --long -s

Both print a summary line per test: snippets run, mismatches, memory checks and wall time.
`--snapshot-diff-snippets N` sets the main size by hand, `--snapshot-diff-cross-snippets N` the
cross-process size on its own.
"""

from __future__ import annotations

import base64
import gc
import json
import math
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from long_runs import Sizes, sizes
from snippet_strategies import Program, programs

from datasette_agent_micropython import runtime as runtime_module
from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import HEAP_RESERVE_BYTES, KIB, Limits
from datasette_agent_micropython.snapshot import PAGE_SIZE, EncodedChunks, Snapshot

TARGET_SNIPPETS = sizes().snapshot_diff_snippets
CROSS_SNIPPETS = sizes().cross_snippets
# Sequence lengths: short in CI (quick to shrink), longer in a bigger run (more state to carry).
MIN_SNIPPETS, MAX_SNIPPETS = (20, 40) if TARGET_SNIPPETS > Sizes().snapshot_diff_snippets else (5, 20)
pytestmark = pytest.mark.long

# Heaps of 1.5 MiB and 3.5 MiB. Fuel and time are generous: nothing generated should hit them.
LIMIT_CHOICES = [
    Limits(memory_bytes=HEAP_RESERVE_BYTES + 1536 * KIB, fuel=10**9, timeout_seconds=60, max_output_chars=3000),
    Limits(memory_bytes=HEAP_RESERVE_BYTES + 3584 * KIB, fuel=10**9, timeout_seconds=60, max_output_chars=3000),
]
RESULT_FIELDS = (
    "ok",
    "stdout",
    "stderr",
    "stdout_truncated",
    "stderr_truncated",
    "error_type",
    "error",
    "trapped",
    "fuel_used",
)
# A snippet that reads the clock or sleeps uses fuel according to the time it takes.
CLOCK_FIELDS = tuple(name for name in RESULT_FIELDS if name != "fuel_used")
HEADER_FIELDS = ("memory_size", "stack_pointer", "result_ptr", "result_cap", "calls", "names", "fingerprint")
# Image differences are attributed to aligned blocks of this many bytes.
BLOCK = 16
ZERO_PAGE = bytes(PAGE_SIZE)
HYPOTHESIS_SETTINGS = dict(
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


class DeterministicSecrets:
    """Stands in for `secrets` in the runtime module: same tokens and boot seed in every session."""

    def token_hex(self, nbytes: int = 16) -> str:
        return "5a" * nbytes

    def randbits(self, k: int) -> int:
        return 0x2545F491 & ((1 << k) - 1)


@dataclass
class Stats:
    examples: int = 0
    snippets: int = 0
    mismatches: int = 0
    restores: int = 0
    strict_memory_checks: int = 0
    clock_memory_checks: int = 0
    # Differing bytes inside the boot clock base, and (sequences using the clock) outside it.
    clock_base_bytes: int = 0
    clock_value_bytes: int = 0
    clock_value_pages: Counter = field(default_factory=Counter)
    # Snippets after a clock reading whose fuel differed within fuel_drifts_with_the_clock's bound.
    clock_fuel_drifts: int = 0
    boot_variant_blocks: dict = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def summary(self, name: str) -> str:
        blocks = {
            f"heap={limits.heap // 1024}KiB": [hex(b * BLOCK) for b in sorted(found)]
            for limits, found in self.boot_variant_blocks.items()
        }
        return (
            f"\n[{name}] examples={self.examples} snippets={self.snippets} restores={self.restores} "
            f"mismatches={self.mismatches} strict_memory_checks={self.strict_memory_checks} "
            f"clock_memory_checks={self.clock_memory_checks} clock_base_bytes_differing={self.clock_base_bytes} "
            f"clock_value_bytes_differing={self.clock_value_bytes} "
            f"clock_value_pages={dict(sorted(self.clock_value_pages.items()))} "
            f"clock_fuel_drifts={self.clock_fuel_drifts} "
            f"boot_variant_blocks={blocks} wall={time.monotonic() - self.started:.1f}s"
        )


def outcome(session, result, fields=RESULT_FIELDS) -> dict:
    values = {name: getattr(result, name) for name in fields}
    values["names"] = list(session.names)
    values["calls"] = session.calls
    return values


def fuel_drifts_with_the_clock(fuel_a: int | None, fuel_b: int | None) -> bool:
    """Whether two fuel figures differ only as clock readings kept in memory can make them: by at
    most 0.1%, and not at all when equal. The collector is conservative: a raw reading left in a
    stack slot that happens to look like a heap address keeps a block alive in one session and not
    in the other (seen once: 41,029,245 against 41,029,261 fuel, ten snippets after the reading)."""
    if fuel_a is None or fuel_b is None or fuel_a == fuel_b:
        return False
    return abs(fuel_a - fuel_b) <= max(fuel_a, fuel_b) // 1000


def describe_mismatch(program: Program, index: int, a: dict, b: dict, where: str = "") -> str:
    lines = [f"snippet {index} gave different outcomes{where}:", program.snippets[index], ""]
    for key in a:
        if a[key] != b[key]:
            lines.append(f"  {key}: never snapshotted={a[key]!r}\n  {' ' * len(key)}  restored        ={b[key]!r}")
    lines.append("\nthe sequence up to it:")
    lines += [f"--- {i}\n{code}" for i, code in enumerate(program.snippets[: index + 1])]
    return "\n".join(lines)


def pages_of(snapshot: Snapshot) -> dict[int, bytes]:
    return {page: snapshot.data[i * PAGE_SIZE : (i + 1) * PAGE_SIZE] for i, page in enumerate(snapshot.pages)}


def differing_addresses(first: Snapshot, second: Snapshot) -> list[int]:
    """Every byte address where the two images differ (a missing page is a zero page)."""
    a, b = pages_of(first), pages_of(second)
    addresses = []
    for page in sorted(set(a) | set(b)):
        left, right = a.get(page, ZERO_PAGE), b.get(page, ZERO_PAGE)
        if left != right:
            base = page * PAGE_SIZE
            addresses.extend(base + k for k in range(PAGE_SIZE) if left[k] != right[k])
    return addresses


def boot_variant_blocks(rt: Runtime, limits: Limits, stats: Stats) -> set[int]:
    """The blocks that differ between freshly booted sessions (with the deterministic secrets)."""
    if limits not in stats.boot_variant_blocks:
        sessions = [rt.new_session(limits) for _ in range(3)]
        try:
            images = [session.snapshot() for session in sessions]
        finally:
            for session in sessions:
                session.close()
        blocks: set[int] = set()
        for other in images[1:]:
            for field_name in HEADER_FIELDS:
                assert getattr(images[0], field_name) == getattr(other, field_name), field_name
            blocks.update(address // BLOCK for address in differing_addresses(images[0], other))
        stats.boot_variant_blocks[limits] = blocks
    return stats.boot_variant_blocks[limits]


def restore_copy(rt: Runtime, session, limits: Limits, previous: EncodedChunks | None):
    """A fresh instance carrying on from `session`'s image, through the byte encoding, made as the
    session manager makes it (against the encode `session` was restored from), and that encode."""
    _, blob, _ = session.snapshot_image(previous)
    snapshot, encoded = Snapshot.decode_reusable(blob, limits.memory_bytes)
    assert replace(snapshot, clock_ns=0) == replace(session.snapshot(), clock_ns=0)
    restored = rt.new_session(limits, snapshot=snapshot)
    assert restored.restore_error is None, restored.restore_error
    assert restored.restored
    return restored, encoded


def run_pair(rt: Runtime, program: Program, limits: Limits, stats: Stats) -> None:
    refreeze()
    stats.examples += 1
    mask = boot_variant_blocks(rt, limits, stats)
    a = rt.new_session(limits)
    b = rt.new_session(limits)
    try:
        previous = None
        for index, code in enumerate(program.snippets):
            old, b = b, None
            try:
                b, previous = restore_copy(rt, old, limits, previous)
            finally:
                old.close()
            stats.restores += 1
            result_a, result_b = a.run(code), b.run(code)
            stats.snippets += 1
            after_clock = program.uses_clock and index > min(program.clock_snippets, default=index)
            fields = CLOCK_FIELDS if index in program.clock_snippets or after_clock else RESULT_FIELDS
            got_a, got_b = outcome(a, result_a, fields), outcome(b, result_b, fields)
            if after_clock and index not in program.clock_snippets:
                got_a["fuel_used"], got_b["fuel_used"] = result_a.fuel_used, result_b.fuel_used
                if fuel_drifts_with_the_clock(result_a.fuel_used, result_b.fuel_used):
                    stats.clock_fuel_drifts += 1
                    got_b["fuel_used"] = got_a["fuel_used"]
            if got_a != got_b:
                stats.mismatches += 1
                raise AssertionError(describe_mismatch(program, index, got_a, got_b))
            if result_a.trapped:  # both sessions ended the same way; nothing more to run
                return
        image_a, image_b = a.snapshot(), b.snapshot()
        for field_name in HEADER_FIELDS:
            assert getattr(image_a, field_name) == getattr(image_b, field_name), field_name
        addresses = differing_addresses(image_a, image_b)
        outside = [address for address in addresses if address // BLOCK not in mask]
        stats.clock_base_bytes += len(addresses) - len(outside)
        if program.uses_clock:
            stats.clock_memory_checks += 1
            stats.clock_value_bytes += len(outside)
            stats.clock_value_pages.update({hex(page): 1 for page in sorted({x // PAGE_SIZE for x in outside})})
        else:
            stats.strict_memory_checks += 1
            assert not outside, (
                f"memory images differ at {len(outside)} bytes outside the boot clock base, first at "
                f"{[hex(x) for x in outside[:16]]}:\n{program!r}"
            )
    finally:
        a.close()
        if b is not None:
            b.close()


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    return Runtime(cache_dir=tmp_path_factory.mktemp("module-cache"))


def refreeze() -> None:
    """Every closed session's thread runs a full `gc.collect()`; freezing what exists makes that cheap.

    Without this, a full collection over pytest's and Hypothesis's objects at every restore made the
    test several times slower (it holds the GIL while the next snippet waits). Called before each
    example, since Hypothesis keeps making objects.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def frozen_gc():
    refreeze()
    yield
    gc.unfreeze()


def run_until(target: int, stats: Stats, make_test) -> None:
    """Run Hypothesis rounds until `target` snippets have run (each round sized by the mean length)."""
    mean = (MIN_SNIPPETS + MAX_SNIPPETS) / 2
    while stats.snippets < target:
        examples = max(1, math.ceil((target - stats.snippets) / mean))
        make_test(examples)()


def test_restored_chain_matches_a_session_never_snapshotted(rt, monkeypatch, capsys):
    monkeypatch.setattr(runtime_module, "secrets", DeterministicSecrets())
    stats = Stats()

    def make_test(examples: int):
        @settings(max_examples=examples, **HYPOTHESIS_SETTINGS)
        @given(program=programs(MIN_SNIPPETS, MAX_SNIPPETS), limits=st.sampled_from(LIMIT_CHOICES))
        def differential(program, limits):
            run_pair(rt, program, limits, stats)

        return differential

    try:
        run_until(TARGET_SNIPPETS, stats, make_test)
    finally:
        with capsys.disabled():
            print(stats.summary("restore between every snippet"))
    assert stats.mismatches == 0
    assert stats.snippets >= TARGET_SNIPPETS
    assert stats.strict_memory_checks > 0
    # The only boot-dependent memory is one small clock structure.
    for blocks in stats.boot_variant_blocks.values():
        assert 0 < len(blocks) <= 2, [hex(x * BLOCK) for x in sorted(blocks)]


def test_fresh_boots_differ_only_in_the_clock_base(rt, monkeypatch):
    """What the memory check above allows: sessions booted at different clock readings."""
    monkeypatch.setattr(runtime_module, "secrets", DeterministicSecrets())
    # Booted on the spot: the pool lays new sessions from one template, ticks base included.
    monkeypatch.setattr(rt, "pool", None)
    limits = LIMIT_CHOICES[0]
    first = rt.new_session(limits)
    second = rt.new_session(limits)
    try:
        addresses = differing_addresses(first.snapshot(), second.snapshot())
    finally:
        first.close()
        second.close()
    assert addresses, "two boots at different clock readings should differ in the ticks base"
    assert max(addresses) - min(addresses) < BLOCK
    assert max(addresses) < HEAP_RESERVE_BYTES, "the ticks base lives in static data, below the heap"


# The cross-process variant. It runs with real host randomness, as production does. Then
# `fuel_used` is not compared: it depends slightly on each snippet's random token (two fresh
# sessions running the same snippet measured 348,031 and 348,176 units), snapshots or not.
CROSS_FIELDS = tuple(name for name in RESULT_FIELDS if name != "fuel_used")

WORKER = r"""
import base64, json, sys
from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.snapshot import Snapshot

rt = Runtime(use_cache=False)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    limits = Limits(**request["limits"])
    image = Snapshot.decode(base64.b64decode(request["image"]), limits.memory_bytes)
    session = rt.new_session(limits, snapshot=image)
    reply = {"restored": session.restored, "restore_error": session.restore_error}
    result = session.run(request["code"])
    reply["outcome"] = {name: getattr(result, name) for name in request["fields"]}
    reply["outcome"]["names"] = list(session.names)
    reply["outcome"]["calls"] = session.calls
    reply["image"] = base64.b64encode(session.snapshot().encode()).decode() if session.alive else None
    session.close()
    print(json.dumps(reply), flush=True)
"""


class Worker:
    def __init__(self, log_path: Path) -> None:
        self.log = open(log_path, "w+")
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self._read() == {"ready": True}
        self.pid = self.process.pid

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            raise RuntimeError(f"the worker process ended:\n{self.log.read()[-4000:]}")
        return json.loads(line)

    def step(self, image: bytes, code: str, limits: Limits) -> tuple[dict, bytes | None]:
        request = {
            "image": base64.b64encode(image).decode(),
            "code": code,
            "limits": {
                "memory_bytes": limits.memory_bytes,
                "fuel": limits.fuel,
                "timeout_seconds": limits.timeout_seconds,
                "max_output_chars": limits.max_output_chars,
            },
            "fields": list(CROSS_FIELDS),
        }
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = self._read()
        assert reply["restore_error"] is None, reply["restore_error"]
        assert reply["restored"]
        return reply["outcome"], base64.b64decode(reply["image"]) if reply["image"] else None

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def run_cross_process(rt: Runtime, worker: Worker, program: Program, limits: Limits, stats: Stats) -> None:
    """B's snippets alternate between the worker and this process; each image crosses over."""
    refreeze()
    stats.examples += 1
    a = rt.new_session(limits)
    first = rt.new_session(limits)
    try:
        image = first.snapshot().encode()
    finally:
        first.close()
    try:
        for index, code in enumerate(program.snippets):
            result_a = a.run(code)
            got_a = outcome(a, result_a, CROSS_FIELDS)
            if index % 2 == 0:
                got_b, image = worker.step(image, code, limits)
                where = " (B restored in the worker process)"
            else:
                b = rt.new_session(limits, snapshot=Snapshot.decode(image, limits.memory_bytes))
                try:
                    assert b.restore_error is None, b.restore_error
                    assert b.restored
                    got_b = outcome(b, b.run(code), CROSS_FIELDS)
                    image = b.snapshot().encode() if b.alive else None
                finally:
                    b.close()
                where = " (B restored in the test process from the worker's image)"
            stats.restores += 1
            stats.snippets += 1
            if got_a != got_b:
                stats.mismatches += 1
                raise AssertionError(describe_mismatch(program, index, got_a, got_b, where))
            if result_a.trapped:
                return
    finally:
        a.close()


def test_images_restore_in_another_process(rt, tmp_path, capsys):
    stats = Stats()
    worker = Worker(tmp_path / "worker.log")

    def make_test(examples: int):
        @settings(max_examples=examples, **HYPOTHESIS_SETTINGS)
        @given(program=programs(MIN_SNIPPETS, MAX_SNIPPETS), limits=st.sampled_from(LIMIT_CHOICES))
        def cross_process(program, limits):
            run_cross_process(rt, worker, program, limits, stats)

        return cross_process

    try:
        run_until(CROSS_SNIPPETS, stats, make_test)
    finally:
        worker.close()
        with capsys.disabled():
            print(stats.summary("restore in another process"))
    assert stats.mismatches == 0
    assert stats.snippets >= CROSS_SNIPPETS
