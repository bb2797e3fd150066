"""A session's image at the quiescent point, and its byte format.

An image is the non-zero 4 KiB pages of linear memory, the stack pointer, the quiescent point it
was taken at, and what the host needs to carry the session on (its clock, its call count). It is
stored as a CRC-32 of everything after it, a small JSON header, and the pages compressed with zstd.

Decoding treats the bytes as hostile (anyone who can write the sessions table can forge a row, with
a valid checksum): every number in the header is range-checked, every page index must lie inside a
memory size that is a whole number of wasm pages within the limit, and the zstd frame must declare
exactly the size the header implies before anything is decompressed, so decompression allocates at
most the memory limit. A damaged or forged row can only ever produce a `SnapshotError`.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import asdict, dataclass, field

import zstandard

PAGE_SIZE = 4096
# Linear memory grows in whole wasm pages.
WASM_PAGE_SIZE = 65536
FORMAT_VERSION = 2
MAGIC = b"MPYSNAP2"
MAX_HEADER_BYTES = 64 * 1024
MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024
# Bounds for the header's other numbers: a clock in nanoseconds and a call count that fit in 63 bits.
MAX_COUNTER = 2**62
MAX_NAMES = 200
MAX_NAME_CHARS = 100
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
        """The image in `blob`, for a sandbox of at most `memory_limit` bytes, or SnapshotError."""
        try:
            return cls._decode(blob, min(memory_limit, MAX_MEMORY_BYTES))
        except MemoryError:
            raise SnapshotError("the stored image needs more memory than this process can give it") from None

    @classmethod
    def _decode(cls, blob: bytes, memory_limit: int) -> "Snapshot":
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
        except (ValueError, RecursionError):
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
        body = memoryview(blob)[start + header_length :]
        # python-zstandard sizes its output by the frame's declared content size and ignores
        # max_output_size then: check the declaration first, so the allocation is `expected`.
        try:
            declared = zstandard.frame_content_size(body)
        except zstandard.ZstdError as error:
            raise SnapshotError(f"the stored image's pages are damaged or truncated ({error})") from None
        if declared != expected:
            raise SnapshotError(
                f"the stored image's pages declare {declared:,} bytes where its header implies {expected:,}"
            )
        try:
            data = zstandard.ZstdDecompressor().decompress(body, max_output_size=max(expected, 1))
        except zstandard.ZstdError as error:
            raise SnapshotError(f"the stored image's pages are damaged or truncated ({error})") from None
        snapshot.data = data
        problem = snapshot.layout_problem(memory_limit)
        if problem:
            raise SnapshotError(problem)
        return snapshot

    def _check_header(self, memory_limit: int) -> None:
        integers = (self.memory_size, self.stack_pointer, self.result_ptr, self.result_cap, self.clock_ns, self.calls)
        if not all(
            isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_COUNTER for value in integers
        ):
            raise SnapshotError("the stored image's header has bad numbers")
        if not (
            isinstance(self.fingerprint, str)
            and len(self.fingerprint) <= 64
            and isinstance(self.names, list)
            and len(self.names) <= MAX_NAMES
            and all(isinstance(name, str) and len(name) <= MAX_NAME_CHARS for name in self.names)
        ):
            raise SnapshotError("the stored image's header has bad fields")
        if self.memory_size % WASM_PAGE_SIZE or not 0 < self.memory_size <= memory_limit:
            raise SnapshotError(
                f"the stored image claims {self.memory_size:,} bytes of memory: not a whole number of 64 KiB "
                f"wasm pages within the limit of {memory_limit:,}"
            )

    def layout_problem(self, memory_limit: int) -> str | None:
        """Why this image's memory cannot be laid over a sandbox of `memory_limit` bytes, or None.

        Checked again right before a restore writes memory, whoever built the Snapshot.
        """
        size = self.memory_size
        if not (isinstance(size, int) and size % WASM_PAGE_SIZE == 0 and 0 < size <= memory_limit):
            return "the stored state's memory size does not fit this sandbox"
        pages = self.pages
        if any(not 0 <= page < size // PAGE_SIZE for page in pages[:1] + pages[-1:]) or any(
            later <= earlier for earlier, later in zip(pages, pages[1:])
        ):
            return "the stored state's page list is out of range or out of order"
        if len(self.data) != len(pages) * PAGE_SIZE:
            return "the stored state's pages do not match its page list"
        return None


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
    """The page indices of `runs`, each checked: 0 <= index < page_count, strictly ascending."""
    pages: list[int] = []
    if not isinstance(runs, list):
        raise SnapshotError("the stored image's page list is not a list")
    for run in runs:
        if not (
            isinstance(run, list)
            and len(run) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in run)
            and run[0] >= 0
            and run[1] > 0
            and (not pages or run[0] > pages[-1])
            and run[0] + run[1] <= page_count
        ):
            raise SnapshotError("the stored image's page list is out of range or out of order")
        pages.extend(range(run[0], run[0] + run[1]))
    return pages
