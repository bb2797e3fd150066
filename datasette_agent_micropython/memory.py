"""The guest's linear memory at the quiescent point: capture it, restore it, guard its stack.

Everything here reads and writes memory through raw addresses (ctypes), on the session's own
thread while the guest waits at Q, where nothing else touches it.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import wasmtime
from wasmtime import WasmtimeError

from .snapshot import (
    MAX_MEMORY_BYTES,
    PAGE_SIZE,
    WASM_PAGE_SIZE,
    CapturedChunks,
    EncodedChunks,
    Snapshot,
    page_runs,
)

KIB = 1024
ZERO_PAGE = bytes(PAGE_SIZE)
BLOCK_PAGES = 16
BLOCK_SIZE = BLOCK_PAGES * PAGE_SIZE
# Memory is compared with zeros by the C library's memcmp, in place, with no copy. It is called
# through PyDLL, which keeps the GIL: a scan is a few hundred calls of a few microseconds each, and
# under 16 concurrent conversations releasing and retaking the GIL around every call cost more than
# the compares (measured: about 2x the process's CPU per call and 60% of the throughput); a whole
# 16 MiB scan holds it about 0.6 ms, well under the interpreter's 5 ms switch interval.
_memcmp = ctypes.PyDLL(None).memcmp
_memcmp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
_memcmp.restype = ctypes.c_int
# A block of zeros that nothing ever writes.
_ZEROS = ctypes.create_string_buffer(BLOCK_SIZE)
_ZEROS_ADDRESS = ctypes.addressof(_ZEROS)
# madvise(MADV_POPULATE_WRITE) (Linux 5.14 and later) faults pages in, writable, without changing
# a byte. Elsewhere it fails, and the pages fault in when first written, as they would anyway.
_madvise = ctypes.CDLL(None).madvise
_madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_madvise.restype = ctypes.c_int
MADV_POPULATE_WRITE = 23
# /proc/self/pagemap: one little-endian 64-bit entry per virtual page of this process.
PAGEMAP_ENTRY_BYTES = 8
# Per value of an entry's top byte: 1 if the page is present (bit 63) or swapped out (bit 62).
_MAPPED = bytes(1 if byte & 0xC0 else 0 for byte in range(256))
_pagemap_fd: int | None = None
_pagemap_pid: int | None = None
_pagemap_lock = threading.Lock()


def _new_pagemap_lock_in_child() -> None:
    """A fork while another thread holds the lock would leave the child's copy of it held for
    good, and every capture in the child waiting on it."""
    global _pagemap_lock
    _pagemap_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_pagemap_lock_in_child)

# The bottom of the shadow stack that no legitimate use reaches. MicroPython's own limit stops
# recursion it checks at 208 KiB of the 704 KiB stack; C recursion it never checks (==, hash of
# deeply nested data, the compiler) overflows the native stack first, at up to about 590 KiB.
# Anything written here means the stack came within this distance of .bss, so the session is
# treated as corrupted: discarded, never snapshotted. It is read after every snippet, so it is
# small; no MicroPython frame is big enough to step over it without writing to it.
STACK_GUARD_BYTES = 16 * KIB
ZERO_GUARD = bytes(STACK_GUARD_BYTES)
STACK_OVERRUN_ERROR = "the interpreter's stack ran into its static data; its state was discarded"


@dataclass(frozen=True)
class QuiescentPoint:
    """Where the guest waits between snippets. A snapshot is only valid at the same point."""

    stack_pointer: int
    result_ptr: int
    result_cap: int


def stack_guard(artifact: Path, artifact_sha256: str) -> tuple[int, int] | None:
    """The guarded bottom of `artifact`'s shadow stack, from the artifact.json that describes it.

    None for an artifact that artifact.json does not describe (its layout is unknown).
    """
    metadata_path = artifact.with_name("artifact.json")
    if not metadata_path.exists():
        return None
    metadata = json.loads(metadata_path.read_text())
    if metadata.get("output", {}).get("sha256") != artifact_sha256:
        return None
    layout = metadata.get("layout", {}).get("output")
    if not layout or layout["stack_top"] - layout["stack_bottom"] < 4 * STACK_GUARD_BYTES:
        return None
    return layout["stack_bottom"], layout["stack_bottom"] + STACK_GUARD_BYTES


def memory_base(caller: wasmtime.Caller) -> int:
    """The host address of the guest's linear memory (valid until the memory grows)."""
    return ctypes.addressof(caller["memory"].data_ptr(caller).contents)


def stack_reached_guard(caller: wasmtime.Caller, guard: tuple[int, int] | None) -> bool:
    """Whether anything was written into the stack's guard (always False without a known guard)."""
    if guard is None:
        return False
    start, end = guard
    return ctypes.string_at(memory_base(caller) + start, end - start) != ZERO_GUARD


def clear_dead_stack(caller: wasmtime.Caller, guard: tuple[int, int] | None) -> None:
    """Zero what finished calls left below the stack pointer, page by page down to a clean one.

    Nothing below the stack pointer is live at Q, but MicroPython's conservative collector
    later scans new frames' uninitialised slots there, and images would carry the dirty pages
    of a deep recursion. Done at every arrival at Q, snapshotted or not, so a restored session
    and one never snapshotted hold the same bytes. The guard below is left for its check.
    """
    if guard is None:
        return
    memory = caller["memory"]
    base = ctypes.addressof(memory.data_ptr(caller).contents)
    end = caller["__stack_pointer"].value(caller)
    if not guard[1] <= end <= memory.data_len(caller):
        return
    while end > guard[1]:
        start = max(guard[1], (end - 1) // PAGE_SIZE * PAGE_SIZE)
        if ctypes.string_at(base + start, end - start) == ZERO_PAGE[: end - start]:
            return
        ctypes.memset(base + start, 0, end - start)
        end = start


def file_backed_end(base: int, size: int) -> int:
    """How far into the `size` bytes of memory at `base` file-backed mappings reach, from its start.

    Wasmtime maps the module's initial memory image from its file, copy-on-write: until written, those
    pages read the file's bytes, mapped in or not. Every other page of the memory is anonymous. Read
    from /proc/self/maps, once per instance (the mappings at the start of its memory stay as they
    are); `size` (every page file-backed) where the maps cannot be read.
    """
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return size
    end = 0
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) < 5:
            return size
        first, _, last = fields[0].partition("-")
        start, stop = int(first, 16), int(last, 16)
        # An inode of 0 is an anonymous mapping.
        if stop > base and start < base + size and fields[4] != "0":
            end = max(end, min(stop, base + size) - base)
    return end


def pages_to_look_at(base: int, size: int, file_backed: int) -> bytes | None:
    """Per 4 KiB page of the `size` bytes of memory at `base`, 1 where its bytes must be read and 0
    where they are zeros for certain, or None where the kernel cannot tell (read every page then).

    A page is zeros for certain when it lies past the first `file_backed` bytes (see
    file_backed_end), so it is anonymous, and this process has it neither in memory nor swapped out
    (/proc/self/pagemap): such a page was never written, or its contents were dropped, and it reads
    as zeros. Most of a session's heap is such pages, and the scans below never read them: reading
    one would map the kernel's zero page in its place, and it would have to be read every time.
    """
    fd = _pagemap()
    count = size // PAGE_SIZE
    if fd is None or base % PAGE_SIZE or not count:
        return None
    try:
        entries = os.pread(fd, count * PAGEMAP_ENTRY_BYTES, base // PAGE_SIZE * PAGEMAP_ENTRY_BYTES)
    except OSError:
        return None
    if len(entries) != count * PAGEMAP_ENTRY_BYTES:
        return None
    # The top byte of each little-endian entry holds the present (bit 63) and swapped (bit 62) flags.
    flags = bytearray(entries[PAGEMAP_ENTRY_BYTES - 1 :: PAGEMAP_ENTRY_BYTES].translate(_MAPPED))
    file_pages = min(count, -(-file_backed // PAGE_SIZE))
    flags[:file_pages] = b"\x01" * file_pages
    return bytes(flags)


def _look_at(base: int, size: int, file_backed: int | None) -> bytes | None:
    return None if file_backed is None else pages_to_look_at(base, size, file_backed)


def _pagemap() -> int | None:
    """This process's /proc/self/pagemap, open (reopened in a forked child), or None without one.

    Opened once, under a lock: an fd closed while another thread reads it could be reused for
    another file, whose bytes would then be taken for page flags."""
    global _pagemap_fd, _pagemap_pid
    with _pagemap_lock:
        if _pagemap_pid != os.getpid():
            # A forked child's copy of its parent's descriptor describes the parent's memory.
            if _pagemap_fd is not None:
                os.close(_pagemap_fd)
            _pagemap_fd, _pagemap_pid = None, os.getpid()
            if os.sysconf("SC_PAGE_SIZE") == PAGE_SIZE:
                try:
                    _pagemap_fd = os.open("/proc/self/pagemap", os.O_RDONLY | os.O_CLOEXEC)
                except OSError:
                    pass
        return _pagemap_fd


def nonzero_page_indices(base: int, size: int, look_at: bytes | None = None) -> list[int]:
    """The indices of the non-zero pages of the `size` bytes of memory at `base`; `look_at` (from
    pages_to_look_at) spares reading the pages that are zeros for certain.

    Blocks of 16 pages are compared first, and only non-zero blocks page by page: most of a
    session's memory is untouched heap, and this keeps a 16 MiB scan near 1 ms.
    """
    pages = []
    end = size - size % PAGE_SIZE
    for block_start in range(0, end, BLOCK_SIZE):
        block_end = min(block_start + BLOCK_SIZE, end)
        if not _is_zero_where_looked(base, block_start, block_end, look_at):
            pages.extend(
                start // PAGE_SIZE
                for start in range(block_start, block_end, PAGE_SIZE)
                if not _is_zero_where_looked(base, start, start + PAGE_SIZE, look_at)
            )
    return pages


def capture_chunks(
    base: int, size: int, chunk_pages: int, previous: EncodedChunks | None, look_at: bytes | None = None
) -> CapturedChunks:
    """The non-zero pages of the `size` bytes of memory at `base`, chunk by chunk, compared in place
    with what `previous` (the session's last encode, or None) recorded of each chunk; `look_at` (from
    pages_to_look_at) spares reading the pages that are zeros for certain.

    A chunk whose pages are the previous ones, byte for byte, is not copied (its bytes are given as
    None); only the chunks that changed are scanned page by page and read. A chunk is compared
    with a few memcmp calls: its recorded pages against their recorded bytes, the rest against
    zeros. Memory is read once, and nothing that did not change is copied.
    """
    if previous is not None and previous.chunk_pages != chunk_pages:
        previous = None
    known_frames = previous.frames if previous is not None else {}
    known_pages = previous.chunk_page_lists if previous is not None else {}
    chunk_size = chunk_pages * PAGE_SIZE
    end = size - size % PAGE_SIZE
    memory = (ctypes.c_char * end).from_address(base) if end else b""
    view = memoryview(memory).cast("B")
    chunks: CapturedChunks = {}
    for chunk in _chunks_to_look_at(end // PAGE_SIZE, chunk_pages, known_pages, look_at):
        chunk_start = chunk * chunk_size
        chunk_end = min(chunk_start + chunk_size, end)
        pages = known_pages.get(chunk)
        if pages is None:
            if _is_zero_where_looked(base, chunk_start, chunk_end, look_at):
                continue
        elif _holds(view, base, chunk_start, chunk_end, pages, known_frames[chunk][0], look_at):
            chunks[chunk] = (pages, None)
            continue
        found = [
            start // PAGE_SIZE
            for start in range(chunk_start, chunk_end, PAGE_SIZE)
            if not _is_zero_where_looked(base, start, start + PAGE_SIZE, look_at)
        ]
        if found:
            chunks[chunk] = (found, read_pages(base, found))
    return chunks


def _chunks_to_look_at(
    page_count: int, chunk_pages: int, known_pages: dict[int, list[int]], look_at: bytes | None
) -> list[int]:
    """The chunks that may hold non-zero pages, or held some: every other chunk is zeros for certain."""
    if look_at is None:
        return list(range(-(-page_count // chunk_pages)))
    chunks = set(known_pages)
    page = look_at.find(1)
    while page != -1:
        chunk = page // chunk_pages
        chunks.add(chunk)
        page = look_at.find(1, (chunk + 1) * chunk_pages)
    return sorted(chunks)


def _is_zero_where_looked(base: int, start: int, end: int, look_at: bytes | None) -> bool:
    """Whether memory[start:end] (whole pages) is all zeros, reading only the pages `look_at` marks."""
    if look_at is None:
        return _is_zero(base + start, end - start)
    first, last = start // PAGE_SIZE, end // PAGE_SIZE
    marked = look_at.count(1, first, last)
    if not marked:
        return True
    if marked == last - first:
        return _is_zero(base + start, end - start)
    return all(not look_at[page] or _is_zero(base + page * PAGE_SIZE, PAGE_SIZE) for page in range(first, last))


def _is_zero(address: int, length: int) -> bool:
    """Whether the `length` bytes at `address` are all zero."""
    while length > BLOCK_SIZE:
        if _memcmp(address, _ZEROS_ADDRESS, BLOCK_SIZE):
            return False
        address += BLOCK_SIZE
        length -= BLOCK_SIZE
    return not _memcmp(address, _ZEROS_ADDRESS, length)


def _holds(
    view: memoryview,
    base: int,
    start: int,
    end: int,
    pages: list[int],
    raw: bytes | memoryview,
    look_at: bytes | None,
) -> bool:
    """Whether memory[start:end] holds exactly `pages` with the bytes `raw`, and zeros elsewhere."""
    if not isinstance(raw, bytes):
        raw = bytes(raw)
    offset = 0
    position = start
    for first, count in page_runs(pages):
        run_start = first * PAGE_SIZE
        run_end = run_start + count * PAGE_SIZE
        if run_start > position and not _is_zero_where_looked(base, position, run_start, look_at):
            return False
        # A recorded page that is zeros for certain now has changed; and is not read.
        if look_at is not None and look_at.count(1, first, first + count) != count:
            return False
        # bytes.startswith at an offset is a memcmp of the guest's bytes in place, with no copy.
        if not raw.startswith(view[run_start:run_end], offset):
            return False
        offset += run_end - run_start
        position = run_end
    return position >= end or _is_zero_where_looked(base, position, end, look_at)


def read_pages(base: int, pages: list[int]) -> bytes:
    """The bytes of `pages` (ascending indices) of the memory at `base`, one run of pages at a time."""
    return b"".join(ctypes.string_at(base + first * PAGE_SIZE, count * PAGE_SIZE) for first, count in page_runs(pages))


def prefault(caller: wasmtime.Caller, runs: list[list[int]]) -> None:
    """Fault in the pages of `runs` ([first, count] pairs) ahead of a restore that will write them.

    A fresh instance's untouched memory costs a page fault at the first write of each page (about
    3 us here): 1.4 ms for the 1.9 MB of pages of a ~1 MB session. Done while the instance waits in
    the pool, that time leaves the restore. Memory contents do not change.
    """
    base = memory_base(caller)
    page_count = caller["memory"].data_len(caller) // PAGE_SIZE
    for first, count in runs:
        count = min(count, page_count - first)
        if count > 0:
            _madvise(base + first * PAGE_SIZE, count * PAGE_SIZE, MADV_POPULATE_WRITE)


def capture(
    caller: wasmtime.Caller,
    point: QuiescentPoint,
    fingerprint: str,
    clock_ns: int,
    calls: int,
    names: list[str],
    file_backed: int | None = None,
) -> Snapshot:
    """The guest's memory at `point` as a Snapshot: its non-zero pages and the state around them.

    With `file_backed` (file_backed_end of this memory), pages that are zeros for certain are not read.
    """
    memory = caller["memory"]
    size = memory.data_len(caller)
    base = ctypes.addressof(memory.data_ptr(caller).contents)
    pages = nonzero_page_indices(base, size, _look_at(base, size, file_backed))
    return Snapshot(
        fingerprint=fingerprint,
        memory_size=size,
        stack_pointer=caller["__stack_pointer"].value(caller),
        result_ptr=point.result_ptr,
        result_cap=point.result_cap,
        clock_ns=clock_ns,
        calls=calls,
        pages=pages,
        data=read_pages(base, pages),
        names=list(names),
    )


def restore(
    caller: wasmtime.Caller,
    snapshot: Snapshot,
    point: QuiescentPoint,
    fingerprint: str,
    memory_limit: int,
    fresh_pages: list[int] | None = None,
    file_backed: int | None = None,
) -> str | None:
    """Lay `snapshot` over a fresh instance's memory at `point`, or say why it cannot be used.

    Afterwards the memory holds exactly the snapshot's bytes: the instance's non-zero pages
    (`fresh_pages` when they were found ahead, else found by a scan now) are cleared unless the
    snapshot writes them anyway, and its pages are laid. Everything is checked before the first
    byte is written: a refused snapshot leaves the fresh instance untouched. With `file_backed`
    (file_backed_end of this memory), the scan does not read pages that are zeros for certain.
    """
    memory = caller["memory"]
    size = memory.data_len(caller)
    if snapshot.fingerprint != fingerprint:
        return "the stored state was made by a different build or configuration of the sandbox"
    if (snapshot.stack_pointer, snapshot.result_ptr, snapshot.result_cap) != (
        point.stack_pointer,
        point.result_ptr,
        point.result_cap,
    ):
        return "the stored state was taken at a different quiescent point"
    problem = snapshot.layout_problem(min(memory_limit, MAX_MEMORY_BYTES))
    if problem:
        return problem
    if snapshot.memory_size < size:
        return "the stored state's memory size does not fit this sandbox"
    if snapshot.memory_size > size:
        try:
            memory.grow(caller, (snapshot.memory_size - size) // WASM_PAGE_SIZE)
        except WasmtimeError:
            return "the stored state's memory size does not fit this sandbox"
        if memory.data_len(caller) != snapshot.memory_size:
            return "the stored state's memory size does not fit this sandbox"
    base = ctypes.addressof(memory.data_ptr(caller).contents)
    if fresh_pages is None:
        fresh_pages = nonzero_page_indices(base, size, _look_at(base, size, file_backed))
    for index in set(fresh_pages).difference(snapshot.pages):
        ctypes.memset(base + index * PAGE_SIZE, 0, PAGE_SIZE)
    cursor = 0
    for piece in snapshot.page_pieces():
        if not isinstance(piece, bytes):
            piece = bytes(piece)
        source = ctypes.cast(ctypes.c_char_p(piece), ctypes.c_void_p).value
        piece_pages = len(piece) // PAGE_SIZE
        position = 0
        for first, count in page_runs(snapshot.pages[cursor : cursor + piece_pages]):
            ctypes.memmove(base + first * PAGE_SIZE, source + position, count * PAGE_SIZE)
            position += count * PAGE_SIZE
        cursor += piece_pages
    caller["__stack_pointer"].set_value(caller, snapshot.stack_pointer)
    return None
