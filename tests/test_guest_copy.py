"""The guest copy module agrees with CPython's: copy, deepcopy, memo, __copy__ and __deepcopy__."""

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


EVERY_CASE = r"""
import copy
from collections import Counter, defaultdict, OrderedDict, deque, namedtuple
data = {'rows': [[1, 2], [3, 4]], 'meta': {'name': 'x', 'tags': {'a', 'b'}}, 't': (1, [2])}
shallow = copy.copy(data)
deep = copy.deepcopy(data)
data['rows'][0].append(99); data['meta']['name'] = 'changed'; data['t'][1].append(3)
print(shallow['rows'], shallow['meta']['name'], deep['rows'], deep['meta']['name'], deep['t'], shallow is data, shallow['rows'] is data['rows'])
shared = [1]
pair = [shared, shared]
c = copy.deepcopy(pair)
print(c[0] is c[1], c[0] is shared, c)
loop = [1]
loop.append(loop)
lc = copy.deepcopy(loop)
print(lc[1] is lc, lc[0])
class Point:
    def __init__(self, x, y):
        self.x = x; self.y = y
        self.history = [x]
p = Point(1, 2)
q = copy.copy(p); r = copy.deepcopy(p)
p.history.append(5)
print(q.x, q.history, r.history, q is p, type(r).__name__)
class Custom:
    def __init__(self): self.v = [1]
    def __copy__(self):
        return 'custom copy'
    def __deepcopy__(self, memo):
        return 'custom deepcopy %d' % len(memo)
print(copy.copy(Custom()), copy.deepcopy(Custom()))
cnt = Counter('aabbbc'); cc = copy.deepcopy(cnt); cnt['a'] += 10
print(repr(cc), repr(copy.copy(cnt)), type(cc).__name__)
dd = defaultdict(list); dd['k'].append(1); d2 = copy.deepcopy(dd); d2['k'].append(2); d2['new'].append(0)
print(repr(dd), repr(d2))
od = OrderedDict(); od['z'] = [1]; od['a'] = [2]; o2 = copy.deepcopy(od); o2['z'].append(9)
print(list(od.items()), list(o2.items()), type(o2).__name__)
dq = deque([[1], [2]], maxlen=5); dq2 = copy.deepcopy(dq); dq2[0].append(7); print(dq, dq2, copy.copy(dq))
P = namedtuple('P', 'a b'); np_ = P([1], 2); np2 = copy.deepcopy(np_); np2.a.append(3); print(np_, np2, type(np2).__name__)
print(copy.copy(5), copy.deepcopy('s'), copy.deepcopy(None), copy.deepcopy(len) is len, copy.copy((1, 2)), copy.deepcopy((1, 2, 'x')))
print(copy.deepcopy({1, 2, 3}) == {1, 2, 3}, copy.copy([1, [2]]), copy.deepcopy(bytearray(b'ab')))
"""


def test_every_case_agrees_with_cpython(session):
    assert sandbox_output(session, EVERY_CASE) == cpython_output(EVERY_CASE)


def test_frozen_dataclasses_deep_copy_like_cpython(session):
    code = """
import copy
from dataclasses import dataclass, field
@dataclass(frozen=True)
class Report:
    title: str
    rows: list = field(default_factory=list)
r = Report('q1', [[1, 2]])
d = copy.deepcopy(r)
r.rows[0].append(3)
print(d, d == r, copy.copy(r).rows is r.rows)
"""
    assert sandbox_output(session, code) == cpython_output(code)


json_like = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-9, 9), st.text("ab", max_size=2)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text("xyz", max_size=1), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None)
@given(json_like)
def test_a_deep_copy_is_equal_and_independent_on_random_nested_data(session, value):
    code = f"""
import copy
original = {value!r}
deep, shallow = copy.deepcopy(original), copy.copy(original)
print(deep == original, shallow == original, deep is original and isinstance(original, (list, dict)))
def mutate(node):
    if isinstance(node, list):
        node.append('new')
        for item in node[:-1]:
            mutate(item)
    elif isinstance(node, dict):
        for key in list(node):
            mutate(node[key])
        node['added'] = 1
mutate(original)
print(deep == {value!r})
"""
    assert sandbox_output(session, code) == cpython_output(code)
