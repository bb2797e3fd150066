"""The guest collections agree with CPython's: Counter, defaultdict, OrderedDict, namedtuple, deque, ChainMap."""

from dataclasses import replace

import pytest
from guest_oracle import ROOMY, cpython_output, new_session, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.runtime import Runtime


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    session = new_session(Runtime(cache_dir=tmp_path_factory.mktemp("module-cache")))
    yield session
    session.close()


EVERY_TYPE = r"""
from collections import Counter, defaultdict, OrderedDict, namedtuple, deque, ChainMap
words = 'the quick brown fox jumps over the lazy dog the fox'.split()
c = Counter(words)
print(repr(c), c['the'], c['missing'], len(c), 'missing' in c)
print(c.most_common(3), c.most_common()[-2:], list(c), list(c.items())[:3])
c.update(['dog', 'cat']); c.update({'cat': 5}); c.update(bird=2)
print(repr(c), c.total())
c.subtract(['the', 'the', 'the', 'the'])
print(repr(c), repr(+c), repr(-c))
a, b = Counter(a=3, b=1, c=0), Counter(a=1, b=2, d=4)
print(repr(a + b), repr(a - b), repr(a | b), repr(a & b), a == Counter(a=3, b=1), a <= Counter(a=5, b=1), sorted(a.elements()))
print(list(Counter('abracadabra').elements()), repr(Counter('abracadabra')), repr(Counter()))
x = Counter(a=1); x += Counter(a=2, b=-1); print(repr(x)); x -= Counter(a=5); print(repr(x))
print(isinstance(c, dict), repr(c.copy()), Counter('aab') == {'a': 2, 'b': 1})
del c['nope']; del c['dog']; print('dog' in c)
d = defaultdict(list)
for k, v in [('b', 1), ('a', 2), ('b', 3)]:
    d[k].append(v)
print(repr(d), list(d), d['b'], 'zz' in d, d.get('zz'), len(d))
e = defaultdict(int); e['x'] += 1; e['y'] += 2; e['x'] += 1; print(repr(e), e.default_factory)
n = defaultdict(None); print(repr(n))
try:
    n['k']
except KeyError as err:
    print('KeyError', repr(err.args[0]))
try:
    defaultdict(5)
except TypeError as err:
    print('TypeError', err)
nested = defaultdict(lambda: defaultdict(int)); nested['a']['b'] += 1; print(nested['a']['b'], list(nested))
o = OrderedDict(); o['b'] = 1; o['a'] = 2; o['c'] = 3
o.move_to_end('b'); print(list(o)); o.move_to_end('c', last=False); print(list(o.items()))
print(o.popitem(), o.popitem(last=False), list(o), o == OrderedDict([('a', 2)]))
Point = namedtuple('Point', ['x', 'y'])
p = Point(1, 2)
print(p, repr(p), p.x, p[1], p == (1, 2), len(p), hash(p) == hash((1, 2)), isinstance(p, tuple))
x1, y1 = p; print(x1, y1, p._asdict(), p._replace(x=10), Point._fields, Point._make([3, 4]), Point(y=5, x=6))
P3 = namedtuple('P3', 'a b c', defaults=[0, 1]); print(P3(9), P3(9, 8), P3._field_defaults, P3(a=1, c=5))
R = namedtuple('R', ['ok', 'def', 'ok', '_x'], rename=True); print(R._fields)
print(sorted([Point(2, 1), Point(1, 5), Point(1, 2)]), max([Point(1, 2), Point(0, 9)]), {p: 'v'}[Point(1, 2)])
for bad in (lambda: namedtuple('B', ['a', 'a']), lambda: namedtuple('B', ['_a']), lambda: namedtuple('B', ['1a']), lambda: namedtuple('B', ['class'])):
    try:
        bad()
    except ValueError as err:
        print('ValueError', err)
try:
    Point(1)
except TypeError as err:
    print('TypeError', err)
q = deque([1, 2, 3]); q.append(4); q.appendleft(0); print(q, len(q), q[0], q[-1], list(q))
q.rotate(2); print(q); q.rotate(-3); print(q); q.extendleft([7, 8]); print(q)
print(q.popleft(), q.pop(), q, q.count(1), 3 in q, q.index(3))
q.remove(3); q.reverse(); print(q, q == deque(list(q)), list(reversed(q)))
m = deque(maxlen=3)
for i in range(6):
    m.append(i)
print(m, m.maxlen, repr(deque('ab', 2)), deque([1, 2], maxlen=2) + deque([3]))
m.appendleft(9); print(m); m.clear(); print(m, bool(m))
window = deque(maxlen=3); sums = []
for v in [1, 2, 3, 4, 5]:
    window.append(v); sums.append(sum(window))
print(sums)
try:
    deque().pop()
except IndexError as err:
    print('IndexError', err)
cm = ChainMap(OrderedDict([('a', 1), ('b', 2)]), OrderedDict([('b', 3), ('c', 4)]))
print(cm['b'], cm['c'], len(cm), sorted(cm), 'c' in cm, cm.get('z', 0), repr(ChainMap(Counter(a=2, b=1), Counter(c=4))))
child = cm.new_child({'a': 100}); print(child['a'], child.parents['a'], sorted(child.items()))
cm['z'] = 26; print(cm.maps[0]['z'])
"""


def test_every_type_agrees_with_cpython(session):
    assert sandbox_output(session, EVERY_TYPE) == cpython_output(EVERY_TYPE)


def test_ordered_dict_prints_like_cpython_3_12(session):
    code = "from collections import OrderedDict\no = OrderedDict()\no['b'] = 1\no['a'] = 2\nprint(repr(o), repr(OrderedDict()))"
    assert sandbox_output(session, code) == "OrderedDict({'b': 1, 'a': 2}) OrderedDict()\n"


def test_a_fresh_session_has_not_loaded_collections(session):
    fresh = session.runtime.new_session(session.limits)
    try:
        assert sandbox_output(fresh, "import sys\nprint('collections' in sys.modules)") == "False\n"
    finally:
        fresh.close()


words = st.lists(st.sampled_from(["a", "b", "c", "dd", "e", "f"]), max_size=25)


@settings(max_examples=40, deadline=None)
@given(words, words, st.integers(-1, 4))
def test_counter_agrees_with_cpython_on_random_words(session, left, right, n):
    code = f"""
from collections import Counter
a, b = Counter({left!r}), Counter({right!r})
print(repr(a), a.most_common({n}), a.most_common(), list(a), list(a.elements()), a.total())
print(repr(a + b), repr(a - b), repr(a | b), repr(a & b), a == b, a <= a + b, repr(+a), repr(-a))
a.subtract(b)
print(repr(a), list(a.items()), a['zz'], len(a))
a.update({right!r})
print(repr(a), a == Counter({left!r}))
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["x", "y", "z", "w"]), st.integers(-5, 5)), max_size=20))
def test_defaultdict_grouping_agrees_with_cpython_on_random_rows(session, rows):
    code = f"""
from collections import defaultdict
groups, totals = defaultdict(list), defaultdict(int)
for key, value in {rows!r}:
    groups[key].append(value)
    totals[key] += value
print(repr(groups), repr(totals), list(totals.items()), totals['never'], 'never' in groups, len(totals))
for key in groups:
    print(key, groups[key], totals.get(key))
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["append", "appendleft", "pop", "popleft", "rotate", "extendleft"]), st.integers(-3, 3)
        ),
        max_size=25,
    ),
    st.one_of(st.none(), st.integers(0, 4)),
)
def test_deque_agrees_with_cpython_on_random_operations(session, operations, maxlen):
    code = f"""
from collections import deque
q = deque([1, 2], maxlen={maxlen})
for name, value in {operations!r}:
    try:
        if name in ('pop', 'popleft'):
            print(getattr(q, name)(), end=' ')
        elif name == 'extendleft':
            q.extendleft([value, value + 1])
        else:
            getattr(q, name)(value)
    except IndexError as error:
        print('IndexError', end=' ')
print(repr(q), len(q), list(reversed(q)), q[0] if q else None, q.maxlen)
"""
    assert sandbox_output(session, code) == cpython_output(code)


def test_print_str_and_formatting_show_counters_and_default_dicts_as_cpython_does(session):
    code = """
from collections import Counter, defaultdict, OrderedDict
c = Counter('mississippi')
d = defaultdict(list)
d['z'].append(1)
d['a'].append(2)
print(c)
print(d)
print(str(c), '%s' % (d,), f'{c}', '{}'.format(d), [c, d])
print(Counter(), defaultdict(int))
"""
    assert sandbox_output(session, code) == cpython_output(code)


# Counter counts by identity first (collections._tally): these inputs mix objects repeated as the
# same object, equal values made as new objects each time (past the number of objects it keeps),
# values equal across types (1, 1.0, True), and keys a by-value dict would probe many times for.
counted = st.lists(
    st.one_of(
        st.sampled_from(["w1", "w2", "w10", "w11", "w100", "x"]),
        st.integers(0, 6),
        st.sampled_from([1.0, 2.5, True, False, None, (1, 2), ("w1",)]),
    ),
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(counted, st.integers(0, 3), st.integers(-1, 20), st.booleans())
def test_counter_counts_repeated_and_fresh_objects_like_cpython(session, items, copies, n, existing):
    code = f"""
from collections import Counter
items = {items!r}
fresh = [x + '' if type(x) is str else x for x in items * {copies}]
vocabulary = ['w%d' % i for i in range(300)]
drawn = [vocabulary[(i * 7919) % 300] for i in range(900)] + [str(i % 40) for i in range(600)]
c = Counter({{'x': 5, 'w1': -1}}) if {existing} else Counter()
c.update(items + fresh)
print(repr(c), c.most_common({n}), c.most_common(), len(c))
big = Counter(drawn)
print(big.most_common(3), big.most_common(17), len(big), list(big)[:5], big['w7'], big['3'])
print(repr(Counter(iter(items))), repr(Counter(x for x in fresh)))
"""
    assert sandbox_output(session, code) == cpython_output(code)


def test_counter_keeps_cpython_errors_ties_and_order_after_deletions(session):
    code = """
from collections import Counter
def words():
    yield 'a'
    yield 'a'
    raise KeyError('from the iterator')
for source in (lambda: ['a', ['b']], words, lambda: ['a', 'b', {}], lambda: iter(['a']) ):
    try:
        print(repr(Counter(source())))
    except (KeyError, TypeError) as error:
        print(type(error).__name__, error)
c = Counter('ab')
try:
    c.update(['a', 'b', 'a', ['x']])
except TypeError as error:
    print('TypeError', error)
print(Counter(a=2, b=2, c=3).most_common(2), Counter('bbaacc').most_common(1), Counter().most_common(3))
emptied = Counter('ab')
del emptied['a']
del emptied['b']
emptied.update('xyx')
del emptied['x']
emptied.update('zx')
print(repr(emptied), list(emptied), emptied.most_common())
"""
    assert sandbox_output(session, code) == cpython_output(code)


# Counter counts into a native dict it keeps sparse, moving to larger ones as distinct keys
# arrive (past 16, 64, 256 and 1024), and grows its own table when loaded with 64 keys or more
# or when keys stored one by one pass those marks: `spread` distinct similar strs ('w1', 'w2',
# ...) carry the counts past them, among values equal across types (1, 1.0, True) and tuples.
@pytest.fixture(scope="module")
def wordy(session):
    """A session that prints as much as the tests below compare (whole Counters of 1,000 keys)."""
    wordy = new_session(session.runtime, replace(ROOMY, max_output_chars=1_000_000))
    yield wordy
    wordy.close()


mixed = st.lists(
    st.one_of(
        st.integers(-3, 8),
        st.sampled_from(["a", "b", "w1", "w10", "", "w100"]),
        st.sampled_from([1.0, 2.0, 0.0, -1.0, 2.5, True, False]),
        st.tuples(st.integers(0, 2), st.sampled_from(["x", "y"])),
    ),
    max_size=40,
)
spreads = st.sampled_from([0, 3, 20, 70, 300, 1100])


@settings(max_examples=30, deadline=None)
@given(mixed, spreads, st.integers(0, 3000), st.integers(-1, 30))
def test_counter_agrees_with_cpython_past_every_table_size(wordy, items, spread, length, n):
    code = f"""
from collections import Counter
items = {items!r}
many = ['w%d' % (i * 7919 % {spread}) for i in range({length})] if {spread} else []
data = items + many + items + [x + '' if type(x) is str else x for x in many[:200]]
c = Counter(data)
print(repr(c), c.most_common({n}), c.most_common()[-5:], len(c), c['absent'], 'absent' in c, len(c))
d = Counter()
for x in data:
    d[x] += 1
print(d == c, list(d) == list(c), d.most_common({n}), d.total(), list(d.elements())[-30:])
e = Counter(items)
e.update(many)
e.update(Counter(items))
e.update(iter(many[::3]))
print(repr(e), list(e.items())[-10:])
print(repr(c + e), repr(c - e), repr(c | e), repr(c & e), c == e, c <= c + e)
f = c.copy()
f += e
f -= Counter(items)
f |= e
f &= c
print(repr(f), f.total(), list(f.elements())[:50])
if data:
    del c[data[0]]
g = Counter(c)
g.update(f)
print(repr(Counter(f)), repr(c.copy()), repr(g), Counter(dict(c)) == c, list(Counter(dict(c))) == list(c))
numbered = [i * 7 % ({spread} + 1) for i in range({length})] + many + items
h = Counter()
for x in numbered:
    h[x] += 1
print(repr(h), h == Counter(numbered), list(h) == list(Counter(numbered)))
"""
    assert sandbox_output(wordy, code) == cpython_output(code)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 1500), st.sampled_from([5, 100, 600]), st.booleans(), st.sampled_from(["list", "key", "tuple"]))
def test_counter_keeps_the_counts_before_an_error_at_any_point(wordy, position, spread, existing, bad):
    code = f"""
from collections import Counter
many = ['w%d' % (i * 31 % {spread}) for i in range(1500)]
bad = {{'list': ['x'], 'key': 'KeyError', 'tuple': (1, [2])}}[{bad!r}]
def source():
    for i, word in enumerate(many):
        if i == {position}:
            if bad == 'KeyError':
                raise KeyError('from the iterator')
            yield bad
        yield word
c = Counter({{'w1': 5, 'new': 1}}) if {existing} else Counter()
try:
    c.update(source())
except (TypeError, KeyError) as error:
    print(type(error).__name__, error)
print(repr(c), len(c), c.most_common(3))
c['w2'] += 1
c['fresh'] += 1
print(c.most_common(4), list(c)[-3:])
"""
    assert sandbox_output(wordy, code) == cpython_output(code)


def test_counter_counts_through_a_subclass_get_and_store_as_cpython_does(session):
    code = """
from collections import Counter
class Loud(Counter):
    def __setitem__(self, key, value):
        print('set', key, value)
        super().__setitem__(key, value)
class Getter(Counter):
    def get(self, key, default=None):
        print('get', key)
        return super().get(key, default)
class Quiet(Counter):
    pass
print(repr(Loud('abca')), repr(Getter(['x', 'y', 'x'])), repr(Quiet('hello')), type(Quiet('a') + Quiet('b')).__name__)
try:
    Loud(['a', ['b']])
except TypeError as error:
    print('TypeError', error)
loud = Loud()
loud.update('zz')
print(repr(loud), repr(Quiet(['w%d' % (i % 90) for i in range(400)]).most_common(2)))
c = Counter('abc')
print(c['zz'], 'zz' in c, len(c))
nan = float('nan')
print(repr(Counter([nan, nan, 1, 1.0, True])), repr(Counter([1.0, 1, True, 2, 2.0])))
"""
    assert sandbox_output(session, code) == cpython_output(code)


def test_counter_copies_a_mapping_as_cpython_does(session):
    code = """
from collections import Counter
class Sub(Counter):
    pass
c = Counter(['w%d' % (i % 150) for i in range(400)])
for i in range(0, 150, 3):
    del c['w%d' % i]
c['zero'] = 0
c['below'] = -2
print(repr(Counter(c)), repr(c.copy()), type(Sub(c).copy()).__name__, repr(Sub(c)))
print(repr(Counter({'b': 2, 'a': 0, 'c': -1})), repr(Counter(dict(c))), Counter(c) == c)
d = Counter(c)
d.update(c)
d.update({'new': 1, 'w1': 5})
print(repr(d), list(d)[-3:], d['w0'], 'w0' in d)
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]),
            st.one_of(st.integers(-3, 4), st.sampled_from([1.0, 2.5, True, False, 10**30])),
        ),
        max_size=12,
    ),
    st.integers(-1, 8),
)
def test_counter_ranks_any_counts_as_cpython_does(session, pairs, n):
    """most_common() groups int counts and sorts the rest: both keep ties in first-seen order."""
    code = f"""
from collections import Counter
c = Counter(dict({pairs!r}))
print(c.most_common(), c.most_common({n}), repr(c))
"""
    assert sandbox_output(session, code) == cpython_output(code)
