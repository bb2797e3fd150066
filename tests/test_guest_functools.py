"""The guest functools agrees with CPython's."""

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


EVERY_HELPER = r"""
import functools
from functools import reduce, partial, lru_cache, cache, cmp_to_key, wraps, update_wrapper, total_ordering, cached_property, singledispatch
import operator
print(reduce(operator.add, [1, 2, 3]), reduce(lambda a, b: a * b, [], 1), reduce(max, [3, 9, 2]))
try:
    reduce(operator.add, [])
except TypeError as e:
    print(e)
def power(base, exp, mod=None):
    return pow(base, exp, mod) if mod else base ** exp
square = partial(power, exp=2); cube_mod = partial(power, 3, mod=5)
print(square(4), cube_mod(3), square.func is power, square.args, square.keywords, partial(partial(power, 2), 5)())
calls = []
@lru_cache(maxsize=2)
def slow(x):
    calls.append(x); return x * 10
print([slow(v) for v in (1, 2, 1, 3, 2, 1)], calls, slow.cache_info())
slow.cache_clear(); print(slow.cache_info(), slow.cache_info().hits)
@lru_cache
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(18), fib.cache_info(), fib.__name__, fib.__wrapped__(10))
@cache
def sq(x, y=1):
    return x * x * y
print(sq(3), sq(3), sq(3, y=2), sq.cache_info())
@lru_cache(maxsize=None, typed=True)
def t(x): return type(x).__name__
print(t(1), t(1.0), t(True), t.cache_info())
@lru_cache()
def unhashable(x): return x
try:
    unhashable([1])
except TypeError:
    print('TypeError unhashable')
print(sorted([5, 1, 4], key=cmp_to_key(lambda a, b: b - a)), sorted(['bb', 'a', 'ccc'], key=cmp_to_key(lambda a, b: len(a) - len(b))))
def logged(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        "wrapper doc"
        return func(*args, **kwargs) + 1
    return wrapper
@logged
def add(a, b):
    return a + b
print(add(1, 2), add.__name__, add.__wrapped__(1, 2))
class Thing:
    @logged
    def m(self, x):
        return x
    @functools.lru_cache(maxsize=None)
    def c(self, x):
        return x * 3
th = Thing(); print(th.m(5), th.c(2), th.c(2), Thing.c.cache_info())
@total_ordering
class V:
    def __init__(self, v): self.v = v
    def __eq__(self, o): return self.v == o.v
    def __lt__(self, o): return self.v < o.v
print(V(1) < V(2), V(1) <= V(1), V(2) > V(1), V(1) >= V(2), V(2) >= V(2), V(3) > V(3))
@total_ordering
class G:
    def __init__(self, v): self.v = v
    def __eq__(self, o): return self.v == o.v
    def __ge__(self, o): return self.v >= o.v
print(G(1) < G(2), G(1) <= G(1), G(2) > G(1), G(1) >= G(2), G(3) > G(3), G(2) <= G(1))
class Data:
    def __init__(self): self.n = 0
    @cached_property
    def expensive(self):
        self.n += 1
        return self.n * 100
d = Data(); print(d.expensive, d.expensive, d.n)
@singledispatch
def describe(x):
    return 'object'
@describe.register(int)
def _(x):
    return 'int %d' % x
@describe.register(list)
def _(x):
    return 'list of %d' % len(x)
class MyList(list): pass
print(describe(1), describe([1, 2]), describe('s'), describe(MyList([1])), describe(True))
"""


def test_every_helper_agrees_with_cpython(session):
    assert sandbox_output(session, EVERY_HELPER) == cpython_output(EVERY_HELPER)


def test_wraps_on_a_closure_keeps_the_wrapped_name_and_still_binds_as_a_method(session):
    code = """
import functools
def deco(f):
    @functools.wraps(f)
    def inner(*a):
        return f(*a)
    return inner
class A:
    @deco
    def hello(self, who):
        'Say hello.'
        return 'hello ' + who
print(A().hello('x'), A.hello.__name__, A.hello.__wrapped__.__name__)
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=30), st.one_of(st.none(), st.integers(0, 4)), st.booleans())
def test_lru_cache_hits_misses_and_evictions_agree_with_cpython(session, calls, maxsize, typed):
    code = f"""
from functools import lru_cache
computed = []
@lru_cache(maxsize={maxsize}, typed={typed})
def f(x, scale=1):
    computed.append(x)
    return x * scale
results = [f(x) if x % 3 else f(x, scale=2) for x in {calls!r}]
print(results, computed, f.cache_info())
"""
    assert sandbox_output(session, code) == cpython_output(code)
