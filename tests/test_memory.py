"""The memory scan that captures and restores rely on, against a plain-bytes oracle."""

import ctypes
import mmap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.memory import (
    BLOCK_PAGES,
    capture_chunks,
    file_backed_end,
    nonzero_page_indices,
    pages_to_look_at,
    read_pages,
)
from datasette_agent_micropython.snapshot import PAGE_SIZE, Snapshot


@settings(max_examples=200, deadline=None)
@given(
    page_count=st.integers(min_value=0, max_value=3 * BLOCK_PAGES + 5),
    writes=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=12),
)
def test_every_non_zero_page_is_found_and_read_in_whole_blocks_and_in_the_tail(page_count, writes):
    size = page_count * PAGE_SIZE
    memory = (ctypes.c_char * max(size, 1))()
    base = ctypes.addressof(memory)
    for offset, value in writes:
        if size:
            ctypes.memset(base + offset % size, value, 1)
    data = ctypes.string_at(base, size)
    expected = [index for index in range(page_count) if any(data[index * PAGE_SIZE : (index + 1) * PAGE_SIZE])]
    assert nonzero_page_indices(base, size) == expected
    assert read_pages(base, expected) == b"".join(
        data[index * PAGE_SIZE : (index + 1) * PAGE_SIZE] for index in expected
    )


def private_anonymous_memory(size: int) -> tuple[mmap.mmap, int]:
    """Fresh anonymous memory, as Wasmtime maps a guest's heap (no huge pages, so that untouched
    pages stay unmapped page by page)."""
    memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    memory.madvise(mmap.MADV_NOHUGEPAGE)
    return memory, ctypes.addressof(ctypes.c_char.from_buffer(memory))


@settings(max_examples=100, deadline=None)
@given(
    page_count=st.integers(min_value=1, max_value=4 * BLOCK_PAGES + 3),
    writes=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=12),
    file_backed_pages=st.integers(min_value=0, max_value=BLOCK_PAGES + 2),
)
def test_pages_that_are_zeros_for_certain_are_never_read_and_the_scan_finds_the_same_pages(
    page_count, writes, file_backed_pages
):
    size = page_count * PAGE_SIZE
    memory, base = private_anonymous_memory(size)
    try:
        written = set()
        for offset, value in writes:
            ctypes.memset(base + offset % size, value, 1)
            written.add(offset % size // PAGE_SIZE)
        file_backed = file_backed_pages * PAGE_SIZE
        look_at = pages_to_look_at(base, size, file_backed)
        if look_at is None:
            pytest.skip("this kernel has no /proc/self/pagemap")
        # A page written (even with a zero) is looked at; so is every page in the file-backed part.
        assert all(look_at[page] for page in written | set(range(min(file_backed_pages, page_count))))
        found = nonzero_page_indices(base, size, look_at)
        encoded = Snapshot("f", size, 0, 0, 0, 0, 0, [], b"", []).encode_reusing(None, 4)[1]
        chunks = capture_chunks(base, size, 4, encoded, look_at)
        # Scanning did not map in a single page it was told not to read.
        assert pages_to_look_at(base, size, file_backed) == look_at
        data = ctypes.string_at(base, size)
        expected = [page for page in range(page_count) if any(data[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])]
        assert found == expected
        assert [page for pages, _ in chunks.values() for page in pages] == expected
    finally:
        del base
        memory.close()


def test_a_private_file_mapping_is_file_backed_and_anonymous_memory_is_not(tmp_path):
    path = tmp_path / "image"
    path.write_bytes(b"\x01" * (4 * PAGE_SIZE))
    with path.open("r+b") as file:
        mapped = mmap.mmap(file.fileno(), 4 * PAGE_SIZE, flags=mmap.MAP_PRIVATE)
    anonymous, anonymous_base = private_anonymous_memory(4 * PAGE_SIZE)
    try:
        file_base = ctypes.addressof(ctypes.c_char.from_buffer(mapped))
        assert file_backed_end(file_base, 4 * PAGE_SIZE) == 4 * PAGE_SIZE
        assert file_backed_end(anonymous_base, 4 * PAGE_SIZE) == 0
        # Unread, the file's pages are not mapped in, and still they are looked at.
        assert pages_to_look_at(file_base, 4 * PAGE_SIZE, 4 * PAGE_SIZE) in (None, b"\x01" * 4)
        del file_base, anonymous_base
    finally:
        mapped.close()
        anonymous.close()


def test_a_process_forked_while_another_thread_reads_the_pagemap_can_still_capture():
    """The pagemap is read under a lock; a child forked while another thread holds it gets a lock
    of its own, and its captures do not wait for a thread that does not exist in it."""
    import os
    import threading

    from datasette_agent_micropython import memory

    memory_block, base = private_anonymous_memory(4 * PAGE_SIZE)
    ctypes.memset(base + PAGE_SIZE, 7, 1)
    held, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with memory._pagemap_lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert held.wait(10)
        pid = os.fork()
        if pid == 0:
            try:
                look_at = pages_to_look_at(base, 4 * PAGE_SIZE, 0)
                os._exit(0 if nonzero_page_indices(base, 4 * PAGE_SIZE, look_at) == [1] else 1)
            finally:
                os._exit(2)
        for _ in range(200):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            threading.Event().wait(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child's capture waited on a lock no thread of its own holds")
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        release.set()
        holder.join()
        memory_block.close()
