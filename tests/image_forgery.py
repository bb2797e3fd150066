"""Build session images the way an attacker who can write `micropython_sessions` would: any
header, any zstd body or frames, and always a valid checksum, so only the decoder's checks stand
between the row and host memory. Both encodings the decoder accepts are forged: chunked (written
today) and whole (format-2 images written by 0.2a0, still restored)."""

from __future__ import annotations

import itertools
import json
import struct
import zlib

import zstandard

from datasette_agent_micropython.snapshot import (
    CHUNK_PAGES,
    FORMAT_VERSION,
    MAGIC,
    MAGIC_WHOLE,
    PAGE_SIZE,
    Snapshot,
    chunk_spans,
    page_runs,
)


def header_of(snapshot: Snapshot) -> dict:
    """The JSON header `Snapshot.encode` writes, as a dict to tamper with."""
    return {
        "fingerprint": snapshot.fingerprint,
        "memory_size": snapshot.memory_size,
        "stack_pointer": snapshot.stack_pointer,
        "result_ptr": snapshot.result_ptr,
        "result_cap": snapshot.result_cap,
        "clock_ns": snapshot.clock_ns,
        "calls": snapshot.calls,
        "pages": page_runs(snapshot.pages),
        "names": list(snapshot.names),
        "format": FORMAT_VERSION,
    }


def forge(header: dict, body: bytes) -> bytes:
    """A whole (format-2) image with this header and zstd body, and a checksum that matches."""
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    checked = struct.pack("<I", len(header_bytes)) + header_bytes + body
    return MAGIC_WHOLE + struct.pack("<I", zlib.crc32(checked)) + checked


def chunked_header_of(snapshot: Snapshot, chunk_pages: int = CHUNK_PAGES) -> dict:
    """The JSON header `Snapshot.encode` writes, without its frame lengths (forge_chunked adds them)."""
    return {**header_of(snapshot), "chunk_pages": chunk_pages}


def chunk_frames(pages: list[int], data: bytes, chunk_pages: int = CHUNK_PAGES) -> list[bytes]:
    """One valid zstd frame per chunk of `pages` that holds any, as `Snapshot.encode` makes them."""
    return [compress(data[first * PAGE_SIZE : end * PAGE_SIZE]) for _, first, end in chunk_spans(pages, chunk_pages)]


def forge_chunked(header: dict, frames: list[bytes]) -> bytes:
    """A chunked image with this header and these frames, and a checksum that matches.

    The frames are packed one after the other, and the header says so unless it already says
    otherwise."""
    header = {**header}
    offsets = itertools.accumulate((len(frame) for frame in frames), initial=0)
    header.setdefault("frames", [[offset, len(frame)] for frame, offset in zip(frames, offsets)])
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    checked = struct.pack("<I", len(header_bytes)) + header_bytes
    return MAGIC + struct.pack("<I", zlib.crc32(checked)) + checked + b"".join(frames)


def compress(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=1, write_checksum=True).compress(data)


def frame_declaring(content_size: int, padding: int = 0) -> bytes:
    """A zstd frame whose header declares `content_size` bytes but holds only `padding` zero bytes
    (raw blocks). python-zstandard sizes its output buffer by the declaration."""
    # Frame header descriptor: 8-byte content size field, single segment, no checksum, no dictionary.
    frame = struct.pack("<IB", 0xFD2FB528, 0xE0) + struct.pack("<Q", content_size)
    block = 128 * 1024 - 1
    remaining = padding
    while True:
        size = min(block, remaining)
        remaining -= size
        last = remaining == 0
        frame += (size << 3 | int(last)).to_bytes(3, "little") + bytes(size)
        if last:
            return frame
