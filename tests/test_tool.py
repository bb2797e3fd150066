"""`execute_micropython` in real Datasette Agent conversations.

Every test drives the plugin the way a deployment does: a real Datasette with
the real datasette-agent routes, llm-echo's `echo` model making the tool calls
(see tests/agent_harness.py), background agents, `datasette agent chat`, and
the `datasette` command in a subprocess. Nothing is mocked.

`result["model"]` is what the model saw, `result["raw"]` what the browser got.
"""

import asyncio
import json
import re
import sqlite3
import sys
import time
from ast import literal_eval
from pathlib import Path

import pytest
import pytest_asyncio
from agent_harness import (
    ALICE,
    BOB,
    call_tool,
    make_datasette,
    run,
    run_background_agent,
    run_cli_chat,
    send,
    start_conversation,
    stored_messages,
    tool_calls_message,
)

pytestmark = pytest.mark.asyncio

TOOL = "execute_micropython"
# A payload that would run, or break out of the widget, if it reached the page unescaped.
XSS = """</pre></div><script>alert("pwned")</script><img src=x onerror=alert(1)>"""


def tool_outputs(messages, name=TOOL):
    """The parsed outputs of `name` stored in a conversation (e.g. a background agent's)."""
    outputs = []
    for message in messages:
        if message["role"] != "tool":
            continue
        for part in message["message"]["parts"]:
            if part.get("name") == name:
                outputs.append(json.loads(part["output"]))
    return outputs


def cli_results(out):
    """The parsed `--- Result ---` sections of `datasette agent chat` output (it shows 500 chars)."""
    sections = re.findall(r"--- Result ---\n(.*?)\n---", out, re.S)
    return [json.loads(section) for section in sections]


@pytest_asyncio.fixture
async def ds(tmp_path):
    return await make_datasette(tmp_path, agent_actors=("alice", "bob"))


@pytest_asyncio.fixture
async def conversation(ds):
    return await start_conversation(ds, ALICE)


def items_database(tmp_path, names=("apple", "banana", "cherry", "damson", "elder")):
    path = tmp_path / "data.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, data BLOB)")
        conn.executemany("INSERT INTO items (name) VALUES (?)", [(n,) for n in names])
        conn.execute("UPDATE items SET data = X'DEADBEEF00' WHERE id = 1")
    return path


# State within and between conversations.


async def test_variables_functions_classes_and_imports_persist_across_calls(ds, conversation):
    first = await run(
        ds,
        conversation,
        "import json\n"
        "total = 40\n"
        "def bump(n):\n"
        "    return n + 1\n"
        "class Box:\n"
        "    def __init__(self, value):\n"
        "        self.value = value\n",
    )
    assert first["ok"] is True
    assert first["state"] == "new"

    second = await run(ds, conversation, "box = Box(bump(total) + 1)\nprint(json.dumps([box.value]))")
    assert second["ok"] is True
    assert second["stdout"] == "[42]\n"
    assert second["state"] == "live"

    third = await run(ds, conversation, "print(box.value, type(box).__name__)")
    assert third["stdout"] == "42 Box\n"
    assert third["state"] == "live"


async def test_two_conversations_of_one_actor_do_not_share_state(ds):
    first = await start_conversation(ds, ALICE)
    second = await start_conversation(ds, ALICE)

    await run(ds, first, "secret = 'first'")
    in_second = await run(ds, second, "print('secret' in globals())")
    assert in_second["stdout"] == "False\n"
    assert in_second["state"] == "new"

    await run(ds, second, "secret = 'second'")
    assert (await run(ds, first, "print(secret)"))["stdout"] == "first\n"
    assert (await run(ds, second, "print(secret)"))["stdout"] == "second\n"


async def test_two_actors_do_not_share_state(ds):
    alices = await start_conversation(ds, ALICE)
    bobs = await start_conversation(ds, BOB)

    await run(ds, alices, "secret = 'alice'")
    bob_sees = await run(ds, bobs, "print('secret' in globals())", actor=BOB)
    assert bob_sees["stdout"] == "False\n"
    assert bob_sees["state"] == "new"

    await run(ds, bobs, "secret = 'bob'", actor=BOB)
    assert (await run(ds, alices, "print(secret)"))["stdout"] == "alice\n"


async def test_reset_context_starts_a_fresh_interpreter(ds, conversation):
    await run(ds, conversation, "x = 1")

    reset = await run(ds, conversation, "print('x' in globals())", reset_context=True)
    assert reset["ok"] is True
    assert reset["stdout"] == "False\n"
    assert reset["state"] == "new"
    assert "reset_context" in reset["state_note"]

    # The fresh interpreter is the conversation's from now on.
    after = await run(ds, conversation, "print('x' in globals())")
    assert after["stdout"] == "False\n"
    assert after["state"] == "live"


# Errors.


async def test_exception_returns_traceback_with_line_numbers(ds, conversation):
    code = "before = 'kept'\nprint('started')\n\ndef inner():\n    return 1 / 0\n\ninner()\n"
    result = await run(ds, conversation, code)
    assert result["ok"] is False
    assert result["error_type"] == "exception"
    assert result["interpreter_reset"] is False
    assert result["stdout"] == "started\n"
    assert result["error"] == (
        "Traceback (most recent call last):\n"
        '  File "<string>", line 7, in <module>\n'
        '  File "<string>", line 5, in inner\n'
        "ZeroDivisionError: divide by zero\n"
    )
    # An exception is the user's: the interpreter and what ran before it stay.
    after = await run(ds, conversation, "print(before)")
    assert after["stdout"] == "kept\n"
    assert after["state"] == "live"


@pytest.mark.parametrize(
    "code, message",
    [
        ("import sys\nsys.exit()", "SystemExit"),
        ("import sys\nsys.exit(3)", "SystemExit: 3"),
        ("raise SystemExit", "SystemExit"),
        ("raise SystemExit('bye')", "SystemExit: bye"),
    ],
)
async def test_sys_exit_and_raise_systemexit_end_the_call_not_the_session(ds, conversation, code, message):
    await run(ds, conversation, "kept = 'yes'")
    started = time.monotonic()
    result = await run(ds, conversation, "print('before exit')\n" + code + "\nprint('after exit')")
    assert time.monotonic() - started < 3  # the default time limit is 5 seconds
    assert result["ok"] is False
    assert result["error_type"] == "exception"
    assert message in result["error"]
    assert result["stdout"] == "before exit\n"
    assert result["interpreter_reset"] is False

    after = await run(ds, conversation, "print(kept)")
    assert after["stdout"] == "yes\n"
    assert after["state"] == "live"


@pytest.mark.parametrize("code", ["while True:\n    pass", "import time\ntime.sleep(30)"])
async def test_timeout_discards_the_interpreter_and_names_the_limit(tmp_path, code):
    ds = await make_datasette(tmp_path, plugin_config={"wall_clock_timeout_seconds": 0.5, "fuel": 10**12})
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")

    started = time.monotonic()
    result = await run(ds, conversation, code)
    assert time.monotonic() - started < 3
    assert result["ok"] is False
    assert result["error_type"] == "timeout"
    assert result["error"] == "exceeded the 0.5 second time limit"
    assert result["interpreter_reset"] is True
    assert "no variables" in result["state_note"]

    after = await run(ds, conversation, "print('x' in globals())")
    assert after["ok"] is True
    assert after["stdout"] == "False\n"
    assert after["state"] == "new"
    assert "exceeded the 0.5 second time limit" in after["state_note"]


async def test_running_out_of_fuel_discards_the_interpreter_and_names_the_limit(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"fuel": 10_000_000})
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")

    result = await run(ds, conversation, "while True:\n    pass")
    assert result["ok"] is False
    assert result["error_type"] == "fuel"
    assert result["error"] == "ran out of fuel: the limit is 10,000,000 units per call"
    assert result["interpreter_reset"] is True
    assert result["fuel_remaining"] == 0

    after = await run(ds, conversation, "print('x' in globals())")
    assert after["stdout"] == "False\n"
    assert after["state"] == "new"
    assert "ran out of fuel" in after["state_note"]


async def test_fuel_setting_raises_the_per_call_budget(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"fuel": 10**9})
    conversation = await start_conversation(ds, ALICE)
    # Uses up 10M fuel several times over.
    result = await run(ds, conversation, "n = 0\nfor i in range(50000):\n    n += i\nprint(n)")
    assert result["ok"] is True
    assert result["stdout"] == "1249975000\n"
    assert result["fuel_used"] > 10_000_000


async def test_output_beyond_max_output_chars_is_cut_and_flagged(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_output_chars": 100})
    conversation = await start_conversation(ds, ALICE)

    result = await run(ds, conversation, "import sys\nprint('a' * 500)\nprint('e' * 500, file=sys.stderr)")
    assert result["ok"] is True
    assert result["stdout"] == "a" * 100
    assert result["stdout_truncated"] is True
    assert result["stderr"] == "e" * 100
    assert result["stderr_truncated"] is True

    short = await run(ds, conversation, "print('short')")
    assert short["stdout"] == "short\n"
    assert short["stdout_truncated"] is False


async def test_memory_error_is_reported_and_the_session_survives(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"memory_bytes": 2 * 1024 * 1024})
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "kept = 'yes'")

    result = await run(ds, conversation, "blob = bytearray(4 * 1024 * 1024)")
    assert result["ok"] is False
    assert result["error_type"] == "memory"
    assert "MemoryError" in result["error"]
    assert result["interpreter_reset"] is False

    after = await run(ds, conversation, "print(kept)")
    assert after["stdout"] == "yes\n"
    assert after["state"] == "live"


@pytest.mark.parametrize("code", ["", "   ", "# only a comment"])
async def test_code_that_does_nothing_keeps_the_session(ds, conversation, code):
    await run(ds, conversation, "kept = 'yes'")
    result = await run(ds, conversation, code)
    assert result["ok"] is True
    assert result["stdout"] == ""
    after = await run(ds, conversation, "print(kept)")
    assert after["stdout"] == "yes\n"
    assert after["state"] == "live"


# Concurrency.


async def test_five_calls_in_one_response_lose_no_update_and_run_one_at_a_time(ds, conversation):
    await run(ds, conversation, "counter = 10\nlog = []")

    # Each call reads the counter, sleeps, then writes it back: overlapping calls would lose updates.
    increment = (
        "import time\n"
        "log.append('start')\n"
        "seen = counter\n"
        "time.sleep(0.02)\n"
        "counter = seen + 1\n"
        "log.append('end')\n"
        "print(counter)\n"
    )
    calls = [(TOOL, {"python": increment}) for _ in range(4)]
    results = await call_tool(ds, ALICE, conversation, TOOL, {"python": increment}, *calls)
    assert len(results) == 5
    assert all(r["model"]["ok"] for r in results)
    assert sorted(r["model"]["stdout"] for r in results) == ["11\n", "12\n", "13\n", "14\n", "15\n"]

    final = await run(ds, conversation, "print(counter)\nprint(log)")
    assert final["stdout"] == "15\n" + repr(["start", "end"] * 5) + "\n"


async def test_concurrent_calls_in_different_conversations_each_keep_their_state(ds):
    conversations = [await start_conversation(ds, ALICE) for _ in range(3)]
    for index, conversation in enumerate(conversations):
        await run(ds, conversation, f"mine = {index}")
    results = await asyncio.gather(*(run(ds, conversation, "print(mine)") for conversation in conversations))
    assert [r["stdout"] for r in results] == ["0\n", "1\n", "2\n"]


async def test_a_slow_call_in_one_conversation_does_not_hold_up_another(ds):
    slow, quick = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    started = time.monotonic()

    async def finished_after(conversation, code):
        await run(ds, conversation, code)
        return time.monotonic() - started

    slow_took, quick_took = await asyncio.gather(
        finished_after(slow, "import time\ntime.sleep(1)"),
        finished_after(quick, "print('quick')"),
    )
    assert slow_took >= 1
    # The quick call finished while the slow one was still sleeping.
    assert quick_took < slow_took - 0.5


# show_result: the widget shown to the user.


@pytest.mark.parametrize(
    "where, code",
    [
        ("code", f"# {XSS}\nx = 1"),
        ("stdout", f"print({XSS!r})"),
        ("stderr", f"import sys\nprint({XSS!r}, file=sys.stderr)"),
        ("traceback", f"raise ValueError({XSS!r})"),
    ],
)
async def test_show_result_escapes_html_in_code_output_and_tracebacks(ds, conversation, where, code):
    [result] = await call_tool(ds, ALICE, conversation, TOOL, {"python": code, "show_result": True})
    widget = result["raw"]["_html"]
    assert "<script" not in widget.lower()
    assert "<img" not in widget.lower()
    assert "&lt;script&gt;" in widget
    if where == "stdout":
        assert result["raw"]["stdout"] == XSS + "\n"
    if where == "stderr":
        assert result["raw"]["stderr"] == XSS + "\n"
    if where == "traceback":
        assert XSS in result["raw"]["error"]
        assert 'class="micropython-error"' in widget


async def test_show_result_html_goes_to_the_browser_never_to_the_model(ds, conversation):
    [result] = await call_tool(ds, ALICE, conversation, TOOL, {"python": "print('shown')", "show_result": True})
    assert "_html" in result["raw"]
    assert '<div class="micropython-result">' in result["raw"]["_html"]
    assert "shown" in result["raw"]["_html"]

    model = result["model"]
    assert "_html" not in model
    assert "_html" not in result["output"]
    assert model["stdout"] == "shown\n"
    assert model["output_displayed_to_user"] is True
    assert "do not repeat" in model["display_note"]

    # The stored tool message keeps the widget, so the page can render it again.
    [stored] = tool_outputs(await stored_messages(ds, conversation))
    assert "_html" in stored


async def test_without_show_result_nothing_is_displayed(ds, conversation):
    [result] = await call_tool(ds, ALICE, conversation, TOOL, {"python": "print('quiet')"})
    assert "_html" not in result["raw"]
    assert "output_displayed_to_user" not in result["model"]
    assert "display_note" not in result["model"]


async def test_show_result_labels_truncated_output(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_output_chars": 10})
    conversation = await start_conversation(ds, ALICE)
    [result] = await call_tool(ds, ALICE, conversation, TOOL, {"python": "print('x' * 50)", "show_result": True})
    assert "Output (truncated)" in result["raw"]["_html"]


async def test_show_result_stylesheet_has_balanced_braces(ds, conversation):
    [result] = await call_tool(ds, ALICE, conversation, TOOL, {"python": "print(1)", "show_result": True})
    [stylesheet] = re.findall(r"<style>(.*?)</style>", result["raw"]["_html"], re.S)
    assert stylesheet.count("{") == stylesheet.count("}")
    assert "}}" not in stylesheet


# read_only_sql_query() inside the sandbox.


async def test_read_only_sql_query_binds_list_and_dict_params(tmp_path):
    ds = await make_datasette(tmp_path, databases=[items_database(tmp_path)])
    conversation = await start_conversation(ds, ALICE)
    result = await run(
        ds,
        conversation,
        "by_list = read_only_sql_query('data', 'select id, name from items where id in (?, ?) order by id', [2, 4])\n"
        "by_dict = read_only_sql_query('data', 'select name from items where name = :name', {'name': 'cherry'})\n"
        "print(by_list)\n"
        "print(by_dict['rows'])\n",
    )
    assert result["ok"] is True, result
    by_list, by_dict = result["stdout"].splitlines()
    assert literal_eval(by_list) == {
        "columns": ["id", "name"],
        "rows": [{"id": 2, "name": "banana"}, {"id": 4, "name": "damson"}],
        "truncated": False,
    }
    assert literal_eval(by_dict) == [{"name": "cherry"}]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO items (name) VALUES ('intruder')",
        "UPDATE items SET name = 'intruder'",
        "DELETE FROM items",
        "CREATE TABLE intruder (id INTEGER)",
        "DROP TABLE items",
        "ATTACH DATABASE 'other.db' AS other",
        "PRAGMA table_info(items)",
        "PRAGMA writable_schema = 1",
        "WITH x AS (SELECT 1) INSERT INTO items (name) SELECT 'intruder' FROM x",
        "SELECT 1; DELETE FROM items",
    ],
)
async def test_read_only_sql_query_refuses_writes(tmp_path, sql):
    path = items_database(tmp_path)
    ds = await make_datasette(tmp_path, databases=[path])
    conversation = await start_conversation(ds, ALICE)
    result = await run(
        ds, conversation, f"result = read_only_sql_query('data', {sql!r})\nprint(sorted(result))\nprint(result)"
    )
    assert result["ok"] is True, result
    keys, _ = result["stdout"].split("\n", 1)
    assert keys == "['error']"
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM items ORDER BY id")] == [
            "apple",
            "banana",
            "cherry",
            "damson",
            "elder",
        ]
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["items"]


async def test_read_only_sql_query_returns_bytes_as_hex(tmp_path):
    ds = await make_datasette(tmp_path, databases=[items_database(tmp_path)])
    conversation = await start_conversation(ds, ALICE)
    result = await run(
        ds,
        conversation,
        "rows = read_only_sql_query('data', 'select data, x\\'00ff\\' as literal from items where id = 1')['rows']\n"
        "print(rows[0]['data'] == {'type': 'bytes', 'hex': 'deadbeef00'})\n"
        "print(rows[0]['literal'] == {'type': 'bytes', 'hex': '00ff'})\n",
    )
    assert result["stdout"] == "True\nTrue\n", result


async def test_unknown_database_lists_only_the_databases_the_actor_can_see(tmp_path):
    data = items_database(tmp_path)
    secret = tmp_path / "secret.db"
    sqlite3.connect(secret).close()
    ds = await make_datasette(
        tmp_path,
        databases=[data, secret],
        agent_actors=("alice", "bob"),
        config={"databases": {"secret": {"allow": {"id": ["alice"]}}}},
    )
    code = "r = read_only_sql_query('nope', 'select 1')\nprint(r['error'])\nprint(sorted(r['available_databases']))"

    alice = await run(ds, await start_conversation(ds, ALICE), code)
    assert alice["stdout"] == "Database 'nope' not found\n['data', 'secret']\n", alice
    bob = await run(ds, await start_conversation(ds, BOB), code, actor=BOB)
    assert bob["stdout"] == "Database 'nope' not found\n['data']\n", bob


async def test_read_only_sql_query_honours_allow_sql_per_actor(tmp_path):
    ds = await make_datasette(
        tmp_path,
        databases=[items_database(tmp_path)],
        agent_actors=("alice", "bob"),
        config={"databases": {"data": {"allow_sql": {"id": ["alice"]}}}},
    )
    code = "print(read_only_sql_query('data', 'select count(*) as n from items'))"

    alice = await run(ds, await start_conversation(ds, ALICE), code)
    assert literal_eval(alice["stdout"]) == {"columns": ["n"], "rows": [{"n": 5}], "truncated": False}
    bob = await run(ds, await start_conversation(ds, BOB), code, actor=BOB)
    assert literal_eval(bob["stdout"]) == {"error": "Permission denied: you may not run SQL against 'data'"}


async def test_read_only_sql_query_honours_max_returned_rows(tmp_path):
    ds = await make_datasette(tmp_path, databases=[items_database(tmp_path)], settings={"max_returned_rows": 3})
    conversation = await start_conversation(ds, ALICE)
    result = await run(
        ds,
        conversation,
        "r = read_only_sql_query('data', 'select name from items order by id')\n"
        "print([row['name'] for row in r['rows']], r['truncated'])\n"
        "r = read_only_sql_query('data', 'select name from items where id <= 2')\n"
        "print(len(r['rows']), r['truncated'])\n",
    )
    assert result["stdout"] == "['apple', 'banana', 'cherry'] True\n2 False\n", result


async def test_read_only_sql_query_errors_are_values_not_exceptions(tmp_path):
    ds = await make_datasette(tmp_path, databases=[items_database(tmp_path)])
    conversation = await start_conversation(ds, ALICE)
    result = await run(
        ds,
        conversation,
        "print(read_only_sql_query('data', 'select * from no_such_table'))\n"
        "print(read_only_sql_query('data', 'select ?', 5))\n"
        "print(read_only_sql_query(5, 'select 1'))\n",
    )
    assert result["ok"] is True, result
    missing_table, bad_params, bad_name = [literal_eval(line) for line in result["stdout"].splitlines()]
    assert "no such table: no_such_table" in missing_table["error"]
    assert bad_params == {"error": "params must be a list, a dict or None"}
    assert bad_name == {"error": "name_of_database must be a string"}


async def test_read_only_sql_query_honours_a_database_allow_block(tmp_path):
    secret = tmp_path / "secret.db"
    with sqlite3.connect(secret) as conn:
        conn.execute("CREATE TABLE s (v TEXT)")
        conn.execute("INSERT INTO s VALUES ('classified')")
    ds = await make_datasette(
        tmp_path,
        databases=[items_database(tmp_path), secret],
        agent_actors=("alice", "bob"),
        config={"databases": {"secret": {"allow": {"id": ["alice"]}}}},
    )
    code = "print(read_only_sql_query('secret', 'select v from s'))"

    alice = await run(ds, await start_conversation(ds, ALICE), code)
    assert literal_eval(alice["stdout"])["rows"] == [{"v": "classified"}]
    bob = await run(ds, await start_conversation(ds, BOB), code, actor=BOB)
    assert "classified" not in bob["stdout"]
    assert literal_eval(bob["stdout"]) == {"error": "Permission denied: you may not run SQL against 'secret'"}


@pytest.mark.parametrize("name", ["_internal", "__INTERNAL__", "_memory"])
async def test_read_only_sql_query_cannot_reach_the_internal_database(ds, name):
    # The internal database holds every actor's conversations.
    await run(ds, await start_conversation(ds, ALICE), "x = 'alice was here'")
    result = await run(
        ds,
        await start_conversation(ds, BOB),
        f"print(read_only_sql_query({name!r}, 'select * from agent_messages'))",
        actor=BOB,
    )
    assert literal_eval(result["stdout"]) == {"error": f"Database {name!r} not found", "available_databases": ["data"]}


SLOW_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


async def test_slow_query_is_interrupted_at_datasettes_sql_time_limit(tmp_path):
    ds = await make_datasette(tmp_path, settings={"sql_time_limit_ms": 200})
    conversation = await start_conversation(ds, ALICE)
    result = await run(ds, conversation, f"print(read_only_sql_query('data', {SLOW_SQL!r}))\nprint('after')")
    assert result["ok"] is True
    first, second = result["stdout"].splitlines()
    assert "interrupted" in literal_eval(first)["error"]
    assert second == "after"


async def test_slow_query_cannot_outlast_the_call_time_limit(tmp_path):
    ds = await make_datasette(
        tmp_path, plugin_config={"wall_clock_timeout_seconds": 0.5}, settings={"sql_time_limit_ms": 20_000}
    )
    conversation = await start_conversation(ds, ALICE)
    started = time.monotonic()
    result = await run(ds, conversation, f"print(read_only_sql_query('data', {SLOW_SQL!r}))")
    # The query gets only the call's remaining time, not Datasette's 20 seconds: it is
    # interrupted just before the deadline, or the call times out just after it.
    assert time.monotonic() - started < 3
    if result["ok"]:
        assert "error" in literal_eval(result["stdout"])
    else:
        assert result["error"] == "exceeded the 0.5 second time limit"


# The execute-micropython action.


async def test_execute_micropython_is_allowed_by_default_for_agent_users(ds):
    for actor in (ALICE, BOB):
        result = await run(ds, await start_conversation(ds, actor), "print('allowed')", actor=actor)
        assert result["stdout"] == "allowed\n"


async def test_execute_micropython_permission_limits_the_tool_to_allowed_actors(tmp_path):
    ds = await make_datasette(
        tmp_path,
        agent_actors=("alice", "bob"),
        permissions={"execute-micropython": {"id": ["alice"]}},
    )
    [alice] = await call_tool(ds, ALICE, await start_conversation(ds, ALICE), TOOL, {"python": "print('alice ran')"})
    assert alice["model"]["stdout"] == "alice ran\n"

    [bob] = await call_tool(ds, BOB, await start_conversation(ds, BOB), TOOL, {"python": "print('bob ran')"})
    assert bob["output"] == f'Error: tool "{TOOL}" does not exist'
    assert bob["raw"] is None


async def test_background_agent_of_a_disallowed_actor_is_refused_inside_the_tool(tmp_path):
    ds = await make_datasette(
        tmp_path,
        agent_actors=("alice", "bob"),
        permissions={"execute-micropython": {"id": ["alice"]}},
    )
    # Background agents do not check required_permission: the tool is offered to bob.
    status = await run_background_agent(ds, BOB, [(TOOL, {"python": "print('bob ran')"})])
    [refused] = tool_outputs(await stored_messages(ds, status["conversation_id"]))
    assert refused["ok"] is False
    assert refused["error_type"] == "permission_denied"
    assert "execute-micropython" in refused["error"]
    assert "stdout" not in refused

    status = await run_background_agent(ds, ALICE, [(TOOL, {"python": "print('alice ran')"})])
    [allowed] = tool_outputs(await stored_messages(ds, status["conversation_id"]))
    assert allowed["stdout"] == "alice ran\n"


# Background agents and CLI chats have conversations of their own.


async def test_background_agent_spawned_from_a_conversation_has_its_own_interpreter(tmp_path):
    ds = await make_datasette(tmp_path, permissions={"datasette-agent-background": {"id": ["alice"]}})
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "secret = 'web'")

    goal = tool_calls_message(
        [
            (TOOL, {"python": "print('secret' in globals())\nbackground_secret = 'bg'"}),
            ("mark_finished", {"final_message": "done"}),
        ]
    )
    [spawned] = await call_tool(ds, ALICE, conversation, "spawn_background_agent", {"goal": json.dumps(goal)})
    agent = spawned["model"]
    assert agent["conversation_id"] != conversation
    task = ds._background_agent_tasks.get(agent["agent_id"])
    if task is not None:
        await asyncio.wait_for(task, 30)

    [background] = tool_outputs(await stored_messages(ds, agent["conversation_id"]))
    assert background["stdout"] == "False\n"
    assert background["state"] == "new"

    # The completion notice is prepended to the next user message: let a plain turn take it.
    await send(ds, ALICE, conversation, "noted")
    web = await run(ds, conversation, "print(secret, 'background_secret' in globals())")
    assert web["stdout"] == "web False\n"
    assert web["state"] == "live"


async def test_cli_chats_each_have_their_own_interpreter(ds, conversation):
    await run(ds, conversation, "secret = 'web'")

    first = await run_cli_chat(
        ds,
        ALICE,
        tool_calls_message([(TOOL, {"python": "print('secret' in globals())\ncli_secret = 1"})]),
    )
    [first_result] = cli_results(first)
    assert first_result["stdout"] == "False\n"
    assert first_result["state"] == "new"

    second = await run_cli_chat(ds, ALICE, tool_calls_message([(TOOL, {"python": "print('cli_secret' in globals())"})]))
    [second_result] = cli_results(second)
    assert second_result["stdout"] == "False\n"
    assert second_result["state"] == "new"

    web = await run(ds, conversation, "print(secret, 'cli_secret' in globals())")
    assert web["stdout"] == "web False\n"


async def test_background_agent_and_cli_chat_do_not_share_state(ds):
    status = await run_background_agent(ds, ALICE, [(TOOL, {"python": "shared = 'background'"})])
    [background] = tool_outputs(await stored_messages(ds, status["conversation_id"]))
    assert background["ok"] is True

    out = await run_cli_chat(ds, ALICE, tool_calls_message([(TOOL, {"python": "print('shared' in globals())"})]))
    [cli] = cli_results(out)
    assert cli["stdout"] == "False\n"


# Arguments the model got wrong.


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"python": 5}, "python must be a string, got int"),
        ({"python": ["print(1)"]}, "python must be a string, got list"),
        ({"python": "print(1)", "reset_context": "yes"}, "reset_context must be true or false, got str"),
        ({"python": "print(1)", "show_result": 1}, "show_result must be true or false, got int"),
        ({"python": "print(1)", "code": "print(2)"}, "unknown argument(s): code"),
        ({}, "the python argument is required"),
        ({"python": None}, "the python argument is required"),
    ],
)
async def test_wrong_arguments_get_a_clear_error_result(ds, conversation, arguments, message):
    [result] = await call_tool(ds, ALICE, conversation, TOOL, arguments)
    assert not result["output"].startswith("Error:")  # not an exception from the call itself
    assert result["model"]["ok"] is False
    assert result["model"]["error_type"] == "invalid_arguments"
    assert message in result["model"]["error"]

    # Nothing ran: the conversation's first real call still gets a fresh interpreter.
    assert (await run(ds, conversation, "print(1)"))["state"] == "new"


# Plugin settings.


async def test_good_settings_start_and_are_described_to_the_model(tmp_path):
    ds = await make_datasette(
        tmp_path,
        plugin_config={
            "max_sessions": 2,
            "memory_bytes": 8 * 1024 * 1024,
            "fuel": 20_000_000,
            "wall_clock_timeout_seconds": 2,
            "max_output_chars": 500,
        },
    )
    from datasette_agent.tools import get_agent_tools

    [tool] = [t for t in await get_agent_tools(ds) if t.name == TOOL]
    assert "2 seconds" in tool.description
    assert "20,000,000 fuel units" in tool.description
    assert "500 characters of output" in tool.description
    assert "memory 8 MiB" in tool.description
    result = await run(ds, await start_conversation(ds, ALICE), "print('ok')")
    assert result["stdout"] == "ok\n"


# The `datasette` command.


def datasette_command():
    script = Path(sys.executable).with_name("datasette")
    return [str(script)] if script.exists() else [sys.executable, "-m", "datasette"]


async def run_command(*args, cwd):
    process = await asyncio.create_subprocess_exec(
        *datasette_command(),
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


async def test_datasette_agent_tools_lists_the_tool(tmp_path):
    out = await run_command("agent", "tools", cwd=tmp_path)
    assert TOOL in out


async def test_datasette_agent_chat_runs_the_tool_with_default_settings(tmp_path):
    path = items_database(tmp_path)
    message = tool_calls_message(
        [
            (
                TOOL,
                {
                    "python": "n = read_only_sql_query('data', 'select count(*) as n from items')['rows'][0]['n']\n"
                    "print('items:', n * 10)"
                },
            )
        ]
    )
    out = await run_command("agent", "chat", str(path), "-m", "echo", "--root", "-p", json.dumps(message), cwd=tmp_path)
    assert f"--- Tool: {TOOL} ---" in out
    [result] = cli_results(out)
    assert result["ok"] is True, result
    assert result["stdout"] == "items: 50\n"
    assert result["state"] == "new"
