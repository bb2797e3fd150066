"""The guest operator module agrees with CPython's."""

import pytest
from guest_oracle import cpython_output, new_session, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.runtime import Runtime


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    session = new_session(Runtime(cache_dir=tmp_path_factory.mktemp("module-cache")))
    yield session
    session.close()


EVERY_FUNCTION = r"""
import operator as op
from operator import itemgetter, attrgetter, methodcaller
print(op.add(1, 2), op.sub(5, 3), op.mul(3, 4), op.truediv(7, 2), op.floordiv(7, 2), op.mod(7, 3), op.pow(2, 10), op.neg(4), op.pos(-4), op.abs(-3))
print(op.eq(1, 1), op.ne(1, 2), op.lt(1, 2), op.le(2, 2), op.gt(1, 2), op.ge(3, 2), op.not_(0), op.truth([]), op.is_(None, None), op.is_not(1, None))
print(op.contains([1, 2], 2), op.getitem('abc', 1), op.concat([1], [2]), op.and_(6, 3), op.or_(6, 3), op.xor(6, 3), op.index(5), op.inv(5), op.invert(0), op.lshift(1, 4), op.rshift(16, 2))
print(op.countOf([1, 2, 1], 1), op.indexOf('abc', 'c'), op.length_hint([1, 2]), op.length_hint(object(), 7))
l = [1]; print(op.iadd(l, [2]) is l, l, op.iadd(1, 2), op.isub(5, 1), op.imul('a', 3), sorted(op.ior({1}, {2})), op.itruediv(1, 2), op.ifloordiv(7, 2), op.imod(7, 2), op.ipow(2, 3), op.iand(7, 2), op.ixor(7, 2), op.ilshift(1, 1), op.irshift(4, 1), op.iconcat([1], [2]))
d = {'a': 1, 'b': 2}; op.setitem(d, 'c', 3); op.delitem(d, 'a'); print(sorted(d.items()))
rows = [('b', 2, 'x'), ('a', 3, 'y'), ('c', 1, 'z')]
print(sorted(rows, key=itemgetter(1)), sorted(rows, key=itemgetter(2, 0)), itemgetter('k')({'k': 5}))
class P:
    def __init__(self, name, child=None):
        self.name = name; self.child = child
    def greet(self, greeting, punct='!'):
        return greeting + ' ' + self.name + punct
p = P('x', P('y'))
print(attrgetter('name')(p), attrgetter('child.name')(p), attrgetter('name', 'child.name')(p))
print(methodcaller('greet', 'hi')(p), methodcaller('greet', 'yo', punct='?')(p), methodcaller('upper')('ab'), methodcaller('split', ',')('a,b'))
print(repr(itemgetter(1)), repr(itemgetter(1, 'a')), repr(attrgetter('a.b')), repr(methodcaller('f', 1, k=2)))
from functools import reduce
print(reduce(op.mul, range(1, 6)), list(map(op.add, [1, 2], [10, 20])))
for bad in (lambda: op.index(1.5), lambda: op.concat(1, 2), lambda: attrgetter(1), lambda: methodcaller(2)):
    try:
        bad()
    except TypeError:
        print('TypeError')
try:
    attrgetter('nope')(p)
except AttributeError:
    print('AttributeError')
"""


def test_every_function_agrees_with_cpython(session):
    assert sandbox_output(session, EVERY_FUNCTION) == cpython_output(EVERY_FUNCTION)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3), st.text("ab", max_size=2)), max_size=8))
def test_itemgetter_keys_sort_like_cpython(session, rows):
    code = f"""
from operator import itemgetter
rows = {rows!r}
print(sorted(rows, key=itemgetter(1, 0)), [itemgetter(0)(row) for row in rows], max(rows, key=itemgetter(0), default=None))
"""
    assert sandbox_output(session, code) == cpython_output(code)
