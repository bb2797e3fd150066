"""Run the same code in the sandbox and in CPython, for differential tests of the guest library.

CPython is the oracle: a guest module is right when the sandbox prints what CPython prints.
"""

from __future__ import annotations

import contextlib
import decimal
import io
import textwrap

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits

ROOMY = Limits(fuel=10**11, timeout_seconds=60)


def cpython_output(code: str) -> str:
    """What CPython prints for `code`, with an uncaught exception shown as its type and message.

    Each program gets a fresh decimal context: this process's is shared, and the flags one program
    raises would otherwise show in another's `print(getcontext())`."""
    decimal.setcontext(decimal.Context())
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            exec(compile(textwrap.dedent(code), "<string>", "exec", dont_inherit=True), {"__name__": "__main__"})
        except Exception as error:
            print(f"{type(error).__name__}: {error}")
    return buffer.getvalue()


def sandbox_output(session, code: str) -> str:
    """What the sandbox prints for `code`, in the same shape as `cpython_output`."""
    result = session.run(textwrap.dedent(code))
    if result.trapped:
        raise AssertionError(f"the sandbox trapped: {result.error}")
    if result.ok:
        return result.stdout
    last = result.error.strip().splitlines()[-1]
    return result.stdout + last + "\n"


def new_session(runtime: Runtime, limits: Limits = ROOMY):
    return runtime.new_session(limits)


def agree(session, code: str) -> None:
    """The sandbox prints what CPython prints for `code`."""
    assert sandbox_output(session, code) == cpython_output(code)


def check_survives_a_restore(runtime: Runtime, limits: Limits, setup: str, probe: str) -> None:
    """After `setup`, `probe` prints what CPython prints, and the same again in a fresh session
    restored from the first one's image."""
    from datasette_agent_micropython.snapshot import Snapshot

    session = runtime.new_session(limits)
    try:
        assert session.run(setup).ok
        expected = session.run(probe)
        assert expected.ok, expected.error
        image = Snapshot.decode(session.snapshot().encode())
    finally:
        session.close()
    restored = runtime.new_session(limits, snapshot=image)
    try:
        again = restored.run(probe)
        assert again.ok, again.error
        assert again.stdout == expected.stdout == cpython_output(setup + "\n" + probe)
    finally:
        restored.close()
