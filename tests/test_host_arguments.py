"""What a host function receives and how it refuses: the user's dict order, every float, and
TypeError or ValueError in the guest for GuestTypeError or GuestValueError on the host."""

import pytest

from datasette_agent_micropython.guest_protocol import GuestTypeError, GuestValueError
from datasette_agent_micropython.sessions import shared_runtime
from datasette_agent_micropython.settings import Limits


@pytest.fixture
def received():
    calls = []

    def record(context, *args, **kwargs):
        calls.append((args, kwargs))
        return len(calls)

    def refuse(context, kind):
        if kind == "type":
            raise GuestTypeError("wrong type")
        if kind == "value":
            raise GuestValueError("bad value")
        raise KeyError(kind)

    session = shared_runtime().new_session(Limits(), {"record": record, "refuse": refuse})
    yield session, calls
    session.close()


def test_dicts_arrive_in_the_order_the_user_built_them(received):
    session, calls = received
    code = (
        "row = {}\n"
        "for key in ['zeta', 'alpha', 'mid', 'b', 'a']:\n"
        "    row[key] = len(key)\n"
        "record([row, {'y': {'z': 1, 'a': 2}}], options={'last': 1, 'first': 2})\n"
    )
    result = session.run(code)
    assert result.ok, result.error
    [(args, kwargs)] = calls
    assert list(args[0][0]) == ["zeta", "alpha", "mid", "b", "a"]
    assert list(args[0][1]["y"]) == ["z", "a"]
    assert list(kwargs["options"]) == ["last", "first"]


def test_non_finite_floats_and_odd_keys_reach_the_host(received):
    session, calls = received
    result = session.run("record([float('nan'), float('inf'), -float('inf'), 1.5], {(1, 2): 'pair', 3: 'int'})")
    assert result.ok, result.error
    [((numbers, keyed), _)] = calls
    assert numbers[0] != numbers[0] and numbers[1:] == [float("inf"), float("-inf"), 1.5]
    assert keyed == {(1, 2): "pair", 3: "int"}


def test_refusals_raise_type_and_value_errors_other_failures_a_runtime_error(received):
    session, _ = received
    code = (
        "for kind in ('type', 'value', 'other'):\n"
        "    try:\n"
        "        refuse(kind)\n"
        "    except Exception as error:\n"
        "        print(type(error).__name__, error)\n"
    )
    result = session.run(code)
    assert result.ok, result.error
    assert result.stdout.splitlines() == [
        "TypeError wrong type",
        "ValueError bad value",
        "RuntimeError KeyError: 'other'",
    ]
