"""The admin page `/-/micropython`: who may see it, what it shows, and the reset that asks first.

A real Datasette with the real datasette-agent routes (tests/agent_harness.py): sessions are made
by real conversations with the echo model, or directly through the plugin's session manager when
a test needs a conversation id no ULID could be (HTML in it). Nothing is mocked; a failing image
write is real SQLite refusing it (a trigger that raises).
"""

from __future__ import annotations

import asyncio
import html
import re
from urllib.parse import urlencode

import pytest
from agent_harness import ALICE, make_datasette, run, start_conversation
from datasette.app import Datasette

from datasette_agent_micropython.admin import reset_token
from datasette_agent_micropython.render import human_bytes
from datasette_agent_micropython.snapshot import PAGE_SIZE, Snapshot
from datasette_agent_micropython.wiring import session_manager

pytestmark = pytest.mark.asyncio

ROOT = {"id": "root"}
CAROL = {"id": "carol"}
PAGE = "/-/micropython"


async def make_admin_datasette(tmp_path, **kwargs):
    ds = await make_datasette(tmp_path, **kwargs)
    ds.root_enabled = True  # as `datasette serve --root` does
    return ds


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


def table_cells(page: str, heading: str) -> list[list[str]]:
    """The cells (raw HTML) of each row of the table under `<h2>heading</h2>`; the header row first."""
    part = section(page, heading)
    if "<table" not in part:
        return []
    headers = re.findall(r"<th[^>]*>(.*?)</th>", part, re.S)
    body = part[part.index("<tbody>") :]
    return [headers] + [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def table_rows(page: str, heading: str) -> list[dict[str, str]]:
    """The rows of the table under `<h2>heading</h2>`, as {column header: cell text}."""
    cells = table_cells(page, heading)
    if not cells:
        return []
    headers = [cell_text(h) for h in cells[0]]
    return [dict(zip(headers, (cell_text(c) for c in row))) for row in cells[1:]]


def content(page: str) -> str:
    """The page's own part: between its heading and the end of Datasette's content section."""
    return page[page.index("<h1>") : page.index("</section>")]


def links(cell: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'<a[^>]* href="([^"]*)"', cell)]


def form_token(page: str) -> str:
    tokens = set(re.findall(r'<input type="hidden" name="token" value="([^"]*)">', page))
    assert len(tokens) == 1, tokens
    return html.unescape(tokens.pop())


async def get_page(ds, actor, path=PAGE, status=200, **kwargs):
    response = await ds.client.get(path, actor=actor, **kwargs)
    assert response.status_code == status, response.text[:500]
    return response.text


def confirmation_path(conversation_id: str) -> str:
    return f"{PAGE}?{urlencode({'reset': conversation_id})}"


async def confirmation_token(ds, actor, conversation_id) -> str:
    """The token of the reset form on the confirmation page of this conversation."""
    return form_token(await get_page(ds, actor, confirmation_path(conversation_id)))


async def post_reset(ds, actor, conversation_id, token=None, headers=None):
    form = {"conversation_id": conversation_id}
    if token is not None:
        form["token"] = token
    return await ds.client.post(PAGE, actor=actor, data=form, headers=headers or {})


async def stored_ids(ds) -> list[str]:
    return [row["conversation_id"] for row in await session_manager(ds).store.sessions()]


async def test_only_admins_may_see_the_page(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    cid = await start_conversation(ds, ALICE)
    await run(ds, cid, "x = 1")

    for actor in (ALICE, None, CAROL):
        for path in (PAGE, confirmation_path(cid)):
            response = await ds.client.get(path, actor=actor)
            assert response.status_code == 403, (actor, path)
            assert "You may not manage MicroPython sessions" in response.text
            assert cid not in response.text
        # Not even with a valid token of their own: the permission check comes first.
        refused = await post_reset(ds, actor, cid, reset_token(ds, actor, cid))
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
    await run(ds, first, "a = 1\ndef f():\n    return a")
    await run(ds, first, "b = f() + 1")
    await run(ds, second, "only = 'me'")
    await wait_stored(ds, first, second)
    # One stored session that is not live and was last used two days ago.
    manager = session_manager(ds)
    await manager.run("old-conversation", "older = True", actor_id="dave")
    await wait_stored(ds, "old-conversation")
    # Out of memory, still stored: a graceful shutdown stores and closes every live session.
    await manager.shutdown()
    await run(ds, first, "c = 3")
    await run(ds, second, "d = 4")
    await manager.wait_for_writes()
    await ds.get_internal_database().execute_write(
        "UPDATE micropython_sessions SET last_used_at = ?, created_at = ? WHERE conversation_id = ?",
        ["2000-01-01T00:00:00.000+00:00", "2000-01-01T00:00:00.000+00:00", "old-conversation"],
    )

    page = await get_page(ds, ROOT)
    live = {row["Conversation"]: row for row in table_rows(page, "Live")}
    assert set(live) == {first, second}
    assert live[first]["Actor"] == "alice"
    # What the interpreter has written: exactly the pages its last image holds.
    image = Snapshot.decode(await manager.store.load(first))
    assert live[first]["Memory touched"] == human_bytes(len(image.pages) * PAGE_SIZE)
    assert len(image.pages) * PAGE_SIZE < image.memory_size / 4
    assert live[first]["Calls"] == "3"  # restored after shutdown: its calls carry on
    assert live[second]["Calls"] == "2"
    assert re.fullmatch(r"\d+s ago", live[first]["Last used"])
    assert re.fullmatch(r"\d+\.\d KiB", live[first]["Image"])
    assert list(live)[0] == second  # most recently used first
    assert "Memory touched: the non-zero 4 KiB pages of the interpreter's memory at its last snapshot" in page
    assert "out of a limit of 16.0 MiB" in page

    stored = {row["Conversation"]: row for row in table_rows(page, "Stored")}
    assert set(stored) == {first, second, "old-conversation"}
    assert stored[first]["Actor"] == "alice"
    assert stored[first]["Calls"] == "3"
    assert set(stored[first]["Globals"].split(", ")) == {"a", "f", "b", "c"}
    assert re.fullmatch(r"\d+\.\d KiB", stored[first]["Image"])
    assert stored[first]["Image"] == live[first]["Image"]
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


async def test_memory_touched_follows_what_each_interpreter_holds(tmp_path):
    """Not the same linear memory size for every interpreter: a 3 MB string shows, and the rest stay small."""
    ds = await make_admin_datasette(tmp_path)
    small = await start_conversation(ds, ALICE)
    big = await start_conversation(ds, ALICE)
    await run(ds, small, "x = 1")
    await run(ds, big, "s = 'a' * 3_000_000")
    await session_manager(ds).wait_for_writes()

    live = {row["Conversation"]: row for row in table_rows(await get_page(ds, ROOT), "Live")}

    def mib(text):
        number, unit = text.split()
        return float(number) / {"KiB": 1024, "MiB": 1}[unit]

    assert mib(live[small]["Memory touched"]) < 1
    assert 2.8 < mib(live[big]["Memory touched"]) < 8


async def test_plurals_follow_the_numbers(tmp_path):
    ds = await make_admin_datasette(tmp_path, plugin_config={"max_sessions": 1, "max_session_age_days": 1})
    cid = await start_conversation(ds, ALICE)
    await run(ds, cid, "x = 1")
    await wait_stored(ds, cid)

    page = await get_page(ds, ROOT)
    assert "1 of 1 live interpreter." in page
    assert re.search(r"1 stored session using \d+\.\d KiB of 1\.0 GiB;", page)
    assert "sessions unused for 1 day are deleted." in page
    assert not re.search(r"\b1 (interpreters|sessions|days|calls)\b", page)
    confirmation = await get_page(ds, ROOT, confirmation_path(cid))
    assert "yes, 1 call, last used" in confirmation
    assert re.search(r"\d+\.\d KiB, 1 call, last used", confirmation)


async def test_conversation_ids_link_to_their_conversation(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    cid = await start_conversation(ds, ALICE)
    await run(ds, cid, "x = 1")
    # An id datasette-agent has no page for (a CLI session, say) is shown without a link.
    await session_manager(ds).run("cli-session", "y = 2")
    await session_manager(ds).wait_for_writes()

    page = await get_page(ds, ROOT)
    for heading in ("Live", "Stored"):
        rows = {cell_text(row[0]): row for row in table_cells(page, heading)[1:]}
        assert links(rows[cid][0]) == [f"/-/agent/{cid}"]
        assert links(rows["cli-session"][0]) == []
    # The link leads to the conversation, with the call in it.
    conversation = await get_page(ds, ALICE, f"/-/agent/{cid}")
    assert cid in conversation
    confirmation = await get_page(ds, ROOT, confirmation_path(cid))
    assert f'href="/-/agent/{cid}"' in confirmation


async def test_reset_asks_for_confirmation_first(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    target = await start_conversation(ds, ALICE)
    await run(ds, target, "x = 1\ny = 2")
    await wait_stored(ds, target)

    page = await get_page(ds, ROOT)
    assert "<form" not in content(page)  # the rows link to the confirmation page; nothing resets from here
    [live_row] = table_cells(page, "Live")[1:]
    [stored_row] = table_cells(page, "Stored")[1:]
    assert links(live_row[-1]) == links(stored_row[-1]) == [confirmation_path(target)]

    confirmation = await get_page(ds, ROOT, links(live_row[-1])[0])
    assert "<title>Reset a MicroPython session</title>" in confirmation
    assert "This cannot be undone." in confirmation
    assert "x, y" in confirmation or "y, x" in confirmation
    assert content(confirmation).count("<form") == 1 and 'value="Reset this session"' in confirmation
    # Looking at the confirmation page changes nothing.
    manager = session_manager(ds)
    assert manager.live_conversations == [target]
    assert await stored_ids(ds) == [target]
    assert (await run(ds, target, "print(x)"))["stdout"] == "1\n"


async def test_reset_removes_live_and_stored_session(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    target = await start_conversation(ds, ALICE)
    bystander = await start_conversation(ds, ALICE)
    await run(ds, target, "x = 1")
    await run(ds, bystander, "y = 2")
    await wait_stored(ds, target, bystander)

    response = await post_reset(ds, ROOT, target, await confirmation_token(ds, ROOT, target))
    assert response.status_code == 302
    assert response.headers["location"] == PAGE

    manager = session_manager(ds)
    assert manager.live_conversations == [bystander]
    assert await stored_ids(ds) == [bystander]

    # The redirect shows the page with a message saying what was reset.
    after = await get_page(ds, ROOT, cookies=dict(response.cookies))
    assert f"Reset the session of conversation {target}" in after
    assert [row["Conversation"] for row in table_rows(after, "Live")] == [bystander]
    assert [row["Conversation"] for row in table_rows(after, "Stored")] == [bystander]

    # The next call in the reset conversation starts afresh; the other one carries on.
    fresh = await run(ds, target, "print('x' in globals())")
    assert fresh["state"] == "new"
    assert fresh["stdout"] == "False\n"
    kept = await run(ds, bystander, "print(y)")
    assert kept["state"] == "live"
    assert kept["stdout"] == "2\n"


async def test_reset_of_a_live_session_with_no_stored_image(tmp_path):
    """A live interpreter whose image could not be written (SQLite refuses the write) is listed and reset."""
    ds = await make_admin_datasette(tmp_path)
    manager = session_manager(ds)
    await manager.store.prepare()
    for event in ("INSERT", "UPDATE"):
        await ds.get_internal_database().execute_write(
            f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON micropython_sessions "
            "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
        )
    cid = await start_conversation(ds, ALICE)
    await run(ds, cid, "x = 1")
    await manager.wait_for_writes()
    assert manager.live_conversations == [cid] and await stored_ids(ds) == []

    page = await get_page(ds, ROOT)
    [row] = table_rows(page, "Live")
    assert (row["Conversation"], row["Image"]) == (cid, "none yet")
    # The snapshot was taken; only its write failed.
    assert re.fullmatch(r"\d+\.\d KiB", row["Memory touched"])
    assert "No stored sessions." in page
    confirmation = await get_page(ds, ROOT, confirmation_path(cid))
    assert "<dt>Stored image</dt><dd>none</dd>" in confirmation
    response = await post_reset(ds, ROOT, cid, form_token(confirmation))
    assert response.status_code == 302
    assert manager.live_conversations == []
    after = await get_page(ds, ROOT, cookies=dict(response.cookies))
    assert f"Reset the session of conversation {cid}" in after
    assert "No live interpreters." in after
    assert (await run(ds, cid, "print('x' in globals())"))["stdout"] == "False\n"


async def test_reset_of_a_stored_only_session(tmp_path):
    """A session that is stored but not live (e.g. after a restart) is reset too."""
    internal = tmp_path / "internal.db"
    ds = await make_admin_datasette(tmp_path, internal=internal)
    cid = await start_conversation(ds, ALICE)
    await run(ds, cid, "x = 1")
    await ds.invoke_shutdown()  # a graceful stop stores every live session

    ds = await make_admin_datasette(tmp_path, internal=internal)
    page = await get_page(ds, ROOT)
    assert table_rows(page, "Live") == []
    assert [row["Conversation"] for row in table_rows(page, "Stored")] == [cid]
    confirmation = await get_page(ds, ROOT, confirmation_path(cid))
    assert "<dt>Live interpreter</dt><dd>no</dd>" in confirmation
    response = await post_reset(ds, ROOT, cid, form_token(confirmation))
    assert response.status_code == 302
    assert await stored_ids(ds) == []
    assert (await run(ds, cid, "print('x' in globals())"))["state"] == "new"


async def test_reset_of_a_conversation_without_a_session_says_so(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    confirmation = await get_page(ds, ROOT, confirmation_path("no-such-conversation"), status=404)
    assert "there is nothing to reset" in confirmation
    assert "<form" not in content(confirmation)
    response = await post_reset(ds, ROOT, "no-such-conversation", reset_token(ds, ROOT, "no-such-conversation"))
    assert response.status_code == 302
    after = await get_page(ds, ROOT, cookies=dict(response.cookies))
    assert "Conversation no-such-conversation had no session to reset" in after


async def test_reset_refused_without_a_valid_token(tmp_path):
    ds = await make_admin_datasette(tmp_path, permissions={"micropython-admin": {"id": ["carol", "root"]}})
    cid = await start_conversation(ds, ALICE)
    other = await start_conversation(ds, ALICE)
    await run(ds, cid, "x = 1")
    await run(ds, other, "z = 1")
    await wait_stored(ds, cid, other)
    root_token = await confirmation_token(ds, ROOT, cid)

    attempts = {
        "no token": await post_reset(ds, ROOT, cid),
        "empty token": await post_reset(ds, ROOT, cid, ""),
        "garbage token": await post_reset(ds, ROOT, cid, "not-a-token"),
        "token signed for carol": await post_reset(ds, ROOT, cid, reset_token(ds, CAROL, cid)),
        "root's token used by carol": await post_reset(ds, CAROL, cid, root_token),
        "token of another conversation's confirmation": await post_reset(
            ds, ROOT, cid, await confirmation_token(ds, ROOT, other)
        ),
        "token for this conversation used on another": await post_reset(ds, ROOT, other, root_token),
        "token with another secret": await post_reset(
            ds, ROOT, cid, reset_token(Datasette(secret="another-secret"), ROOT, cid)
        ),
        "token from another namespace": await post_reset(
            ds, ROOT, cid, ds.sign({"actor": "root", "reset": cid}, "other-namespace")
        ),
    }
    for name, response in attempts.items():
        assert response.status_code == 403, name
        assert "Missing or invalid reset token" in response.text, name

    # A cross-site POST, even with the right token, is refused by Datasette's CSRF protection.
    cross_site = await post_reset(
        ds, ROOT, cid, root_token, headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403

    manager = session_manager(ds)
    assert set(manager.live_conversations) == {cid, other}
    assert set(await stored_ids(ds)) == {cid, other}
    assert (await run(ds, cid, "print(x)"))["state"] == "live"


async def test_html_in_conversation_ids_and_globals_is_escaped(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    evil_id = '<script>window.pwned=1</script>"><img src=x onerror=alert(1)>'
    evil_actor = "<i>mallory</i>"
    evil_global = "<b>bold</b><script>alert(2)</script>"
    manager = session_manager(ds)
    await manager.run(evil_id, f"globals()[{evil_global!r}] = 1\nplain = 2", actor_id=evil_actor)
    await wait_stored(ds, evil_id)

    page = await get_page(ds, ROOT)
    confirmation = await get_page(ds, ROOT, confirmation_path(evil_id))
    for text in (content(page), content(confirmation)):
        for raw in ("<script>window.pwned", "<img src=x", "<i>mallory", "<b>bold", "<script>alert(2)"):
            assert raw not in text, raw
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in text
        assert "&lt;b&gt;bold&lt;/b&gt;" in text
    # No forms or inputs but the page's own: none on the list, the one form when confirming.
    assert "<form" not in content(page) and "<input" not in content(page)
    assert content(confirmation).count("<form") == 1 and content(confirmation).count("<input") == 3

    [live] = table_rows(page, "Live")
    assert (live["Conversation"], live["Actor"]) == (evil_id, evil_actor)
    [stored] = table_rows(page, "Stored")
    assert set(stored["Globals"].split(", ")) == {evil_global, "plain"}
    [live_cells] = table_cells(page, "Live")[1:]
    assert links(live_cells[0]) == []  # no page in datasette-agent for such an id
    assert links(live_cells[-1]) == [confirmation_path(evil_id)]

    # The hidden field round-trips the id, so the reset works for it.
    value = re.search(r'name="conversation_id" value="([^"]*)"', confirmation).group(1)
    assert html.unescape(value) == evil_id
    response = await post_reset(ds, ROOT, html.unescape(value), form_token(confirmation))
    assert response.status_code == 302
    assert manager.live_conversations == []
    assert await manager.store.sessions() == []


async def test_many_globals_are_shortened_in_the_row_and_listed_when_confirming(tmp_path):
    ds = await make_admin_datasette(tmp_path)
    manager = session_manager(ds)
    await manager.run("many", "\n".join(f"name_{i:02d} = {i}" for i in range(30)))
    await manager.wait_for_writes()
    [stored] = table_rows(await get_page(ds, ROOT), "Stored")
    # The first names in name order, then how many more.
    assert stored["Globals"] == ", ".join(f"name_{i:02d}" for i in range(8)) + " … and 22 more"
    confirmation = await get_page(ds, ROOT, confirmation_path("many"))
    assert all(f"name_{i:02d}" in confirmation for i in range(30))


async def test_the_action_can_be_granted_to_a_named_actor(tmp_path):
    ds = await make_admin_datasette(tmp_path, permissions={"micropython-admin": {"id": ["carol"]}})
    cid = await start_conversation(ds, ALICE)
    await run(ds, cid, "x = 1")
    await wait_stored(ds, cid)

    assert (await ds.client.get(PAGE, actor=ALICE)).status_code == 403
    # Datasette's config block denies everyone it does not name, and a config deny beats
    # --root's allow: root must be listed too to keep the page.
    assert (await ds.client.get(PAGE, actor=ROOT)).status_code == 403
    page = await get_page(ds, CAROL)
    assert [row["Conversation"] for row in table_rows(page, "Live")] == [cid]
    token = await confirmation_token(ds, CAROL, cid)
    assert token != reset_token(ds, ROOT, cid)  # tokens are per actor
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
    """`{"id": "root"}` is only special when Datasette runs with `--root`."""
    ds = await make_datasette(tmp_path)
    assert (await ds.client.get(PAGE, actor=ROOT)).status_code == 403
