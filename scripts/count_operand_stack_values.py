#!/usr/bin/env python3
"""Count values that are in no shadow-stack slot while a call is in progress, in binaryen's text of
the module after --spill-pointers (the build's spilled.wat, or placed.wat after the spills moved).

Why: --spill-pointers stores only locals live across a call. A value on wasm's operand stack while a
later operand calls (`consume(alloc(), alloc())`, `obj->items = alloc(n)` with obj dead after), or
one the pass itself moved into a temporary local for the call's operands, is in no slot, so a
collection during that call cannot see it. This is an independent check of the build's
`hold_operands_across_calls`: it reads the spilled text, where the stores are explicit, and counts
per kind of value every such value at every call to a defined function (imports never collect).
A local counts as in its slot when it is stored right before that call or at its writes (moved
there by `place_spills_at_definitions`). Constants, globals, non-i32 values and comparisons are
not pointers and are not counted.

Run: python scripts/count_operand_stack_values.py WORKDIR/placed.wat
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_artifact import (  # noqa: E402
    BOOLEAN_I32,
    CALL_OPS,
    IMPORTED_FUNC,
    STATEMENT_PARENTS,
    TYPE_DEF,
    Form,
    function_locals,
    function_spans,
    parse_form,
    result_type,
    walk_forms,
)


def is_slot_store(form: Form, base: str) -> bool:
    return (
        form.head == "i32.store"
        and len(form.forms) == 2
        and (form.forms[0].head, form.forms[0].atoms) == ("local.get", [base])
        and form.forms[1].head == "local.get"
    )


def is_call_wrapper(form: Form) -> bool:
    """The block --spill-pointers puts around a call: operand temps, stores, then the call."""
    return form.head == "block" and bool(form.forms) and form.forms[-1].head in CALL_OPS


def count_function(
    function: str, imported: set[str], func_results: dict[str, str | None], type_results: dict[str, str | None]
) -> Counter[str]:
    root = parse_form(function, 0)
    names = function_locals(function)
    types = {f"${name}": kind for name, kind in names}
    statements = [form for form in root.forms if form.head not in ("param", "local", "result", "type", "export")]
    base = None
    if statements and statements[0].head == "global.set" and statements[0].forms[0].head == "local.tee":
        base = statements[0].forms[0].atoms[0]
    order = [f"${name}" for name, _ in names]
    temps = set(order[order.index(base) + 1 :]) if base else set()
    moved = {
        form.forms[1].atoms[0]
        for form in walk_forms(root)
        if base and is_slot_store(form, base) and not (form.parent and is_call_wrapper(form.parent))
    }

    def call_result(call: Form) -> str | None:
        if call.head == "call":
            return func_results[call.atoms[0]]
        return type_results[next(form for form in call.forms if form.head == "type").atoms[0]]

    def kind(value: Form, in_slot: set[str]) -> str | None:
        head = value.head
        if head.endswith(".const") or head == "global.get" or BOOLEAN_I32.match(head):
            return None
        if head in ("local.get", "local.tee"):
            local = value.atoms[0]
            if types.get(local) != "i32" or local in temps or local in in_slot:
                return None
            return f"{head} of a local not in its slot"
        if head in CALL_OPS:
            return "call result" if call_result(value) == "i32" else None
        if head in ("block", "if"):
            if not any(form.head == "result" and form.atoms == ["i32"] for form in value.forms):
                return None
            if head == "block" and value.forms[-1].head in (*CALL_OPS, "local.get"):
                return kind(value.forms[-1], in_slot)
            return f"computed i32 ({head})"
        if head.startswith("i32.load"):
            return "loaded value"
        if head == "select" or head.startswith("i32."):
            return f"computed i32 ({head})"
        return None

    counts: Counter[str] = Counter()
    for call in walk_forms(root):
        if call.head not in CALL_OPS or (call.head == "call" and call.atoms[0] in imported):
            continue
        wrapper = call.parent if call.parent and is_call_wrapper(call.parent) else None
        in_slot = set(moved)
        if wrapper is not None and base:
            in_slot |= {form.forms[1].atoms[0] for form in wrapper.forms if is_slot_store(form, base)}
        node = wrapper or call
        while node.parent is not None:
            parent = node.parent
            earlier = parent.forms[: parent.forms.index(node)]
            if parent.head not in STATEMENT_PARENTS:
                counts.update(filter(None, (kind(value, in_slot) for value in earlier)))
            elif is_call_wrapper(parent):  # an outer call's operands, already in unspilled temps
                for value in earlier:
                    if value.head == "local.set" and value.atoms[0] in temps:
                        found = kind(value.forms[0], in_slot)
                        if found:
                            counts[f"operand temp <- {found}"] += 1
            node = parent
    return counts


def count_module(wat: str) -> tuple[Counter[str], int]:
    """Per kind, the values in no slot at a call; and how many functions have one."""
    imported = set(IMPORTED_FUNC.findall(wat))
    type_results = {name: result_type(signature) for name, signature in TYPE_DEF.findall(wat)}
    func_results = {
        match.group(1): result_type(match.group(2))
        for match in re.finditer(r"^ \(import \"[^\"]*\" \"[^\"]*\" \(func (\$\w+)(.*)$", wat, re.M)
    }
    spans = function_spans(wat)
    for start, _ in spans:
        header = wat[start : wat.index("\n", start)]
        func_results[header.split()[1]] = result_type(header)
    total: Counter[str] = Counter()
    functions = 0
    for start, end in spans:
        counts = count_function(wat[start:end], imported, func_results, type_results)
        total += counts
        functions += bool(counts)
    return total, functions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wat", type=Path, help="binaryen's text after --spill-pointers")
    counts, functions = count_module(parser.parse_args().wat.read_text())
    for what, number in counts.most_common():
        print(f"{number:6d}  {what}")
    print(f"{sum(counts.values())} values in no slot at a call, in {functions} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
