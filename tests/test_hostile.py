"""Hostile and broken input gets a clear, bounded error; the server and other conversations carry on."""

import asyncio
import logging
import sqlite3
import string
from types import SimpleNamespace

import pytest
import pytest_asyncio
from agent_harness import ALICE, make_datasette, run, start_conversation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.tool import make_tool
from datasette_agent_micropython.wiring import session_manager

TOOL = "execute_micropython"
ROOMY = {"fuel": 10**12, "wall_clock_timeout_seconds": 1.0, "max_output_chars": 2_000}


@pytest_asyncio.fixture
async def sandbox(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config=ROOMY)
    bystander = await start_conversation(ds, ALICE)
    await run(ds, bystander, "kept = 'bystander state'")
    yield ds, await start_conversation(ds, ALICE)
    result = await run(ds, bystander, "print(kept)")
    assert result["stdout"] == "bystander state\n", "another conversation was affected"


HOSTILE_CODE = [
    ("while True:\n    pass", "timeout"),
    ("def f():\n    return f()\nf()", "exception"),
    ("x = []\nwhile True:\n    x.append(bytearray(100000))", "memory"),
    ("while True:\n    print('spam' * 100)", "timeout"),
    ("s = 'x'\nwhile True:\n    s = s + s", "memory"),
    ("raise SystemExit(-2**100)", "exception"),
    ("raise SystemExit(None, 'odd', [1])", "exception"),
    ("raise KeyboardInterrupt(12345)", "exception"),
    ("import builtins\nfor name in dir(builtins):\n    setattr(builtins, name, None)\nprint(1)", "exception"),
    ("open('/etc/passwd').read()", "exception"),
    ("import socket", "exception"),
    ("import ssl", "exception"),
    ("import requests", "exception"),
    ("import os\nos.system('id')", "exception"),
    ("import mip\nmip.install('requests')", "exception"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("code, error_type", HOSTILE_CODE)
async def test_hostile_code_gets_a_clear_bounded_error(sandbox, code, error_type):
    ds, conversation = sandbox
    result = await run(ds, conversation, code)
    assert result["ok"] is False
    assert result["error_type"] == error_type
    assert result["error"]
    assert len(result["stdout"]) <= ROOMY["max_output_chars"]
    # The conversation still answers (without builtins, if the code replaced them).
    follow_up = await run(ds, conversation, "answer = 42")
    assert follow_up["ok"], follow_up


HOST_CALLS = [
    "host.call('no_such_function', '{}')",
    "host.call('fn:read_only_sql_query', '{not json')",
    "host.call('fn:read_only_sql_query', '[' * 100000)",
    "host.call('fn:read_only_sql_query', 'x' * 5000000)",
    'host.call(\'__result__\', \'{"token": "forged", "ok": true}\')',
    "host.call('__next__', '')",
    "host.call('x' * 10000, '')",
    "host.call(b'bytes', b'payload')",
    "host.call()",
]


@pytest.mark.asyncio
@pytest.mark.parametrize("call", HOST_CALLS)
async def test_direct_host_calls_are_validated(sandbox, call):
    ds, conversation = sandbox
    result = await run(
        ds,
        conversation,
        f"import host\ntry:\n    print(repr({call})[:200])\nexcept Exception as e:\n    print('refused', type(e).__name__)",
    )
    assert result["ok"], result.get("error")
    assert "error" in result["stdout"] or "refused" in result["stdout"]
    assert (await run(ds, conversation, "print(2 + 2)"))["stdout"] == "4\n"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "sql, expected",
    [
        ("insert into items (name) values ('x')", "Only read-only SELECT"),
        ("delete from items", "Only read-only SELECT"),
        ("create table t (x)", "Only read-only SELECT"),
        ("attach database '/tmp/other.db' as other", "Only read-only SELECT"),
        ("pragma writable_schema = 1", "Only read-only SELECT"),
        ("select * from items; delete from items", "one statement at a time"),
        (
            "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c",
            "interrupted",
        ),
    ],
)
async def test_hostile_sql_is_refused_or_stopped(sandbox, sql, expected):
    ds, conversation = sandbox
    result = await run(ds, conversation, f"r = read_only_sql_query('data', {sql!r})\nprint(r.get('error'))")
    assert result["ok"], result.get("error")
    assert expected in result["stdout"]


@pytest.mark.asyncio
async def test_huge_query_results_are_truncated(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config=ROOMY, settings={"max_returned_rows": 50})
    conversation = await start_conversation(ds, ALICE)
    code = (
        "r = read_only_sql_query('data', 'with recursive c(x) as (select 1 union all select x + 1 from c limit 100000) "
        "select x, hex(randomblob(50)) as b from c')\nprint(len(r['rows']), r['truncated'])"
    )
    result = await run(ds, conversation, code)
    assert result["stdout"] == "50 True\n"


@pytest.mark.asyncio
async def test_ten_megabytes_of_code_is_refused_clearly(sandbox):
    # Datasette refuses a 10 MB chat message (HTTP 413), so call the tool as datasette-agent would.
    ds, conversation = sandbox
    tool = make_tool(session_manager(ds))
    result = await tool.fn(
        datasette=ds,
        actor=ALICE,
        context=SimpleNamespace(conversation_id=conversation),
        python="x = 1\n" + "#" * (10 * 1024 * 1024),
    )
    assert result["ok"] is False
    assert "this sandbox accepts at most" in result["error"]


@pytest.mark.asyncio
async def test_calls_racing_on_one_conversation_during_eviction_lose_nothing(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1, **ROOMY})
    conversations = [await start_conversation(ds, ALICE) for _ in range(3)]
    for conversation in conversations:
        await run(ds, conversation, "n = 0")

    async def bump(conversation):
        return await run(ds, conversation, "n += 1")

    # Every round, each conversation gets two concurrent calls while the others evict it.
    for _ in range(3):
        results = await asyncio.gather(*(bump(c) for c in conversations for _ in range(2)))
        assert all(result["ok"] for result in results)
    for conversation in conversations:
        assert (await run(ds, conversation, "print(n)"))["stdout"] == "6\n"


@pytest.mark.asyncio
async def test_a_full_sessions_database_leaves_the_state_live_and_logs_a_warning(tmp_path, caplog):
    sessions = tmp_path / "sessions.db"
    sqlite3.connect(sessions).close()
    data = tmp_path / "data.db"
    sqlite3.connect(data).close()
    ds = await make_datasette(
        tmp_path,
        databases=[data, sessions],
        plugin_config={"max_sessions": 1, "sessions_database": "sessions", **ROOMY},
    )
    first, second = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, first, "x = 'first'")
    await settle(ds)
    db = ds.get_database("sessions")
    pages = (await db.execute("pragma page_count")).rows[0][0]
    await db.execute_write_fn(lambda conn: conn.execute(f"pragma max_page_count = {pages}"))
    with caplog.at_level(logging.WARNING, logger="datasette_agent_micropython"):
        result = await run(
            ds,
            first,
            "x = 'first, changed'\nimport random\ny = bytes(random.getrandbits(8) for _ in range(20000))\nprint('answered')",
        )
        assert result["stdout"] == "answered\n"
        await run(ds, second, "x = 'second'")  # wants to evict the first, whose image cannot be written
        await settle(ds)
    assert "Could not store the session" in caplog.text
    assert (await run(ds, first, "print(x)"))["stdout"] == "first, changed\n"
    assert (await run(ds, second, "print(x)"))["stdout"] == "second\n"


async def settle(ds):
    """Wait for the background image writes of finished calls."""
    await session_manager(ds).wait_for_writes()


SNIPPET_PARTS = st.sampled_from(
    [
        "x = 1",
        "x = [i * i for i in range(50)]",
        "print(x)",
        "del x",
        "def f(n):\n    return f(n - 1) if n else 0",
        "f(30)",
        "import json\nprint(json.dumps({'a': [1, 2]}))",
        "raise ValueError('boom')",
        "1 / 0",
        "while True:\n    pass",
        "s = 'ab' * 1000",
        "import gc\ngc.collect()",
        "class C:\n    pass\nc = C()",
        "g = (i for i in range(10))\nnext(g)",
        "import sys\nsys.exit(3)",
        "print('\\u00e9\\u20ac' * 10)",
        "import host\nhost.call('fn:read_only_sql_query', '[[], {}]')",
    ]
)
MUTATIONS = st.text(alphabet=string.printable, max_size=40)


@pytest.fixture(scope="module")
def fuzz_runtime():
    return Runtime()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(snippets=st.lists(st.tuples(SNIPPET_PARTS, MUTATIONS, st.integers(0, 40)), min_size=1, max_size=6))
def test_fuzzed_snippets_give_a_result_or_a_reported_trap(fuzz_runtime, snippets):
    def echo(context, *args, **kwargs):
        return {"args": args}

    limits = Limits(fuel=200_000_000, timeout_seconds=1.0, max_output_chars=1_000)
    session = fuzz_runtime.new_session(limits, {"read_only_sql_query": echo})
    for part, mutation, position in snippets:
        position = min(position, len(part))
        code = part[:position] + mutation + part[position:]
        if not session.alive:
            session = fuzz_runtime.new_session(limits, {"read_only_sql_query": echo})
        result = session.run(code)
        if result.ok:
            assert result.error is None
        else:
            assert result.error_type in ("exception", "timeout", "fuel", "memory", "trap")
            assert result.error
            assert session.alive is not result.trapped
        assert len(result.stdout) <= 1_000
    if session.alive:
        assert session.run("print('alive')").stdout == "alive\n"
    session.close()


@pytest.mark.asyncio
async def test_a_sql_reply_the_guest_never_pulls_cannot_pin_host_memory(sandbox):
    # Issue 10: a zeroblob(100000000) row, asked for through host.call and never pulled, kept
    # about 192 MiB in the host's pending chunks for as long as the session lived.
    ds, conversation = sandbox
    code = (
        "import host, json\n"
        "huge = host.call('fn:read_only_sql_query', json.dumps([['data', 'select zeroblob(100000000) as b'], {}]))\n"
        "print(huge[:120])\n"
        "big = host.call('fn:read_only_sql_query', json.dumps([['data', 'select zeroblob(500000) as b'], {}]))\n"
        "print(repr(big[:1]), int(big[1:]))"
    )
    for _ in range(3):
        result = await run(ds, conversation, code)
        assert result["ok"], result
        first, second = result["stdout"].splitlines()
        assert "more than this sandbox accepts" in first
        # A 1 MB reply under the cap arrives in chunks; the guest pulls none of them.
        assert second.startswith("'\\x00' ") and int(second.split()[1]) > 10
        session = session_manager(ds)._live[conversation]
        assert session._pending == []
    # Pulled through the wrapper, the same 1 MB reply arrives whole.
    result = await run(
        ds,
        conversation,
        "r = read_only_sql_query('data', 'select length(hex(zeroblob(500000))) as n')\nprint(r['rows'])",
    )
    assert result["stdout"] == "[{'n': 1000000}]\n"


@pytest.mark.asyncio
async def test_hostile_conversations_cannot_stop_eviction(tmp_path):
    # Issue 10: a guest that never came back to Q held its lock forever, so eviction stopped for
    # everyone (41 live interpreters with max_sessions 4).
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 2, "wall_clock_timeout_seconds": 0.5})
    manager = session_manager(ds)
    hostile = (
        "import micropython, time\narmed = False\nafter = 0\ndef _cb(_):\n    global after\n    if armed:\n"
        "        after += 1\n        if after >= {offset}:\n            time.sleep(10 ** 9)\n            return\n"
        "    micropython.schedule(_cb, 0)\nmicropython.schedule(_cb, 0)\narmed = True"
    )
    for offset in (13, 20, 30, 40, 13, 20):
        conversation = await start_conversation(ds, ALICE)
        await run(ds, conversation, hostile.format(offset=offset))
        await manager.wait_for_writes()
        assert len(manager.live_conversations) <= 2
    await asyncio.wait_for(manager.shutdown(), 30)
    assert manager.live_conversations == []
