"""The admin page `/-/micropython`: who may see it, what it shows, and the reset form.

A real Datasette with the real datasette-agent routes (tests/agent_harness.py): sessions are made
by real conversations with the echo model, or directly through the plugin's session manager when
a test needs a conversation id no ULID could be (HTML in it). Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import html
import re

import pytest
from datasette.app import Datasette

from agent_harness import ALICE, call_tool, make_datasette, start_conversation
from datasette_agent_micropython.admin import reset_token
from datasette_agent_micropython.wiring import session_manager

pytestmark = pytest.mark.asyncio

TOOL = "execute_micropython"
ROOT = {"id": "root"}
CAROL = {"id": "carol"}
PAGE = "/-/micropython"


async def make_admin_datasette(tmp_path, **kwargs):
    ds = await make_datasette(tmp_path, **kwargs)
    ds.root_enabled = True  # as `datasette serve --root` does
    return ds


async def run(ds, actor, conversation_id, python):
    [result] = await call_tool(ds, actor, conversation_id, TOOL, {"python": python})
    return result["model"]


async def wait_stored(ds, *conversation_ids, timeout=10.0):
    """Images are written just after each call returns: wait until these are in the table."""
    store = session_manager(ds).store
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        stored = {row["conversation_id"] for row in await store.sessions()}
        if set(conversation_ids) <= stored:
            return
        assert asyncio.get_running_loop().time() < deadline, f"not stored within {timeout} s: {conversation_ids}"
        await asyncio.sleep(0.02)


def cell_text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def section(page: str, heading: str) -> str:
    start = page.index(f"<h2>{heading}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start : end if end != -1 else page.index("</section>", start)]


def table_rows(page: str, heading: str) -> list[dict[str, str]]:
    """The rows of the table under `<h2>heading</h2>`, as {column header: cell text}."""
    part = section(page, heading)
    if "<table" not in part:
        return []
    headers = [cell_text(h) for h in re.findall(r"<th>(.*?)</th>", part, re.S)]
    body = part[part.index("<tbody>") :]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        rows.append(dict(zip(headers, (cell_text(c) for c in cells))))
    return rows


def form_token(page: str) -> str:
    tokens = set(re.findall(r'<input type="hidden" name="token" value="([^"]*)">', page))
    assert len(tokens) == 1, tokens
    return html.unescape(tokens.pop())


async def get_page(ds, actor, **kwargs):
    response = await ds.client.get(PAGE, actor=actor, **kwargs)
    assert response.status_code == 200, response.text[:500]
    return response.text


async def post_reset(ds, actor, conversation_id, token=None, headers=None):
    form = {"conversation_id": conversation_id}
    if token is not None:
        form["token"] = token
    return await ds.client.post(PAGE, actor=actor, data=form, headers=headers or {})


async def test_only_admins_may_see_the_page(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    cid = await start_conversation(ds, ALICE)
    await run(ds, ALICE, cid, "x = 1")

    for actor in (ALICE, None, CAROL):
        response = await ds.client.get(PAGE, actor=actor)
        assert response.status_code == 403, actor
        assert "You may not manage MicroPython sessions" in response.text
        assert cid not in response.text
        # Not even with a valid token of their own: the permission check comes first.
        refused = await post_reset(ds, actor, cid, reset_token(ds, actor))
        assert refused.status_code == 403
    assert cid in session_manager(ds).live_conversations
    assert (await ds.client.get(PAGE, actor=ROOT)).status_code == 200


async def test_root_sees_live_and_stored_sessions_and_totals(tmp_path):
    ds = await make_admin_datasette(
        tmp_path,
        plugin_config={"max_sessions": 4, "max_session_age_days": 7, "max_total_session_bytes": 64 * 1024 * 1024},
    )
    empty = await get_page(ds, ROOT)
    assert "<title>MicroPython sessions</title>" in empty
    assert "0 of 4 live interpreters." in empty
    assert "No live interpreters." in empty and "No stored sessions." in empty

    first = await start_conversation(ds, ALICE)
    second = await start_conversation(ds, ALICE)
    await run(ds, ALICE, first, "a = 1\ndef f():\n    return a")
    await run(ds, ALICE, first, "b = f() + 1")
    await run(ds, ALICE, second, "only = 'me'")
    await wait_stored(ds, first, second)
    # One stored session that is not live and was last used two days ago.
    manager = session_manager(ds)
    await manager.run("old-conversation", "older = True", actor_id="dave")
    await wait_stored(ds, "old-conversation")
    # Out of memory, still stored: a graceful shutdown stores and closes every live session.
    await manager.shutdown()
    await run(ds, ALICE, first, "c = 3")
    await run(ds, ALICE, second, "d = 4")
    await wait_stored(ds, first, second)
    await ds.get_internal_database().execute_write(
        "UPDATE micropython_sessions SET last_used_at = ?, created_at = ? WHERE conversation_id = ?",
        ["2000-01-01T00:00:00.000+00:00", "2000-01-01T00:00:00.000+00:00", "old-conversation"],
    )

    page = await get_page(ds, ROOT)
    live = {row["Conversation"]: row for row in table_rows(page, "Live")}
    assert set(live) == {first, second}
    assert live[first]["Actor"] == "alice"
    assert live[first]["Memory"] == "15.7 MiB"  # the interpreter's linear memory
    assert live[first]["Calls"] == "3"  # restored after shutdown: its calls carry on
    assert live[second]["Calls"] == "2"
    assert re.fullmatch(r"\d+s ago", live[first]["Last used"])
    assert list(live)[0] == second  # most recently used first

    stored = {row["Conversation"]: row for row in table_rows(page, "Stored")}
    assert set(stored) == {first, second, "old-conversation"}
    assert stored[first]["Actor"] == "alice"
    assert stored[first]["Calls"] == "3"
    assert set(stored[first]["Globals"].split(", ")) == {"a", "f", "b", "c"}
    assert re.fullmatch(r"\d+\.\d KiB", stored[first]["Stored"])
    assert stored[first]["Memory"] == "15.7 MiB"
    assert re.fullmatch(r"\d+s ago", stored[first]["Last used"])
    assert stored["old-conversation"]["Actor"] == "dave"
    assert stored["old-conversation"]["Globals"] == "older"
    assert re.fullmatch(r"\d+\.\dd ago", stored["old-conversation"]["Last used"])
    assert float(stored["old-conversation"]["Last used"][:-5]) > 365
    assert re.fullmatch(r"\d+\.\dd ago", stored["old-conversation"]["Created"])

    rows = await manager.store.sessions()
    total = sum(row["stored_bytes"] for row in rows)
    assert "2 of 4 live interpreters." in page
    assert f"3 stored sessions using {total / 1024:.1f} KiB of 64.0 MiB;" in page
    assert "sessions unused for 7 days are deleted." in page


async def test_reset_removes_live_and_stored_session(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    target = await start_conversation(ds, ALICE)
    bystander = await start_conversation(ds, ALICE)
    await run(ds, ALICE, target, "x = 1")
    await run(ds, ALICE, bystander, "y = 2")
    await wait_stored(ds, target, bystander)

    page = await get_page(ds, ROOT)
    token = form_token(page)
    response = await post_reset(ds, ROOT, target, token)
    assert response.status_code == 302
    assert response.headers["location"] == PAGE

    manager = session_manager(ds)
    assert manager.live_conversations == [bystander]
    assert [row["conversation_id"] for row in await manager.store.sessions()] == [bystander]

    # The redirect shows the page with a message saying what was reset.
    after = await get_page(ds, ROOT, cookies=dict(response.cookies))
    assert f"Reset the session of conversation {target}" in after
    assert [row["Conversation"] for row in table_rows(after, "Live")] == [bystander]
    assert [row["Conversation"] for row in table_rows(after, "Stored")] == [bystander]

    # The next call in the reset conversation starts afresh; the other one carries on.
    fresh = await run(ds, ALICE, target, "print('x' in globals())")
    assert fresh["state"] == "new"
    assert fresh["stdout"] == "False\n"
    kept = await run(ds, ALICE, bystander, "print(y)")
    assert kept["state"] == "live"
    assert kept["stdout"] == "2\n"


async def test_reset_of_a_stored_only_session(tmp_path):
    """A session that is stored but not live (e.g. after a restart) is reset too."""
    internal = tmp_path / "internal.db"
    ds = await make_admin_datasette(tmp_path, internal=internal)
    cid = await start_conversation(ds, ALICE)
    await run(ds, ALICE, cid, "x = 1")
    await ds.invoke_shutdown()  # a graceful stop stores every live session

    ds = await make_admin_datasette(tmp_path, internal=internal)
    page = await get_page(ds, ROOT)
    assert table_rows(page, "Live") == []
    assert [row["Conversation"] for row in table_rows(page, "Stored")] == [cid]
    response = await post_reset(ds, ROOT, cid, form_token(page))
    assert response.status_code == 302
    assert await session_manager(ds).store.sessions() == []
    assert (await run(ds, ALICE, cid, "print('x' in globals())"))["state"] == "new"


async def test_reset_refused_without_a_valid_token(tmp_path):
    ds = await make_admin_datasette(tmp_path, permissions={"micropython-admin": {"id": ["carol", "root"]}})
    cid = await start_conversation(ds, ALICE)
    await run(ds, ALICE, cid, "x = 1")
    await wait_stored(ds, cid)
    root_token = form_token(await get_page(ds, ROOT))

    attempts = {
        "no token": await post_reset(ds, ROOT, cid),
        "empty token": await post_reset(ds, ROOT, cid, ""),
        "garbage token": await post_reset(ds, ROOT, cid, "not-a-token"),
        "token signed for carol": await post_reset(ds, ROOT, cid, reset_token(ds, CAROL)),
        "root's token used by carol": await post_reset(ds, CAROL, cid, root_token),
        "token with another secret": await post_reset(ds, ROOT, cid, reset_token(Datasette(secret="another-secret"), ROOT)),
        "token from another namespace": await post_reset(ds, ROOT, cid, ds.sign({"actor": "root"}, "other-namespace")),
    }
    for name, response in attempts.items():
        assert response.status_code == 403, name
        assert "Missing or invalid reset token" in response.text, name

    # A cross-site POST, even with the right token, is refused by Datasette's CSRF protection.
    cross_site = await post_reset(ds, ROOT, cid, root_token, headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
    assert cross_site.status_code == 403

    manager = session_manager(ds)
    assert manager.live_conversations == [cid]
    assert [row["conversation_id"] for row in await manager.store.sessions()] == [cid]
    assert (await run(ds, ALICE, cid, "print(x)"))["state"] == "live"


async def test_html_in_conversation_ids_and_globals_is_escaped(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    evil_id = '<script>window.pwned=1</script>"><img src=x onerror=alert(1)>'
    evil_actor = "<i>mallory</i>"
    evil_global = "<b>bold</b><script>alert(2)</script>"
    manager = session_manager(ds)
    await manager.run(evil_id, f"globals()[{evil_global!r}] = 1\nplain = 2", actor_id=evil_actor)
    await wait_stored(ds, evil_id)

    page = await get_page(ds, ROOT)
    content = page[page.index("<h1>") : page.index("</section>")]
    for raw in ("<script>window.pwned", "<img src=x", "<i>mallory", "<b>bold", "<script>alert(2)"):
        assert raw not in content, raw
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in content
    assert "&lt;b&gt;bold&lt;/b&gt;" in content
    # The only forms and inputs are the page's own.
    assert content.count("<form") == 1 and content.count("<input") == 3

    [live] = table_rows(page, "Live")
    assert (live["Conversation"], live["Actor"]) == (evil_id, evil_actor)
    [stored] = table_rows(page, "Stored")
    assert set(stored["Globals"].split(", ")) == {evil_global, "plain"}

    # The hidden field round-trips the id, so the Reset button works for it.
    value = re.search(r'name="conversation_id" value="([^"]*)"', page).group(1)
    assert html.unescape(value) == evil_id
    response = await post_reset(ds, ROOT, html.unescape(value), form_token(page))
    assert response.status_code == 302
    assert manager.live_conversations == []
    assert await manager.store.sessions() == []


async def test_the_action_can_be_granted_to_a_named_actor(tmp_path):
    ds = await make_admin_datasette(tmp_path, permissions={"micropython-admin": {"id": ["carol"]}})
    cid = await start_conversation(ds, ALICE)
    await run(ds, ALICE, cid, "x = 1")
    await wait_stored(ds, cid)

    assert (await ds.client.get(PAGE, actor=ALICE)).status_code == 403
    # Datasette's config block denies everyone it does not name, and a config deny beats
    # --root's allow: root must be listed too to keep the page.
    assert (await ds.client.get(PAGE, actor=ROOT)).status_code == 403
    page = await get_page(ds, CAROL)
    assert [row["Conversation"] for row in table_rows(page, "Live")] == [cid]
    token = form_token(page)
    assert token != reset_token(ds, ROOT)  # tokens are per actor
    response = await post_reset(ds, CAROL, cid, token)
    assert response.status_code == 302
    assert session_manager(ds).live_conversations == []
    assert await session_manager(ds).store.sessions() == []


async def test_root_listed_with_a_named_actor_keeps_the_page(tmp_path):
    ds = await make_admin_datasette(tmp_path, permissions={"micropython-admin": {"id": ["carol", "root"]}})
    assert (await ds.client.get(PAGE, actor=ROOT)).status_code == 200
    assert (await ds.client.get(PAGE, actor=CAROL)).status_code == 200
    assert (await ds.client.get(PAGE, actor=ALICE)).status_code == 403


async def test_the_page_is_denied_to_root_without_root_enabled(tmp_path):
    """`{"id": "root"}` is only special when Datasette runs with --root."""
    ds = await make_datasette(tmp_path)
    assert (await ds.client.get(PAGE, actor=ROOT)).status_code == 403
