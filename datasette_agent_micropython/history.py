"""What the model was shown of earlier calls: datasette-agent's `agent_messages` table, read only.

The session manager asks one question of it, through `ConversationHistory`: what did the last
result of this tool in this conversation report? A restore compares that with its image (a
`kill -9` between a result and its image write loses that call, and the model must be told), and
a conversation with no image learns whether it had an interpreter before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class LastResult:
    """The last result of the tool that the model saw in a conversation."""

    # The interpreter's call count it reported; None when that call discarded the interpreter.
    calls: int | None
    # Why that call discarded the interpreter (its error), or None if it did not.
    trap: str | None = None


class ConversationHistory(Protocol):
    async def last_result(self, conversation_id: str) -> LastResult | None:
        """The last result of the tool in this conversation, or None if it never answered there."""


class AgentMessages:
    """`ConversationHistory` read from datasette-agent's `agent_messages` (Datasette's internal database)."""

    def __init__(self, database: Any, tool_name: str) -> None:
        self.database = database
        self.tool_name = tool_name

    async def last_result(self, conversation_id: str) -> LastResult | None:
        if not await self.database.table_exists("agent_messages"):
            return None
        try:
            results = await self.database.execute(
                "SELECT message_json FROM agent_messages WHERE conversation_id = ? AND role = 'tool' "
                "ORDER BY id DESC LIMIT 50",
                [conversation_id],
            )
        except Exception:
            return None
        for row in results.rows:
            try:
                parts = json.loads(row[0]).get("parts", [])
                outputs = [json.loads(part["output"]) for part in parts if part.get("name") == self.tool_name]
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
                continue
            # Parts are in call order: the last one answered last.
            for output in reversed(outputs):
                result = parse_result(output)
                if result is not None:
                    return result
        return None


def parse_result(output: Any) -> LastResult | None:
    """The LastResult in one stored tool output, or None for a refusal or anything malformed.

    A result carries `state`; it discarded its interpreter when `state` is "discarded" (or, in
    results of earlier versions, `interpreter_reset` is true).
    """
    if not isinstance(output, dict) or not isinstance(output.get("state"), str):
        return None
    if output["state"] == "discarded" or output.get("interpreter_reset") is True:
        error = output.get("error")
        return LastResult(calls=None, trap=error if isinstance(error, str) else "a trap")
    calls = output.get("calls")
    return LastResult(calls=calls if isinstance(calls, int) and not isinstance(calls, bool) else None)
