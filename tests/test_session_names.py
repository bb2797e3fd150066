"""The user's top-level names (`Session.names`: the admin pages, the stored row's `globals`, and the
names transform.py must not reroute) stay right although the guest sends them only when they
changed since it last sent them (guest/bootstrap.py), across deletes, rebinds, errors and
snapshot/restore; and a call that changes no name no longer pays for them."""

from __future__ import annotations

import pytest

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.snapshot import Snapshot


def lookup(ctx, key):
    return key


# (snippet, the names after it): each step changes the keys a different way, or not at all.
STEPS = [
    ("x = 1", {"x"}),
    ("y = 2", {"x", "y"}),
    ("del x", {"y"}),
    ("x = 3\ndel y", {"x"}),  # as many names as before, not the same ones
    ("x = 4", {"x"}),  # a rebind: nothing to send
    ("__hidden = 1\nglobals()['z'] = 5", {"x", "z"}),
    ("del z\nw = 0", {"x", "w"}),
    ("q = 1\n1 / 0", {"x", "w", "q"}),  # names bound before an error count
    ("globals()[7] = 'not a name'", {"x", "w", "q"}),
    ("del globals()[7]\ndel __hidden", {"x", "w", "q"}),
    ("pass", {"x", "w", "q"}),
]


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime()


def test_names_follow_binds_deletes_and_rebinds_but_never_list_host_functions(runtime: Runtime) -> None:
    session = runtime.new_session(Limits(), {"lookup": lookup})
    try:
        for code, expected in STEPS:
            session.run(code)
            assert set(session.names) == expected, code
        assert session.run("print(lookup('k'))").stdout == "k\n"
    finally:
        session.close()


def test_rewritten_code_sees_a_builtin_the_user_rebinds_and_then_deletes(runtime: Runtime) -> None:
    session = runtime.new_session(Limits())
    try:
        assert session.run("str = lambda value: 'mine'\nprint(str(1))").stdout == "mine\n"
        assert session.run("print(str(2))").stdout == "mine\n"
        assert session.run("del str\nprint(str(3))").stdout == "3\n"
        assert session.run("print(str(4.0), str([0.1]))").stdout == "4.0 [0.1]\n"
    finally:
        session.close()


def test_names_carry_across_snapshot_and_restore_and_keep_following_changes(runtime: Runtime) -> None:
    session = runtime.new_session(Limits())
    try:
        session.run("a = 1\nb = [1, 2]\ndef f():\n    return a")
        image = Snapshot.decode(session.snapshot().encode())
    finally:
        session.close()
    assert set(image.names) == {"a", "b", "f"}
    restored = runtime.new_session(Limits(), snapshot=image)
    try:
        assert restored.restore_error is None
        assert set(restored.names) == {"a", "b", "f"}
        assert restored.run("a = 2").ok
        assert set(restored.names) == {"a", "b", "f"}
        assert restored.run("del b\nc = f()").ok
        assert set(restored.names) == {"a", "c", "f"}
        again = runtime.new_session(Limits(), snapshot=Snapshot.decode(restored.snapshot().encode()))
    finally:
        restored.close()
    try:
        assert set(again.names) == {"a", "c", "f"}
        assert again.run("print(c, sorted(k for k in globals() if not k.startswith('__')))").stdout == (
            "2 ['a', 'c', 'f']\n"
        )
    finally:
        again.close()


def test_a_call_that_changes_no_name_pays_little_for_thousands_of_globals() -> None:
    """Building and encoding the names cost about 20,000 instructions a global on every call (60M
    with 3,000 globals); taking the keys and comparing them costs about 500."""
    session = Runtime().new_session(Limits(fuel=10**10))
    try:
        session.run("pass")
        few = [session.run("x = 1").fuel_used for _ in range(3)][-1]
        assert session.run("for i in range(3000):\n    globals()['v%d' % i] = i").ok
        assert len(session.names) == 200
        session.run("x = 2")
        many = session.run("x = 3").fuel_used
        assert (many - few) / 3000 < 1_000, (few, many)
    finally:
        session.close()


def test_a_call_after_a_collection_does_not_pay_for_the_data_the_session_holds() -> None:
    """Comparing the keys used to build a fresh tuple of them on every call. Right after a
    collection that one allocation, the size of the globals, searched the heap past every small
    hole the user's data left: 3.5M instructions at 2 MB and 500 globals. The keys now go into a
    list kept from call to call."""
    session = Runtime().new_session(Limits(fuel=10**10))
    try:
        assert session.run(
            "data = [str(i) * 5 for i in range(40000)]\nfor i in range(500):\n    globals()['g%d' % i] = i"
        ).ok
        costs = []
        for _ in range(4):
            assert session.run("import gc\ngc.collect()").ok
            costs.append(session.run("x = 1").fuel_used)
        assert max(costs[1:]) < 1_000_000, costs
    finally:
        session.close()
