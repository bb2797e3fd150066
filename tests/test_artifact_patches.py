"""The artifact's speed patches (scripts/build_artifact.py): what they change, and that they change
nothing else.

- skip_new_str_interning: a str built at run time is no longer looked up, linearly, among every
  interned string. Built strs must still equal, hash like and find interned ones (dict keys,
  attribute names, sets, `in`, sorting), as CPython prints.
- skip_found_qstr_strs: strs cut out of others by C code (slices, split, decode, json, re) are not
  looked up among the interned strings either; they must work as keys, attribute names, keyword
  arguments and import names like the interned strs they equal.
- bound_overflow_rescan: after the collector's mark stack overflows, its rescan stops at the last
  used block instead of covering the whole heap. Live data must survive collections whose mark
  stack overflows (wide lists and dicts, nested), and a collection costs what is live, not the
  heap's size.
- multi_block_next_fit, skip_used_table_words: gc_alloc searches for
  runs of several blocks from a hint of its own, and skips table words with no free block. Data of
  every size, freed and collected in between, must come out as CPython's; the same allocation
  burst repeated in one session must cost the same each time (it became quadratic after the first
  collection); and a call after a burst must not scan what the burst allocated.
"""

from __future__ import annotations

import pytest
from guest_oracle import cpython_output, new_session, sandbox_output

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits

# Each key is built at run time (by *, +, join, str(), %, format, slicing, upper) and is equal to a
# literal the compiler interned; it must behave like that literal everywhere.
BUILT_STRS_MEET_INTERNED_ONES = """
class Point:
    x = 1
    append = 2
keys = ['x' * 1, 'ap' + 'pend', ''.join(['a', 'ppend']), str('x'), '%s' % 'x', '{}'.format('append'),
        'xappend'[1:], 'APPEND'.lower(), 'len'.upper().lower(), 'print'[:5]]
table = {'x': 'ex', 'append': 'app', 'len': 'length', 'print': 'p'}
for key in keys:
    print(key, key == 'x' or key == 'append' or key in ('len', 'print'), table[key], hash(key) == hash(key[:]),
          key in table, key in {'x', 'append', 'len', 'print'}, getattr(Point, key, None))
print(sorted(set(keys)))
print({k: table[k] for k in sorted(keys)} == {k: table[k] for k in ('x', 'append', 'len', 'print')})
print([].__class__.__name__ == 'li' + 'st', getattr([1], 'ap' + 'pend') is not None)
d = {}
for key in keys:
    d[key] = d.get(key, 0) + 1
print(sorted(d.items()))
"""


# Wide containers (far more than the collector's 64-entry mark stack) holding objects whose own
# children are only reachable through them, collected while they are live, then checked.
WIDE_DATA_SURVIVES_COLLECTIONS = """
import gc
rows = [{'id': i, 'name': 'n' * (i % 7) + str(i), 'tags': [str(i), (i, str(i * 3))]} for i in range(3000)]
index = {row['name']: row for row in rows}
nested = [[str(i) + '-' + str(j) for j in range(80)] for i in range(80)]
for _ in range(3):
    gc.collect()
    junk = [str(i) * 3 for i in range(2000)]
gc.collect()
print(sum(len(row['name']) + len(row['tags'][0]) + row['tags'][1][0] for row in rows))
print(sum(len(index[key]['tags'][1][1]) for key in index), len(index))
print(sum(len(s) for inner in nested for s in inner), nested[79][79], nested[3][41])
"""


# Objects of one to a few hundred blocks, some freed by the program (a list that grows, strs that
# are dropped) and some by collections, with the survivors checked at the end.
MIXED_SIZES_SURVIVE_FREES_AND_COLLECTIONS = """
import gc
kept = []
for round in range(6):
    junk = [('x' * (i % 97)) + str(i) for i in range(1500)]
    grown = []
    for i in range(400):
        grown.append(str(i) * (i % 13 + 1))
        if i % 50 == 0:
            kept.append(('r%d' % round) * (i % 31 + 1))
    table = {str(i): [i] * (i % 9) for i in range(300)}
    kept.append(sum(len(v) for v in table.values()) + len(grown[-1]) + len(junk[777]))
    del junk
    if round % 2:
        gc.collect()
print(len(kept), sum(len(k) if isinstance(k, str) else k for k in kept), kept[5], kept[-1])
"""


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime()


def test_built_strs_behave_like_the_interned_ones_they_equal(runtime: Runtime) -> None:
    session = new_session(runtime)
    try:
        assert sandbox_output(session, BUILT_STRS_MEET_INTERNED_ONES) == cpython_output(BUILT_STRS_MEET_INTERNED_ONES)
    finally:
        session.close()


def test_building_a_str_does_not_search_the_interned_strs() -> None:
    """5,000 strs of 30 characters, beyond the cost of the same loop building nothing: about
    11,400 instructions each with the search (measured on the unpatched artifact), about 3,500
    without it. Untransformed code, so that only the interpreter's own work counts."""
    runtime = Runtime(cpython_semantics=False)
    session = runtime.new_session(Limits(fuel=10**10))
    try:
        session.run("pass")
        base = session.run("r = [i for i in range(5000)]").fuel_used
        built = session.run("r = ['abc' * 10 for i in range(5000)]").fuel_used
        assert (built - base) / 5000 < 7_000, (base, built)
    finally:
        session.close()


# Strs that MicroPython's C code cuts out of others (slices, split, decode, json, re groups) must
# behave like the interned strs they equal: as dict keys both ways, in sets, as attribute names for
# getattr, setattr, hasattr and keyword arguments, as import names, and in sorting.
CUT_STRS_MEET_INTERNED_ONES = """
import json, re
class Point:
    x = 1
    append = 2
def f(alpha=0, beta=0):
    return alpha * 10 + beta
text = 'x,append,len,print,alpha,beta'
cut = ['_x_'[1:2], 'xappend'[1:], text.split(',')[2], b'print'.decode(), json.loads('["alpha", "beta"]')[0],
       re.match('(b..a)', 'beta').group(1), str(b'append', 'utf-8'), 'x.y'.partition('.')[0]]
table = {'x': 'ex', 'append': 'app', 'len': 'length', 'print': 'p', 'alpha': 'a', 'beta': 'b'}
for key in cut:
    print(key, table[key], key in table, key in set(table), hash(key) == hash(key + ''), getattr(Point, key, None),
          hasattr(Point, key), key in dir(Point), key == 'x' or key in text)
p = Point()
for key in cut:
    setattr(p, key, key * 2)
print(sorted((k, getattr(p, k)) for k in cut), p.x, p.append)
print(f(**{'alpha1'[:5]: 3, 'beta,'.split(',')[0]: 4}), f(**json.loads('{"beta": 7}')))
d = {k: i for i, k in enumerate(cut)}
print(sorted(d.items()), d['x'], d[''.join(['ap', 'pend'])])
g = globals()
g['made' + '_here'] = 5
print(made_here, g['made_here_'[:-1]], 'made_here' in g)
mod = __import__('json,re'.split(',')[1])
print(mod.__name__, getattr(mod, 'match,'[:-1]) is re.match)
"""


def test_cut_strs_behave_like_the_interned_ones_they_equal(runtime: Runtime) -> None:
    session = new_session(runtime)
    try:
        assert sandbox_output(session, CUT_STRS_MEET_INTERNED_ONES) == cpython_output(CUT_STRS_MEET_INTERNED_ONES)
    finally:
        session.close()


def test_cutting_a_str_does_not_search_the_interned_strs() -> None:
    """5,000 slices and 1,000 splits into five in a session that has interned 2,000 more names.
    Measured per slice beyond the loop's own arithmetic: about 70,000 instructions with the search
    (unpatched), about 22,500 without; per split about 248,000 with, 13,500 without."""
    runtime = Runtime(cpython_semantics=False)
    session = runtime.new_session(Limits(fuel=10**10))
    try:
        names = "\n".join(f"name_{i} = {i}" for i in range(2000))
        assert session.run(names + "\ntext = 'abcdefghijklmnopqrstuvwxyz'\nline = 'alpha,beta,gamma,delta,epsilon'").ok
        base = session.run("r = [i % 20 + 5 for i in range(5000)]").fuel_used
        sliced = session.run("r = [text[i % 20:i % 20 + 5] for i in range(5000)]").fuel_used
        split = session.run("r = [line.split(',') for i in range(1000)]").fuel_used
        assert (sliced - base) / 5000 < 40_000, (base, sliced)
        assert split / 1000 < 30_000, split
    finally:
        session.close()


def test_wide_live_data_survives_collections_that_overflow_the_mark_stack(runtime: Runtime) -> None:
    session = new_session(runtime)
    try:
        assert sandbox_output(session, WIDE_DATA_SURVIVES_COLLECTIONS) == cpython_output(WIDE_DATA_SURVIVES_COLLECTIONS)
    finally:
        session.close()


def test_a_collection_costs_what_is_live_not_the_heap_size() -> None:
    """The default 15 MiB heap, nearly empty but for the CPython helpers (whose module dicts
    overflow the mark stack): 29.9M instructions when the rescan covered the heap, about 3.2M now."""
    session = Runtime().new_session(Limits(fuel=10**10))
    try:
        session.run("import gc")
        assert session.run("gc.collect()").fuel_used < 10_000_000
    finally:
        session.close()


def test_data_of_every_size_survives_frees_and_collections(runtime: Runtime) -> None:
    session = new_session(runtime)
    try:
        program = MIXED_SIZES_SURVIVE_FREES_AND_COLLECTIONS
        assert sandbox_output(session, program) == cpython_output(program)
    finally:
        session.close()


def test_the_same_allocation_burst_costs_the_same_every_time() -> None:
    """Each run drops the previous one's strs; once a collection has left small holes between the
    survivors, every `* 10` used to search past all of them: the fourth run of the 50,000-str
    version took over 5 s. A 4 MiB heap shows it with 15,000: runs of 138M, 290M, 6,076M, 356M,
    629M and 2,895M instructions before, 135M to 299M now (a run with a collection in it costs up to
    about twice one without: the collection marks the previous run's list)."""
    session = Runtime().new_session(Limits(memory_bytes=4 * 1024 * 1024, fuel=10**10, timeout_seconds=60))
    try:
        session.run("pass")
        fuel = [session.run("r = [str(i) * 10 for i in range(15000)]").fuel_used for _ in range(6)]
        assert max(fuel) < 3 * fuel[0], fuel
    finally:
        session.close()


def test_a_call_after_a_burst_does_not_scan_what_the_burst_allocated() -> None:
    """50,000 strs live and nothing collected yet: the next calls' few multi-block allocations each
    searched from the first free block (from before the burst) past everything: about 31M
    instructions for `x = 1`, about 0.5M now."""
    session = Runtime().new_session(Limits(fuel=10**10))
    try:
        session.run("pass")
        assert session.run("data = [str(i) * 5 for i in range(50000)]").ok
        fuel = [session.run("x = 1").fuel_used for _ in range(3)]
        assert max(fuel) < 2_000_000, fuel
    finally:
        session.close()
