"""Chunked images: reusing the previous encode never changes what an image decodes to, only changed
chunks are compressed again, and unchanged frames keep their place, so that an image differs from the
previous one only where chunks changed (which is what lets SQLite rewrite only those pages)."""

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from image_forgery import compress, forge, header_of

from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.snapshot import PAGE_SIZE, EncodedChunks, Snapshot, chunk_spans

LIMITS = Limits(timeout_seconds=30.0)


def snapshot_of(pages: list[int], data: bytes, calls: int = 1) -> Snapshot:
    return Snapshot("f" * 32, 256 * PAGE_SIZE, 1024, 2048, 4096, 5, calls, pages, data, ["x"])


def without_clock(snapshot: Snapshot) -> Snapshot:
    """The snapshot with its clock zeroed: two captures at the same point differ only there."""
    return dataclasses.replace(snapshot, clock_ns=0)


def recompressed(before: EncodedChunks, after: EncodedChunks) -> set[int]:
    return {chunk for chunk, entry in after.frames.items() if before.frames.get(chunk) is not entry}


page_sets = st.lists(st.integers(0, 255), unique=True, max_size=60).map(sorted)


@settings(max_examples=60, deadline=None)
@given(
    first=page_sets,
    second=page_sets,
    seed=st.integers(0, 2**32),
    chunk_pages=st.sampled_from([1, 4, 16, 64]),
)
def test_an_image_encoded_reusing_any_previous_encode_is_the_cold_image(first, second, seed, chunk_pages):
    rng = random.Random(seed)

    def contents(pages):
        # Few distinct page contents, so that chunks of the two snapshots often match.
        return b"".join(bytes([rng.choice([1, 2, 3])]) * PAGE_SIZE for _ in pages)

    earlier = snapshot_of(first, contents(first))
    later = snapshot_of(second, contents(second), calls=2)
    _, previous = earlier.encode_reusing(None, chunk_pages)
    image, encoded = later.encode_reusing(previous, chunk_pages)
    decoded = Snapshot.decode(image)
    assert (decoded.pages, decoded.data, decoded.calls) == (second, later.data, 2)
    for chunk in set(encoded.frames) - recompressed(previous, encoded):
        assert encoded.places[chunk][0] == previous.places[chunk][0]
    # And the decoded image's frames and places serve the next encode as well as the live ones.
    again, _ = later.encode_reusing(Snapshot.decode_reusable(image)[1], chunk_pages)
    assert again == image


def test_a_small_call_recompresses_only_the_chunks_it_changed(runtime):
    session = runtime.new_session(LIMITS)
    try:
        assert session.run("data = [str(i) * 3 for i in range(20000)]\nx = 0").ok
        _, previous = session.snapshot().encode_reusing(None)
        assert session.run("x += 1").ok
        snapshot = session.snapshot()
        image, encoded = snapshot.encode_reusing(previous)
    finally:
        session.close()
    changed = recompressed(previous, encoded)
    assert len(encoded.frames) == len(chunk_spans(snapshot.pages, encoded.chunk_pages)) > 10
    assert 0 < len(changed) <= len(encoded.frames) // 4
    for chunk, (raw, _) in encoded.frames.items():
        if chunk not in changed:
            assert previous.frames[chunk][0] == raw
    assert Snapshot.decode(image).data == snapshot.data
    restored = runtime.new_session(LIMITS, snapshot=Snapshot.decode(image, LIMITS.memory_bytes))
    try:
        assert restored.restored
        assert restored.run("print(x, len(data), data[-1])").stdout == "1 20000 199991999919999\n"
    finally:
        restored.close()


def test_a_previous_encode_with_another_chunk_size_is_not_reused():
    pages = [0, 1, 17]
    snapshot = snapshot_of(pages, b"\x07" * (3 * PAGE_SIZE))
    _, previous = snapshot.encode_reusing(None, 4)
    image, encoded = snapshot.encode_reusing(previous, 16)
    assert recompressed(previous, encoded) == set(encoded.frames)
    assert Snapshot.decode(image).data == snapshot.data


def test_a_restored_session_reuses_the_frames_of_the_image_it_came_from(runtime):
    session = runtime.new_session(LIMITS)
    try:
        assert session.run("data = [str(i) * 3 for i in range(20000)]\nx = 0").ok
        stored = session.snapshot().encode()
    finally:
        session.close()
    snapshot, loaded = Snapshot.decode_reusable(stored, LIMITS.memory_bytes)
    restored = runtime.new_session(LIMITS, snapshot=snapshot)
    try:
        assert restored.restored and restored.run("x += 1").ok
        later = restored.snapshot()
    finally:
        restored.close()
    image, encoded = later.encode_reusing(loaded)
    assert 0 < len(recompressed(loaded, encoded)) <= len(encoded.frames) // 4
    assert Snapshot.decode(image).data == later.data
    # A whole (format-2) image has no frames to reuse.
    assert Snapshot.decode_reusable(forge(header_of(later), compress(later.data)))[1] is None


def test_after_a_small_call_the_image_differs_only_in_its_header_and_the_changed_frames(runtime):
    session = runtime.new_session(LIMITS)
    try:
        assert session.run("data = [str(i) * 3 for i in range(20000)]\nx = 0").ok
        before, previous = session.snapshot().encode_reusing(None)
        # The first small calls move the frames that grow to places with room to spare.
        for _ in range(3):
            assert session.run("x += 1").ok
            before, previous = session.snapshot().encode_reusing(previous)
        assert session.run("x += 1").ok
        after, encoded = session.snapshot().encode_reusing(previous)
    finally:
        session.close()
    body_start = len(after) - encoded.body_size
    changed = recompressed(previous, encoded)
    moved = {chunk for chunk in changed if encoded.places[chunk] != previous.places.get(chunk)}
    if not moved:
        assert len(after) == len(before)
    differing = [index for index in range(body_start, min(len(before), len(after))) if before[index] != after[index]]
    allowed = [encoded.places[chunk] for chunk in changed] + [
        previous.places[chunk] for chunk in changed if chunk in previous.places
    ]
    assert all(any(start <= index - body_start < start + room for start, room in allowed) for index in differing)
    assert len(differing) < encoded.body_size // 4


def test_an_image_captured_against_the_last_encode_is_the_sessions_snapshot(runtime):
    """Session.snapshot_image compares memory with the previous encode in place: whatever the calls
    in between did (grow memory, fill and free pages, change nothing), its image decodes to exactly
    what Session.snapshot() captures, and only the chunks that changed are compressed again."""
    calls = [
        "data = [str(i) * 3 for i in range(20000)]\nx = 0",
        "x += 1",
        "pass",
        "big = bytearray(3_000_000)\nfor i in range(0, len(big), 4096):\n    big[i] = 1",
        "del big\nimport gc\ngc.collect()",
        "data = data[:100]\ngc.collect()",
        "x += 1",
    ]
    session = runtime.new_session(LIMITS)
    try:
        previous = None
        for code in calls:
            assert session.run(code).ok, code
            snapshot, image, encoded = session.snapshot_image(previous)
            expected = session.snapshot()
            assert without_clock(snapshot) == without_clock(expected)
            assert without_clock(Snapshot.decode(image, LIMITS.memory_bytes)) == without_clock(expected)
            if previous is not None:
                kept = set(encoded.frames) - recompressed(previous, encoded)
                assert all(encoded.frames[chunk] is previous.frames[chunk] for chunk in kept)
                if code == "pass":
                    assert len(recompressed(previous, encoded)) <= len(encoded.frames) // 4
            previous = encoded
    finally:
        session.close()


def test_an_image_captured_against_a_restored_encode_restores_the_same_session(runtime):
    session = runtime.new_session(LIMITS)
    try:
        assert session.run("data = [str(i) * 3 for i in range(20000)]\nx = 0").ok
        _, stored, _ = session.snapshot_image(None)
    finally:
        session.close()
    snapshot, loaded = Snapshot.decode_reusable(stored, LIMITS.memory_bytes)
    restored = runtime.new_session(LIMITS, snapshot=snapshot)
    try:
        assert restored.restored and restored.run("x += 1").ok
        _, image, encoded = restored.snapshot_image(loaded)
        assert without_clock(Snapshot.decode(image, LIMITS.memory_bytes)) == without_clock(restored.snapshot())
        assert 0 < len(recompressed(loaded, encoded)) <= len(encoded.frames) // 4
    finally:
        restored.close()
    again = runtime.new_session(LIMITS, snapshot=Snapshot.decode(image, LIMITS.memory_bytes))
    try:
        assert again.run("print(x, len(data), data[-1])").stdout == "1 20000 199991999919999\n"
    finally:
        again.close()
