"""Which interpreter answers which conversation: an LRU of live sessions and a lock per conversation.

Calls in one conversation run one at a time, in arrival order (asyncio.Lock is fair). Calls in
different conversations run in parallel. Blocking work (starting and running interpreters) runs
in a thread pool, never on the event loop. A session in use is taken out of the LRU, so eviction
only ever touches idle sessions, and it happens in one place: `_evict`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Mapping

from .runtime import RunResult, Runtime, Session
from .settings import Settings

_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def shared_runtime() -> Runtime:
    """The process's one Runtime, created on first use (compiling or loading the module)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime()
        return _runtime


@dataclass
class CallOutcome:
    result: RunResult
    # "new": a fresh interpreter ran this call; "live": the conversation's interpreter was resident.
    state: str
    # Why the state is "new" when the model might have expected otherwise.
    state_note: str | None = None


class ConversationLocks:
    """One asyncio.Lock per conversation, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        self._users[conversation_id] = self._users.get(conversation_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[conversation_id] -= 1
            if not self._users[conversation_id]:
                del self._users[conversation_id]
                del self._locks[conversation_id]

    def is_free(self, conversation_id: str) -> bool:
        return conversation_id not in self._users

    def __len__(self) -> int:
        return len(self._locks)


class SessionManager:
    def __init__(
        self,
        settings: Settings,
        host_functions: Mapping[str, Callable[..., Any]],
        runtime: Callable[[], Runtime] = shared_runtime,
    ) -> None:
        self.settings = settings
        self.host_functions = dict(host_functions)
        self._runtime = runtime
        self._live: OrderedDict[str, Session] = OrderedDict()
        self._locks = ConversationLocks()
        self._executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="micropython-call")

    @property
    def live_conversations(self) -> list[str]:
        """Conversation ids with a resident interpreter, least recently used first."""
        return list(self._live)

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _new_session(self) -> Session:
        return self._runtime().new_session(self.settings.limits, self.host_functions)

    async def run(self, conversation_id: str, code: str, *, reset: bool = False, context: Any = None) -> CallOutcome:
        async with self._locks.hold(conversation_id):
            session = self._live.pop(conversation_id, None)
            state, note = "live", None
            if reset:
                if session is not None:
                    await self._in_thread(session.close)
                session = None
                note = "reset_context was set: this call ran in a fresh interpreter"
            if session is None:
                session = await self._in_thread(self._new_session)
                state = "new"
            result = await self._in_thread(session.run, code, context)
            if session.alive:
                self._live[conversation_id] = session
                await self._evict_over_limit()
            return CallOutcome(result=result, state=state, state_note=note)

    async def _evict_over_limit(self) -> None:
        while len(self._live) > self.settings.max_sessions:
            conversation_id, session = self._live.popitem(last=False)
            await self._evict(conversation_id, session)

    async def _evict(self, conversation_id: str, session: Session) -> None:
        """The one place where a resident interpreter leaves memory."""
        await self._in_thread(session.close)

    async def discard(self, conversation_id: str) -> None:
        """Forget a conversation's interpreter (an admin reset)."""
        async with self._locks.hold(conversation_id):
            session = self._live.pop(conversation_id, None)
            if session is not None:
                await self._in_thread(session.close)
