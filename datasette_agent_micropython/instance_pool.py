"""Interpreters booted ahead of need, so that a new session or a restore does not wait for a boot.

Booting an instance to its quiescent point costs a few milliseconds, and tens more when it also
loads the CPython helpers (as a new session's does); laying a snapshot over one costs far less. The
pool keeps a few booted instances parked at Q for each kind of instance (what a fresh instance
depends on: what it is for, its limits and its host functions' names), and boots replacements in a
background thread once the one it handed out is in use (`top_up`). A pooled instance that has
waited is indistinguishable from one booted on the spot: a restore replaces every byte of its
memory, its stack pointer, clock, call count and names (the snapshot differential suite checks
this byte for byte); a new session gets one that has run no user code, with the caller's host
functions and its clock set back to the end of its boot (the runtime does both). A take that finds
none parked waits for the one being booted, if any, rather than boot a second one beside it.

Bounded: at most `per_key` instances for each of at most `max_keys` kinds; the kind used least
recently is dropped (its instances closed) when another one comes. `close()` closes every parked
instance and stops the filler thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)


class Parkable(Protocol):
    """What the pool needs of an instance (a runtime Session)."""

    @property
    def alive(self) -> bool: ...

    def close(self, wait_seconds: float = ...) -> bool: ...


Instance = TypeVar("Instance", bound=Parkable)

# How long close() waits for each parked instance's thread: parked at Q, it ends at once.
CLOSE_WAIT_SECONDS = 2.0


class InstancePool(Generic[Instance]):
    """Ready instances by kind; `take()` hands one out (or None) and asks for a replacement."""

    def __init__(self, per_key: int, max_keys: int) -> None:
        if per_key < 1 or max_keys < 1:
            raise ValueError("an instance pool holds at least one instance of at least one kind")
        self.per_key = per_key
        self.max_keys = max_keys
        self._changed = threading.Condition()
        # Kind -> how to boot one (the latest caller's way), most recently used last.
        self._boot: OrderedDict[Hashable, Callable[[], Instance]] = OrderedDict()
        self._ready: dict[Hashable, deque[Instance]] = {}
        # Kind -> instances the filler is booting now (0 or 1: it boots one at a time).
        self._booting: dict[Hashable, int] = {}
        # Kinds to top up; None stops the filler.
        self._wanted: queue.SimpleQueue[Hashable | None] = queue.SimpleQueue()
        self._filler: threading.Thread | None = None
        self._closed = False

    def take(self, key: Hashable, boot: Callable[[], Instance], wait_seconds: float = 0.0) -> Instance | None:
        """A parked instance of kind `key`, or None. Call `top_up(key)` once it is in use: the
        pool then boots replacements with `boot()` in the background.

        When none is parked but the filler is booting one of this kind, waits up to `wait_seconds`
        for it: in a burst of restores that is sooner than a boot of one's own, and spares the
        machine a second boot competing with the first.
        """
        dropped: list[Instance] = []
        with self._changed:
            if self._closed:
                return None
            self._boot[key] = boot
            self._boot.move_to_end(key)
            while len(self._boot) > self.max_keys:
                old_key, _ = self._boot.popitem(last=False)
                dropped.extend(self._ready.pop(old_key, ()))
            self._ready.setdefault(key, deque())
            instance = self._pop_alive(key, dropped)
            deadline = time.monotonic() + wait_seconds
            while instance is None and self._booting.get(key) and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
                instance = self._pop_alive(key, dropped)
            if self._filler is None:
                self._filler = threading.Thread(target=self._fill, name="micropython-pool", daemon=True)
                self._filler.start()
        for old in dropped:
            old.close(wait_seconds=0)
        return instance

    def top_up(self, key: Hashable) -> None:
        """Boot instances of kind `key` in the background until `per_key` are parked.

        Separate from take(), so that a boot's Python work does not compete for the GIL with the
        restore that took the instance.
        """
        self._wanted.put(key)

    def _pop_alive(self, key: Hashable, dropped: list[Instance]) -> Instance | None:
        """The oldest live parked instance of `key`, if any; dead ones go to `dropped`."""
        ready = self._ready.get(key)
        while ready:
            candidate = ready.popleft()
            if candidate.alive:
                return candidate
            dropped.append(candidate)
        return None

    def parked(self) -> int:
        """How many instances are parked now, of every kind."""
        with self._changed:
            return sum(len(ready) for ready in self._ready.values())

    def close(self) -> None:
        """Close every parked instance and stop the filler; later takes return None."""
        with self._changed:
            self._closed = True
            parked = [instance for ready in self._ready.values() for instance in ready]
            self._ready.clear()
            self._boot.clear()
            filler = self._filler
            self._changed.notify_all()
        self._wanted.put(None)
        for instance in parked:
            instance.close(wait_seconds=CLOSE_WAIT_SECONDS)
        if filler is not None and filler is not threading.current_thread():
            filler.join(CLOSE_WAIT_SECONDS)

    def _fill(self) -> None:
        """The filler thread: boot instances for the kinds asked for, up to `per_key` each."""
        while True:
            key = self._wanted.get()
            if key is None:
                return
            while True:
                with self._changed:
                    boot = self._boot.get(key)
                    if self._closed or boot is None or len(self._ready.get(key, ())) >= self.per_key:
                        break
                    self._booting[key] = self._booting.get(key, 0) + 1
                instance = None
                try:
                    instance = boot()
                except Exception:
                    # A kind that cannot boot is tried again only at its next take.
                    log.warning("could not boot an instance for the pool", exc_info=True)
                with self._changed:
                    self._booting[key] -= 1
                    if not self._booting[key]:
                        del self._booting[key]
                    wanted = (
                        instance is not None
                        and not self._closed
                        and key in self._boot
                        and len(self._ready[key]) < self.per_key
                    )
                    if wanted:
                        self._ready[key].append(instance)
                    self._changed.notify_all()
                if instance is None:
                    break
                if not wanted:
                    instance.close(wait_seconds=0)
