"""The admin page, `/-/micropython`: live and stored sessions, totals, and a reset that asks first.

A reset takes two steps, and neither needs JavaScript. A row's "Reset…" link opens a confirmation
page (`/-/micropython?reset=ID`, a GET that changes nothing), and its form POSTs the reset. The
form's token is signed for the actor and that one conversation, so only the confirmation page
yields a POST that is accepted. Datasette refuses cross-site POSTs by their headers as well.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlencode

from datasette import Forbidden
from datasette.utils.asgi import Response

from .render import human_bytes
from .settings import ADMIN_ACTION
from .wiring import session_manager

TOKEN_NAMESPACE = "datasette-agent-micropython-reset"
PAGE_PATH = "/-/micropython"
# datasette-agent 0.4a0 serves a conversation at /-/agent/{id} only for ids of this form (ULIDs).
CONVERSATION_ID = re.compile(r"[A-Za-z0-9]{26}")
# A row shows this many of its globals, in name order; the confirmation page shows them all (at most
# 200 are stored).
SHOWN_GLOBALS = 8
# Messages travel in a signed cookie: a forged, very long id is cut short there.
MESSAGE_ID_CHARS = 200


def reset_token(datasette, actor: dict | None, conversation_id: str) -> str:
    return datasette.sign({"actor": (actor or {}).get("id"), "reset": conversation_id}, TOKEN_NAMESPACE)


def token_is_valid(datasette, token: str, actor: dict | None, conversation_id: str) -> bool:
    try:
        signed = datasette.unsign(token, TOKEN_NAMESPACE)
    except Exception:
        return False
    return signed == {"actor": (actor or {}).get("id"), "reset": conversation_id}


def plural(count: float, noun: str) -> str:
    """`1 stored session`, `2 stored sessions`, `0.5 days`."""
    return f"{count:g} {noun}" if count == 1 else f"{count:g} {noun}s"


def age(timestamp: str | None) -> str:
    if not timestamp:
        return "-"
    seconds = (datetime.now(timezone.utc) - datetime.fromisoformat(timestamp)).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit} ago"
    return f"{max(seconds, 0):.0f}s ago"


def conversation_url(datasette, conversation_id: str) -> str | None:
    """Where datasette-agent shows this conversation, or None for an id it has no page for."""
    if CONVERSATION_ID.fullmatch(conversation_id):
        return datasette.urls.path(f"/-/agent/{conversation_id}")
    return None


def shown_id(conversation_id: str) -> str:
    if len(conversation_id) <= MESSAGE_ID_CHARS:
        return conversation_id
    return conversation_id[:MESSAGE_ID_CHARS] + "…"


def globals_summary(names: list[str], limit: int = SHOWN_GLOBALS) -> str:
    names = sorted(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" … and {len(names) - limit} more"


async def admin_page(datasette, request) -> Response:
    if not await datasette.allowed(action=ADMIN_ACTION, actor=request.actor):
        raise Forbidden("You may not manage MicroPython sessions")
    manager = session_manager(datasette)
    if request.method == "POST":
        return await reset(datasette, request, manager)
    live, stored = await session_rows(datasette, manager)
    if "reset" in request.args:
        return await confirmation_page(datasette, request, request.args["reset"], live, stored)
    retention = manager.settings.retention
    total_stored = sum(row["stored_bytes"] for row in stored.values())
    return Response.html(
        await datasette.render_template(
            "micropython_admin.html",
            {
                "live": list(live.values()),
                "stored": list(stored.values()),
                "live_summary": f"{len(live)} of {plural(manager.settings.max_sessions, 'live interpreter')}",
                "stored_summary": f"{plural(len(stored), 'stored session')} using {human_bytes(total_stored)}",
                "max_total": human_bytes(retention.max_total_bytes),
                "max_age": plural(retention.max_age_days, "day"),
                "memory_limit": human_bytes(manager.settings.limits.memory_bytes),
            },
            request=request,
        )
    )


async def session_rows(datasette, manager) -> tuple[dict[str, dict], dict[str, dict]]:
    """The live and the stored sessions as the page shows them, by conversation id."""
    stored = {}
    for row in await manager.store.sessions():
        row["globals_summary"] = globals_summary(row["globals"])
        row["image"] = human_bytes(row["stored_bytes"])
        row["last_used"] = age(row["last_used_at"])
        row["created"] = age(row["created_at"])
        stored[row["conversation_id"]] = row
    live = {}
    for row in manager.live_sessions():
        touched = row["touched_bytes"]
        row["touched"] = "-" if touched is None else human_bytes(touched)
        row["last_used"] = age(row["last_used_at"])
        image = stored.get(row["conversation_id"])
        row["image"] = image["image"] if image else "none yet"
        live[row["conversation_id"]] = row
    for row in (*live.values(), *stored.values()):
        row["calls_text"] = plural(row["calls"], "call")
        row["url"] = conversation_url(datasette, row["conversation_id"])
        row["reset_url"] = datasette.urls.path(PAGE_PATH) + "?" + urlencode({"reset": row["conversation_id"]})
    return live, stored


async def confirmation_page(datasette, request, conversation_id: str, live: dict, stored: dict) -> Response:
    found = conversation_id in live or conversation_id in stored
    return Response.html(
        await datasette.render_template(
            "micropython_reset.html",
            {
                "conversation_id": conversation_id,
                "url": conversation_url(datasette, conversation_id),
                "live": live.get(conversation_id),
                "stored": stored.get(conversation_id),
                "token": reset_token(datasette, request.actor, conversation_id),
            },
            request=request,
        ),
        status=200 if found else 404,
    )


async def reset(datasette, request, manager) -> Response:
    """The confirmation page's POST: discard the conversation's interpreter and image."""
    form = await request.post_vars()
    conversation_id = form.get("conversation_id", "")
    if not token_is_valid(datasette, form.get("token", ""), request.actor, conversation_id):
        return Response.text("Missing or invalid reset token: reset from the confirmation page", status=403)
    existed = conversation_id in manager.live_conversations or any(
        row["conversation_id"] == conversation_id for row in await manager.store.sessions()
    )
    await manager.discard(conversation_id)
    if existed:
        datasette.add_message(request, f"Reset the session of conversation {shown_id(conversation_id)}")
    else:
        datasette.add_message(
            request, f"Conversation {shown_id(conversation_id)} had no session to reset", datasette.WARNING
        )
    return Response.redirect(datasette.urls.path(PAGE_PATH))
