"""The admin page, `/-/micropython`: live and stored sessions, totals, and a reset button.

Datasette refuses cross-site POSTs by their headers; the reset form also carries a token signed
for the actor, so a POST without one is refused as well.
"""

from __future__ import annotations

from datetime import datetime, timezone

from datasette import Forbidden
from datasette.utils.asgi import Response

from .render import human_bytes
from .settings import ADMIN_ACTION
from .wiring import session_manager

TOKEN_NAMESPACE = "datasette-agent-micropython-reset"


def reset_token(datasette, actor: dict | None) -> str:
    return datasette.sign({"actor": (actor or {}).get("id")}, TOKEN_NAMESPACE)


def token_is_valid(datasette, token: str, actor: dict | None) -> bool:
    try:
        return datasette.unsign(token, TOKEN_NAMESPACE) == {"actor": (actor or {}).get("id")}
    except Exception:
        return False


def age(timestamp: str | None) -> str:
    if not timestamp:
        return "-"
    seconds = (datetime.now(timezone.utc) - datetime.fromisoformat(timestamp)).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit} ago"
    return f"{max(seconds, 0):.0f}s ago"


async def admin_page(datasette, request):
    if not await datasette.allowed(action=ADMIN_ACTION, actor=request.actor):
        raise Forbidden("You may not manage MicroPython sessions")
    manager = session_manager(datasette)
    if request.method == "POST":
        form = await request.post_vars()
        if not token_is_valid(datasette, form.get("token", ""), request.actor):
            return Response.text("Missing or invalid reset token", status=403)
        conversation_id = form.get("conversation_id", "")
        await manager.discard(conversation_id)
        datasette.add_message(request, f"Reset the session of conversation {conversation_id}")
        return Response.redirect(datasette.urls.path("/-/micropython"))

    stored = await manager.store.sessions()
    for row in stored:
        row["globals"] = ", ".join(row["globals"])
        row["stored"] = human_bytes(row["stored_bytes"])
        row["raw"] = human_bytes(row["raw_bytes"])
        row["last_used"] = age(row["last_used_at"])
        row["created"] = age(row["created_at"])
    live = manager.live_sessions()
    for row in live:
        row["memory"] = human_bytes(row["memory_bytes"])
        row["last_used"] = age(row["last_used_at"])
    retention = manager.settings.retention
    total_stored = sum(row["stored_bytes"] for row in stored)
    return Response.html(
        await datasette.render_template(
            "micropython_admin.html",
            {
                "live": live,
                "stored": stored,
                "max_sessions": manager.settings.max_sessions,
                "total_stored": human_bytes(total_stored),
                "max_total": human_bytes(retention.max_total_bytes),
                "max_age_days": f"{retention.max_age_days:g}",
                "token": reset_token(datasette, request.actor),
            },
            request=request,
        )
    )
