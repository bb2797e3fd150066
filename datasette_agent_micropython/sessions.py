"""Which interpreter answers which conversation: an LRU of live sessions, a lock per conversation,
and the snapshot store behind them.

Calls in one conversation run one at a time, in arrival order (asyncio.Lock is fair). Calls in
different conversations run in parallel. Blocking work (starting, running and snapshotting
interpreters) runs in a thread pool, never on the event loop.

After each call that leaves the interpreter alive, its image is written to the store. That
happens after the result has gone back, while the conversation's lock is still held, so the next
call in the conversation waits for the write and `kill -9` loses at most the call in flight.
A conversation with no live interpreter is restored from its image. Eviction happens in one place,
`_evict`, under the victim's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Mapping

from .runtime import RunResult, Runtime, Session, SessionError
from .settings import TOOL_NAME, Settings
from .snapshot import EncodedChunks, Snapshot, SnapshotError
from .store import SnapshotStore, last_reported_calls, utc_now

log = logging.getLogger(__name__)

# The longest a graceful shutdown spends storing live sessions.
SHUTDOWN_SECONDS = 10.0

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
    # "new": a fresh interpreter ran this call; "live": the conversation's interpreter was resident;
    # "restored": it was brought back from its stored image.
    state: str
    # Why the state is not what the model might have expected.
    state_note: str | None = None
    # Calls this interpreter has run, this one included (0 once a trap discarded it).
    calls: int = 0


class ConversationLocks:
    """One asyncio.Lock per conversation, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    async def acquire(self, conversation_id: str) -> None:
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        self._users[conversation_id] = self._users.get(conversation_id, 0) + 1
        try:
            await lock.acquire()
        except BaseException:
            self._forget(conversation_id)
            raise

    def release(self, conversation_id: str) -> None:
        self._locks[conversation_id].release()
        self._forget(conversation_id)

    def _forget(self, conversation_id: str) -> None:
        self._users[conversation_id] -= 1
        if not self._users[conversation_id]:
            del self._users[conversation_id]
            del self._locks[conversation_id]

    @contextlib.asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        await self.acquire(conversation_id)
        try:
            yield
        finally:
            self.release(conversation_id)


class SessionManager:
    def __init__(
        self,
        settings: Settings,
        host_functions: Mapping[str, Callable[..., Any]],
        store: SnapshotStore | None = None,
        runtime: Callable[[], Runtime] = shared_runtime,
        messages_database: Any = None,
    ) -> None:
        self.settings = settings
        self.host_functions = dict(host_functions)
        self.store = store
        self._runtime = runtime
        # Where datasette-agent keeps `agent_messages`: what the model was shown of earlier calls.
        self.messages_database = messages_database
        self._live: OrderedDict[str, Session] = OrderedDict()
        # Conversation id -> why a trap discarded its interpreter, told to the model on its next call.
        self._traps: OrderedDict[str, str] = OrderedDict()
        # Conversation id -> (actor id, UTC time) of its last call, for the admin page.
        self._last_calls: dict[str, tuple[str | None, str]] = {}
        self._locks = ConversationLocks()
        self._background: set[asyncio.Task] = set()
        self._executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="micropython-call")

    @property
    def live_conversations(self) -> list[str]:
        """Conversation ids with a resident interpreter, least recently used first."""
        return list(self._live)

    def live_sessions(self) -> list[dict[str, Any]]:
        """What the admin page shows of each live interpreter, most recently used first."""
        rows = []
        for conversation_id, session in reversed(self._live.items()):
            actor_id, last_used_at = self._last_calls.get(conversation_id, (None, None))
            rows.append(
                {
                    "conversation_id": conversation_id,
                    "actor_id": actor_id,
                    "memory_bytes": session.memory_size,
                    "calls": session.calls,
                    "last_used_at": last_used_at,
                }
            )
        return rows

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _new_session(self, image: Snapshot | None = None) -> Session:
        return self._runtime().new_session(self.settings.limits, self.host_functions, image)

    async def run(
        self,
        conversation_id: str,
        code: str,
        *,
        reset: bool = False,
        context: Any = None,
        actor_id: str | None = None,
    ) -> CallOutcome:
        await self._locks.acquire(conversation_id)
        lock_handed_on = False
        try:
            session = self._live.pop(conversation_id, None)
            state, note = "live", None
            if reset:
                if session is not None:
                    await self._in_thread(session.close)
                session = None
                await self._forget_stored(conversation_id)
                note = "reset_context was set: this call ran in a fresh interpreter."
            trap = self._traps.pop(conversation_id, None)
            if session is not None and not session.alive:
                # Given up on while it was resident (it did not come back to Q in time).
                trap = trap or session.death_reason
                await self._forget_stored(conversation_id)
                session = None
            if session is None:
                session, state, restore_note = await self._open(conversation_id)
                note = note or restore_note
                if trap and state == "new" and not note:
                    note = f"The previous call's trap ({trap}) discarded the interpreter: this call ran in a fresh one."
            try:
                result = await self._in_thread(session.run, code, context)
            except SessionError as error:
                result = RunResult(ok=False, error=str(error), error_type="trap", fuel_used=None, trapped=True)
            if result.trapped:
                # A trap discards the interpreter, and its stored image with it.
                self._last_calls.pop(conversation_id, None)
                self._remember_trap(conversation_id, result.error or result.error_type)
                await self._forget_stored(conversation_id)
                discarded = f"The interpreter was discarded ({result.error}); the next call starts with no variables."
                note = f"{note} {discarded}" if note else discarded
            else:
                self._last_calls[conversation_id] = (actor_id, utc_now())
                self._live[conversation_id] = session
                self._in_background(self._store_then_release(conversation_id, session, actor_id))
                lock_handed_on = True
            calls = 0 if result.trapped else session.calls
            return CallOutcome(result=result, state=state, state_note=note, calls=calls)
        finally:
            if not lock_handed_on:
                self._locks.release(conversation_id)

    def _remember_trap(self, conversation_id: str, reason: str) -> None:
        self._traps[conversation_id] = reason
        while len(self._traps) > 10_000:
            self._traps.popitem(last=False)

    def _in_background(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _open(self, conversation_id: str) -> tuple[Session, str, str | None]:
        """The conversation's interpreter: restored from its image if it has one, else fresh."""
        blob = await self.store.load(conversation_id) if self.store else None
        if blob is None:
            session = await self._in_thread(self._new_session)
            if await self._reported_calls(conversation_id):
                return session, "new", (
                    "This conversation's stored state is gone (removed by the retention limits or by an "
                    "admin): this call ran in a fresh interpreter."
                )
            return session, "new", None
        try:
            snapshot, encoded = await self._in_thread(Snapshot.decode_reusable, blob, self.settings.limits.memory_bytes)
            session = await self._in_thread(self._new_session, snapshot)
            problem = session.restore_error
        except (SnapshotError, SessionError) as error:
            session, problem = None, str(error)
        if problem is None:
            _last_encodings[session] = encoded
            return session, "restored", await self._lost_calls_note(conversation_id, session.calls)
        log.warning("Discarding the stored session of conversation %s: %s", conversation_id, problem)
        await self._forget_stored(conversation_id)
        if session is None:
            session = await self._in_thread(self._new_session)
        note = f"The stored state could not be restored ({problem}); this call ran in a fresh interpreter."
        return session, "new", note

    async def _reported_calls(self, conversation_id: str) -> int | None:
        if self.messages_database is None:
            return None
        return await last_reported_calls(self.messages_database, conversation_id, TOOL_NAME)

    async def _lost_calls_note(self, conversation_id: str, image_calls: int) -> str | None:
        reported = await self._reported_calls(conversation_id)
        if reported is None or reported <= image_calls:
            return None
        lost = reported - image_calls
        return (
            f"The interpreter was restored as of call {image_calls}; the last {lost} call(s) ran but their "
            "effects were lost when the server stopped abruptly. Re-run them if you need what they defined."
        )

    async def _store_then_release(self, conversation_id: str, session: Session, actor_id: str | None) -> None:
        try:
            await self._store(conversation_id, session, actor_id)
        finally:
            self._locks.release(conversation_id)
        await self._evict_over_limit()

    async def _store(self, conversation_id: str, session: Session, actor_id: str | None = None) -> bool:
        """Write the session's image. True if it was stored.

        Eviction writes it again even when the image after the last call was stored: retention
        may have pruned that row since. A failed write is logged and the session stays live:
        nothing is lost while it is resident.
        """
        if self.store is None:
            return True
        actor_and_time = self._last_calls.get(conversation_id)
        try:
            snapshot, image = await self._in_thread(_snapshot_and_encode, session)
            await self.store.save(
                conversation_id,
                actor_id or (actor_and_time[0] if actor_and_time else None),
                snapshot,
                image,
                last_used_at=actor_and_time[1] if actor_and_time else None,
            )
        except Exception as error:
            log.warning("Could not store the session of conversation %s: %s", conversation_id, error)
            return False
        return True

    async def _forget_stored(self, conversation_id: str) -> None:
        if self.store is not None:
            try:
                await self.store.delete(conversation_id)
            except Exception as error:
                log.warning("Could not delete the stored session of conversation %s: %s", conversation_id, error)

    async def _evict_over_limit(self) -> None:
        while len(self._live) > self.settings.max_sessions:
            victim = next(iter(self._live))
            async with self._locks.hold(victim):
                session = self._live.pop(victim, None)
                if session is not None and not await self._evict(victim, session):
                    # The image could not be written: keep the interpreter rather than lose it.
                    self._live[victim] = session
                    return

    async def _evict(self, conversation_id: str, session: Session) -> bool:
        """The one place where a resident interpreter leaves memory: stored first, then closed.

        Returns False, and leaves the session open, when its image could not be stored.
        """
        if not await self._store(conversation_id, session) and session.alive:
            return False
        self._last_calls.pop(conversation_id, None)
        if not session.alive:
            # It did not come back to Q in time for its snapshot: a trap, told on the next call.
            self._remember_trap(conversation_id, session.death_reason)
            await self._forget_stored(conversation_id)
        await self._in_thread(session.close)
        return True

    async def discard(self, conversation_id: str) -> None:
        """Forget a conversation's interpreter, live and stored (an admin reset)."""
        async with self._locks.hold(conversation_id):
            session = self._live.pop(conversation_id, None)
            if session is not None:
                await self._in_thread(session.close)
            self._last_calls.pop(conversation_id, None)
            await self._forget_stored(conversation_id)

    async def wait_for_writes(self) -> None:
        """Wait until the image writes of finished calls (and the evictions they caused) are done."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
            await asyncio.sleep(0)

    async def shutdown(self, seconds: float = SHUTDOWN_SECONDS) -> None:
        """Graceful stop, in bounded time whatever the guests do: finish pending writes, store
        every live session, close them all.

        Every step is bounded (a call, a snapshot, a close), and the whole by `seconds`. What is
        left then is closed without a new image: its image after its last completed call is
        already stored. (The server lets requests in flight finish before this runs.)
        """
        try:
            await asyncio.wait_for(self._store_and_close_all(), seconds)
        except asyncio.TimeoutError:
            log.warning("Shutdown: %d live session(s) not stored within %g seconds", len(self._live), seconds)
        while self._live:
            _, session = self._live.popitem()
            session.close(wait_seconds=0)

    async def _store_and_close_all(self) -> None:
        await self.wait_for_writes()
        for conversation_id in list(self._live):
            async with self._locks.hold(conversation_id):
                session = self._live.pop(conversation_id, None)
                if session is not None and not await self._evict(conversation_id, session):
                    await self._in_thread(session.close)


# Each live session's last encode (None after a restore from a whole image): its next image
# recompresses only the chunks that changed, and keeps the others where they were.
_last_encodings: "weakref.WeakKeyDictionary[Session, EncodedChunks | None]" = weakref.WeakKeyDictionary()


def _snapshot_and_encode(session: Session) -> tuple[Snapshot, bytes]:
    snapshot = session.snapshot()
    image, _last_encodings[session] = snapshot.encode_reusing(_last_encodings.get(session))
    return snapshot, image
