"""str() of an int in rewritten code takes a shortcut (guest/lib/_cpython.py): the text is the same
as CPython's, ints and their look-alikes (bool, int subclasses with their own __str__) still read
as CPython prints them, and so does everything that takes the full walk (str subclasses, objects
answering any attribute, floats, containers); the call costs a fraction of the full walk."""

from __future__ import annotations

from guest_oracle import cpython_output, new_session, sandbox_output

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits

STR_OF_INTS = """
class Label(int):
    def __str__(self):
        return 'label ' + repr(int(self))
values = [0, -0, 7, -12, 2**31, -(2**63), 10**30, True, False, Label(3), 1.0, 'x', None]
print([str(v) for v in values])
print(str(5) * 3, str(-40) + '!', len(str(2**100)), str(int('123')) == '123')

# Everything else still goes the full way: str subclasses, objects answering any attribute, floats,
# containers, errors, types.
class Shout(str):
    def __str__(self):
        return 'shout ' + self.upper()
class Anything:
    def __getattr__(self, name):
        return int
    def __str__(self):
        return 'anything'
others = [Shout('hi'), Anything(), 0.1, 1e16, [1.5, 'a'], (2,), {'k': 0.5}, KeyError('k'), int, str, b'x']
print([str(v) for v in others])
"""


def test_str_of_ints_and_their_look_alikes_reads_as_in_cpython() -> None:
    session = new_session(Runtime())
    try:
        assert sandbox_output(session, STR_OF_INTS) == cpython_output(STR_OF_INTS)
    finally:
        session.close()


def test_str_of_an_int_skips_the_walk() -> None:
    """About 40,000 instructions an item through the full walk, about 15,000 with the first shortcut
    (a check inside the walk's entry), about 9,000 now that the helper reads no module globals."""
    session = Runtime().new_session(Limits(fuel=10**10))
    try:
        session.run("pass")
        fuel = session.run("r = [str(i) * 10 for i in range(2000)]").fuel_used
        assert fuel / 2000 < 12_000, fuel
    finally:
        session.close()
