"""Values that sit on wasm's operand stack across a call (scripts/build_artifact.py,
`hold_operands_across_calls`): binaryen's --spill-pointers stores only *locals* live across a call
in shadow-stack slots, so a pointer computed before a later operand calls into the collector, as in
`consume(alloc(n), alloc(n))` or `obj->items = alloc(n)` with `obj` dead after, is in no slot and a
collection frees its object. The build puts each such value in a local that is read after the
call, so the pass spills it. The shipped artifact showed it: with a collection at every
allocation, `math.factorial(30)` printed 0 (MicroPython multiplies two recursive products; the
left one was only on the operand stack while the right one was built).

The fixtures are binaryen 132's own output (`wasm-opt small.wat -S`, then `--spill-pointers -S`
of it, and of the step's output), run in wasmtime; the host's `collect`, which wasm calls
through `alloc`, reads the whole shadow stack while the call is in progress, which is what a
collection would scan.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import wasmtime
from guest_oracle import agree, new_session
from test_artifact import load_build_script

from datasette_agent_micropython.runtime import Runtime

OPTIMIZED = """
(module
 (type $0 (func (param i32) (result i32)))
 (type $1 (func (param i32 i32) (result i32)))
 (type $2 (func (param i32 i32)))
 (import "host" "collect" (func $collect (param i32) (result i32)))
 (global $__stack_pointer (mut i32) (i32.const 65536))
 (memory $0 1)
 (export "memory" (memory $0))
 (export "__stack_pointer" (global $__stack_pointer))
 (export "pair" (func $pair))
 (export "init" (func $init))
 (func $alloc (param $size i32) (result i32)
  (call $collect
   (local.get $size)
  )
 )
 (func $consume (param $a i32) (param $b i32) (result i32)
  (i32.sub
   (local.get $b)
   (local.get $a)
  )
 )
 (func $pair (param $n i32) (result i32)
  (call $consume
   (call $alloc
    (local.get $n)
   )
   (call $alloc
    (local.get $n)
   )
  )
 )
 (func $init (param $obj i32) (param $n i32)
  (i32.store offset=8
   (local.get $obj)
   (call $alloc
    (local.get $n)
   )
  )
 )
)
"""

HELD = """
(module
 (type $0 (func (param i32) (result i32)))
 (type $1 (func (param i32 i32) (result i32)))
 (type $2 (func (param i32 i32)))
 (import "host" "collect" (func $collect (param i32) (result i32)))
 (global $__stack_pointer (mut i32) (i32.const 65536))
 (memory $0 1)
 (export "memory" (memory $0))
 (export "__stack_pointer" (global $__stack_pointer))
 (export "pair" (func $pair))
 (export "init" (func $init))
 (func $alloc (param $size i32) (result i32)
  (call $collect
   (local.get $size)
  )
 )
 (func $consume (param $a i32) (param $b i32) (result i32)
  (i32.sub
   (local.get $b)
   (local.get $a)
  )
 )
 (func $pair (param $n i32) (result i32)
  (local $held0 i32)
  (call $consume
   (local.tee $held0 (call $alloc
    (local.get $n)
   ))
   (select (call $alloc
    (local.get $n)
   ) (i32.const 0) (block (result i32) (drop (local.get $held0)) (i32.const 1)))
  )
 )
 (func $init (param $obj i32) (param $n i32)
  (local $held0 i32)
  (i32.store offset=8
   (local.tee $held0 (local.get $obj))
   (select (call $alloc
    (local.get $n)
   ) (i32.const 0) (block (result i32) (drop (local.get $held0)) (i32.const 1)))
  )
 )
)
"""

SPILLED = """
(module
 (type $0 (func (param i32) (result i32)))
 (type $1 (func (param i32 i32) (result i32)))
 (type $2 (func (param i32 i32)))
 (import "host" "collect" (func $collect (param i32) (result i32)))
 (global $__stack_pointer (mut i32) (i32.const 65536))
 (memory $0 1)
 (export "memory" (memory $0))
 (export "__stack_pointer" (global $__stack_pointer))
 (export "pair" (func $pair))
 (export "init" (func $init))
 (func $alloc (param $size i32) (result i32)
  (call $collect
   (local.get $size)
  )
 )
 (func $consume (param $a i32) (param $b i32) (result i32)
  (i32.sub
   (local.get $b)
   (local.get $a)
  )
 )
 (func $pair (param $n i32) (result i32)
  (local $1 i32)
  (local $2 i32)
  (local $3 i32)
  (global.set $__stack_pointer
   (local.tee $1
    (i32.sub
     (global.get $__stack_pointer)
     (i32.const 16)
    )
   )
  )
  (local.set $3
   (call $consume
    (block (result i32)
     (local.set $2
      (local.get $n)
     )
     (i32.store
      (local.get $1)
      (local.get $n)
     )
     (call $alloc
      (local.get $2)
     )
    )
    (call $alloc
     (local.get $n)
    )
   )
  )
  (global.set $__stack_pointer
   (i32.add
    (local.get $1)
    (i32.const 16)
   )
  )
  (local.get $3)
 )
 (func $init (param $obj i32) (param $n i32)
  (i32.store offset=8
   (local.get $obj)
   (call $alloc
    (local.get $n)
   )
  )
 )
)
"""

HELD_SPILLED = """
(module
 (type $0 (func (param i32) (result i32)))
 (type $1 (func (param i32 i32) (result i32)))
 (type $2 (func (param i32 i32)))
 (import "host" "collect" (func $collect (param i32) (result i32)))
 (global $__stack_pointer (mut i32) (i32.const 65536))
 (memory $0 1)
 (export "memory" (memory $0))
 (export "__stack_pointer" (global $__stack_pointer))
 (export "pair" (func $pair))
 (export "init" (func $init))
 (func $alloc (param $size i32) (result i32)
  (call $collect
   (local.get $size)
  )
 )
 (func $consume (param $a i32) (param $b i32) (result i32)
  (i32.sub
   (local.get $b)
   (local.get $a)
  )
 )
 (func $pair (param $n i32) (result i32)
  (local $held0 i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (global.set $__stack_pointer
   (local.tee $2
    (i32.sub
     (global.get $__stack_pointer)
     (i32.const 16)
    )
   )
  )
  (local.set $5
   (call $consume
    (local.tee $held0
     (block (result i32)
      (local.set $4
       (local.get $n)
      )
      (i32.store
       (local.get $2)
       (local.get $n)
      )
      (call $alloc
       (local.get $4)
      )
     )
    )
    (select
     (block (result i32)
      (local.set $3
       (local.get $n)
      )
      (i32.store offset=4
       (local.get $2)
       (local.get $held0)
      )
      (call $alloc
       (local.get $3)
      )
     )
     (i32.const 0)
     (block (result i32)
      (drop
       (local.get $held0)
      )
      (i32.const 1)
     )
    )
   )
  )
  (global.set $__stack_pointer
   (i32.add
    (local.get $2)
    (i32.const 16)
   )
  )
  (local.get $5)
 )
 (func $init (param $obj i32) (param $n i32)
  (local $held0 i32)
  (local $3 i32)
  (local $4 i32)
  (global.set $__stack_pointer
   (local.tee $3
    (i32.sub
     (global.get $__stack_pointer)
     (i32.const 16)
    )
   )
  )
  (i32.store offset=8
   (local.tee $held0
    (local.get $obj)
   )
   (select
    (block (result i32)
     (local.set $4
      (local.get $n)
     )
     (i32.store offset=8
      (local.get $3)
      (local.get $held0)
     )
     (call $alloc
      (local.get $4)
     )
    )
    (i32.const 0)
    (block (result i32)
     (drop
      (local.get $held0)
     )
     (i32.const 1)
    )
   )
  )
  (global.set $__stack_pointer
   (i32.add
    (local.get $3)
    (i32.const 16)
   )
  )
 )
)
"""

STACK_TOP = 65536
FIRST_OBJECT = 0x1000  # what the first `alloc` returns; each later one returns 0x1000 more
OBJECT = 0x8000  # the object `init` fills in


def run(wat: str, export: str, *args: int) -> tuple[int | None, list[set[int]]]:
    """Call `export`; return its result and, for each `alloc`, the words on the shadow stack then."""
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    stacks: list[set[int]] = []

    def collect(caller: wasmtime.Caller, size: int) -> int:
        bottom = caller["__stack_pointer"].value(caller)
        raw = caller["memory"].read(caller, bottom, STACK_TOP)
        stacks.append({int.from_bytes(raw[at : at + 4], "little") for at in range(0, len(raw), 4)})
        return FIRST_OBJECT * len(stacks)

    i32 = wasmtime.ValType.i32()
    host = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), collect, access_caller=True)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, wat), [host])
    return instance.exports(store)[export](store, *args), stacks


def held_and_placed() -> str:
    build = load_build_script()
    return build.place_spills_at_definitions(HELD, HELD_SPILLED)


def test_spill_pointers_alone_leaves_operand_stack_values_out_of_every_slot() -> None:
    """The hazard, in binaryen's own output: nothing on the shadow stack points at the object."""
    result, stacks = run(SPILLED, "pair", 16)
    assert result == FIRST_OBJECT  # consume(a, b) is b - a
    assert len(stacks) == 2 and FIRST_OBJECT not in stacks[1]
    _, stacks = run(SPILLED, "init", OBJECT, 16)
    assert len(stacks) == 1 and OBJECT not in stacks[0]


def test_the_build_step_is_the_text_binaryen_spilled() -> None:
    assert load_build_script().hold_operands_across_calls(OPTIMIZED) == HELD


def test_a_value_held_across_a_call_is_on_the_shadow_stack_during_it() -> None:
    placed = held_and_placed()
    result, stacks = run(placed, "pair", 16)
    assert result == FIRST_OBJECT
    assert len(stacks) == 2 and FIRST_OBJECT in stacks[1]
    engine_result, stacks = run(placed, "init", OBJECT, 16)
    assert engine_result is None
    assert len(stacks) == 1 and OBJECT in stacks[0]


def test_math_factorial_survives_a_collection_at_every_allocation() -> None:
    """The shipped artifact printed 0 for factorial(30) before the step."""
    session = new_session(Runtime(pool_per_kind=0))
    try:
        agree(
            session,
            """
            import gc, math
            if hasattr(gc, "threshold"):
                gc.threshold(1)
            print([math.factorial(n) for n in (0, 1, 5, 21, 30, 64, 120)])
            """,
        )
    finally:
        session.close()


def test_the_count_of_unslotted_values_finds_both_before_the_step_and_none_after() -> None:
    """scripts/count_operand_stack_values.py, which counted 157 in the artifact before the step."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "count_operand_stack_values.py"
    spec = importlib.util.spec_from_file_location("count_operand_stack_values_under_test", script)
    counter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(counter)
    before, functions = counter.count_module(SPILLED)
    assert before == {"call result": 1, "local.get of a local not in its slot": 1} and functions == 2
    after, functions = counter.count_module(held_and_placed())
    assert not after and functions == 0
