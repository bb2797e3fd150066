"""A session's Snapshot at the quiescent point, and its image: the bytes stored in a row.

A Snapshot is the non-zero 4 KiB pages of linear memory, the stack pointer, the quiescent point it
was taken at, and what the host needs to carry the session on (its clock, its call count).

Its image is MAGIC, a CRC-32 of the header, a JSON header padded to a multiple of 4 KiB, then a body
of zstd frames, one per chunk of CHUNK_PAGES pages of linear memory that holds any non-zero page,
each at the offset the header gives. A snapshot taken after a call differs from the previous one in
a few chunks, so `encode_reusing` compresses just those, and keeps every frame where the previous
image had it (a frame that outgrew its place moves to a free gap or the end, with room to grow): the
image then has the same length and differs only where chunks changed, and SQLite, which overwrites a
same-sized row in place, writes only the pages that differ. A live session's capture
(`encode_captured`, from memory.capture_chunks) goes further: it compares memory with the previous
encode in place and copies only the chunks that changed. Decoded and captured snapshots hold their
pages in pieces, one per chunk, joined only if `data` is read. The cost of an image follows what
changed, not what is live; a row still holds one whole image, with no chain of deltas. Each frame
carries zstd's content checksum. Images written before chunking (one zstd frame over all pages,
MAGIC_WHOLE) are still decoded.

Decoding treats the bytes as hostile (anyone who can write the sessions table can forge a row, with
a valid checksum): every number in the header is range-checked, every page index must lie inside a
memory size that is a whole number of wasm pages within the limit, the frames must be as many as
the chunks that hold pages and lie inside the body without overlapping, and each zstd frame must
declare exactly the size the header implies before anything is decompressed, so decompression
allocates at most the memory limit. A damaged or forged row can only ever produce a `SnapshotError`.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import zstandard

PAGE_SIZE = 4096
# Linear memory grows in whole wasm pages.
WASM_PAGE_SIZE = 65536
# What a Snapshot holds and means. It is part of the runtime's fingerprint, so changing it makes
# every stored image unrestorable; the byte encodings below can change without that.
FORMAT_VERSION = 2
# The encoding: chunked frames (written), or one frame over all pages (written before; read only).
MAGIC = b"MPYSNAP3"
MAGIC_WHOLE = b"MPYSNAP2"
# 16 pages = 64 KiB of linear memory per frame: see benchmarks/snapshot_chunks.py for the choice.
CHUNK_PAGES = 16
MAX_CHUNK_PAGES = 4096
# Room for a frame list of 4 GiB of pages (65,536 chunks).
MAX_HEADER_BYTES = 4 * 1024 * 1024
# The header is padded to a multiple of this, so that its length rarely changes between images.
HEADER_ALIGN = 4096
# A frame that outgrows its place moves with room to grow: an eighth of its length.
GROWTH_ROOM = 8
# A body whose free room exceeds an eighth of its frames' bytes plus this is laid out afresh (the
# frames that just moved keep their room to grow).
MIN_GAP_BYTES = 16 * 1024
MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024
# Bounds for the header's other numbers: a clock in nanoseconds and a call count that fit in 63 bits.
MAX_COUNTER = 2**62
MAX_NAMES = 200
MAX_NAME_CHARS = 100
# Level 1: as small as level 3 on these images (within 1%), and 30% faster to write.
ZSTD_LEVEL = 1
HEADER_FIELDS = (
    "fingerprint",
    "memory_size",
    "stack_pointer",
    "result_ptr",
    "result_cap",
    "clock_ns",
    "calls",
    "names",
)


class SnapshotError(ValueError):
    """The bytes are not an image this build can restore. The message says why."""


@dataclass(frozen=True)
class EncodedChunks:
    """What one encode leaves for the next: per chunk index, its raw page bytes and its zstd frame.

    Kept per live session; the raw bytes are those of the encoded Snapshot (views of its data, or
    the chunk's own bytes), so it holds the session's non-zero pages and the frames.
    """

    chunk_pages: int
    frames: dict[int, tuple[bytes | memoryview, bytes | memoryview]]
    # Per chunk index, where its frame's place in the body starts and how long that place is.
    places: dict[int, tuple[int, int]]
    body_size: int
    # Per chunk index, the indices of its non-zero pages: what its raw bytes hold.
    chunk_page_lists: dict[int, list[int]]


# A capture's chunks, by chunk index in ascending order: the chunk's non-zero pages, and their bytes,
# or None where they are exactly those of the previous encode's chunk (so its frame is kept).
CapturedChunks = dict[int, tuple[list[int], bytes | None]]


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

    def encode(self) -> bytes:
        """This snapshot's image, every chunk compressed."""
        return self.encode_reusing(None)[0]

    def encode_reusing(
        self, previous: EncodedChunks | None, chunk_pages: int = CHUNK_PAGES
    ) -> tuple[bytes, EncodedChunks]:
        """This snapshot's image, compressing only the chunks whose bytes differ from `previous`
        (the same session's last encode), and what to pass to the next encode."""
        if previous is not None and previous.chunk_pages != chunk_pages:
            previous = None
        reusable = previous.frames if previous is not None else {}
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
        frames: dict[int, tuple[bytes | memoryview, bytes | memoryview]] = {}
        page_lists: dict[int, list[int]] = {}
        data = self.data
        view = memoryview(data)
        for chunk, first, end in chunk_spans(self.pages, chunk_pages):
            start, stop = first * PAGE_SIZE, end * PAGE_SIZE
            known = reusable.get(chunk)
            # startswith at an offset compares in place: unchanged chunks are never copied.
            if known is not None and len(known[0]) == stop - start and data.startswith(known[0], start):
                frames[chunk] = known
            else:
                frames[chunk] = (view[start:stop], compressor.compress(view[start:stop]))
            page_lists[chunk] = self.pages[first:end]
        return self._assemble(frames, page_lists, previous, chunk_pages)

    @classmethod
    def encode_captured(
        cls, chunks: CapturedChunks, previous: EncodedChunks | None, chunk_pages: int, **header: Any
    ) -> tuple[Snapshot, bytes, EncodedChunks]:
        """The snapshot of a capture made chunk by chunk against `previous` (memory.capture_chunks),
        its image, and what to pass to the next encode. Only the chunks that changed are compressed;
        the others keep `previous`'s bytes and frames, and nothing is copied to join them."""
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
        frames: dict[int, tuple[bytes | memoryview, bytes | memoryview]] = {}
        page_lists: dict[int, list[int]] = {}
        pages: list[int] = []
        for chunk, (chunk_pages_list, raw) in chunks.items():
            if raw is None:
                if previous is None or previous.chunk_pages != chunk_pages or chunk not in previous.frames:
                    raise ValueError(f"chunk {chunk} is said to be unchanged, and the previous encode lacks it")
                frames[chunk] = previous.frames[chunk]
            else:
                frames[chunk] = (raw, compressor.compress(raw))
            page_lists[chunk] = chunk_pages_list
            pages.extend(chunk_pages_list)
        snapshot = cls(pages=pages, **header)
        snapshot._hold_pieces([raw for raw, _ in frames.values()])
        if previous is not None and previous.chunk_pages != chunk_pages:
            previous = None
        image, encoded = snapshot._assemble(frames, page_lists, previous, chunk_pages)
        return snapshot, image, encoded

    def _assemble(
        self,
        frames: dict[int, tuple[bytes | memoryview, bytes | memoryview]],
        page_lists: dict[int, list[int]],
        previous: EncodedChunks | None,
        chunk_pages: int,
    ) -> tuple[bytes, EncodedChunks]:
        """The image of this snapshot's header and `frames` (per chunk, in ascending order), each frame
        where `previous` had it if it still fits, and what to pass to the next encode."""
        places, body_size = place_frames({chunk: len(frame) for chunk, (_, frame) in frames.items()}, previous)
        header = {name: getattr(self, name) for name in HEADER_FIELDS}
        header["format"] = FORMAT_VERSION
        header["pages"] = page_runs(self.pages)
        header["chunk_pages"] = chunk_pages
        header["frames"] = [[places[chunk][0], len(frame)] for chunk, (_, frame) in frames.items()]
        header_bytes = json.dumps(header, separators=(",", ":")).encode()
        header_bytes += b" " * (-len(header_bytes) % HEADER_ALIGN)
        checked = struct.pack("<I", len(header_bytes)) + header_bytes
        # The image is laid out in one buffer: the body is written once, in place.
        body_start = len(MAGIC) + 4 + len(checked)
        image = bytearray(body_start + body_size)
        image[: len(MAGIC)] = MAGIC
        image[len(MAGIC) : body_start] = struct.pack("<I", zlib.crc32(checked)) + checked
        for chunk, (_, frame) in frames.items():
            offset = body_start + places[chunk][0]
            image[offset : offset + len(frame)] = frame
        return bytes(image), EncodedChunks(chunk_pages, frames, places, body_size, page_lists)

    @classmethod
    def decode(cls, image: bytes, memory_limit: int = MAX_MEMORY_BYTES) -> Snapshot:
        """The snapshot in `image`, for a sandbox of at most `memory_limit` bytes, or SnapshotError."""
        return cls.decode_reusable(image, memory_limit)[0]

    @classmethod
    def decode_reusable(
        cls, image: bytes, memory_limit: int = MAX_MEMORY_BYTES
    ) -> tuple[Snapshot, EncodedChunks | None]:
        """The snapshot in `image`, and its frames for the restored session's next encode to reuse
        (None for a whole image). Every frame was just decompressed to its raw bytes, so the pairs hold."""
        try:
            return cls._decode(image, min(memory_limit, MAX_MEMORY_BYTES))
        except MemoryError:
            raise SnapshotError("the stored image needs more memory than this process can give it") from None

    @classmethod
    def _decode(cls, image: bytes, memory_limit: int) -> tuple[Snapshot, EncodedChunks | None]:
        if not isinstance(image, (bytes, bytearray, memoryview)):
            raise SnapshotError("the stored image is not a blob")
        image = bytes(image)
        if len(image) < len(MAGIC) + 8 or not image.startswith((MAGIC, MAGIC_WHOLE)):
            raise SnapshotError("the stored image has no snapshot header")
        chunked = image.startswith(MAGIC)
        (checksum,) = struct.unpack_from("<I", image, len(MAGIC))
        (header_length,) = struct.unpack_from("<I", image, len(MAGIC) + 4)
        start = len(MAGIC) + 8
        # A chunked image's checksum covers its header; each frame has zstd's content checksum.
        covered = (
            memoryview(image)[len(MAGIC) + 4 : start + header_length]
            if chunked
            else memoryview(image)[len(MAGIC) + 4 :]
        )
        if header_length > MAX_HEADER_BYTES or start + header_length > len(image):
            raise SnapshotError("the stored image's header is truncated")
        if zlib.crc32(covered) != checksum:
            raise SnapshotError("the stored image is damaged or truncated (its checksum does not match)")
        try:
            header = json.loads(image[start : start + header_length])
        except (ValueError, RecursionError):
            raise SnapshotError("the stored image's header is not JSON") from None
        if not isinstance(header, dict) or header.pop("format", None) != FORMAT_VERSION:
            raise SnapshotError("the stored image has an unknown format version")
        layout = {name: header.pop(name, None) for name in ("pages", "chunk_pages", "frames")}
        try:
            snapshot = cls(**header)
        except TypeError:
            raise SnapshotError("the stored image's header has the wrong fields") from None
        snapshot._check_header(memory_limit)
        snapshot.pages = expand_runs(layout["pages"], snapshot.memory_size // PAGE_SIZE)
        body = memoryview(image)[start + header_length :]
        encoded = None
        if chunked:
            parts = _decompress_chunks(body, snapshot.pages, layout["chunk_pages"], layout["frames"])
            snapshot._hold_pieces(parts)
            encoded = _frames_of(snapshot.pages, parts, body, layout["chunk_pages"], layout["frames"])
        elif layout["chunk_pages"] is not None or layout["frames"] is not None:
            raise SnapshotError("the stored image's header has the wrong fields")
        else:
            snapshot.data = _decompress_frame(zstandard.ZstdDecompressor(), body, len(snapshot.pages) * PAGE_SIZE)
        problem = snapshot.layout_problem(memory_limit)
        if problem:
            raise SnapshotError(problem)
        return snapshot, encoded

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

    def _hold_pieces(self, pieces: list[bytes | memoryview]) -> None:
        """Hold the non-zero pages as `pieces` (in page order, whole pages each) instead of `data`."""
        self.__dict__["_pieces"] = pieces

    def data_length(self) -> int:
        """len(self.data), without joining its pieces."""
        pieces = self.__dict__.get("_pieces")
        return len(self.data) if pieces is None else sum(len(piece) for piece in pieces)

    def page_pieces(self) -> list[bytes | memoryview]:
        """The bytes of the non-zero pages in page order, in pieces of whole pages, as held."""
        pieces = self.__dict__.get("_pieces")
        return [self.data] if pieces is None else pieces

    def layout_problem(self, memory_limit: int) -> str | None:
        """Why this snapshot's memory cannot be laid over a sandbox of `memory_limit` bytes, or None.

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
        if self.data_length() != len(pages) * PAGE_SIZE or any(len(p) % PAGE_SIZE for p in self.page_pieces()):
            return "the stored state's pages do not match its page list"
        return None


def _joined_data(snapshot: Snapshot) -> bytes:
    pieces = snapshot.__dict__.pop("_pieces", None)
    if pieces is not None:
        snapshot.__dict__["_data"] = b"".join(pieces)
    return snapshot.__dict__["_data"]


def _set_data(snapshot: Snapshot, data: bytes) -> None:
    snapshot.__dict__.pop("_pieces", None)
    snapshot.__dict__["_data"] = data


# `data` is the bytes of the non-zero pages, in page order. A decoded or captured snapshot holds them
# as pieces, one per chunk (`_pieces`), laid into memory or kept for the next encode as they are;
# they are joined only if `data` itself is read.
Snapshot.data = property(_joined_data, _set_data)  # type: ignore[assignment]


def _decompress_chunks(body: memoryview, pages: list[int], chunk_pages: object, frame_places: object) -> list[bytes]:
    """The pages of a chunked image, one bytes per frame, every frame's place and size checked before
    it is decompressed."""
    if not (
        isinstance(chunk_pages, int)
        and not isinstance(chunk_pages, bool)
        and 0 < chunk_pages <= MAX_CHUNK_PAGES
        and chunk_pages & (chunk_pages - 1) == 0
    ):
        raise SnapshotError("the stored image's chunk size is not a power of two up to 4096 pages")
    spans = chunk_spans(pages, chunk_pages)
    if not (
        isinstance(frame_places, list)
        and len(frame_places) == len(spans)
        and all(
            isinstance(place, list)
            and len(place) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in place)
            and place[0] >= 0
            and place[1] > 0
            for place in frame_places
        )
    ):
        raise SnapshotError("the stored image's frame list does not match its chunks")
    if any(offset + length > len(body) for offset, length in frame_places):
        raise SnapshotError("the stored image is truncated: a frame lies past its end")
    ordered = sorted(frame_places)
    if any(later[0] < earlier[0] + earlier[1] for earlier, later in zip(ordered, ordered[1:])):
        raise SnapshotError("the stored image's frames overlap")
    decompressor = zstandard.ZstdDecompressor()
    return [
        _decompress_frame(decompressor, body[offset : offset + length], (end - first) * PAGE_SIZE)
        for (_, first, end), (offset, length) in zip(spans, frame_places)
    ]


def _frames_of(
    pages: list[int], parts: list[bytes], body: memoryview, chunk_pages: int, frame_places: list[list[int]]
) -> EncodedChunks:
    """The frames of a decoded chunked image (`parts`: each frame's decompressed pages) and their
    places, for the next encode to keep."""
    frames: dict[int, tuple[bytes | memoryview, bytes | memoryview]] = {}
    page_lists: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for (chunk, first, end), raw, (offset, length) in zip(chunk_spans(pages, chunk_pages), parts, frame_places):
        frames[chunk] = (raw, body[offset : offset + length])
        page_lists[chunk] = pages[first:end]
        starts[chunk] = offset
    # Each place reaches the next frame (or the end of the body): its room to grow.
    ends = sorted(starts.values())[1:] + [len(body)]
    places = {
        chunk: (offset, following - offset)
        for (chunk, offset), following in zip(sorted(starts.items(), key=lambda item: item[1]), ends)
    }
    return EncodedChunks(chunk_pages, frames, places, len(body), page_lists)


def place_frames(lengths: dict[int, int], previous: EncodedChunks | None) -> tuple[dict[int, tuple[int, int]], int]:
    """Where each chunk's frame goes in the body: (offset, room) per chunk, and the body's size.

    A frame stays where `previous` had its chunk if it still fits; otherwise it takes the first gap
    that fits it with room to grow, or the end. Without `previous` the frames are packed from the
    start; so they are when the free room has grown past an eighth of the frames (plus
    MIN_GAP_BYTES), with room kept after the frames that just moved, which are the ones that grow.
    """
    if previous is None:
        return _packed(lengths, set())
    places = {}
    moving = []
    for chunk, length in lengths.items():
        place = previous.places.get(chunk)
        if place is not None and length <= place[1]:
            places[chunk] = place
        else:
            moving.append(chunk)
    size = previous.body_size
    if moving:
        gaps = _gaps(places.values(), size)
        for chunk in moving:
            room = lengths[chunk] + lengths[chunk] // GROWTH_ROOM
            for index, (offset, length) in enumerate(gaps):
                if length >= room:
                    places[chunk] = (offset, room)
                    gaps[index] = (offset + room, length - room)
                    break
            else:
                places[chunk] = (size, room)
                size += room
    used = sum(lengths.values())
    if size - used > used // GROWTH_ROOM + MIN_GAP_BYTES:
        return _packed(lengths, set(moving))
    return places, size


def _packed(lengths: dict[int, int], growing: set[int]) -> tuple[dict[int, tuple[int, int]], int]:
    """The frames one after the other, with room to grow after those in `growing`."""
    places = {}
    size = 0
    for chunk, length in lengths.items():
        room = length + length // GROWTH_ROOM if chunk in growing else length
        places[chunk] = (size, room)
        size += room
    return places, size


def _gaps(places: Iterable[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """The free stretches (offset, length) of a body of `size` bytes around `places`, in order."""
    gaps = []
    position = 0
    for offset, room in sorted(places):
        if offset > position:
            gaps.append((position, offset - position))
        position = max(position, offset + room)
    if size > position:
        gaps.append((position, size - position))
    return gaps


def _decompress_frame(decompressor: zstandard.ZstdDecompressor, frame: memoryview, expected: int) -> bytes:
    """One zstd frame that must hold exactly `expected` bytes; at most that much is allocated."""
    # python-zstandard sizes its output by the frame's declared content size and ignores
    # max_output_size then: check the declaration first, so the allocation is `expected`.
    try:
        declared = zstandard.frame_content_size(frame)
    except zstandard.ZstdError as error:
        raise SnapshotError(f"the stored image's pages are damaged or truncated ({error})") from None
    if declared != expected:
        raise SnapshotError(
            f"the stored image's pages declare {declared:,} bytes where its header implies {expected:,}"
        )
    try:
        data = decompressor.decompress(frame, max_output_size=max(expected, 1))
    except zstandard.ZstdError as error:
        raise SnapshotError(f"the stored image's pages are damaged or truncated ({error})") from None
    if len(data) != expected:
        raise SnapshotError(f"the stored image's pages hold {len(data):,} bytes where its header implies {expected:,}")
    return data


def chunk_spans(pages: list[int], chunk_pages: int) -> list[tuple[int, int, int]]:
    """(chunk index, first, end) for each chunk holding pages: `pages[first:end]` lie in that chunk."""
    spans: list[tuple[int, int, int]] = []
    for position, page in enumerate(pages):
        chunk = page // chunk_pages
        if spans and spans[-1][0] == chunk:
            continue
        if spans:
            spans[-1] = (spans[-1][0], spans[-1][1], position)
        spans.append((chunk, position, len(pages)))
    return spans


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
