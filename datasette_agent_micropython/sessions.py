"""Which interpreter answers which conversation: an LRU of live sessions, a lock per conversation,
and the snapshot store behind them.

Calls in one conversation run one at a time, in arrival order (asyncio.Lock is fair). Calls in
different conversations run in parallel. Blocking work (starting, running and snapshotting
interpreters) runs in a thread pool, never on the event loop.

Each call is one unit of work (`_call`, a task of its own) that holds the conversation's lock from
before it picks the interpreter until the interpreter is back in the LRU; the result goes back as
soon as the code has run. Images are written behind the calls by one writer (`_write_images`),
under the conversation's lock, oldest change first. On a quiet server an image lands a few
milliseconds after its call. Under load the writer keeps to a share of the time, and a
conversation whose next call has already begun is not written between the two: one image then
covers both calls, and `kill -9` loses at most the calls since the last image (the model is told
how many). A conversation with no live interpreter is restored from its image. Eviction happens in
one place, `_evict`, under the victim's lock, and writes what the writer has not.

The manager says what happened in structured form (`State`, and `Reason`s); `tool.py` puts it
into words for the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from .history import ConversationHistory
from .runtime import RunResult, Runtime, Session, SessionError
from .settings import Settings
from .snapshot import PAGE_SIZE, EncodedChunks, Snapshot, SnapshotError
from .store import SnapshotStore, utc_now

log = logging.getLogger(__name__)

# The longest a graceful shutdown spends storing live sessions.
SHUTDOWN_SECONDS = 10.0

# The image writer's share of the time while images wait: after a write that took t seconds it
# rests t * (1 / share - 1) before the next. Snapshotting after every call would cost more CPU
# than a small call itself; resting lets busy conversations' calls share one image instead.
WRITER_SHARE = 0.2

_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def shared_runtime() -> Runtime:
    """The process's one Runtime, created on first use (compiling or loading the module)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime()
        return _runtime


# Which interpreter ran a call: a fresh one ("new"), the conversation's resident one ("live"), or
# the conversation's brought back from its stored image ("restored"); "discarded" when, whichever
# it was, a trap in the call discarded it, so the next call starts fresh.
State = Literal["new", "live", "restored", "discarded"]


# Why a call's interpreter is not the one the model may expect. Each is told to the model.


@dataclass(frozen=True)
class ResetRequested:
    """The call asked for a fresh interpreter (reset_context)."""


@dataclass(frozen=True)
class DiscardedAfterTrap:
    """A trap in an earlier call discarded the interpreter."""

    trap: str


@dataclass(frozen=True)
class GivenUp:
    """After an earlier call the interpreter did not come back to its resting point in time."""

    why: str


@dataclass(frozen=True)
class RemovedByRetentionOrAdmin:
    """The conversation had an interpreter, and its image is gone from the store."""


@dataclass(frozen=True)
class FingerprintChanged:
    """The image was made by another build or configuration of the sandbox."""


@dataclass(frozen=True)
class ImageUnreadable:
    """The image could not be decoded or restored."""

    problem: str


@dataclass(frozen=True)
class CallsLost:
    """Restored from an image older than the last result the model saw (a `kill -9` in between)."""

    restored_calls: int
    lost_calls: int


@dataclass(frozen=True)
class Trapped:
    """This call's trap discarded the interpreter that ran it."""

    error: str


Reason = (
    ResetRequested
    | DiscardedAfterTrap
    | GivenUp
    | RemovedByRetentionOrAdmin
    | FingerprintChanged
    | ImageUnreadable
    | CallsLost
    | Trapped
)


@dataclass(frozen=True)
class CallOutcome:
    result: RunResult
    state: State
    # Calls the interpreter has run, this one included; None when this call discarded it.
    calls: int | None
    # Why the state is not what the model might have expected, in the order they happened.
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class _Interpreter:
    """The interpreter chosen for a call, and how it came to be."""

    session: Session
    state: State
    reason: Reason | None = None


class ConversationLocks:
    """One asyncio.Lock per conversation, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    def busy(self, conversation_id: str) -> bool:
        """Whether anyone holds or waits for the conversation's lock."""
        return conversation_id in self._users

    @contextlib.asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        """Hold the conversation's lock for the body; released on every way out, once."""
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


class SessionManager:
    def __init__(
        self,
        settings: Settings,
        host_functions: Mapping[str, Callable[..., Any]],
        store: SnapshotStore | None = None,
        runtime: Callable[[], Runtime] = shared_runtime,
        history: ConversationHistory | None = None,
    ) -> None:
        self.settings = settings
        self.host_functions = dict(host_functions)
        self.store = store
        self._runtime = runtime
        # What the model was shown of earlier calls (None where nothing records it).
        self.history = history
        # Idle interpreters by conversation id, least recently used first. A call pops its
        # conversation's interpreter for as long as the code runs, and eviction pops only under
        # the victim's lock: that is what keeps a running interpreter from being evicted. After
        # the call it is back here, and the writer snapshots it here, under the lock.
        self._live: OrderedDict[str, Session] = OrderedDict()
        # Conversations whose live interpreter ran calls since its image was last written, oldest
        # change first: the writer's queue. Only these are written on eviction: an unchanged image
        # is not written again.
        self._unwritten: OrderedDict[str, None] = OrderedDict()
        self._writer: asyncio.Task | None = None
        # Set while something waits for every image (shutdown, wait_for_writes): no resting, and
        # a rest under way ends at once (the event, made by each run of the writer).
        self._flushing = 0
        self._end_rest: asyncio.Event | None = None
        # Conversation id -> why its interpreter was discarded, told to the model on its next call.
        self._discarded: OrderedDict[str, Reason] = OrderedDict()
        # Conversation id -> (actor id, UTC time) of its last call, for the admin page.
        self._last_calls: dict[str, tuple[str | None, str]] = {}
        # Session -> bytes of its non-zero memory pages as of its last snapshot, for the admin page.
        self._touched_bytes: weakref.WeakKeyDictionary[Session, int] = weakref.WeakKeyDictionary()
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
                    "touched_bytes": self._touched_bytes.get(session),
                    "calls": session.calls,
                    "last_used_at": last_used_at,
                }
            )
        return rows

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _new_session(self, snapshot: Snapshot | None = None) -> Session:
        return self._runtime().new_session(self.settings.limits, self.host_functions, snapshot)

    async def run(
        self,
        conversation_id: str,
        code: str,
        *,
        reset: bool = False,
        host_context: Any = None,
        actor_id: str | None = None,
    ) -> CallOutcome:
        """Run `code` in the conversation's interpreter; returns as soon as the code has run.

        The call is a task of its own, `_call`, which owns the conversation's lock until the
        interpreter is back in the LRU with its image queued. Cancelling the caller does not cancel
        it: the guest cannot be stopped midway, so the call completes, its interpreter is kept and
        its image written, and only the outcome is dropped.
        """
        outcome: asyncio.Future = asyncio.get_running_loop().create_future()
        outcome.add_done_callback(_mark_retrieved)
        unit = self._in_background(self._call(conversation_id, code, reset, host_context, actor_id, outcome))
        # A unit that ends without an outcome (cancelled, even before it started) cancels the caller.
        unit.add_done_callback(lambda _: outcome.done() or outcome.cancel())
        return await asyncio.shield(outcome)

    async def _call(
        self,
        conversation_id: str,
        code: str,
        reset: bool,
        host_context: Any,
        actor_id: str | None,
        outcome: asyncio.Future,
    ) -> None:
        """One call, start to finish, under the conversation's lock: pick the interpreter, run the
        code, hand the outcome over, queue the image."""
        async with self._locks.hold(conversation_id):
            if self._flushing and conversation_id in self._unwritten:
                # A shutdown waits for every image, and may cut this call short at its deadline:
                # the calls before it, which the writer passed over, are written first.
                waiting = self._live.get(conversation_id)
                if waiting is not None and waiting.alive:
                    await self._write_image(conversation_id, waiting)
            try:
                called, kept = await self._run_code(conversation_id, code, reset, host_context)
            except Exception as error:
                outcome.set_exception(error)
                return
            if kept is not None:
                self._last_calls[conversation_id] = (actor_id, utc_now())
                self._live[conversation_id] = kept
                self._unwritten[conversation_id] = None
                self._start_writer()
            outcome.set_result(called)
        await self._evict_over_limit()

    async def _run_code(
        self, conversation_id: str, code: str, reset: bool, host_context: Any
    ) -> tuple[CallOutcome, Session | None]:
        """The call's outcome, and the interpreter to keep (None once a trap discarded it)."""
        interpreter = await self._interpreter(conversation_id, reset)
        session = interpreter.session
        reasons = () if interpreter.reason is None else (interpreter.reason,)
        try:
            result = await self._in_thread(session.run, code, host_context)
        except SessionError as error:
            result = RunResult(ok=False, error=str(error), error_type="trap", fuel_used=None, trapped=True)
        except BaseException:
            # The call's task was cancelled while the guest runs: nobody will use this interpreter.
            session.close(wait_seconds=0)
            raise
        if not result.trapped:
            return CallOutcome(result, interpreter.state, session.calls, reasons), session
        # A trap discards the interpreter, and its stored image with it.
        trap = Trapped(result.error or result.error_type or "trap")
        self._remember_discard(conversation_id, DiscardedAfterTrap(trap.error))
        self._last_calls.pop(conversation_id, None)
        await self._forget_stored(conversation_id)
        return CallOutcome(result, "discarded", None, (*reasons, trap)), None

    async def _interpreter(self, conversation_id: str, reset: bool) -> _Interpreter:
        """The interpreter for a call, and why it is not the one the model may expect: the live
        one, else a fresh one when the old one was reset or discarded, else the stored image's."""
        session = self._live.pop(conversation_id, None)
        reason = self._discarded.pop(conversation_id, None)
        if session is not None and not session.alive:
            reason = GivenUp(session.death_reason)
        if reset:
            reason = ResetRequested()
        if session is not None and reason is not None:
            self._unwritten.pop(conversation_id, None)
            if session.alive:
                await self._in_thread(session.close)
            else:
                session.close(wait_seconds=0)
            session = None
        if session is not None:
            return _Interpreter(session, "live")
        if reason is not None:
            # Whatever image is left is no longer this conversation's state.
            await self._forget_stored(conversation_id)
            return _Interpreter(await self._in_thread(self._new_session), "new", reason)
        return await self._open(conversation_id)

    def _remember_discard(self, conversation_id: str, reason: Reason) -> None:
        self._unwritten.pop(conversation_id, None)
        self._discarded[conversation_id] = reason
        while len(self._discarded) > 10_000:
            self._discarded.popitem(last=False)

    def _in_background(self, coroutine: Any) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _open(self, conversation_id: str) -> _Interpreter:
        """The conversation's interpreter restored from its image, or a fresh one and why."""
        image = await self.store.load(conversation_id) if self.store else None
        if image is None:
            return _Interpreter(
                await self._in_thread(self._new_session), "new", await self._why_no_image(conversation_id)
            )
        session, problem = await self._restore(image)
        if problem is None:
            return _Interpreter(session, "restored", await self._calls_lost(conversation_id, session.calls))
        log.warning("Discarding the stored session of conversation %s: %r", conversation_id, problem)
        await self._forget_stored(conversation_id)
        if session is None:
            session = await self._in_thread(self._new_session)
        return _Interpreter(session, "new", problem)

    async def _restore(self, image: bytes) -> tuple[Session | None, Reason | None]:
        """A session carrying on from `image`, or why it cannot (with the untouched fresh session
        when one was started). Decoded and laid in one job of the thread pool: one hand-off."""
        session, problem, encoded, touched_bytes = await self._in_thread(self._decode_and_lay, image)
        if session is not None and problem is None:
            self._touched_bytes[session] = touched_bytes
            _last_encodings[session] = encoded
        return session, problem

    def _decode_and_lay(self, image: bytes) -> tuple[Session | None, Reason | None, EncodedChunks | None, int]:
        """_restore's work in the thread pool; also the last encode and the bytes of non-zero pages."""
        try:
            snapshot, encoded = Snapshot.decode_reusable(image, self.settings.limits.memory_bytes)
        except SnapshotError as error:
            return None, ImageUnreadable(str(error)), None, 0
        if snapshot.fingerprint != self._runtime().fingerprint(self.settings.limits, list(self.host_functions)):
            return None, FingerprintChanged(), None, 0
        try:
            session = self._new_session(snapshot)
        except SessionError as error:
            return None, ImageUnreadable(str(error)), None, 0
        if session.restore_error is not None:
            return session, ImageUnreadable(session.restore_error), None, 0
        return session, None, encoded, len(snapshot.pages) * PAGE_SIZE

    async def _why_no_image(self, conversation_id: str) -> Reason | None:
        """Why a conversation the model has used before has no image, if it has."""
        last = await self.history.last_result(conversation_id) if self.history else None
        if last is None:
            return None
        if last.trap is not None:
            # The trap was told before a restart, which forgot it: tell it again.
            return DiscardedAfterTrap(last.trap)
        return RemovedByRetentionOrAdmin() if last.calls else None

    async def _calls_lost(self, conversation_id: str, image_calls: int) -> Reason | None:
        last = await self.history.last_result(conversation_id) if self.history else None
        if last is None or last.calls is None or last.calls <= image_calls:
            return None
        return CallsLost(restored_calls=image_calls, lost_calls=last.calls - image_calls)

    async def _write_image(self, conversation_id: str, session: Session) -> bool:
        """Snapshot the session and write its image. True if it was written (or there is no store).

        Callers hold the conversation's lock. A failed write is logged and the session stays live
        and unwritten: nothing is lost while it is resident, and eviction tries again.
        """
        if self.store is not None:
            actor_id, last_used_at = self._last_calls.get(conversation_id, (None, None))
            try:
                snapshot, image = await self._in_thread(_snapshot_and_encode, session)
                self._touched_bytes[session] = len(snapshot.pages) * PAGE_SIZE
                await self.store.save(conversation_id, actor_id, snapshot, image, last_used_at=last_used_at)
            except Exception as error:
                log.warning("Could not store the session of conversation %s: %s", conversation_id, error)
                return False
        self._unwritten.pop(conversation_id, None)
        return True

    async def _write_images(self) -> None:
        """The image writer: write each conversation that ran calls since its last image, oldest
        change first, then rest (see WRITER_SHARE) while more wait.

        A conversation with a call running or waiting is passed over: that call queues it again
        when it ends, and one image covers both.
        """
        loop = asyncio.get_running_loop()
        self._end_rest = asyncio.Event()
        # Conversations whose write failed in this run: logged, tried again in the next run (after
        # the next call ends) and on eviction, and meanwhile not in the way of the others.
        failed: set[str] = set()
        try:
            while True:
                conversation_id = next(
                    (c for c in self._unwritten if c not in failed and not self._locks.busy(c)), None
                )
                if conversation_id is None:
                    return
                started = loop.time()
                async with self._locks.hold(conversation_id):
                    session = self._live.get(conversation_id)
                    if session is None or not session.alive:
                        # Its call failed, or it did not come back to its resting point: there is
                        # nothing to write (eviction or its next call says why).
                        self._unwritten.pop(conversation_id, None)
                    elif conversation_id in self._unwritten and not await self._write_image(conversation_id, session):
                        failed.add(conversation_id)
                if not self._flushing:
                    with contextlib.suppress(asyncio.TimeoutError):
                        rest = (loop.time() - started) * (1 / WRITER_SHARE - 1)
                        await asyncio.wait_for(self._end_rest.wait(), rest)
        finally:
            self._writer = None
            self._end_rest = None

    def _start_writer(self) -> None:
        """Start the image writer unless it runs (a task cancelled before its first step never
        ran its `finally`: a done task counts as none)."""
        if self.store is not None and (self._writer is None or self._writer.done()):
            self._writer = self._in_background(self._write_images())

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
        """The one place where a resident interpreter leaves memory: written first if it ran
        anything since its last image, then closed. Called under the conversation's lock.

        Returns False, and leaves the session open, when its image could not be written. An
        image that retention or an admin removed while the interpreter was resident is not
        written back: their decision stands.
        """
        unwritten = conversation_id in self._unwritten
        if session.alive and unwritten and not await self._write_image(conversation_id, session) and session.alive:
            return False
        self._last_calls.pop(conversation_id, None)
        self._unwritten.pop(conversation_id, None)
        if not session.alive:
            # It did not come back to its resting point in time for a snapshot: told on the next call.
            self._remember_discard(conversation_id, GivenUp(session.death_reason))
            await self._forget_stored(conversation_id)
        await self._in_thread(session.close)
        return True

    async def discard(self, conversation_id: str) -> None:
        """Forget a conversation's interpreter, live and stored (an admin reset)."""
        async with self._locks.hold(conversation_id):
            session = self._live.pop(conversation_id, None)
            self._unwritten.pop(conversation_id, None)
            if session is not None:
                await self._in_thread(session.close)
            self._last_calls.pop(conversation_id, None)
            await self._forget_stored(conversation_id)

    async def wait_for_writes(self) -> None:
        """Wait until the calls in flight, their image writes and the evictions they caused are
        done; the writer does not rest meanwhile."""
        self._flushing += 1
        if self._end_rest is not None:
            self._end_rest.set()
        try:
            while self._background:
                await asyncio.gather(*list(self._background), return_exceptions=True)
                await asyncio.sleep(0)
        finally:
            self._flushing -= 1

    async def shutdown(self, seconds: float = SHUTDOWN_SECONDS) -> None:
        """Graceful stop, in bounded time whatever the guests do: finish pending writes, store
        every live session, close them all.

        Every step is bounded (a call, a snapshot, a close), and the whole by `seconds`. What is
        left then is closed without a new image. Its stored image is the one after its last
        completed call, unless the writer had passed over that call because the next one had
        begun: a call still running at the deadline then loses those calls too. (The server lets
        requests in flight finish before this runs, and a call that begins meanwhile writes the
        image it would cover first.)
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
_last_encodings: weakref.WeakKeyDictionary[Session, EncodedChunks | None] = weakref.WeakKeyDictionary()


def _snapshot_and_encode(session: Session) -> tuple[Snapshot, bytes]:
    snapshot, image, _last_encodings[session] = session.snapshot_image(_last_encodings.get(session))
    return snapshot, image


def _mark_retrieved(outcome: asyncio.Future) -> None:
    """A caller cancelled before its outcome arrived never reads it: read its error here, so
    asyncio does not log it as never retrieved."""
    if not outcome.cancelled():
        outcome.exception()
