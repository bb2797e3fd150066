"""A structure-aware fuzzer of session images.

Each case decodes a real image (a session with state), mutates its header fields, its page runs,
its pages, its zstd body or frames, its frame lengths or chunk size, and re-encodes it with a valid
checksum, as someone who can write the sessions table could, in either encoding the decoder reads
(chunked, and whole as 0.2a0 wrote). Every outcome must be a clean refusal (`SnapshotError`, or a restore error
that leaves a fresh interpreter) or a restore whose interpreter then answers or traps inside its
own limits: never a crash of this process, never an allocation beyond the memory limit.

CI runs 150 cases (`--image-fuzz-cases`, `--image-fuzz-seed`); the documented long run is
`.venv/bin/pytest tests/test_image_fuzz.py --long -s` (3,000 cases).
"""

import itertools
import random
import tracemalloc
from collections import Counter

import pytest
from image_forgery import chunk_frames, chunked_header_of, compress, forge, forge_chunked, frame_declaring, header_of
from long_runs import sizes

from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.snapshot import (
    CHUNK_PAGES,
    PAGE_SIZE,
    WASM_PAGE_SIZE,
    Snapshot,
    SnapshotError,
    chunk_spans,
)

CASES = sizes().image_fuzz_cases
SEED = sizes().image_fuzz_seed
pytestmark = pytest.mark.long
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


def bad_frame(rng, chunk: bytes) -> bytes:
    return rng.choice(
        [
            frame_declaring(rng.choice([2**32, 2**40, 2**64 - 1, len(chunk) + PAGE_SIZE]), rng.randrange(0, 70_000)),
            compress(chunk)[: rng.randrange(1, 200)],
            compress(chunk[:-PAGE_SIZE]),
            compress(chunk + bytes(PAGE_SIZE)),
            bytes(rng.randrange(256) for _ in range(64)),
            b"",
        ]
    )


def mutate(rng, real: Snapshot) -> tuple[str, bytes]:
    """One mutation of the real image, re-encoded with a valid checksum. Returns (kind, blob)."""
    chunked = rng.random() < 0.5
    header = chunked_header_of(real) if chunked else header_of(real)
    data, pages = real.data, real.pages
    body = None
    frames = None
    kinds = ["field", "field", "runs", "runs", "pages", "body", "type", "consistent-size"]
    kind = rng.choice(kinds + (["frames", "chunk_pages"] if chunked else []))
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
    elif kind == "body" and chunked:
        frames = chunk_frames(pages, data)
        index = rng.randrange(len(frames))
        frames[index] = bad_frame(rng, raw_chunk(pages, data, index))
    elif kind == "body":
        body = bad_frame(rng, data)
    elif kind == "frames":
        frames = chunk_frames(pages, data)
        offsets = itertools.accumulate((len(frame) for frame in frames), initial=0)
        places = [[offset, len(frame)] for frame, offset in zip(frames, offsets)]
        index = rng.randrange(len(places))
        choice = rng.randrange(5)
        if choice == 0:
            places[index][rng.randrange(2)] = mutate_number(rng, places[index][0])
        elif choice == 1:
            del places[index]
        elif choice == 2:
            places.insert(index, list(rng.choice(places)))
        elif choice == 3:
            rng.shuffle(places)
        else:
            places = rng.choice([None, "frames", {}, [[1]], [1, 2], [True] * len(places), [[0, 1, 2]] * len(places)])
        header["frames"] = places
    elif kind == "chunk_pages":
        header["chunk_pages"] = rng.choice([0, 1, 2, 3, 8, 32, 4096, 8192, -16, 2**40, None, "16", 16.0, True])
        kind = f"chunk_pages:{header['chunk_pages']!r}"
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
        pages = pages + list(range(first_new, first_new + extra))
        data = data + bytes([rng.randrange(1, 256)]) * (extra * PAGE_SIZE)
    if chunked:
        return f"chunked {kind}", forge_chunked(header, frames if frames is not None else chunk_frames(pages, data))
    return f"whole {kind}", forge(header, compress(data) if body is None else body)


def raw_chunk(pages: list[int], data: bytes, index: int) -> bytes:
    """The raw bytes of the `index`th chunk that holds pages."""
    _, first, end = chunk_spans(pages, CHUNK_PAGES)[index]
    return data[first * PAGE_SIZE : end * PAGE_SIZE]


def test_mutated_images_are_refused_or_restored_within_bounds(runtime):
    session = runtime.new_session(LIMITS)
    assert session.run(STATE).ok
    real = session.snapshot()
    session.close()
    assert Snapshot.decode(real.encode(), LIMITS.memory_bytes).pages == real.pages

    rng = random.Random(SEED)
    outcomes = Counter()
    kinds = set()
    for case in range(CASES):
        kind, blob = mutate(rng, real)
        kinds.add(kind)
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
    assert {kind.split()[0] for kind in kinds} == {"chunked", "whole"}
