"""Run a real ``datasette`` subprocess and drive Datasette Agent over HTTP.

Unlike ``agent_harness`` (in-process ``datasette.client``), this starts the
installed ``datasette`` command on a free port of 127.0.0.1, so tests can stop
it gracefully (SIGINT/SIGTERM: uvicorn runs the lifespan shutdown, hence the
plugins' ``shutdown`` hooks), ``kill -9`` it, and start it again on the same
files::

    with DatasetteServer(tmp_path, plugin_config={...}) as server:
        cid = start_conversation(server)
        result = call_tool(server, cid, {"python": "x = 1"})
        server.stop()            # graceful
        server.start()           # same --internal file, same --secret
        result = call_tool(server, cid, {"python": "print(x)"})

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
from pathlib import Path
from typing import Any, Iterator

try:  # datasette >= 1.0a41 depends on httpx2, which is the httpx API
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

from datasette.app import Datasette

from agent_harness import parse_sse, tool_calls_message

PLUGIN = "datasette-agent-micropython"
TOOL = "execute_micropython"
SECRET = "server-harness-secret"
ALICE = {"id": "alice"}

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


@functools.lru_cache(maxsize=None)
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

    def start(self, timeout: float = STARTUP_TIMEOUT) -> "DatasetteServer":
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
                raise ServerError(f"datasette did not stop within {timeout} s of signal {sig}:\n{self.log_text()}")
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

    def restart(self, graceful: bool = True) -> "DatasetteServer":
        if graceful:
            self.stop()
        else:
            self.kill9()
        return self.start()

    def __enter__(self) -> "DatasetteServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.kill9()

    # -- HTTP --------------------------------------------------------------

    def client(self, actor: dict | None = "default", timeout: float = REQUEST_TIMEOUT) -> "httpx.Client":
        """An httpx client for the running server, signed in as ``actor`` (``None``: anonymous)."""
        actor = self.actor if actor == "default" else actor
        cookies = {"ds_actor": actor_cookie(actor, self.secret)} if actor else {}
        return httpx.Client(base_url=self.url, cookies=cookies, timeout=timeout)


# -- conversations ---------------------------------------------------------


def start_conversation(server: DatasetteServer) -> str:
    with server.client() as client:
        response = client.post("/-/agent/api/conversations", json={})
        if response.status_code != 200:
            raise ServerError(f"HTTP {response.status_code}: {response.text[:500]}")
        return response.json()["conversation_id"]


def _message(arguments: dict) -> str:
    return json.dumps(tool_calls_message([(TOOL, arguments)]))


def send(server: DatasetteServer, conversation_id: str, arguments: dict) -> list[dict]:
    """One turn in which the model calls execute_micropython(**arguments); its SSE events."""
    with server.client() as client:
        response = client.post(f"/-/agent/{conversation_id}/stream", json={"message": _message(arguments)})
        if response.status_code != 200:
            raise ServerError(f"HTTP {response.status_code}: {response.text[:500]}")
        return parse_sse(response.text)


def tool_output(events: list[dict]) -> dict:
    """The tool result (parsed ``output`` of the ``tool_result`` event) of a one-call turn."""
    errors = [e for e in events if e["event"] == "error"]
    results = [e for e in events if e["event"] == "tool_result"]
    if errors or len(results) != 1:
        raise ServerError(f"expected one tool_result, got: {events}")
    return json.loads(results[0]["data"]["output"])


def call_tool(server: DatasetteServer, conversation_id: str, arguments: dict) -> dict:
    """Run execute_micropython(**arguments) in a conversation; return its result JSON."""
    return tool_output(send(server, conversation_id, arguments))


def stream_events(server: DatasetteServer, conversation_id: str, arguments: dict, timeout: float = REQUEST_TIMEOUT) -> Iterator[tuple[float, dict]]:
    """Like ``send`` but yields ``(time.monotonic(), event)`` as each SSE event arrives.

    Lets a test act mid-turn (e.g. ``kill9()`` once ``tool_call`` arrived,
    while the tool runs). If the server dies the iteration raises an
    ``httpx`` error (or just ends).
    """
    with server.client(timeout=timeout) as client:
        with client.stream("POST", f"/-/agent/{conversation_id}/stream", json={"message": _message(arguments)}) as response:
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
