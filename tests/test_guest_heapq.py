"""heapq in the sandbox: nlargest, nsmallest and merge agree with CPython, ties included."""

from guest_oracle import cpython_output, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st


def test_top_n_over_rows_as_an_analyst_writes_it(session):
    code = """
import heapq
rows = [('north', 120), ('south', 80), ('east', 120), ('west', 95), ('central', 80), ('isles', 7)]
print(heapq.nlargest(3, rows, key=lambda r: r[1]))
print(heapq.nsmallest(3, rows, key=lambda r: r[1]))
print(heapq.nlargest(2, [5, 1, 9, 3]), heapq.nsmallest(2, [5, 1, 9, 3]), heapq.nlargest(10, [2, 1]), heapq.nsmallest(0, [1]))
print(heapq.nlargest(2, iter([1.0, 1, True]), key=abs), heapq.nsmallest(2, (x for x in [1.0, 1, True])))
print(list(heapq.merge([1, 4, 7], [2, 5, 8], [3, 6, 9])), list(heapq.merge()))
print(list(heapq.merge(['b', 'd'], ['a', 'c', 'e'], key=str.upper)), list(heapq.merge([9, 5, 1], [8, 5, 2], reverse=True)))
h = [5, 3, 8]
heapq.heapify(h)
print(heapq.heappushpop(h, 1), heapq.heapreplace(h, 10), h, heapq.heappop(h), h)
h = []
for v in [5, 3, 8, 1, 9, 2, 7, 4, 6, 0]:
    heapq.heappush(h, v)
print(h, heapq.heappop(h), h)
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1000)), max_size=40), st.integers(-1, 45))
def test_nlargest_and_nsmallest_keep_cpythons_order_among_ties(session, rows, n):
    code = f"""
import heapq
rows = {rows!r}
print(heapq.nlargest({n}, rows, key=lambda r: r[0]))
print(heapq.nsmallest({n}, rows, key=lambda r: r[0]))
print(heapq.nlargest({n}, [r[0] for r in rows]), heapq.nsmallest({n}, [r[1] for r in rows]))
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 99)), max_size=10), max_size=5), st.booleans())
def test_merge_is_stable_like_cpython(session, inputs, reverse):
    inputs = [sorted(rows, key=lambda r: r[0], reverse=reverse) for rows in inputs]
    code = f"""
import heapq
inputs = {inputs!r}
print(list(heapq.merge(*inputs, key=lambda r: r[0], reverse={reverse})))
print(list(heapq.merge(*[[r[0] for r in rows] for rows in inputs], reverse={reverse})))
"""
    assert sandbox_output(session, code) == cpython_output(code)
