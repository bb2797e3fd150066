"""The build step that moves spill stores from call sites to definitions
(scripts/build_artifact.py, `place_spills_at_definitions`): the collector must still find, at
every call, each pointer a wasm local holds in that local's slot on the shadow stack; and the
shipped artifact runs the CPU-bound loop in far fewer instructions than with binaryen's placement.

The fixture is binaryen 132's own output for a small module (`wasm-opt small.wat -S` and then
`--spill-pointers -S`), so the step is tested on the text it gets in the build. wasmtime runs both
texts; the host function that `user` calls reads the slots while the call is in progress, which is
when a collection would scan them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import wasmtime

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from harness import CPU_SNIPPET  # noqa: E402
from test_artifact import load_build_script  # noqa: E402

# `user(p)`: q = r = load(p), then five calls. p is written once (it is the parameter) and is live
# across four calls; q is written once and live across all five; r is written four times.
OPTIMIZED = """
(module
 (type $0 (func (param i32) (result i32)))
 (import "host" "callee" (func $callee (param i32) (result i32)))
 (global $__stack_pointer (mut i32) (i32.const 65536))
 (memory $0 1)
 (export "user" (func $user))
 (export "memory" (memory $0))
 (export "__stack_pointer" (global $__stack_pointer))
 (func $user (param $p i32) (result i32)
  (local $q i32)
  (local $r i32)
  (local.set $r
   (local.tee $q
    (i32.load
     (local.get $p)
    )
   )
  )
  (local.set $r
   (i32.add
    (local.get $r)
    (call $callee
     (local.get $q)
    )
   )
  )
  (local.set $r
   (i32.add
    (local.get $r)
    (call $callee
     (local.get $p)
    )
   )
  )
  (local.set $r
   (i32.add
    (local.get $r)
    (call $callee
     (local.get $q)
    )
   )
  )
  (drop
   (call $callee
    (local.get $r)
   )
  )
  (drop
   (call $callee
    (local.get $p)
   )
  )
  (i32.add
   (local.get $r)
   (local.get $q)
  )
 )
)
"""

SPILLED = """
(module
 (type $0 (func (param i32) (result i32)))
 (import "host" "callee" (func $callee (param i32) (result i32)))
 (global $__stack_pointer (mut i32) (i32.const 65536))
 (memory $0 1)
 (export "user" (func $user))
 (export "memory" (memory $0))
 (export "__stack_pointer" (global $__stack_pointer))
 (func $user (param $p i32) (result i32)
  (local $q i32)
  (local $r i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (global.set $__stack_pointer
   (local.tee $3
    (i32.sub
     (global.get $__stack_pointer)
     (i32.const 16)
    )
   )
  )
  (local.set $9
   (block (result i32)
    (local.set $r
     (local.tee $q
      (i32.load
       (local.get $p)
      )
     )
    )
    (local.set $r
     (i32.add
      (local.get $r)
      (block (result i32)
       (local.set $8
        (local.get $q)
       )
       (i32.store
        (local.get $3)
        (local.get $p)
       )
       (i32.store offset=4
        (local.get $3)
        (local.get $q)
       )
       (call $callee
        (local.get $8)
       )
      )
     )
    )
    (local.set $r
     (i32.add
      (local.get $r)
      (block (result i32)
       (local.set $7
        (local.get $p)
       )
       (i32.store
        (local.get $3)
        (local.get $p)
       )
       (i32.store offset=4
        (local.get $3)
        (local.get $q)
       )
       (call $callee
        (local.get $7)
       )
      )
     )
    )
    (local.set $r
     (i32.add
      (local.get $r)
      (block (result i32)
       (local.set $6
        (local.get $q)
       )
       (i32.store
        (local.get $3)
        (local.get $p)
       )
       (i32.store offset=4
        (local.get $3)
        (local.get $q)
       )
       (call $callee
        (local.get $6)
       )
      )
     )
    )
    (drop
     (block (result i32)
      (local.set $5
       (local.get $r)
      )
      (i32.store
       (local.get $3)
       (local.get $p)
      )
      (i32.store offset=4
       (local.get $3)
       (local.get $q)
      )
      (i32.store offset=8
       (local.get $3)
       (local.get $r)
      )
      (call $callee
       (local.get $5)
      )
     )
    )
    (drop
     (block (result i32)
      (local.set $4
       (local.get $p)
      )
      (i32.store offset=4
       (local.get $3)
       (local.get $q)
      )
      (i32.store offset=8
       (local.get $3)
       (local.get $r)
      )
      (call $callee
       (local.get $4)
      )
     )
    )
    (i32.add
     (local.get $r)
     (local.get $q)
    )
   )
  )
  (global.set $__stack_pointer
   (i32.add
    (local.get $3)
    (i32.const 16)
   )
  )
  (local.get $9)
 )
)
"""

# Slots in the frame --spill-pointers gives `user` (one per i32 local, in index order).
SLOTS = {"p": 0, "q": 4, "r": 8}
# The locals live across each call (read after it before being written again), and their values.
LIVE_AT_CALLS = [
    {"p": 100, "q": 7},
    {"p": 100, "q": 7},
    {"p": 100, "q": 7},
    {"p": 100, "q": 7, "r": 124},
    {"q": 7, "r": 124},
]


def run_user(wat: str) -> tuple[int, list[dict[str, int]]]:
    """Run `user(100)` with 7 at address 100; return its result and the slots seen at each call."""
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    seen: list[dict[str, int]] = []

    def callee(caller: wasmtime.Caller, value: int) -> int:
        frame = caller["__stack_pointer"].value(caller)
        raw = caller["memory"].read(caller, frame, frame + 12)
        seen.append({name: int.from_bytes(raw[offset : offset + 4], "little") for name, offset in SLOTS.items()})
        return value + 1

    i32 = wasmtime.ValType.i32()
    host = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), callee, access_caller=True)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, wat), [host])
    instance.exports(store)["memory"].write(store, (7).to_bytes(4, "little"), 100)
    return instance.exports(store)["user"](store, 100), seen


def user_function(wat: str) -> str:
    return wat[wat.index("(func $user") :]


def test_every_live_local_is_in_its_slot_at_every_call_after_the_move() -> None:
    build = load_build_script()
    placed = build.place_spills_at_definitions(OPTIMIZED, SPILLED)
    for wat in (SPILLED, placed):
        result, seen = run_user(wat)
        assert result == 131
        assert len(seen) == len(LIVE_AT_CALLS)
        for slots, live in zip(seen, LIVE_AT_CALLS):
            assert {name: slots[name] for name in live} == live


def test_rarely_written_locals_are_stored_where_written_and_others_before_calls() -> None:
    build = load_build_script()
    placed = user_function(build.place_spills_at_definitions(OPTIMIZED, SPILLED))
    before = user_function(SPILLED)
    # p: 4 call-site stores become 1 on entry; q: 5 become 1 at its only write (a local.tee);
    # r (4 writes, 2 call-site stores) keeps its call-site stores.
    assert before.count("(i32.store") == 11
    assert placed.count("(i32.store") == 4
    assert placed.count("(i32.store (local.get $3) (local.get $p))") == 1
    assert placed.count("(i32.store offset=4 (local.get $3) (local.get $q))") == 1
    assert placed.count("(i32.store offset=8") == 2
    # Nothing but the stores changed elsewhere in the module.
    assert (
        build.place_spills_at_definitions(OPTIMIZED, SPILLED).split("(func $user")[0] == SPILLED.split("(func $user")[0]
    )


def test_a_function_nothing_was_spilled_in_is_left_alone() -> None:
    build = load_build_script()
    assert build.place_spills_at_definitions(OPTIMIZED, OPTIMIZED) == OPTIMIZED


def test_the_cpu_loop_runs_in_far_fewer_instructions_than_with_spills_at_every_call() -> None:
    """117M wasm instructions with binaryen's placement, 86M with the step, 75M unspilled."""
    session = Runtime(pool_per_kind=0).new_session(Limits(fuel=10**10))
    try:
        session.run(CPU_SNIPPET)
        result = session.run(CPU_SNIPPET)
        assert result.ok, result.error
        assert result.fuel_used < 95_000_000
    finally:
        session.close()
