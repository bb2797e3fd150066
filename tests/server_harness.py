"""Run a real ``datasette`` subprocess and drive Datasette Agent over HTTP.

Unlike ``agent_harness`` (in-process ``datasette.client``), this starts the
installed ``datasette`` command on a free port of 127.0.0.1, so tests can stop
it gracefully (SIGINT/SIGTERM: uvicorn runs the lifespan shutdown, hence the
plugins' ``shutdown`` hooks), ``kill -9`` it, and start it again on the same
files::

    with DatasetteServer(tmp_path, plugin_config={...}) as server:
        cid = start_conversation(server)
        result = run(server, cid, "x = 1")
        server.stop()            # graceful
        server.start()           # same --internal file, same --secret
        result = run(server, cid, "print(x)")

``start_conversation``, ``send``, ``call_tool`` and ``run`` take the same
parameters and return the same things as ``agent_harness``'s (here
synchronous, with the server in place of the Datasette): one API for tests
that run in process and tests that run a server.

The actor is a signed ``ds_actor`` cookie (``{"a": {"id": "alice"}}`` in the
``actor`` namespace, signed with the server's fixed ``--secret``), so it
stays valid across restarts. ``alice`` is granted ``datasette-agent``; the
model is llm-echo's ``echo`` (see ``agent_harness`` for the message syntax
and the SSE events). Every wait is bounded; ``__exit__`` always kills the
process.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

try:  # datasette >= 1.0a41 depends on httpx2, which is the httpx API
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

from agent_harness import (
    ALICE,
    PLUGIN,
    TOOL,
    failed_before_the_tool_ran,
    micropython_message,
    parse_sse,
    tool_calls_message,
    tool_results,
)
from datasette.app import Datasette

SECRET = "server-harness-secret"
# Sends of a turn that failed before the tool ran (see failed_before_the_tool_ran).
TURN_ATTEMPTS = 5

STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 30.0


class ServerError(Exception):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def datasette_command() -> str:
    candidate = Path(sys.executable).parent / "datasette"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("datasette")
    if not found:
        raise ServerError("the datasette command is not installed")
    return found


@functools.cache
def _signer(secret: str) -> Datasette:
    return Datasette(secret=secret)


def actor_cookie(actor: dict, secret: str = SECRET) -> str:
    """The ``ds_actor`` cookie value Datasette's actor_auth_cookie accepts.

    ``{"a": actor}`` signed in the ``actor`` namespace (no ``"e"`` expiry key:
    it never expires), exactly what ``datasette.client.actor_cookie`` makes.
    """
    return _signer(secret).sign({"a": actor}, "actor")


class DatasetteServer:
    """A ``datasette serve`` subprocess with persistent ``--internal`` storage.

    - ``plugin_config`` goes under ``plugins: datasette-agent-micropython``;
      ``config`` is merged over the top level of ``datasette.yaml``.
    - ``databases``: files to serve (mutable). ``internal`` defaults to
      ``directory/internal.db``.
    - ``start()``/``stop()``/``kill9()`` may be repeated; the port is chosen
      afresh on each start.
    """

    def __init__(
        self,
        directory: Path,
        *,
        plugin_config: dict | None = None,
        config: dict | None = None,
        databases: list[Path] | tuple = (),
        internal: Path | None = None,
        secret: str = SECRET,
        actor: dict = ALICE,
        agent_actors: tuple = ("alice",),
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.internal = Path(internal) if internal else self.directory / "internal.db"
        self.databases = [Path(p) for p in databases]
        self.secret = secret
        self.actor = actor
        full = {
            "plugins": {"datasette-llm": {"default_model": "echo"}, PLUGIN: plugin_config or {}},
            "permissions": {"datasette-agent": {"id": list(agent_actors)}},
        }
        full.update(config or {})
        self.config_path = self.directory / "datasette.yaml"
        # JSON is YAML.
        self.config_path.write_text(json.dumps(full, indent=2))
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.starts = 0
        self._log = None

    # -- lifecycle ---------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "datasette.log"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def start(self, timeout: float = STARTUP_TIMEOUT) -> DatasetteServer:
        if self.running:
            raise ServerError("already running")
        self.port = free_port()
        self.starts += 1
        self._log = open(self.log_path, "a")
        self._log.write(f"\n===== start #{self.starts} on port {self.port} =====\n")
        self._log.flush()
        command = [
            datasette_command(),
            "serve",
            *[str(p) for p in self.databases],
            "--internal",
            str(self.internal),
            "--secret",
            self.secret,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "-c",
            str(self.config_path),
        ]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.directory,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code = self._finish()
                raise ServerError(f"datasette exited with {code} during startup:\n{self.log_text()}")
            try:
                response = httpx.get(f"{self.url}/-/versions.json", timeout=2.0)
                if response.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.kill9()
                raise ServerError(f"datasette did not answer within {timeout} s:\n{self.log_text()}")
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGINT, timeout: float = STOP_TIMEOUT) -> int:
        """Graceful stop: send ``sig`` and wait. Returns the exit code; kills it if it hangs.

        uvicorn finishes in-flight requests (a running tool call completes),
        then runs the lifespan shutdown - plugins' ``shutdown`` hooks - and
        logs "Application shutdown complete". Exit code: 1 after SIGINT
        (click prints "Aborted!"), -15 after SIGTERM (uvicorn re-raises it).
        """
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                raise ServerError(
                    f"datasette did not stop within {timeout} s of signal {sig}:\n{self.log_text()}"
                ) from None
        return self._finish()

    def kill9(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL always works
                pass
        return self._finish()

    def _finish(self) -> int:
        code = self.process.returncode
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    def restart(self, graceful: bool = True) -> DatasetteServer:
        if graceful:
            self.stop()
        else:
            self.kill9()
        return self.start()

    def __enter__(self) -> DatasetteServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.kill9()

    # -- HTTP --------------------------------------------------------------

    def client(self, actor: dict | None = "default", timeout: float = REQUEST_TIMEOUT) -> httpx.Client:
        """An httpx client for the running server, signed in as ``actor`` (``None``: anonymous)."""
        actor = self.actor if actor == "default" else actor
        cookies = {"ds_actor": actor_cookie(actor, self.secret)} if actor else {}
        return httpx.Client(base_url=self.url, cookies=cookies, timeout=timeout)


# -- conversations (the same API as agent_harness) ---------------------------


def _checked(response) -> Any:
    if response.status_code != 200:
        raise ServerError(f"HTTP {response.status_code}: {response.text[:500]}")
    return response


def _encoded(message: str | dict) -> str:
    return message if isinstance(message, str) else json.dumps(message)


def start_conversation(server: DatasetteServer, actor: dict | None = ALICE) -> str:
    """Create a conversation owned by ``actor``; return its id."""
    with server.client(actor) as client:
        return _checked(client.post("/-/agent/api/conversations", json={})).json()["conversation_id"]


def send(
    server: DatasetteServer, actor: dict | None, conversation_id: str, message: str | dict, *, client=None
) -> list[dict]:
    """Send one user message (a dict is JSON-encoded: the echo model's tool-call syntax); the turn's SSE events.

    ``client``: an open ``server.client(actor)`` to reuse (load tests keep one per worker).
    """
    body = {"message": _encoded(message)}
    if client is not None:
        return parse_sse(_checked(client.post(f"/-/agent/{conversation_id}/stream", json=body)).text)
    with server.client(actor) as own:
        return parse_sse(_checked(own.post(f"/-/agent/{conversation_id}/stream", json=body)).text)


def call_tool(
    server: DatasetteServer,
    actor: dict | None,
    conversation_id: str,
    name: str,
    arguments: dict | None = None,
    *more_calls: tuple,
) -> list[dict]:
    """Have the model call ``name(**arguments)`` (and ``more_calls`` in the same response); ``tool_results``."""
    calls = [(name, arguments or {}), *more_calls]
    return tool_results(send(server, actor, conversation_id, tool_calls_message(calls)))


def run(
    server: DatasetteServer,
    conversation_id: str,
    python: str,
    *,
    actor: dict | None = ALICE,
    client: Any = None,
    on_retry: Callable[[list[dict]], None] | None = None,
    **arguments: Any,
) -> dict:
    """One execute_micropython call in its own turn; the result JSON the model saw.

    A turn that failed before the tool ran changed nothing, and is sent again (at most
    ``TURN_ATTEMPTS`` times, each failed turn's events passed to ``on_retry``): see
    ``failed_before_the_tool_ran``. ``client`` as for ``send``.
    """
    message = micropython_message(python, **arguments)
    for attempt in range(TURN_ATTEMPTS):
        events = send(server, actor, conversation_id, message, client=client)
        if not failed_before_the_tool_ran(events):
            [result] = tool_results(events)
            return result["model"]
        if on_retry is not None:
            on_retry(events)
        time.sleep(0.2 * (attempt + 1))
    raise ServerError(f"the turn failed {TURN_ATTEMPTS} times before the tool ran: {events}")


def stream_events(
    server: DatasetteServer,
    actor: dict | None,
    conversation_id: str,
    message: str | dict,
    timeout: float = REQUEST_TIMEOUT,
) -> Iterator[tuple[float, dict]]:
    """Like ``send`` but yields ``(time.monotonic(), event)`` as each SSE event arrives.

    Lets a test act mid-turn (e.g. ``kill9()`` once ``tool_call`` arrived,
    while the tool runs). If the server dies the iteration raises an
    ``httpx`` error (or just ends).
    """
    with server.client(actor, timeout=timeout) as client:
        with client.stream(
            "POST", f"/-/agent/{conversation_id}/stream", json={"message": _encoded(message)}
        ) as response:
            if response.status_code != 200:
                response.read()
                raise ServerError(f"HTTP {response.status_code}: {response.text[:500]}")
            block: list[str] = []
            for line in response.iter_lines():
                if line.strip():
                    block.append(line)
                    continue
                if block:
                    for event in parse_sse("\n".join(block)):
                        yield time.monotonic(), event
                    block = []
            if block:
                for event in parse_sse("\n".join(block)):
                    yield time.monotonic(), event


__all__ = [
    "ALICE",
    "PLUGIN",
    "TOOL",
    "DatasetteServer",
    "ServerError",
    "actor_cookie",
    "call_tool",
    "datasette_command",
    "free_port",
    "micropython_message",
    "parse_sse",
    "run",
    "send",
    "start_conversation",
    "stream_events",
    "tool_calls_message",
    "tool_results",
]
