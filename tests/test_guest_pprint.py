"""The guest pprint lays structures out as CPython's does."""

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


LAYOUTS = r"""
import pprint
from collections import Counter, defaultdict
data = {'zeta': list(range(30)), 'alpha': {'nested': ['x' * 20, 'y' * 20, 'z' * 20], 'n': 1}, 'mid': ('a', 'b'), 'one': (1,), 's': {3, 1, 2}}
pprint.pprint(data)
pprint.pprint(data, width=40)
pprint.pprint(data, indent=4, width=60)
pprint.pprint(list(range(40)), compact=True)
pprint.pprint(list(range(40)), width=30, compact=True)
pprint.pprint([{'id': i, 'name': 'user%d' % i, 'score': i * 1.5} for i in range(4)])
print(pprint.pformat({'b': 1, 'a': 2}), pprint.pformat([1, 2]), pprint.pformat('short'))
pprint.pprint('a long string with many words ' * 5)
pprint.pprint(['a long string with many words ' * 4, 'short'])
pprint.pprint({'key': 'a long string with many words ' * 4})
pprint.pprint(data, depth=1)
pprint.pprint(data, depth=2)
loop = [1, 2]; loop.append(loop)
print(pprint.saferepr(loop)[:30], pprint.isrecursive(loop), pprint.isreadable([1, 'a']), pprint.isreadable(loop))
pprint.pprint(Counter('the quick brown fox jumps over the lazy dog' * 2), width=40)
dd = defaultdict(list)
for i in range(8):
    dd['key%d' % (i % 3)].append('value number %d' % i)
pprint.pprint(dd)
pprint.pprint(frozenset(range(30)))
pprint.pprint(set(range(30)), width=20)
pprint.pprint({(1, 2): [3] * 30, (0,): None, 5: 'x'})
pprint.pprint({'mixed': [1, 'a', None, 2.5, True, (1, 2), {'k': 'v'}] * 4})
pprint.pprint([[1, 2, 3] * 10, [4] * 30], width=50)
pprint.pp({'a': [2] * 40})
pprint.pprint(12345678, underscore_numbers=True)
pprint.pprint({'empty_list': [], 'empty_dict': {}, 'empty_tuple': (), 'empty_set': set(), 'long': 'x' * 90})
"""


def test_layouts_agree_with_cpython(session):
    assert sandbox_output(session, LAYOUTS) == cpython_output(LAYOUTS)


def test_dataclasses_are_laid_out_like_cpython(session):
    code = """
import pprint
from dataclasses import dataclass, field
@dataclass
class Summary:
    region: str
    totals: list = field(default_factory=list)
    note: str = ''
pprint.pprint(Summary('north', list(range(25)), 'x' * 30))
pprint.pprint([Summary('s', [1])])
"""
    assert sandbox_output(session, code) == cpython_output(code)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text("ab xy", max_size=12),
    st.floats(allow_nan=False, allow_infinity=False, width=16).map(lambda f: round(f, 2)),
)
nested = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.tuples(children, children),
        st.dictionaries(st.text("kqz", min_size=1, max_size=6), children, max_size=5),
    ),
    max_leaves=25,
)


@settings(max_examples=40, deadline=None)
@given(nested, st.integers(8, 90), st.integers(0, 4), st.booleans(), st.one_of(st.none(), st.integers(1, 4)))
def test_random_structures_are_laid_out_like_cpython(session, value, width, indent, compact, depth):
    code = f"""
import pprint
pprint.pprint({value!r}, width={width}, indent={indent}, compact={compact}, depth={depth})
print(pprint.pformat({value!r}, width={width}) == pprint.pformat({value!r}, width={width}, sort_dicts=True))
"""
    assert sandbox_output(session, code) == cpython_output(code)
