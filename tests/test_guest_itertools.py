"""The guest itertools agrees with CPython's, on fixed cases and on random iterables."""

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


EVERY_FUNCTION = """
from itertools import *
print(list(islice(count(5), 3)), list(islice(count(1.5, 0.5), 3)), repr(count(3)), repr(count(1, 2)))
print(list(islice(cycle('abc'), 7)), list(cycle([])))
print(list(repeat('x', 3)), repr(repeat(1, 2)), list(repeat(1, -1)), list(map(pow, range(3), repeat(2))))
print(list(accumulate([1, 2, 3, 4])), list(accumulate([1, 2, 3], initial=10)), list(accumulate([], initial=5)))
print(list(accumulate([3, 1, 4], max)), list(accumulate([])), list(accumulate('abc')))
print(list(chain('ab', [1, 2])), list(chain.from_iterable(['ab', 'cd'])), list(chain()))
print(list(compress('ABCDEF', [1, 0, 1, 0, 1, 1])))
print(list(dropwhile(lambda x: x < 5, [1, 4, 6, 4, 1])), list(takewhile(lambda x: x < 5, [1, 4, 6, 4, 1])))
print(list(filterfalse(lambda x: x % 2, range(10))), list(filterfalse(None, [0, 1, '', 'a'])))
print([(k, list(g)) for k, g in groupby('AAAABBBCCDAABBB')])
print([(k, list(g)) for k, g in list(groupby('AABBC'))])
print([(k, list(g)) for k, g in groupby([1, 2, 3, 10, 11, 20], key=lambda x: x // 10)])
groups = groupby('aaabbc')
key, first = next(groups)
print(key, next(first), next(groups)[0], list(first))
print(list(islice('ABCDEFG', 2)), list(islice('ABCDEFG', 2, 4)), list(islice('ABCDEFG', 2, None)))
print(list(islice('ABCDEFG', 0, None, 2)), list(islice('ABC', None)), list(islice(count(), 1, 10, 3)))
it = iter(range(10)); print(list(islice(it, 3)), next(it))
print(list(pairwise('ABCDEFG')), list(pairwise('A')))
print(list(starmap(pow, [(2, 5), (3, 2)])))
a, b = tee(range(5)); print(list(a), list(b))
a, b, c = tee(iter('xyz'), 3); print(next(a), list(b), list(a), list(c))
a, b = tee(range(300)); print(sum(a), sum(b), tee('x', 0))
print(list(zip_longest('ABCD', 'xy', fillvalue='-')), list(zip_longest()), list(zip_longest('ab', 'c')))
print(list(product('ab', range(2))), list(product(range(2), repeat=3)), list(product()), list(product('ab', [])))
print(list(permutations('ABCD', 2)), list(permutations(range(3))), list(permutations('ab', 3)))
print(list(combinations('ABCD', 2)), list(combinations(range(4), 3)), list(combinations('ab', 0)), list(combinations('ab', 3)))
print(list(combinations_with_replacement('ABC', 2)), list(combinations_with_replacement('', 0)))
print(list(combinations_with_replacement('', 1)))
for bad in (lambda: islice('abc', -1), lambda: permutations('abc', -1), lambda: combinations('abc', -2),
            lambda: product('ab', repeat=-1), lambda: tee('abc', -1), lambda: islice('abc', 0, 3, 0)):
    try:
        bad()
    except ValueError as error:
        print('ValueError')
for bad in (lambda: cycle(5), lambda: compress(1, []), lambda: pairwise(None), lambda: starmap(len, 3)):
    try:
        bad()
    except TypeError:
        print('TypeError at the call')
"""


def test_every_function_agrees_with_cpython(session):
    assert sandbox_output(session, EVERY_FUNCTION) == cpython_output(EVERY_FUNCTION)


def test_infinite_iterators_are_lazy(session):
    code = """
from itertools import count, cycle, repeat, chain, accumulate, pairwise, islice, zip_longest, tee
endless = chain.from_iterable(repeat([1, 2]))
print(list(islice(accumulate(count()), 5)), list(islice(pairwise(cycle('ab')), 3)), list(islice(endless, 5)))
print(next(zip_longest(count(), 'a')), [next(t) for t in tee(count(7))])
"""
    assert sandbox_output(session, code) == cpython_output(code)


def test_batched_makes_tuples_of_n_and_a_short_last_one(session):
    # batched is new in 3.12 and the oracle here may be older, so the reference is its documented rule.
    for values, n in (("ABCDEFG", 3), ("", 2), ("AB", 5), (list(range(6)), 2)):
        expected = [tuple(values[i : i + n]) for i in range(0, len(values), n)]
        assert (
            sandbox_output(session, f"from itertools import batched\nprint(list(batched({values!r}, {n})))")
            == f"{expected!r}\n"
        )
    assert (
        sandbox_output(session, "from itertools import batched\nbatched('abc', 0)")
        == "ValueError: n must be at least one\n"
    )


items = st.lists(st.integers(-3, 3), max_size=8)


@settings(max_examples=40, deadline=None)
@given(items, items, st.integers(0, 4), st.integers(0, 9), st.one_of(st.none(), st.integers(0, 9)), st.integers(1, 3))
def test_itertools_agree_with_cpython_on_random_iterables(session, xs, ys, r, start, stop, step):
    code = f"""
import itertools as it
xs, ys = {xs!r}, {ys!r}
print(list(it.accumulate(xs)), list(it.accumulate(xs, max, initial=0)), list(it.accumulate(iter(xs), lambda a, b: a * b + 1)))
print([(k, list(g)) for k, g in it.groupby(xs)], [(k, len(list(g))) for k, g in it.groupby(sorted(xs), key=abs)])
print(list(it.islice(xs, {start}, {stop}, {step})), list(it.islice(iter(xs), {stop})))
print(list(it.pairwise(xs)), list(it.zip_longest(xs, ys, fillvalue='.')), list(it.compress(xs, ys)))
print(list(it.dropwhile(lambda v: v < 1, xs)), list(it.takewhile(lambda v: v < 1, xs)), list(it.filterfalse(None, xs)))
print(list(it.chain(xs, ys)), list(it.starmap(lambda a, b: a - b, zip(xs, ys))), list(it.islice(it.cycle(xs), 11)))
print(list(it.product(xs[:3], ys[:3])), list(it.product(xs[:3], repeat={min(r, 2)})))
print(list(it.permutations(xs[:5], {r})), list(it.combinations(xs, {r})))
print(list(it.combinations_with_replacement(xs[:5], {r})))
a, b, c = it.tee(iter(xs), 3)
print(list(it.islice(a, 2)), list(b), list(a), list(c))
"""
    assert sandbox_output(session, code) == cpython_output(code)
