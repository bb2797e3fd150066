"""A structure-aware fuzzer of session images.

Each case decodes a real image (a session with state), mutates its header fields, its page runs,
its pages or its zstd body, and re-encodes it with a valid checksum, as someone who can write the
sessions table could. Every outcome must be a clean refusal (`SnapshotError`, or a restore error
that leaves a fresh interpreter) or a restore whose interpreter then answers or traps inside its
own limits: never a crash of this process, never an allocation beyond the memory limit.

CI runs 150 cases; the documented long run is
`IMAGE_FUZZ_CASES=3000 .venv/bin/pytest tests/test_image_fuzz.py -s`.
"""

import os
import random
import tracemalloc
from collections import Counter

from image_forgery import compress, forge, frame_declaring, header_of

from datasette_agent_micropython.runtime import Limits
from datasette_agent_micropython.snapshot import PAGE_SIZE, WASM_PAGE_SIZE, Snapshot, SnapshotError

CASES = int(os.environ.get("IMAGE_FUZZ_CASES", "150"))
SEED = int(os.environ.get("IMAGE_FUZZ_SEED", "10"))
LIMITS = Limits(fuel=10**9, timeout_seconds=0.5)
MAX_ALLOCATION = 2 * LIMITS.memory_bytes + 8 * 1024 * 1024

STATE = "import json\ndata = {'k%d' % i: [i] * (i % 7) for i in range(300)}\ndef total():\n    return sum(len(v) for v in data.values())"
NUMBERS = [-1, 0, 1, 4095, 4096, 65535, 65536, 2**31, 2**32, 2**40, 2**63, 2**64, 10**30, 1.5, "1", None, True, []]


def mutate_number(rng, value):
    choice = rng.random()
    if choice < 0.4:
        return rng.choice(NUMBERS)
    if choice < 0.8 and isinstance(value, int):
        return value + rng.choice([-WASM_PAGE_SIZE, -PAGE_SIZE, -8, -1, 1, 8, PAGE_SIZE, WASM_PAGE_SIZE])
    return rng.randrange(-(2**33), 2**33)


def mutate_runs(rng, runs):
    runs = [list(run) for run in runs]
    index = rng.randrange(len(runs))
    kind = rng.randrange(8)
    if kind == 0:
        runs[index][0] = rng.choice([-1, -16, -40960, 2**31, runs[index][0] + 1, runs[index][0] - 1])
    elif kind == 1:
        runs[index][1] = rng.choice([0, -1, runs[index][1] + 1, runs[index][1] - 1, 2**40])
    elif kind == 2:
        runs.insert(index, list(runs[index]))
    elif kind == 3:
        del runs[index]
    elif kind == 4:
        rng.shuffle(runs)
    elif kind == 5:
        runs.append([rng.randrange(0, 2**20), rng.randrange(1, 64)])
    elif kind == 6:
        runs[index] = rng.choice([[1], [1, 2, 3], "x", None, [True, 1], [1.0, 1]])
    else:
        runs = rng.choice([[], {}, "runs", [[0, 2**30]]])
    return runs


def mutate(rng, real: Snapshot) -> tuple[str, bytes]:
    """One mutation of the real image, re-encoded with a valid checksum. Returns (kind, blob)."""
    header = header_of(real)
    data = real.data
    body = None
    kind = rng.choice(["field", "field", "runs", "runs", "pages", "body", "type", "consistent-size"])
    if kind == "field":
        name = rng.choice(["memory_size", "stack_pointer", "result_ptr", "result_cap", "clock_ns", "calls"])
        header[name] = mutate_number(rng, header[name])
        kind = f"field:{name}"
    elif kind == "runs":
        header["pages"] = mutate_runs(rng, header["pages"])
    elif kind == "pages":
        # Valid structure, damaged contents: the restore is correct, the interpreter may not be.
        data = bytearray(data)
        for _ in range(rng.choice([1, 4, 64, 1024])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data)
    elif kind == "body":
        body = rng.choice(
            [
                frame_declaring(rng.choice([2**32, 2**40, 2**64 - 1, len(data) + PAGE_SIZE]), rng.randrange(0, 70_000)),
                compress(data)[: rng.randrange(1, 200)],
                compress(data[:-PAGE_SIZE]),
                compress(data + bytes(PAGE_SIZE)),
                bytes(rng.randrange(256) for _ in range(64)),
                b"",
            ]
        )
    elif kind == "type":
        name = rng.choice(list(header))
        header[name] = rng.choice([None, "x", [], {}, -1, 2**70, [["a"]], "[" * 100])
        kind = f"type:{name}"
    else:
        # Header and pages agree with each other, but not with the interpreter.
        extra = rng.randrange(1, 5)
        header["memory_size"] = real.memory_size + extra * WASM_PAGE_SIZE
        first_new = real.memory_size // PAGE_SIZE
        header["pages"] = header["pages"] + [[first_new, extra]]
        data = data + bytes([rng.randrange(1, 256)]) * (extra * PAGE_SIZE)
    return kind, forge(header, compress(data) if body is None else body)


def test_mutated_images_are_refused_or_restored_within_bounds(runtime):
    session = runtime.new_session(LIMITS)
    assert session.run(STATE).ok
    real = session.snapshot()
    session.close()
    assert Snapshot.decode(real.encode(), LIMITS.memory_bytes).pages == real.pages

    rng = random.Random(SEED)
    outcomes = Counter()
    for case in range(CASES):
        kind, blob = mutate(rng, real)
        tracemalloc.start()
        try:
            image = Snapshot.decode(blob, LIMITS.memory_bytes)
        except SnapshotError:
            image = None
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < MAX_ALLOCATION, (case, kind, peak)
        if image is None:
            outcomes["refused by decode"] += 1
            continue
        restored = runtime.new_session(LIMITS, snapshot=image)
        try:
            if restored.restore_error:
                outcomes["refused by restore"] += 1
                assert not restored.restored
            result = restored.run("print(total())")
            assert result.ok or result.error, (case, kind)
            if restored.restored:
                outcomes["restored, " + ("answered" if result.ok else "failed inside the sandbox")] += 1
        finally:
            restored.close()
    print(f"\n{CASES} mutated images (seed {SEED}): {dict(outcomes)}")
    assert sum(outcomes.values()) == CASES
    assert outcomes["refused by decode"] > 0
