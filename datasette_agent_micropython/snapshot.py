"""A session's image at the quiescent point, and its byte format.

An image is the non-zero 4 KiB pages of linear memory, the stack pointer, the quiescent point it
was taken at, and what the host needs to carry the session on (its clock, its call count). It is
stored as a CRC-32 of everything after it, a small JSON header, and the pages compressed with zstd. Decoding treats the
bytes as hostile: every size is checked against the header and the decompression is bounded, so a
damaged or forged row can only ever produce a `SnapshotError`.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import asdict, dataclass, field

import zstandard

PAGE_SIZE = 4096
FORMAT_VERSION = 2
MAGIC = b"MPYSNAP2"
MAX_HEADER_BYTES = 64 * 1024
MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024
# Level 1: as small as level 3 on these images (within 1%), and 30% faster to write.
ZSTD_LEVEL = 1


class SnapshotError(ValueError):
    """The bytes are not an image this build can restore. The message says why."""


@dataclass
class Snapshot:
    fingerprint: str
    memory_size: int
    stack_pointer: int
    result_ptr: int
    result_cap: int
    clock_ns: int
    calls: int
    # Indices of the pages present in `data`, ascending; every other page is zero.
    pages: list[int] = field(default_factory=list)
    data: bytes = b""
    names: list[str] = field(default_factory=list)

    @property
    def raw_bytes(self) -> int:
        return self.memory_size

    def encode(self) -> bytes:
        header = asdict(self)
        del header["data"]
        header["format"] = FORMAT_VERSION
        header["pages"] = page_runs(self.pages)
        header_bytes = json.dumps(header, separators=(",", ":")).encode()
        body = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True).compress(self.data)
        checked = struct.pack("<I", len(header_bytes)) + header_bytes + body
        return MAGIC + struct.pack("<I", zlib.crc32(checked)) + checked

    @classmethod
    def decode(cls, blob: bytes, memory_limit: int = MAX_MEMORY_BYTES) -> "Snapshot":
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise SnapshotError("the stored image is not a blob")
        blob = bytes(blob)
        if len(blob) < len(MAGIC) + 8 or not blob.startswith(MAGIC):
            raise SnapshotError("the stored image has no snapshot header")
        (checksum,) = struct.unpack_from("<I", blob, len(MAGIC))
        if zlib.crc32(memoryview(blob)[len(MAGIC) + 4 :]) != checksum:
            raise SnapshotError("the stored image is damaged or truncated (its checksum does not match)")
        (header_length,) = struct.unpack_from("<I", blob, len(MAGIC) + 4)
        start = len(MAGIC) + 8
        if header_length > MAX_HEADER_BYTES or start + header_length > len(blob):
            raise SnapshotError("the stored image's header is truncated")
        try:
            header = json.loads(blob[start : start + header_length])
        except ValueError:
            raise SnapshotError("the stored image's header is not JSON") from None
        if not isinstance(header, dict) or header.pop("format", None) != FORMAT_VERSION:
            raise SnapshotError("the stored image has an unknown format version")
        try:
            snapshot = cls(**header)
        except TypeError:
            raise SnapshotError("the stored image's header has the wrong fields") from None
        snapshot._check_header(memory_limit)
        snapshot.pages = expand_runs(snapshot.pages, snapshot.memory_size // PAGE_SIZE)
        expected = len(snapshot.pages) * PAGE_SIZE
        try:
            data = zstandard.ZstdDecompressor().decompress(blob[start + header_length :], max_output_size=expected)
        except zstandard.ZstdError as error:
            raise SnapshotError(f"the stored image's pages are damaged or truncated ({error})") from None
        if len(data) != expected:
            raise SnapshotError("the stored image's pages are truncated")
        snapshot.data = data
        return snapshot

    def _check_header(self, memory_limit: int) -> None:
        integers = (self.memory_size, self.stack_pointer, self.result_ptr, self.result_cap, self.clock_ns, self.calls)
        if not all(isinstance(value, int) and not isinstance(value, bool) and value >= 0 for value in integers):
            raise SnapshotError("the stored image's header has bad numbers")
        if not isinstance(self.fingerprint, str) or not isinstance(self.names, list):
            raise SnapshotError("the stored image's header has bad fields")
        if self.memory_size % PAGE_SIZE or self.memory_size > memory_limit:
            raise SnapshotError(f"the stored image needs {self.memory_size:,} bytes of memory, more than the limit")


def page_runs(pages: list[int]) -> list[list[int]]:
    """[3, 4, 5, 9] -> [[3, 3], [9, 1]]: a page list costs little even for big memories."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and runs[-1][0] + runs[-1][1] == page:
            runs[-1][1] += 1
        else:
            runs.append([page, 1])
    return runs


def expand_runs(runs: object, page_count: int) -> list[int]:
    pages: list[int] = []
    if not isinstance(runs, list):
        raise SnapshotError("the stored image's page list is not a list")
    for run in runs:
        if not (
            isinstance(run, list)
            and len(run) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in run)
            and run[1] > 0
            and (not pages or run[0] > pages[-1])
            and run[0] + run[1] <= page_count
        ):
            raise SnapshotError("the stored image's page list is out of range or out of order")
        pages.extend(range(run[0], run[0] + run[1]))
    return pages
