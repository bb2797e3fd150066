"""A forged row in `micropython_sessions` never reaches host memory.

Anyone who can write the table (Datasette's write API on a served sessions database, or the file on
disk) can put any bytes there, with a valid checksum. Each case of issue 10 is written into a real
row of a real conversation, in both encodings the decoder reads (whole, as 0.2a0 wrote; chunked, as
written now); the next call must run in a fresh interpreter (`state: "new"`) with a note, the row
must be gone, and decoding must allocate no more than the memory limit.
"""

import sqlite3
import tracemalloc

import pytest
from agent_harness import ALICE, make_datasette, run, start_conversation
from image_forgery import (
    chunk_frames,
    chunked_header_of,
    compress,
    forge,
    forge_chunked,
    frame_declaring,
    header_of,
)

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.snapshot import PAGE_SIZE, Snapshot, SnapshotError
from datasette_agent_micropython.tool import state_note
from datasette_agent_micropython.wiring import session_manager

MEMORY_LIMIT = Limits().memory_bytes
# Decoding may hold the compressed row, the decompressed pages (at most the memory limit) and
# small change: anything near a gigabyte means the declared sizes were believed.
MAX_DECODE_ALLOCATION = 2 * MEMORY_LIMIT + 8 * 1024 * 1024


def negative_first_run(snapshot: Snapshot) -> bytes:
    # memmove would write one page 64 KiB before linear memory.
    header = header_of(snapshot)
    header["pages"] = [[-16, 1]] + header["pages"]
    return forge(header, compress(b"A" * PAGE_SIZE + snapshot.data))


def run_below_memory(snapshot: Snapshot) -> bytes:
    header = header_of(snapshot)
    first = header["pages"][0]
    header["pages"][0] = [-40960, first[1]]
    return forge(header, compress(snapshot.data))


def memory_size_not_whole_wasm_pages(snapshot: Snapshot) -> bytes:
    header = header_of(snapshot)
    header["memory_size"] = snapshot.memory_size + 4096
    header["pages"] = header["pages"] + [[snapshot.memory_size // PAGE_SIZE, 1]]
    return forge(header, compress(snapshot.data + b"\x01" * PAGE_SIZE))


def frame_declares_4_gib(snapshot: Snapshot) -> bytes:
    # 131 KB, like the row of the issue: python-zstandard would allocate 4 GiB for it.
    return forge(header_of(snapshot), frame_declaring(4 * 1024**3, 131_000))


def frame_declares_1_tib(snapshot: Snapshot) -> bytes:
    return forge(header_of(snapshot), frame_declaring(1024**4, 4096))


def header_claims_1_tib(snapshot: Snapshot) -> bytes:
    header = header_of(snapshot)
    header["memory_size"] = 1024**4
    return forge(header, compress(snapshot.data))


def chunked(snapshot: Snapshot) -> tuple[dict, list[bytes]]:
    return chunked_header_of(snapshot), chunk_frames(snapshot.pages, snapshot.data)


def chunked_negative_first_run(snapshot: Snapshot) -> bytes:
    header, frames = chunked(snapshot)
    header["pages"] = [[-16, 1]] + header["pages"]
    return forge_chunked(header, [compress(b"A" * PAGE_SIZE)] + frames)


def chunked_memory_size_not_whole_wasm_pages(snapshot: Snapshot) -> bytes:
    header, frames = chunked(snapshot)
    header["memory_size"] = snapshot.memory_size + 4096
    header["pages"] = header["pages"] + [[snapshot.memory_size // PAGE_SIZE, 1]]
    return forge_chunked(header, frames + [compress(b"\x01" * PAGE_SIZE)])


def chunked_frame_declares_4_gib(snapshot: Snapshot) -> bytes:
    header, frames = chunked(snapshot)
    return forge_chunked(header, [frame_declaring(4 * 1024**3, 131_000)] + frames[1:])


def chunked_last_frame_declares_1_tib(snapshot: Snapshot) -> bytes:
    header, frames = chunked(snapshot)
    return forge_chunked(header, frames[:-1] + [frame_declaring(1024**4, 4096)])


def chunked_frame_reaches_past_the_image(snapshot: Snapshot) -> bytes:
    header, frames = chunked(snapshot)
    header["frames"] = [[0, 2**40]] + [[1, len(frame)] for frame in frames[1:]]
    return forge_chunked(header, frames)


def chunked_frames_overlap(snapshot: Snapshot) -> bytes:
    # Two chunks share one frame: each decompresses fine, so only the overlap check refuses it.
    header, frames = chunked(snapshot)
    header["frames"] = [[0, len(frames[0])]] * len(frames)
    same = [frames[0]] * len(frames)
    return forge_chunked(header, same)


def chunked_one_frame_short(snapshot: Snapshot) -> bytes:
    header, frames = chunked(snapshot)
    return forge_chunked(header, frames[:-1])


def chunked_frames_of_another_chunk_size(snapshot: Snapshot) -> bytes:
    header, frames = chunked(snapshot)
    header["chunk_pages"] = 3
    return forge_chunked(header, frames)


def chunked_header_claims_1_tib(snapshot: Snapshot) -> bytes:
    header, frames = chunked(snapshot)
    header["memory_size"] = 1024**4
    return forge_chunked(header, frames)


FORGERIES = [
    negative_first_run,
    run_below_memory,
    memory_size_not_whole_wasm_pages,
    frame_declares_4_gib,
    frame_declares_1_tib,
    header_claims_1_tib,
    chunked_negative_first_run,
    chunked_memory_size_not_whole_wasm_pages,
    chunked_frame_declares_4_gib,
    chunked_last_frame_declares_1_tib,
    chunked_frame_reaches_past_the_image,
    chunked_frames_overlap,
    chunked_one_frame_short,
    chunked_frames_of_another_chunk_size,
    chunked_header_claims_1_tib,
]


def peak_allocation(function):
    """The most Python memory `function()` held at once (zstd output buffers are Python bytes)."""
    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.asyncio
@pytest.mark.parametrize("forgery", FORGERIES, ids=lambda forgery: forgery.__name__)
async def test_a_forged_row_becomes_a_fresh_interpreter_with_a_note(tmp_path, forgery):
    internal = tmp_path / "internal.db"
    ds = await make_datasette(tmp_path, internal=internal)
    manager = session_manager(ds)
    conversation = await start_conversation(ds, ALICE)
    assert (await run(ds, conversation, "secret = [1, 2, 3]"))["ok"]
    await manager.wait_for_writes()
    # Leave no live interpreter, so the next call must read the row.
    manager._live.pop(conversation).close()
    with sqlite3.connect(internal) as conn:
        [image] = conn.execute(
            "SELECT image FROM micropython_sessions WHERE conversation_id = ?", [conversation]
        ).fetchone()
        real = Snapshot.decode(image, MEMORY_LIMIT)
        forged = forgery(real)
        conn.execute("UPDATE micropython_sessions SET image = ? WHERE conversation_id = ?", [forged, conversation])

    def decode_quietly():
        with pytest.raises(SnapshotError):
            Snapshot.decode(forged, MEMORY_LIMIT)

    assert peak_allocation(decode_quietly) < MAX_DECODE_ALLOCATION

    result = await run(ds, conversation, "print('fresh', 'secret' in globals())")
    assert result["ok"], result
    assert result["stdout"] == "fresh False\n"
    assert result["state"] == "new"
    assert "could not be restored" in result["state_note"]
    await manager.wait_for_writes()
    with sqlite3.connect(internal) as conn:
        [calls] = conn.execute(
            "SELECT calls FROM micropython_sessions WHERE conversation_id = ?", [conversation]
        ).fetchone()
    # The forged row was discarded; the row there now is the fresh interpreter's own.
    assert calls == 1


@pytest.fixture(scope="module")
def real_image(tmp_path_factory):
    session = Runtime(cache_dir=tmp_path_factory.mktemp("module-cache")).new_session(Limits())
    try:
        assert session.run("x = 1").ok
        return session.snapshot()
    finally:
        session.close()


@pytest.mark.parametrize("forgery", FORGERIES, ids=lambda forgery: forgery.__name__)
def test_a_forged_image_is_refused_even_without_a_memory_limit(real_image, forgery):
    forged = forgery(real_image)

    def decode_quietly():
        with pytest.raises(SnapshotError):
            Snapshot.decode(forged)

    assert peak_allocation(decode_quietly) < MAX_DECODE_ALLOCATION


def test_a_header_nested_too_deeply_is_refused():
    with pytest.raises(SnapshotError):
        Snapshot.decode(forge({"pages": "[" * 10}, b"").replace(b'"' + b"[" * 10 + b'"', b"[" * 60_000))


@pytest.mark.asyncio
async def test_a_row_with_garbage_columns_cannot_break_the_admin_page_or_the_listing(tmp_path):
    internal = tmp_path / "internal.db"
    ds = await make_datasette(tmp_path, internal=internal)
    ds.root_enabled = True  # as `datasette serve --root` does
    manager = session_manager(ds)
    conversation = await start_conversation(ds, ALICE)
    assert (await run(ds, conversation, "kept = 1"))["ok"]
    await manager.wait_for_writes()
    with sqlite3.connect(internal) as conn:
        conn.execute(
            "INSERT INTO micropython_sessions (conversation_id, actor_id, created_at, updated_at, last_used_at, calls, "
            "raw_bytes, stored_bytes, fingerprint, globals, image) VALUES (?, 7, 'yesterday', x'00', 'soon', 'many', -5, "
            "2.5, 3, ?, 'not an image')",
            ["forged", "[" * 100_000],
        )
    rows = {row["conversation_id"]: row for row in await manager.store.sessions()}
    assert rows["forged"]["globals"] == [] and rows["forged"]["last_used_at"] == "" and rows["forged"]["calls"] == 0
    assert rows[conversation]["globals"] == ["kept"]
    response = await ds.client.get("/-/micropython", cookies={"ds_actor": ds.client.actor_cookie({"id": "root"})})
    assert response.status_code == 200
    assert "forged" in response.text
    # The forged row's conversation gets a fresh interpreter with a note.
    outcome = await manager.run("forged", "print('fresh')")
    assert outcome.result.stdout == "fresh\n"
    assert outcome.state == "new" and "could not be restored" in state_note(outcome)
