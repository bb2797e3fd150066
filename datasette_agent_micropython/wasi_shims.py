"""The WASI calls the host answers itself instead of Wasmtime: the clocks, stdout and stderr, sleep.

Each shim reads and writes the guest's linear memory at the raw byte offsets the guest passes,
so each checks every offset against the memory's size before it touches a byte, and answers a bad
one with a WASI errno, never an exception. They run on the session's own thread, called through
the runtime's dispatch with the session that owns that thread.
"""

from __future__ import annotations

import ctypes
import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import wasmtime
from wasmtime import Caller, FuncType, WasmtimeError
from wasmtime import _bindings as wasmtime_ffi

if TYPE_CHECKING:
    from .runtime import Session

# WASI errno values.
ERRNO_SUCCESS = 0
ERRNO_BADF = 8
ERRNO_FAULT = 21
ERRNO_INVAL = 28
ERRNO_NOTSUP = 58


class CappedOutput:
    """Bytes written by the guest, kept up to a cap while they are written."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        # UTF-8 needs at most 4 bytes a character; the exact cut happens once, in text().
        self.max_bytes = 4 * max_chars
        self.buffer = bytearray()
        self.truncated = False

    def write(self, data: bytes) -> None:
        room = self.max_bytes - len(self.buffer)
        if len(data) > room:
            self.truncated = True
            data = data[: max(room, 0)]
        self.buffer += data

    def text(self) -> tuple[str, bool]:
        text = self.buffer.decode("utf-8", "replace")
        if len(text) > self.max_chars:
            return text[: self.max_chars], True
        return text, self.truncated


def clock_time_get(session: Session, caller: wasmtime.Caller, clock_id: int, precision: int, out_ptr: int) -> int:
    """Realtime is the host's; the monotonic clock belongs to the session, so it can survive a restore."""
    if clock_id == 0:
        now = time.time_ns()
    elif clock_id in (1, 2, 3):
        now = session.clock_now()
    else:
        return ERRNO_INVAL
    memory = caller["memory"]
    if not 0 <= out_ptr <= memory.data_len(caller) - 8:
        return ERRNO_FAULT
    memory.write(caller, (now % 2**64).to_bytes(8, "little"), out_ptr)
    return ERRNO_SUCCESS


def fd_write(
    session: Session, caller: wasmtime.Caller, fd: int, iovs_ptr: int, iovs_len: int, nwritten_ptr: int
) -> int:
    """stdout and stderr, captured here on the session's thread and capped as they are written.

    WASI's own custom stdout calls Python back from Wasmtime's worker threads, which can
    outlive the store and the interpreter; this never leaves the session's thread. The guest
    has no other file it may write (its one preopen, /lib, is read-only).
    """
    output = session.output(fd)
    if output is None:
        return ERRNO_BADF
    memory = session.memory_export(caller)
    size = memory.data_len(caller)
    if not (0 <= iovs_len <= 1024 and 0 <= iovs_ptr <= size - 8 * iovs_len and 0 <= nwritten_ptr <= size - 4):
        return ERRNO_INVAL
    # Printing is the guest's most frequent host call: the bytes are read straight from memory.
    base = ctypes.addressof(memory.data_ptr(caller).contents)
    vectors = ctypes.string_at(base + iovs_ptr, 8 * iovs_len)
    written = 0
    for index in range(iovs_len):
        start, length = struct.unpack_from("<II", vectors, 8 * index)
        if start + length > size:
            return ERRNO_FAULT
        room = max(0, output.max_bytes - len(output.buffer))
        if length:
            output.write(ctypes.string_at(base + start, min(length, room + 1)))
        written += length
    ctypes.c_uint32.from_address(base + nwritten_ptr).value = written % 2**32
    return ERRNO_SUCCESS


def poll_oneoff(
    session: Session, caller: wasmtime.Caller, in_ptr: int, out_ptr: int, count: int, nevents_ptr: int
) -> int:
    """Sleeps (the only use MicroPython has for poll_oneoff), never past the deadline of the
    guest code now running: every phase has one, so no sleep outlives its budget."""
    memory = caller["memory"]
    size = memory.data_len(caller)
    if not (
        0 < count <= 16
        and 0 <= in_ptr <= size - 48 * count
        and 0 <= out_ptr <= size - 32 * count
        and 0 <= nevents_ptr <= size - 4
    ):
        return ERRNO_INVAL
    subscriptions = bytes(memory.read(caller, in_ptr, in_ptr + 48 * count))
    wait_ns = None
    for index in range(count):
        sub = subscriptions[48 * index : 48 * (index + 1)]
        if sub[8] != 0:  # not a clock subscription
            return ERRNO_NOTSUP
        timeout = int.from_bytes(sub[24:32], "little")
        if int.from_bytes(sub[40:42], "little") & 1:  # absolute time on the session clock
            timeout = max(0, timeout - session.clock_now())
        wait_ns = timeout if wait_ns is None else min(wait_ns, timeout)
    session.sleep(wait_ns / 1e9)
    events = b"".join(subscriptions[48 * i : 48 * i + 8] + b"\x00\x00" + b"\x00" + b"\x00" * 21 for i in range(count))
    memory.write(caller, events, out_ptr)
    memory.write(caller, count.to_bytes(4, "little"), nevents_ptr)
    return ERRNO_SUCCESS


def unchecked_fd_write(dispatched: Callable[..., int]) -> Any:
    """fd_write as an unchecked Wasmtime callback around `dispatched` (the runtime's dispatch of
    `fd_write`), without wasmtime-py's per-argument conversions: printing is the guest's most
    frequent host call, and the checked path costs several times the write itself.

    The caller keeps the returned callback alive for as long as any linker uses it.
    """

    @wasmtime_ffi.wasmtime_func_unchecked_callback_t
    def callback(env: int, raw_caller: Any, values: Any, count: int) -> int:
        caller = Caller(raw_caller)
        try:
            values[0].i32 = dispatched(caller, *(values[index].i32 & 0xFFFFFFFF for index in range(4)))
        finally:
            caller._invalidate()
        return 0

    return callback


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _keep(env: int) -> None:
    """The finalizer of an unchecked host function: it owns nothing."""


def define_unchecked(linker: wasmtime.Linker, module: str, name: str, ty: FuncType, callback: Any) -> None:
    """Define `callback` (see `unchecked_fd_write`) as the import `module`.`name` of `linker`."""
    module_bytes, name_bytes = module.encode(), name.encode()
    error = wasmtime_ffi.wasmtime_linker_define_func_unchecked(
        linker.ptr(),
        ctypes.create_string_buffer(module_bytes),
        len(module_bytes),
        ctypes.create_string_buffer(name_bytes),
        len(name_bytes),
        ty.ptr(),
        callback,
        None,
        _keep,
    )
    if error:
        raise WasmtimeError._from_ptr(error)
