"""Ordering and comparison in the sandbox agree with CPython: guest/lib/_odict.py, _order.py, json.py.

The source transformation that routes user code to these helpers is tested elsewhere; here the
sandbox imports the modules and calls them directly, and CPython runs the same code with its
builtins standing in (odict = dict, list_sort = list.sort, ...).
"""

import json

import pytest
from guest_oracle import cpython_output, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.snapshot import Snapshot

SANDBOX_PRELUDE = (
    "from _odict import odict\n"
    "from _order import sorted, min, max, list_sort, lt, gt, le, ge, dict_from_pairs, dict_call, ior, print, repr\n"
    "import json\n"
)
CPYTHON_PRELUDE = (
    "import json, operator\n"
    "odict = dict\n"
    "lt, gt, le, ge = operator.lt, operator.gt, operator.le, operator.ge\n"
    "def list_sort(lst, key=None, reverse=False):\n    return lst.sort(key=key, reverse=reverse)\n"
    "def dict_from_pairs(pairs):\n    return {k: v for k, v in pairs}\n"
    "def dict_call(args=(), pairs=()):\n    return dict(*args, **dict(pairs))\n"
    "def ior(target, other):\n    target |= other\n    return target\n"
)


def agree(session, code):
    expected = cpython_output(CPYTHON_PRELUDE + code)
    assert sandbox_output(session, SANDBOX_PRELUDE + code) == expected
    return expected


# Sorting ---------------------------------------------------------------------------------------

SHAPES = ["random", "sorted", "reversed", "equal", "sorted_then_random"]


def shaped(values, shape):
    if shape == "sorted":
        return sorted(values)
    if shape == "reversed":
        return sorted(values, reverse=True)
    if shape == "equal":
        return [v % 2 for v in values]
    if shape == "sorted_then_random":
        return sorted(values[: len(values) // 2]) + values[len(values) // 2 :]
    return values


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-20, 20), max_size=60), st.sampled_from(SHAPES), st.booleans())
def test_sorted_with_a_key_is_stable_like_cpython(session, values, shape, reverse):
    keys = shaped(values, shape)
    rows = [(k, i) for i, k in enumerate(keys)]
    agree(
        session,
        f"rows = {rows!r}\n"
        f"print(sorted(rows, key=lambda r: r[0], reverse={reverse}))\n"
        f"print(sorted(rows, key=lambda r: -r[0], reverse={reverse}))\n"
        f"list_sort(rows, key=lambda r: r[0] % 3, reverse={reverse})\nprint(rows)\n",
    )


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        st.lists(st.integers(-5, 5), max_size=50),
        st.lists(st.text("abc", max_size=3), max_size=40),
        st.lists(st.integers(-12, 12).map(lambda i: i / 4), max_size=30),
        st.lists(st.one_of(st.integers(0, 3), st.booleans()), max_size=30),
        st.lists(st.tuples(st.integers(0, 2), st.text("xy", max_size=2)), max_size=30),
    ),
    st.sampled_from(SHAPES[:3]),
    st.booleans(),
)
def test_sorted_without_a_key_agrees_with_cpython(session, values, shape, reverse):
    if shape != "random":
        values = sorted(values, reverse=shape == "reversed")
    agree(
        session,
        f"values = {values!r}\nprint(sorted(values, reverse={reverse}))\n"
        f"list_sort(values, reverse={reverse})\nprint(values)\nprint(sorted(tuple(values)))\n",
    )


KEY_TUPLES = st.one_of(
    # One length: the sort compares (k1, k2, position), flattened.
    st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), max_size=60),
    st.lists(st.tuples(st.integers(0, 2), st.text("ab", max_size=2), st.integers(0, 1)), max_size=40),
    # Mixed lengths: a shorter tuple sorts before a longer one that it starts.
    st.lists(st.lists(st.integers(0, 2), max_size=3).map(tuple), max_size=40),
    st.lists(st.tuples(st.integers(0, 2).map(lambda i: i / 2), st.integers(0, 2)), max_size=30),
)


@settings(max_examples=60, deadline=None)
@given(KEY_TUPLES, st.sampled_from(SHAPES), st.booleans())
def test_sorted_by_tuple_keys_is_stable_like_cpython(session, keys, shape, reverse):
    keys = shaped(keys, shape) if shape != "equal" else [k[:1] for k in keys]
    rows = [(k, i) for i, k in enumerate(keys)]
    agree(
        session,
        f"rows = {rows!r}\n"
        f"print(sorted(rows, key=lambda r: r[0], reverse={reverse}))\n"
        f"print(sorted([r[0] for r in rows], reverse={reverse}))\n"
        f"print(sorted(rows, key=lambda r: r[0] + (-r[1],), reverse={reverse}))\n"
        f"list_sort(rows, key=lambda r: (len(r[0]), r[0][:1]), reverse={reverse})\nprint(rows)\n",
    )


def test_tuples_compare_by_their_first_differing_items_with_reflection(session):
    # The items decide, compared by themselves: an error names their types, and an item with
    # only the mirror method is compared through it, as in CPython.
    agree(
        session,
        ONLY_GT + "print(lt((G(1), 2), (G(2), 1)), gt([G(3)], [G(2)]), le((1,), (1, 0)), ge([0, 'b'], [0, 'a', 1]))\n"
        "print(sorted([(G(2), 'b'), (G(1), 'a'), (G(2), 'a')], key=lambda t: t)[0][1])\n"
        "for a, b in [((1, 'a'), (1, 2)), ([0, None], [0, 1]), ((1, (2, 'x')), (1, (2, 3)))]:\n"
        "    try:\n        print(lt(a, b))\n    except TypeError as e:\n        print('TypeError', e)\n",
    )


def test_sorted_accepts_any_iterable_and_list_sort_defers_to_other_types(session):
    agree(
        session,
        "print(sorted('banana'), sorted({3: 'a', 1: 'b'}), sorted(x * x for x in range(-3, 3)))\n"
        "print(sorted([], reverse=True), sorted([1]), sorted(range(5), key=lambda x: x % 2))\n"
        "class Box:\n    def sort(self, key=None, reverse=False):\n        return ('own sort', reverse)\n"
        "print(list_sort(Box(), reverse=True))\n"
        "try:\n    sorted([1, 'a'])\nexcept TypeError as e:\n    print('TypeError', e)\n",
    )


@pytest.mark.parametrize("size", [3000, 20000])
@pytest.mark.parametrize("shape", ["sorted", "reversed", "equal", "sorted_then_random"])
def test_sorting_structured_input_costs_n_log_n_fuel_not_quadratic(session, size, shape):
    # The built-in quicksort costs about 5.6e9 fuel on 3,000 sorted items with a key, and 25
    # times that at 20,000: a bound far below that proves the cliff is gone.
    data = {
        "sorted": "list(range(N))",
        "reversed": "list(range(N, 0, -1))",
        "equal": "[i % 3 for i in range(N)]",
        "sorted_then_random": "list(range(N)) + [(i * 7919) % N for i in range(50)]",
    }[shape]
    session.run(SANDBOX_PRELUDE + f"N = {size}\ndata = {data}")
    result = session.run("out = sorted(data, key=lambda x: x)")
    assert result.ok, result.error
    assert result.fuel_used < 150 * size * 1000 / 3  # about 50k fuel per item at most
    check = session.run("print(len(out) == len(data) and all(a <= b for a, b in zip(out, out[1:])))")
    assert check.stdout == "True\n", check.error


# min, max and reflected comparisons --------------------------------------------------------------

ONLY_LT = (
    "class L:\n    def __init__(self, v): self.v = v\n"
    "    def __lt__(self, other): return self.v < other.v\n"
    "    def __repr__(self): return 'L(%r)' % self.v\n"
)
ONLY_GT = (
    "class G:\n    def __init__(self, v): self.v = v\n"
    "    def __gt__(self, other): return self.v > other.v\n"
    "    def __repr__(self): return 'G(%r)' % self.v\n"
)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-9, 9), min_size=1, max_size=20))
def test_min_max_and_sorted_use_reflected_comparisons(session, values):
    agree(
        session,
        ONLY_LT + ONLY_GT + f"values = {values!r}\n"
        "for kind in (L, G):\n"
        "    items = [kind(v) for v in values]\n"
        "    print(max(items), min(items), sorted(items), sorted(items, reverse=True))\n"
        "    print(max(items, key=lambda o: o), min(*items[:2]) if len(items) > 1 else None)\n"
        "    a, b = items[0], items[-1]\n"
        "    print(lt(a, b), gt(a, b), le(a, b) if kind is not L else None)\n",
    )


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers()), max_size=10), st.integers(-3, 3))
def test_min_and_max_take_key_default_and_several_arguments(session, pairs, default):
    agree(
        session,
        f"pairs = {pairs!r}\n"
        f"print(max(pairs, key=lambda p: p[0], default={default}), min(pairs, key=lambda p: p[0], default={default}))\n"
        "print(max(3, 1, 2), min(3, 1, 2), max('b', 'a', key=str.upper), max(iter([4, 9, 2])))\n"
        "for call in (lambda: max([]), lambda: min(1, 2, default=0), lambda: max(), lambda: lt(1, 'a')):\n"
        "    try:\n        call()\n    except (TypeError, ValueError) as e:\n        print(type(e).__name__, e)\n",
    )


# The ordered dict --------------------------------------------------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.integers(0, 12), st.integers()),
        st.tuples(st.just("del"), st.integers(0, 12), st.just(0)),
        st.tuples(st.just("pop"), st.integers(0, 12), st.just(0)),
        st.tuples(st.just("popitem"), st.just(0), st.just(0)),
        st.tuples(st.just("setdefault"), st.integers(0, 12), st.integers()),
        st.tuples(st.just("update"), st.integers(0, 12), st.integers()),
        st.tuples(st.just("print"), st.just(0), st.just(0)),
    ),
    max_size=80,
)


# Subclasses: one that stores as odict itself does (through the native part it reaches with
# `|=`), and one with its own `|=`, which stores through itself (as collections.Counter does).
SUBCLASSES = (
    "class Sub(odict):\n    pass\n"
    "class OwnOr(odict):\n    def __ior__(self, other):\n        self.update(other)\n        return self\n"
)


def operations_program(operations, kind="odict"):
    lines = [SUBCLASSES + f"d = {kind}()"]
    for op, k, v in operations:
        key = f"'k{k}'" if k % 2 else str(k)
        lines.append(
            {
                "set": f"d[{key}] = {v}",
                "del": f"if {key} in d: del d[{key}]",
                "pop": f"print(d.pop({key}, None))",
                "popitem": "print(d.popitem() if d else None)",
                "setdefault": f"print(d.setdefault({key}, {v}))",
                "update": f"d.update([({key}, {v})], z={v})",
                "print": "print(d, len(d), list(d.items())[:3], 5 in d)",
            }[op]
        )
    lines.append("print(d, d.keys(), d.values(), d.items(), list(reversed(d)))")
    lines.append("print(d == dict(d.items()), odict(d) == d, d.copy(), [d], {'nested': d})")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(OPERATIONS, st.sampled_from(["odict", "odict", "Sub", "OwnOr"]))
def test_random_sequences_of_dict_operations_print_like_cpython(session, operations, kind):
    agree(session, operations_program(operations, kind))


def test_dict_api_matches_cpython(session):
    agree(
        session,
        "d = odict([('b', 1), ('a', 2)], c=3)\n"
        "print(d, str(d), repr(d), f'{d}', '%s' % (d,), type(d), isinstance(d, dict))\n"
        "print(odict.fromkeys('zyx', 0), d | {'e': 5}, d.get('a'), d.get('q', 9))\n"
        "print(list(d), list(d.keys()), list(d.values()), 'a' in d.keys(), 2 in d.values(), ('a', 2) in d.items())\n"
        "print(len(d.keys()), d.keys() & {'a', 'q'}, sorted(d.keys() | {'q'}), sorted(d.keys() - {'a'}))\n"
        "d2 = ior(d, [('f', 6)])\nprint(d2 is d, d)\n"
        "e = d.copy(); e['b'] = 0; print(d['b'], e['b'], e)\n"
        "d.clear(); print(d, len(d), d.popitem() if d else 'empty')\n"
        "def f(**kw): return sorted(kw.items())\nprint(f(**odict(x=1, y=2)))\n"
        "s = odict(); s['me'] = s; print(s)\n"
        "print(dict_from_pairs([('z', 1), ('a', 2), ('z', 3)]), dict_call([{'q': 0}], [('b', 1), ('a', 2)]))\n"
        # MicroPython writes str(KeyError('b')) without quotes, so compare the arguments.
        "try:\n    odict().popitem()\nexcept KeyError as e:\n    print('KeyError', e.args)\n"
        "try:\n    odict(a=1).pop('b')\nexcept KeyError as e:\n    print('KeyError', e.args)\n",
    )


def test_get_and_store_bound_to_an_instance_keep_each_dict_and_subclass_its_own(session):
    # An odict binds the native get and store to itself on first use: each dict must still read
    # and write only itself, and a subclass's own get must still be called.
    agree(
        session,
        "a = odict(); b = odict()\n"
        "a['k'] = 1; b['k'] = 2; a['k'] = 3\n"
        "print(a.get('k'), b.get('k'), a.get('q', 'none'), b.get('q'))\n"
        "c = a.copy(); c['k'] = 4; c['n'] = 5\n"
        "print(a, b, c, c.get('k'), a.get('k'), a.get('n'))\n"
        "a.clear(); a['z'] = 0; a['k'] = 7\n"
        "print(a, a.get('k'), len(a), list(a))\n"
        "class Own(odict):\n"
        "    def get(self, key, default=None):\n"
        "        return ('own', odict.get(self, key, default))\n"
        "o = Own(); o['x'] = 1\n"
        "print(o.get('x'), o.get('x'), o.get('y', 0), odict.get(o, 'x'))\n"
        "d = odict(); d.update(p=1); d['p'] += 1; d.setdefault('s', []).append(d.get('p'))\n"
        "print(d, d.get('s'), d.pop('p'), d.get('p', 'gone'), d)\n"
        # A dict that never had a key has no key list of its own until its first one.
        "e = odict(); f = e.copy(); f['x'] = 1; g = odict(e); g['y'] = 2\n"
        "print(e, f, g, list(e), list(reversed(e)), e == {}, len(e), e.items(), odict.fromkeys([]))\n"
        "try:\n    e.popitem()\nexcept KeyError:\n    print('KeyError')\n"
        "e['z'] = 3; e.update(a=1); del e['z']; e['z'] = 4; print(e, f, g)\n",
    )


def test_stores_through_the_native_part_keep_each_dict_its_own_and_in_order(session):
    # An odict stores through its native part, reached on the first store; a class with its own
    # `|=` (Counter's kind) stores through itself. Both keep insertion order and their own keys.
    agree(
        session,
        SUBCLASSES + "a = odict(x=1); b = a.copy(); a['y'] = 2; b['z'] = 3; a['x'] = 4\n"
        "print(a, b, list(a), list(b), len(a), 'z' in a)\n"
        "c = ior(a, {'w': 5}); c['v'] = 6; del a['y']; a['y'] = 7; print(a, c is a, list(reversed(a)))\n"
        "o = OwnOr(); o['b'] = 1; o['a'] = 2; o['b'] = 3; o = ior(o, {'c': 4}); o['d'] = 5\n"
        "del o['a']; o['a'] = 6; p = OwnOr(); p['q'] = 1; s = Sub(k=1); s['j'] = 2; s['k'] = 3\n"
        "print(o, list(o), type(o) is OwnOr, p, s, list(s), odict.get(s, 'j'))\n"
        # A class with its own `|=` and its own store, which calls odict's: both still run.
        "class Both(OwnOr):\n    def __setitem__(self, key, value):\n        odict.__setitem__(self, key, value * 10)\n"
        "t = Both(); t['r'] = 1; t['q'] = 2; t['r'] = 3; del t['q']; t['q'] = 5\n"
        "print(t, list(t), Both.__setitem__ is OwnOr.__setitem__)\n"
        "from collections import Counter, OrderedDict\n"
        "n = Counter(); n['a'] += 1; n['b'] = 2; n['a'] += 1; m = OrderedDict(); m['y'] = 1; m['x'] = 2; m['y'] = 3\n"
        "print(n, list(n), list(m.items()))\n"
        "try:\n    a[[1]] = 1\nexcept TypeError:\n    print('TypeError', a)\n",
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 4), st.booleans(), st.sampled_from([1.0, 0.0, "a", "b", (1,)])), st.integers()
        ),
        max_size=30,
    )
)
def test_dict_displays_keep_each_keys_first_position_and_last_value_like_cpython(session, pairs):
    # dict_from_pairs builds the native dict in C and takes the pairs' order unless a key repeats
    # (1, 1.0 and True are one key; the first one written stays).
    agree(
        session,
        f"pairs = {pairs!r}\nd = dict_from_pairs(pairs)\n"
        "print(d, list(d), len(d), [type(k).__name__ for k in d])\n"
        "d['new'] = 1\nif d:\n    del d[next(iter(d))]\nprint(d, d.popitem() if d else None, d)\n"
        "try:\n    dict_from_pairs(pairs + [([], 1)])\nexcept TypeError:\n    print('TypeError')\n",
    )


# Rows built without odict.__init__, sharing one key tuple until each is first changed: json
# arrays of objects, SQL rows (from_ordered of a native dict), csv rows (from_pairs), copies.
ROW_BUILDS = {
    "json": "rows = json.loads(json.dumps([dict(zip(KEYS, v)) for v in VALUES]))\n",
    "ordered": "rows = [from_ordered(tuple(KEYS), native(zip(KEYS, v))) for v in VALUES]\n",
    "pairs": "shared = tuple(KEYS)\nrows = [from_pairs(shared, zip(shared, v)) for v in VALUES]\n",
    "copies": "rows = json.loads(json.dumps([dict(zip(KEYS, v)) for v in VALUES]))\n"
    "rows = [r.copy() for r in rows[:1]] + [rows[1].copy().copy()] + rows[2:]\n",
}
ROW_PRELUDES = (
    "from _odict import from_ordered, from_pairs, _dict as native\n",
    "def from_ordered(keys, values):\n    return {k: values[k] for k in keys}\n"
    "def from_pairs(keys, pairs):\n    return dict(pairs)\nnative = dict\n",
)
ROW_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["set", "del", "pop", "popitem", "setdefault", "update", "clear", "copy", "print", "iterate", "equal"]
        ),
        st.integers(0, 2),
        st.sampled_from(["a", "b", "c", "d", "z"]),
        st.sampled_from([0, -1, 2.5, 0.1, "x", None]),
    ),
    max_size=25,
)


def rows_program(build, operations):
    lines = []
    for op, row, key, value in operations:
        d = f"rows[{row}]"
        lines.append(
            {
                "set": f"{d}[{key!r}] = {value!r}",
                "del": f"if {key!r} in {d}: del {d}[{key!r}]",
                "pop": f"print({d}.pop({key!r}, 'none'))",
                "popitem": f"print({d}.popitem() if {d} else None)",
                "setdefault": f"print({d}.setdefault({key!r}, {value!r}))",
                "update": f"{d}.update([({key!r}, {value!r})], q={value!r})",
                "clear": f"{d}.clear()",
                "copy": f"rows.append({d}.copy()); rows[-1][{key!r}] = {value!r}",
                "print": f"print({d}, len({d}), {key!r} in {d}, {d}.get({key!r}))",
                "iterate": f"print(list({d}), list(reversed({d})), {d}.keys(), {d}.values(), {d}.items())",
                "equal": f"print({d} == rows[0], {d} != rows[1], {d} == dict({d}.items()))",
            }[op]
        )
    lines.append("print(rows, json.dumps(rows), [list(reversed(r)) for r in rows])")
    lines.append("import copy\ndeep = copy.deepcopy(rows)\ndeep[0]['deep'] = 1\nprint(deep, rows[0])")
    return ROW_BUILDS[build] + "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(ROW_BUILDS)),
    st.lists(st.sampled_from(["b", "a", "c", "d"]), min_size=1, max_size=4, unique=True),
    ROW_OPERATIONS,
)
def test_rows_built_the_fast_way_change_like_cpython_dicts(session, build, keys, operations):
    values = [[i * 10 + j + 0.5 * (j == 1) for j in range(len(keys))] for i in range(3)]
    program = f"KEYS = {keys!r}\nVALUES = {values!r}\n" + rows_program(build, operations)
    expected = cpython_output(CPYTHON_PRELUDE + ROW_PRELUDES[1] + program)
    assert sandbox_output(session, SANDBOX_PRELUDE + ROW_PRELUDES[0] + program) == expected


def test_deleting_from_a_shared_row_while_iterating_it_fails_as_before(session):
    # Iterating a row gives it its own key list first, whose holes stop an iteration that a
    # deletion overtook, as for any odict.
    output = sandbox_output(
        session,
        SANDBOX_PRELUDE + 'rows = json.loads(\'[{"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}]\')\n'
        "for k in rows[0]:\n    print(k)\n    if k == 'a':\n        del rows[0]['c']\n",
    )
    assert output == "a\nb\nRuntimeError: dictionary changed size during iteration\n"


def test_a_dict_survives_thousands_of_deletions_in_order(session):
    agree(
        session,
        "d = odict()\n"
        "for i in range(3000):\n    d[i] = i\n    if i % 3:\n        del d[i - 1]\n"
        "print(len(d), list(d)[:8], list(d)[-4:])\n"
        "while len(d) > 5:\n    d.popitem()\n"
        "print(d)\n",
    )


def test_counting_loop_keeps_first_seen_order(session):
    agree(
        session,
        "counts = odict()\n"
        "for word in 'the cat and the hat and the bat'.split():\n"
        "    counts[word] = counts.get(word, 0) + 1\n"
        "print(counts, max(counts, key=counts.get), sorted(counts.items(), key=lambda kv: -kv[1]))\n",
    )


def output_after_a_restore(runtime, setup: str, probe: str) -> str:
    """What `probe` prints in a fresh instance restored from the image of a session that ran `setup`."""
    limits = Limits(fuel=10**10, timeout_seconds=60)
    first = runtime.new_session(limits)
    try:
        result = first.run(setup)
        assert result.ok, result.error
        image = first.snapshot().encode()
    finally:
        first.close()
    restored = runtime.new_session(limits, snapshot=Snapshot.decode(image, limits.memory_bytes))
    try:
        result = restored.run(probe)
        assert result.ok, result.error
        return result.stdout
    finally:
        restored.close()


def test_a_session_holding_ordered_dicts_survives_snapshot_and_restore(runtime):
    assert output_after_a_restore(
        runtime,
        "from _odict import odict\nimport json\n"
        "d = odict()\nfor k in ['zeta', 'alpha', 'mu', 'beta']:\n    d[k] = len(k)\n"
        'del d[\'mu\']\nrows = json.loads(\'[{"b": 1, "a": 2}, {"b": 3, "a": 4}]\')',
        "d['mu'] = 0\nprint(d, rows)\nprint(json.dumps(d), json.dumps(rows))",
    ) == (
        "{'zeta': 4, 'alpha': 5, 'beta': 4, 'mu': 0} [{'b': 1, 'a': 2}, {'b': 3, 'a': 4}]\n"
        '{"zeta": 4, "alpha": 5, "beta": 4, "mu": 0} [{"b": 1, "a": 2}, {"b": 3, "a": 4}]\n'
    )


def test_rows_sharing_their_keys_survive_snapshot_and_restore(runtime):
    # Rows restored from a snapshot still share one key tuple; each copies it on its first change.
    assert output_after_a_restore(
        runtime,
        "import json\nfrom _odict import from_ordered, _dict\n"
        'rows = json.loads(\'[{"b": 1, "a": 2.5}, {"b": 3, "a": 4}, {"b": 5, "a": 6}]\')\n'
        "keys = ('y', 'x')\nsql = [from_ordered(keys, _dict(x=i, y=-i)) for i in range(3)]\n"
        "rows[2]['c'] = 7",
        "del rows[0]['b']\nrows[1]['z'] = 0\nsql[0].popitem()\nsql[1]['w'] = 1\n"
        "print(rows, sql, sql[2].copy(), list(reversed(sql[2])))\nprint(json.dumps(rows), json.dumps(sql))",
    ) == (
        "[{'a': 2.5}, {'b': 3, 'a': 4, 'z': 0}, {'b': 5, 'a': 6, 'c': 7}] "
        "[{'y': 0}, {'y': -1, 'x': 1, 'w': 1}, {'y': -2, 'x': 2}] {'y': -2, 'x': 2} ['x', 'y']\n"
        '[{"a": 2.5}, {"b": 3, "a": 4, "z": 0}, {"b": 5, "a": 6, "c": 7}] '
        '[{"y": 0}, {"y": -1, "x": 1, "w": 1}, {"y": -2, "x": 2}]\n'
    )


# json ------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        # Dyadic floats only: MicroPython's float repr is not always the shortest (it prints
        # 8.308999999999999 for 8.309), which is float formatting, not json.
        st.integers(-(10**8), 10**8).map(lambda i: i / 64),
        st.text(max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.text(max_size=5), children, max_size=5),
    ),
    max_leaves=25,
)


@settings(max_examples=60, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 0, 2, "\t"]), st.booleans())
def test_json_round_trips_agree_with_cpython(session, value, indent, ensure_ascii):
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    agree(
        session,
        f"text = {text!r}\nv = json.loads(text)\nprint(v)\n"
        "print(json.dumps(v))\nprint(json.dumps(v) == text)\n"
        f"print(json.dumps(v, indent={indent!r}, ensure_ascii={ensure_ascii}))\n"
        "print(json.dumps(v, sort_keys=True, separators=(',', ':')))\n",
    )


@settings(max_examples=80, deadline=None)
@given(
    JSON_VALUES,
    st.integers(0, 10**6),
    st.sampled_from(["delete", "insert", "replace"]),
    st.sampled_from(list('{}[],:"\\ 0-etn')),
)
def test_damaged_json_is_refused_or_read_like_cpython(session, value, where, how, char):
    text = json.dumps(value, indent=1 if where % 2 else None)
    i = where % (len(text) + 1)
    if how == "delete":
        text = text[:i] + text[i + 1 :]
    elif how == "insert":
        text = text[:i] + char + text[i:]
    else:
        text = text[:i] + char + text[i + 1 :]
    agree(
        session,
        f"try:\n    print(repr(json.loads({text!r})))\nexcept json.JSONDecodeError as e:\n"
        "    print('JSONDecodeError', e, e.pos, e.lineno, e.colno)\n",
    )


INVALID_OR_ODD_TEXTS = [
    "",
    " ",
    "[1,]",
    '{"a":1,}',
    "[1 2]",
    '{"a" 1}',
    "{a:1}",
    '"abc',
    "[1]x",
    '"\\x"',
    '"a\tb"',
    "[",
    "{",
    '{"a":',
    "[1e]",
    "-",
    "nul",
    '"\\u12"',
    '{"\\u01f:": 1}',
    "[1,2",
    "[truefalse]",
    '{"a": }',
    '{"a" "b": 1}',
    "[1,,2]",
    "{1: 2}",
    '["}"',
    '{"a": 1}}',
    "[}",
    '[{"a": 1]}',
    "01",
    "[-01]",
    "1.",
    "[1.e5]",
    "[-.5]",
    ".5",
    '["{"]',
    '["}"]',
    '[{"a": "{}"}]',
    '{"a": "x:y,z"}',
    "[1e05, 1e-05, -0.5, 0, 10, 0.0]",
    '["a\\"b", "c\\\\"]',
    '["tab\\there"]',
    '{"a": [], "b": {}, "c": [{}]}',
    "  [ 1 , 2 ]  ",
    '"plain"',
    "12",
    "null",
    "[[[[]]]]",
    '{"a":1,"a":2,"b":3}',
    "[NaN, Infinity, -Infinity]",
    '"\\ud83d\\ude00"',
    '"\\ud83d"',
    "[1]\x00",
]


@pytest.mark.parametrize("text", INVALID_OR_ODD_TEXTS)
def test_json_loads_refuses_what_cpython_refuses_and_reads_the_rest_alike(session, text):
    agree(
        session,
        f"try:\n    print(repr(json.loads({text!r})))\nexcept json.JSONDecodeError as e:\n"
        "    print('JSONDecodeError', e, e.pos, e.lineno, e.colno)\n",
    )


def test_json_dumps_options_and_errors_agree_with_cpython(session):
    agree(
        session,
        'v = json.loads(\'{"b": [1, 2.5, null, true], "a": {"z": "\\\\u00e9\\\\n", "y": []}, "c": {}}\')\n'
        "for kw in ({}, {'indent': 2}, {'indent': '--'}, {'sort_keys': True}, {'separators': (',', ':')},\n"
        "           {'ensure_ascii': False}, {'indent': 0}):\n"
        "    print(json.dumps(v, **kw))\n"
        "print(json.dumps([float('nan'), float('inf'), -float('inf'), 'nan inf', 1e16, 0.1 + 0.2, -0.0]))\n"
        "print(json.dumps({1: 'a', 2.5: 'b', True: 'c', None: 'd'}), json.dumps('\\x08\\x0c\\x7f\\u2028\\U0001f600'))\n"
        "class X:\n    pass\n"
        "for bad in ({1, 2}, X(), b'x', {(1, 2): 3}, [1, {2}]):\n"
        "    try:\n        json.dumps(bad)\n    except TypeError as e:\n        print('TypeError', e)\n"
        "print(json.dumps({(1, 2): 3, 'k': 1}, skipkeys=True), json.dumps([{1, 2}], default=sorted))\n"
        "class Enc(json.JSONEncoder):\n    def default(self, o):\n        return 'X'\n"
        "print(json.dumps([X()], cls=Enc), json.JSONEncoder(indent=1).encode([1]))\n"
        "a = [1]; a.append(a)\n"
        "for call in (lambda: json.dumps(a), lambda: json.dumps(float('nan'), allow_nan=False)):\n"
        "    try:\n        call()\n    except ValueError as e:\n        print('ValueError', e)\n"
        "print(json.dumps('x' * 9000) == '\"' + 'x' * 9000 + '\"', len(json.dumps(list(range(3000)))))\n"
        "big = odict()\nfor i in range(100):\n    big[str(i * 37 % 100)] = i\n"
        "print(json.dumps(big), list(json.loads(json.dumps(big))) == list(big))\n",
    )


def test_json_loads_options_agree_with_cpython(session):
    agree(
        session,
        "import io\n"
        'print(json.loads(\'{"a": 1, "a": 2, "b": 3}\'), json.loads(\'[NaN, Infinity, -Infinity]\'))\n'
        "print(json.loads('\"\\\\ud83d\\\\ude00 \\\\u00e9\"') == '\\U0001f600 \\u00e9', json.loads(b'[1]'), json.loads('  7 '))\n"
        "print(json.loads('{\"a\": 1}', object_pairs_hook=lambda p: p), json.loads('[1.5, 2]', parse_float=str, parse_int=float))\n"
        "print(json.loads('{\"a\": {\"b\": 1}}', object_hook=lambda d: sorted(d)), json.loads('[NaN]', parse_constant=str))\n"
        'out = io.StringIO()\njson.dump(odict(z=1), out)\nprint(out.getvalue(), json.load(io.StringIO(\'{"y": 2, "x": 1}\')))\n'
        "print(issubclass(json.JSONDecodeError, ValueError))\n"
        "try:\n    json.loads(5)\nexcept TypeError as e:\n    print(e)\n",
    )


def test_importing_the_guest_json_fits_the_old_default_fuel(runtime):
    # Compiled from source, json and the ordered dict cost about 30M fuel; precompiled, a fraction.
    session = runtime.new_session(Limits(fuel=10_000_000))
    try:
        result = session.run(
            'import json\nv = json.loads(\'{"b": 1, "caf\\\\u00e9": ["\u4e2d"]}\')\nprint(v)\nprint(json.dumps(v, indent=1))'
        )
        assert result.ok, result.error
        assert result.stdout == "{'b': 1, 'café': ['中']}\n" + '{\n "b": 1,\n "caf\\u00e9": [\n  "\\u4e2d"\n ]\n}\n'
        assert result.fuel_used < 10_000_000
    finally:
        session.close()


def test_floats_in_json_and_csv_output_are_written_as_cpython_writes_them(session):
    # MicroPython's own float text has 17 digits for some values (85.71 as 85.70999999999999).
    code = (
        "import json, csv, io\n"
        "vals = [85.71, 669.93, 76.54, 0.1 + 0.2, 1e22, 1.5e-7, 2.0, -0.0, 123456789.123, 1 / 3, 12345678901234567890.0, -10**15, 10**20]\n"
        "print(json.dumps(vals))\n"
        "print(json.dumps({'a': vals, 's': '85.70999999999999 1.0'}, sort_keys=True))\n"
        "print(json.dumps(vals, indent=1))\n"
        "out = io.StringIO()\ncsv.writer(out).writerow(vals)\nprint(out.getvalue())\n"
    )
    assert sandbox_output(session, code) == cpython_output(code)
