"""Hypothesis strategies: random sequences of MicroPython snippets that build and mutate rich state.

`programs()` draws a `Program`: a list of snippets meant to run one after another in the same
session. A small model of the session (which globals exist and what they hold, which classes,
generator functions and modules are defined, whether `random` has been seeded) steers the draw
towards snippets that work on the state built so far, so that sequences grow real state: ints,
floats, strings, containers, class instances, closures, generators suspended half-way, iterators,
compiled regexes, hash objects, deques, heaps, stored exceptions. Wrong guesses are fine (a
NameError is an outcome like any other), they just make the state poorer.

Every snippet prints something derived from the state it touched, so a divergence shows in stdout.
Nothing printed depends on the clock or on host randomness: `time.ticks_ms()` differences are
printed only as booleans, and `random` is only used after an explicit `random.seed(n)`. Sizes stay
well inside a 1.5 MiB heap.

This module is only for tests; it never imports the package.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st

NAMES = [f"v{i}" for i in range(8)]
MODULES = ("json", "re", "math", "collections", "struct", "heapq", "binascii", "hashlib", "random", "gc", "sys")


@dataclass
class Program:
    snippets: list[str]
    # True when some snippet keeps clock readings in the session's memory: the two sessions' images
    # then differ legitimately by those values.
    uses_clock: bool
    # Indices of the snippets that read the clock or sleep. Their fuel use depends on the time
    # (a sleep polls the clock until it is over), so only their printed outcomes are comparable.
    clock_snippets: frozenset = frozenset()

    def __repr__(self) -> str:  # Hypothesis prints this for a failing example.
        body = "\n".join(f"--- snippet {i}\n{code}" for i, code in enumerate(self.snippets))
        return (
            f"Program(uses_clock={self.uses_clock}, clock_snippets={sorted(self.clock_snippets)}, snippets=\n{body}\n)"
        )


@dataclass
class Model:
    """What the generator believes the session holds. It only guides the draw."""

    vars: dict[str, str] = field(default_factory=dict)  # name -> kind
    classes: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    gen_funcs: dict[str, str] = field(default_factory=dict)  # name -> template
    acc_funcs: list[str] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)
    seeded: bool = False
    clock: bool = False
    uses_clock: bool = False
    counter: int = 0
    # Objects of the guest library: name -> code that uses the object again.
    guest_objects: dict[str, str] = field(default_factory=dict)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def imports(self, *modules: str) -> str:
        lines = [f"import {name}\n" for name in modules if name not in self.modules]
        self.modules.update(modules)
        return "".join(lines)

    def of_kind(self, *kinds: str) -> list[str]:
        return [name for name, kind in self.vars.items() if kind in kinds]


# Values, as source text.

small_ints = st.integers(-1000, 1000)
any_ints = st.one_of(small_ints, st.integers(-(10**30), 10**30), st.sampled_from([0, 1, -1, 2**31, 2**62, -(2**64)]))
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
ascii_texts = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=16)
word_texts = st.text(st.sampled_from("abcxyz0123456789-_ "), max_size=16)
floats = st.floats(allow_nan=True, allow_infinity=True)
int_lists = st.lists(small_ints, max_size=12)


def float_source(value: float) -> str:
    return f"float({repr(value)!r})"


def literal(draw, kind: str) -> str:
    """Source text for a new value of `kind`."""
    if kind == "int":
        return repr(draw(any_ints))
    if kind == "float":
        return float_source(draw(floats))
    if kind == "str":
        return repr(draw(texts))
    if kind == "list":
        return repr(draw(int_lists))
    if kind == "dict":
        return repr(draw(st.dictionaries(word_texts, small_ints, max_size=8)))
    if kind == "set":
        return f"set({draw(int_lists)!r})"
    if kind == "tuple":
        items = draw(st.lists(st.one_of(small_ints, word_texts, st.none(), st.booleans()), max_size=6))
        return repr(tuple(items))
    if kind == "bytes":
        return f"bytearray({draw(st.binary(max_size=24))!r})"
    raise AssertionError(kind)


VALUE_KINDS = ("int", "float", "str", "list", "dict", "set", "tuple", "bytes")


def show(name: str, kind: str) -> str:
    """A print statement derived from the variable's value (it may advance an iterator)."""
    if kind == "int":
        return f"print({name}, {name} % 97, -{name}, {name} * {name} // 3)"
    if kind == "float":
        return f"print(repr({name}), repr({name} * 1.5), {name} == {name})"
    if kind == "str":
        return f"print(repr({name}), len({name}), repr({name}[-5:]))"
    if kind in ("list", "heap"):
        return f"print({name}[:20], len({name}), sum({name}))"
    if kind == "dict":
        return f"print(sorted({name}.items())[:20], len({name}))"
    if kind == "set":
        return f"print(sorted({name})[:20], len({name}))"
    if kind == "tuple":
        return f"print({name}[:20], len({name}))"
    if kind == "bytes":
        return f"print(bytes({name}[:40]), len({name}))"
    if kind == "obj":
        return f"print(repr({name}), type({name}).__name__)"
    if kind == "acc":
        return f"print({name}(0))"
    if kind in ("gen", "iter"):
        return f"print(next({name}, 'exhausted'))"
    if kind == "deque":
        return f"print(len({name}))"
    if kind == "odict":
        return f"print(list({name}.items()))"
    if kind == "hasher":
        return f"print(binascii.hexlify({name}.digest()))"
    if kind == "regex":
        return f"_m = {name}.search('abc 123 xyz-42 q_9')\nprint(_m.group(0) if _m else None)"
    if kind == "exc":
        return f"print(type({name}).__name__, {name}.args)\nsys.print_exception({name})"
    if kind == "func":
        return f"print({name}(7), {name}(-3))"
    if kind == "ntuple":
        return f"print({name}, {name}.a + {name}.b)"
    raise AssertionError(kind)


# Snippets. Each takes (draw, model) and returns source text, or None when it does not apply now.


def op_new_value(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    kind = draw(st.sampled_from(VALUE_KINDS))
    m.vars[name] = kind
    return f"{name} = {literal(draw, kind)}\n{show(name, kind)}"


def op_show(draw, m: Model) -> str | None:
    if not m.vars:
        return None
    name = draw(st.sampled_from(sorted(m.vars)))
    prefix = m.imports("binascii") if m.vars[name] == "hasher" else ""
    prefix += m.imports("sys") if m.vars[name] == "exc" else ""
    return prefix + show(name, m.vars[name])


MUTATIONS: dict[str, list[str]] = {
    "int": ["{n} += {i}", "{n} = {n} * {i} + 1", "{n} = -{n} // 3", "{n} <<= 3", "{n} = {n} ** 2 % 1000003"],
    "float": ["{n} *= 1.0001", "{n} += {f}", "{n} = -{n} / 3.0", "{n} = {n} ** 0.5 if {n} > 0 else {n}"],
    "str": [
        "{n} += {s}",
        "{n} = {n}[1:] + {n}[:1]",
        "{n} = {n}.upper()",
        "{n} = {n}.replace('a', 'bb')[:200]",
        "{n} = {n} * 2",
    ],
    "list": [
        "{n}.append({i})",
        "{n}.extend({l})",
        "{n}.sort()",
        "{n}.reverse()",
        "{n}.insert(1, {i})",
        "print('popped', {n}.pop())",
        "{n}[0] = {i}",
        "{n}[1:3] = {l}",
        "{n} = [x * 2 + 1 for x in {n} if x % 3]",
        "del {n}[:2]",
    ],
    "dict": [
        "{n}[{s}] = {i}",
        "print('popped', {n}.pop({s}, 'none'))",
        "{n}.update({{{s}: {i}}})",
        "del {n}[{s}]",
        "{n}.setdefault({s}, {i})",
        "{n} = {{k: v * 2 for k, v in {n}.items()}}",
    ],
    "set": ["{n}.add({i})", "{n}.discard({i})", "{n} |= set({l})", "{n} &= set(range(-50, 500))", "{n}.remove({i})"],
    "tuple": ["{n} = {n} + ({i},)", "{n} = tuple(reversed({n}))", "{n} = {n}[1:]", "{n} = ({n}, {s})"],
    "bytes": [
        "{n}.append({b})",
        "{n}.extend({bl})",
        "{n}[0:2] = b'zz'",
        "{n} = bytearray(reversed({n}))",
        "{n} = bytearray({n}.hex(), 'ascii')[:100]",
    ],
    "obj": ["print({n}.step({i}))", "{n}.extra = {s}", "{n}.a = {n}.a * 2", "print({n}.total())"],
    "acc": ["print({n}({i}))", "print({n}({i}), {n}({i}))"],
    "gen": [
        "print(next({n}, 'exhausted'))",
        "print([next({n}, None) for _ in range(3)])",
        "print({n}.send(None))",
        "{n}.close()",
    ],
    "iter": ["print(next({n}, 'exhausted'))", "print([next({n}, None) for _ in range(2)])"],
    "deque": ["{n}.append({i})", "{n}.appendleft({i})", "print({n}.popleft())", "print({n}.pop())"],
    "odict": ["{n}[{s}] = {i}", "print(list({n}.keys()))", "print({n}.popitem())"],
    "heap": ["heapq.heappush({n}, {i})", "print(heapq.heappop({n}))", "heapq.heapify({n})"],
    "hasher": ["{n}.update({by})", "{n} = hashlib.sha256({by})"],
    "regex": ["print({n}.sub('#', {s}))", "print({n}.match({s}))"],
    "exc": ["print(repr({n}))", "{n} = type({n})('again', {i})"],
    "func": ["print(sorted({l}, key={n}))", "print(list(map({n}, {l})))"],
    "ntuple": ["{n} = type({n})({i}, {n}.b)", "print({n}[0], {n}[1])"],
}

NEEDS = {"heap": ("heapq",), "hasher": ("hashlib", "binascii"), "exc": ("sys",)}


def op_mutate(draw, m: Model) -> str | None:
    if not m.vars:
        return None
    name = draw(st.sampled_from(sorted(m.vars)))
    kind = m.vars[name]
    template = draw(st.sampled_from(MUTATIONS[kind]))
    code = template.format(
        n=name,
        i=draw(small_ints),
        f=float_source(draw(floats)),
        s=repr(draw(word_texts)),
        l=repr(draw(int_lists)),
        b=draw(st.integers(0, 255)),
        bl=repr(draw(st.binary(max_size=8))),
        by=repr(draw(st.binary(max_size=16))),
    )
    prefix = m.imports(*NEEDS.get(kind, ()))
    # Generators, iterators and accumulators print as they are stepped; the rest show their value.
    tail = "" if kind in ("gen", "iter", "acc") else "\n" + show(name, kind)
    return f"{prefix}{code}{tail}"


def op_big(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    n = draw(st.integers(0, 3000))
    kind, code = draw(
        st.sampled_from(
            [
                ("list", f"[i * i % 1009 for i in range({n})]"),
                ("dict", f"{{str(i): i % 13 for i in range({n // 4})}}"),
                ("str", f"'ab\\u00e9' * {n}"),
                ("set", f"set(i * 7 % 1000 for i in range({n}))"),
                ("tuple", f"tuple(range({n // 2}))"),
                ("bytes", f"bytearray(i % 256 for i in range({n}))"),
            ]
        )
    )
    m.vars[name] = kind
    return f"{name} = {code}\n{show(name, kind)}"


def op_class(draw, m: Model) -> str:
    cls = m.fresh("C")
    base = draw(st.sampled_from(["object"] + m.classes)) if m.classes else "object"
    tag = repr(draw(word_texts))
    code = (
        f"class {cls}({base}):\n"
        f"    tag = {tag}\n"
        f"    count = 0\n"
        f"    def __init__(self, a):\n"
        f"        self.a = a\n"
        f"        self.hist = []\n"
        f"        {cls}.count += 1\n"
        f"    def step(self, x):\n"
        f"        self.a = self.a + x\n"
        f"        self.hist.append(x)\n"
        f"        return self.a\n"
        f"    def total(self):\n"
        f"        return sum(self.hist) + len(self.tag)\n"
        f"    def __repr__(self):\n"
        f"        return '{cls}(%r, %r, %r)' % (self.a, self.hist[-3:], self.tag)\n"
        f"print({cls}.__name__, {cls}.tag, {cls}.count)"
    )
    m.classes.append(cls)
    return code


def op_instance(draw, m: Model) -> str | None:
    if not m.classes:
        return None
    cls = draw(st.sampled_from(m.classes))
    name = draw(st.sampled_from(NAMES))
    m.vars[name] = "obj"
    return f"{name} = {cls}({draw(small_ints)})\nprint(repr({name}), {cls}.count)"


def op_closure(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    if m.acc_funcs and draw(st.booleans()):
        factory = draw(st.sampled_from(m.acc_funcs))
        code = ""
    else:
        factory = m.fresh("make_acc")
        m.acc_funcs.append(factory)
        code = (
            f"def {factory}(start, scale={draw(small_ints)}):\n"
            f"    total = start\n"
            f"    calls = []\n"
            f"    def add(x):\n"
            f"        nonlocal total\n"
            f"        total = total + x * scale\n"
            f"        calls.append(x)\n"
            f"        return (total, len(calls))\n"
            f"    return add\n"
        )
    m.vars[name] = "acc"
    return code + f"{name} = {factory}({draw(small_ints)})\nprint({name}(1))"


GENERATORS = {
    "squares": "def {g}(n):\n    for i in range(n):\n        yield i * i\n",
    "fib": "def {g}(n):\n    a, b = 0, 1\n    for _ in range(n):\n        yield a\n        a, b = b, a + b\n",
    "echo": (
        "def {g}(n):\n    total = 0\n    for i in range(n):\n        got = yield (i, total)\n"
        "        if got is not None:\n            total += got\n"
    ),
    "nested": (
        "def {g}(n):\n    def inner(k):\n        for j in range(k):\n            yield '%d.%d' % (k, j)\n"
        "    for i in range(n):\n        yield from inner(i)\n"
    ),
    "guarded": (
        "def {g}(n):\n    log = []\n    try:\n        for i in range(n):\n            log.append(i)\n"
        "            yield sum(log)\n    finally:\n        print('finally', len(log))\n"
    ),
    "words": "def {g}(n):\n    text = 'alpha beta gamma delta epsilon zeta eta theta' * n\n    for w in text.split():\n        yield w.upper()\n",
}


def op_generator(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    code = ""
    if m.gen_funcs and draw(st.booleans()):
        gen = draw(st.sampled_from(sorted(m.gen_funcs)))
    else:
        gen = m.fresh("gen")
        template = draw(st.sampled_from(sorted(GENERATORS)))
        m.gen_funcs[gen] = template
        code = GENERATORS[template].format(g=gen)
    m.vars[name] = "gen"
    steps = draw(st.integers(0, 3))
    return code + f"{name} = {gen}({draw(st.integers(0, 40))})\nprint([next({name}, None) for _ in range({steps})])"


def op_send(draw, m: Model) -> str | None:
    gens = m.of_kind("gen")
    if not gens:
        return None
    name = draw(st.sampled_from(gens))
    return f"print({name}.send({draw(small_ints)}))"


def op_iterator(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    source = repr(draw(int_lists))
    expr = draw(
        st.sampled_from(
            [
                f"iter({source})",
                f"enumerate({source}, 5)",
                f"zip({source}, 'abcdefghij')",
                f"map(lambda x: x * 3 - 1, {source})",
                f"filter(lambda x: x % 2, {source})",
                f"(x * x for x in {source} if x > 0)",
                f"reversed({source})",
                f"iter(range({draw(st.integers(0, 50))}))",
            ]
        )
    )
    m.vars[name] = "iter"
    return f"{name} = {expr}\nprint(next({name}, 'empty'))"


def op_nested(draw, m: Model) -> str:
    f = m.fresh("outer")
    a, b = draw(small_ints), draw(small_ints)
    return (
        f"def {f}(x):\n"
        f"    def mid(y):\n"
        f"        def inner(z):\n"
        f"            return x * y + z\n"
        f"        return [inner(k) for k in range(3)]\n"
        f"    return mid(x + {a})\n"
        f"print({f}({b}), {f}.__name__)"
    )


def op_recursion(draw, m: Model) -> str:
    f = m.fresh("rec")
    depth = 100000 if draw(st.integers(0, 9)) == 0 else draw(st.integers(0, 25))
    return f"def {f}(n):\n    return 0 if n <= 0 else 1 + {f}(n - 1)\nprint({f}({depth}))"


RISKY = [
    "{{}}['missing']",
    "[1, 2][5]",
    "1 / 0",
    "int('not a number')",
    "None.attribute",
    "'a' + 1",
    "[].pop()",
    "undefined_name_xyz",
    "object().foo",
    "{v}[999]",
    "{v}.no_such_attribute",
    "len({v})",
    "{v} + {v}",
    "int({v})",
]


def op_caught(draw, m: Model) -> str:
    v = draw(st.sampled_from(sorted(m.vars))) if m.vars else "0"
    risky = draw(st.sampled_from(RISKY)).format(v=v)
    catch = draw(st.sampled_from(["Exception", "(KeyError, IndexError)", "ZeroDivisionError", "BaseException"]))
    return (
        f"try:\n"
        f"    _r = {risky}\n"
        f"except {catch} as e:\n"
        f"    print('caught', type(e).__name__, e.args)\n"
        f"else:\n"
        f"    print('no error', type(_r).__name__)\n"
        f"finally:\n"
        f"    print('finally')"
    )


def op_uncaught(draw, m: Model) -> str:
    v = draw(st.sampled_from(sorted(m.vars))) if m.vars else "0"
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return f"raise ValueError({draw(texts)!r})"
    if choice == 1:
        return f"print('before')\n{draw(st.sampled_from(RISKY)).format(v=v)}\nprint('after')"
    if choice == 2:
        f = m.fresh("fails")
        return (
            f"def {f}(n):\n    if n <= 0:\n        raise KeyError(('deep', n))\n    return {f}(n - 1)\n"
            f"print('start')\n{f}({draw(st.integers(0, 6))})"
        )
    if choice == 3 and m.exceptions:
        exc = draw(st.sampled_from(m.exceptions))
        return f"raise {exc}({draw(word_texts)!r}, {draw(small_ints)})"
    if choice == 4:
        return f"assert {v} != {v}, {draw(word_texts)!r}"
    if choice == 5:
        return draw(
            st.sampled_from(
                ["def broken(:\n    pass", "x = (1, 2", "print('a' 'b' 'c'", "if True\n    pass", "return 5"]
            )
        )
    if choice == 6:
        return draw(st.sampled_from(["raise SystemExit(3)", "import sys\nsys.exit('bye')", "raise KeyboardInterrupt"]))
    if choice == 7:
        return "try:\n    1 / 0\nexcept ZeroDivisionError:\n    raise RuntimeError('while handling')"
    if choice == 8:
        # MemoryError from one request too big for the heap (fails at once, without filling it).
        return "print('big')\n_huge = bytearray(64 * 1024 * 1024)"
    if not m.vars:
        return "print(nothing_here)"
    m.vars.pop(v, None)
    return f"del {v}\nprint({v})"


def op_exception_class(draw, m: Model) -> str:
    exc = m.fresh("Err")
    base = draw(st.sampled_from(["Exception", "ValueError", "KeyError"] + m.exceptions))
    m.exceptions.append(exc)
    return f"class {exc}({base}):\n    pass\nprint({exc}.__name__, issubclass({exc}, Exception))"


def op_store_exception(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    risky = draw(st.sampled_from(RISKY[:9])).format(v="0")
    m.vars[name] = "exc"
    return (
        m.imports("sys")
        + f"{name} = None\ntry:\n    {risky}\nexcept Exception as e:\n    {name} = e\n"
        + f"print(type({name}).__name__)\nsys.print_exception({name})"
    )


def op_json(draw, m: Model) -> str:
    prefix = m.imports("json")
    candidates = m.of_kind("int", "str", "list", "dict", "tuple")
    if candidates and draw(st.booleans()):
        name = draw(st.sampled_from(candidates))
        return prefix + f"_j = json.dumps({name})\nprint(_j)\nprint(json.loads(_j) == {name})"
    name = draw(st.sampled_from(NAMES))
    value = draw(
        st.recursive(
            st.none() | st.booleans() | small_ints | word_texts, lambda c: st.lists(c, max_size=3), max_leaves=8
        )
    )
    if isinstance(value, list) and all(type(x) is int for x in value):
        m.vars[name] = "list"
    else:
        m.vars.pop(name, None)
    return prefix + f"{name} = json.loads({json.dumps(value)!r})\nprint(json.dumps({name}))"


def op_re(draw, m: Model) -> str:
    prefix = m.imports("re")
    if draw(st.booleans()):
        name = draw(st.sampled_from(NAMES))
        pattern = draw(st.sampled_from([r"\d+", r"[a-z]+", r"(\w+)-(\d+)", r"x+y*", r"[0-9a-f]{2}"]))
        m.vars[name] = "regex"
        return prefix + f"{name} = re.compile({pattern!r})\n" + show(name, "regex")
    text = draw(word_texts)
    return prefix + (
        f"print(re.sub('[aeiou0-4]+', '_', {text!r}))\n"
        f"_m = re.match(r'(\\w+)-(\\d+)', {text!r})\n"
        f"print(_m.group(1), _m.group(2)) if _m else print('no match')"
    )


def op_math(draw, m: Model) -> str:
    x = draw(st.floats(0.001, 1e6))
    n = draw(st.integers(0, 40))
    return m.imports("math") + (
        f"print(repr(math.sqrt({x!r})), repr(math.sin({x!r})), repr(math.log({x!r})))\n"
        f"print(math.factorial({n}), math.floor({x!r}), repr(math.pi * {n}))"
    )


def op_collections(draw, m: Model) -> str:
    prefix = m.imports("collections")
    name = draw(st.sampled_from(NAMES))
    which = draw(st.sampled_from(["deque", "odict", "ntuple"]))
    m.vars[name] = which
    if which == "deque":
        return prefix + f"{name} = collections.deque({draw(int_lists)!r}, 50)\n{name}.append(1)\n" + show(name, which)
    if which == "odict":
        items = draw(st.lists(st.tuples(word_texts, small_ints), max_size=6))
        return prefix + f"{name} = collections.OrderedDict({items!r})\n" + show(name, which)
    cls = m.fresh("Pair")
    return prefix + (
        f"{cls} = collections.namedtuple({cls!r}, ['a', 'b'])\n{name} = {cls}({draw(small_ints)}, {draw(small_ints)})\n"
        + show(name, which)
    )


def op_struct(draw, m: Model) -> str:
    a = draw(st.integers(-(2**31), 2**31 - 1))
    b = draw(st.integers(0, 65535))
    c = draw(floats)
    return m.imports("struct") + (
        f"_p = struct.pack('<iHd', {a}, {b}, {float_source(c)})\nprint(_p, len(_p))\n"
        f"print(struct.unpack('<iHd', _p)[:2], struct.calcsize('>qb3s'))"
    )


def op_heap(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    m.vars[name] = "heap"
    return m.imports("heapq") + f"{name} = {draw(int_lists)!r}\nheapq.heapify({name})\nprint({name}[:1], len({name}))"


def op_binascii(draw, m: Model) -> str:
    data = draw(st.binary(max_size=32))
    return m.imports("binascii") + (
        f"print(binascii.hexlify({data!r}), binascii.crc32({data!r}))\n"
        f"print(binascii.b2a_base64({data!r}), binascii.unhexlify(binascii.hexlify({data!r})) == {data!r})"
    )


def op_hashlib(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    m.vars[name] = "hasher"
    return (
        m.imports("hashlib", "binascii")
        + f"{name} = hashlib.sha256({draw(st.binary(max_size=32))!r})\n{name}.update(b'more')"
    )


def op_seed(draw, m: Model) -> str:
    m.seeded = True
    return m.imports("random") + f"random.seed({draw(st.integers(0, 2**30))})\nprint('seeded')"


def op_random(draw, m: Model) -> str | None:
    if not m.seeded:
        return None
    prefix = m.imports("random")
    lists = m.of_kind("list", "heap")
    choice = f"random.choice({draw(st.sampled_from(lists))} or [0])" if lists else "random.choice('abcdef')"
    return prefix + (
        f"print(random.getrandbits({draw(st.integers(1, 30))}), random.randint(-5, {draw(st.integers(-5, 10**6))}))\n"
        f"print(repr(random.random()), repr(random.uniform(-2.0, 3.5)), random.randrange(1, 100, 7))\n"
        f"print({choice})"
    )


def op_gc(draw, m: Model) -> str:
    threshold = draw(st.sampled_from([None, -1, 2048, 16384, 131072]))
    line = f"gc.threshold({threshold})\n" if threshold is not None else ""
    return m.imports("gc") + f"{line}gc.collect()\nprint(gc.mem_alloc(), gc.mem_free(), gc.isenabled())"


def op_clock(draw, m: Model) -> str:
    """Clock readings kept across snippets, compared only as booleans.

    Setting the clock sleeps 20 ms, so at least that much session time has passed by any later
    check: a restored session whose clock went back (or stood still) prints False there. The sleep
    is longer than the few milliseconds between a restore and the next snippet, which would
    otherwise hide a clock that restarts at zero.
    """
    m.uses_clock = True
    prefix = m.imports("time")
    if not m.clock or draw(st.booleans()):
        m.clock = True
        return prefix + "_t0 = time.ticks_ms()\n_u0 = time.ticks_us()\ntime.sleep_ms(20)\nprint('clock set')"
    sleep = draw(st.sampled_from(["", "time.sleep_ms(1)\n", "time.sleep_us(50)\n"]))
    return prefix + (
        f"{sleep}_d = time.ticks_diff(time.ticks_ms(), _t0)\n"
        "print(_d >= 20, _d < 600000, time.ticks_diff(time.ticks_us(), _u0) >= 20000, time.time() > 1.6e9)\n"
        "_d = None"
    )


def op_delete(draw, m: Model) -> str | None:
    candidates = sorted(m.vars) + sorted(m.modules) + m.classes[-2:]
    if not candidates:
        return None
    name = draw(st.sampled_from(candidates))
    m.vars.pop(name, None)
    m.modules.discard(name)
    if name in m.classes:
        m.classes.remove(name)
    return f"del {name}\nprint('deleted', {name!r} in globals())"


def op_digest(draw, m: Model) -> str:
    return (
        "_names = sorted(k for k in globals() if not k.startswith('_'))\n"
        "print(_names)\n"
        "for _k in _names:\n"
        "    _v = globals()[_k]\n"
        "    if type(_v) in (int, float, str, list, tuple, bytes, bytearray, dict):\n"
        "        print(_k, repr(_v)[:120])\n"
        "_k = _v = None"
    )


def op_identity(draw, m: Model) -> str | None:
    # Addresses are identical only if the restored heap is byte-for-byte the same.
    if not m.vars:
        return None
    name = draw(st.sampled_from(sorted(m.vars)))
    return (
        f"print(id({name}) % 1000003, id(object()) % 1000003)\nprint(hash({name!r}), [hash(x) for x in ('a', 'bc', 7)])"
    )


def op_lambda(draw, m: Model) -> str:
    name = draw(st.sampled_from(NAMES))
    m.vars[name] = "func"
    k = draw(small_ints)
    return f"{name} = lambda x, k={k}: (x * k) % 17 - x\nprint({name}(1))"


def op_output(draw, m: Model) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return f"print({draw(texts)!r} * {draw(st.integers(0, 500))})"  # may pass the output cap
    if kind == 1:
        return m.imports("sys") + f"sys.stderr.write({draw(texts)!r} + '\\n')\nprint('to stderr')"
    if kind == 2:
        return f"print(1, 2, 3, sep={draw(word_texts)!r}, end={draw(word_texts)!r})"
    return "for _i in range(40):\n    print(_i, end=' ')\nprint()"


def op_function_using_globals(draw, m: Model) -> str | None:
    if not m.vars:
        return None
    f = m.fresh("peek")
    name = draw(st.sampled_from(sorted(m.vars)))
    return f"def {f}():\n    return type({name}).__name__\nprint({f}())"


# Objects of the guest library held across calls (and so across restores): (code that makes `{n}`,
# code that uses it again). `{a}`, `{b}` and `{k}` are drawn; `{C}` is a fresh class name.
GUEST_OBJECTS = [
    (
        "import datetime\n{n} = datetime.datetime(2024, {a} % 12 + 1, {b} % 28 + 1, {k} % 24) + datetime.timedelta(days={k})\n"
        "print({n}, {n}.isoformat(), {n}.weekday(), repr({n}))",
        "print({n} + datetime.timedelta(hours=25), {n}.strftime('%Y-%m-%d %a %H:%M'), ({n} - datetime.datetime(2024, 1, 1)).days)",
    ),
    (
        "import collections\n{n} = collections.Counter('abracadabra' * ({k} % 5 + 1) + 'xyz'[: {a} % 4])\nprint({n}.most_common(3), {n})",
        "{n}.update('cab' * {b})\nprint({n}.most_common(2), sum({n}.values()), list({n}))",
    ),
    (
        "from collections import defaultdict\n{n} = defaultdict(list)\nfor i in range({k} % 40):\n    {n}[i % 7].append(i)\nprint(dict({n}))",
        "{n}['new'].append({a})\nprint({n}, len({n}))",
    ),
    (
        "from dataclasses import dataclass, field\n@dataclass(order=True)\nclass {C}:\n    a: int\n    b: str = 'x'\n"
        "    tags: list = field(default_factory=list)\n{n} = [{C}(i % 3, str(i)) for i in range({k} % 9)]\nprint(sorted({n})[:3])",
        "{n}.append({n}[0] if {n} else None)\nprint(len({n}), {n}[-1], sorted(x for x in {n} if x is not None)[-1:])",
    ),
    (
        "{n} = {{'b': {a}, 'a': {b}, 'c': {k}}}\n{n}['z'] = 0\nprint({n}, list({n}.items()))",
        "{n}['m'] = {n}.pop('b')\nprint({n}, sorted({n}, key=lambda key: {n}[key]))",
    ),
    (
        "import statistics\n{n} = [({a} * i + {b}) % 97 for i in range({k} % 30 + 2)]\n"
        "print(statistics.mean({n}), statistics.median({n}), round(statistics.pstdev({n}), 4))",
        "{n}.append({k})\nprint(statistics.quantiles({n}, n=4), statistics.mode({n}))",
    ),
    (
        "from decimal import Decimal\n{n} = Decimal('{a}.{b}') * Decimal('1.07')\nprint({n}, f'{{{n}:,.2f}}')",
        "print({n}.quantize(Decimal('0.1')), {n} + 1, {n} > 3)",
    ),
]


def op_guest_object(draw, m: Model) -> str:
    name = m.fresh("g")
    make, use = draw(st.sampled_from(GUEST_OBJECTS))
    values = {key: draw(st.integers(0, 50)) for key in ("a", "b", "k")}
    m.guest_objects[name] = use.format(n=name, **values)
    return make.format(n=name, C=m.fresh("D"), **values)


def op_guest_object_again(draw, m: Model) -> str | None:
    if not m.guest_objects:
        return None
    return m.guest_objects[draw(st.sampled_from(sorted(m.guest_objects)))]


Op = Callable[..., "str | None"]

# (op, weight)
OPS: list[tuple[Op, int]] = [
    (op_new_value, 8),
    (op_show, 4),
    (op_mutate, 12),
    (op_big, 2),
    (op_class, 2),
    (op_instance, 3),
    (op_closure, 3),
    (op_generator, 4),
    (op_send, 1),
    (op_iterator, 3),
    (op_nested, 1),
    (op_recursion, 1),
    (op_caught, 3),
    (op_uncaught, 3),
    (op_exception_class, 1),
    (op_store_exception, 1),
    (op_json, 2),
    (op_re, 2),
    (op_math, 1),
    (op_collections, 2),
    (op_struct, 1),
    (op_heap, 1),
    (op_binascii, 1),
    (op_hashlib, 1),
    (op_seed, 1),
    (op_random, 3),
    (op_gc, 1),
    (op_clock, 3),
    (op_delete, 2),
    (op_digest, 1),
    (op_identity, 1),
    (op_lambda, 1),
    (op_output, 1),
    (op_function_using_globals, 1),
    (op_guest_object, 3),
    (op_guest_object_again, 3),
]
WEIGHTED_OPS = [op for op, weight in OPS for _ in range(weight)]


@st.composite
def programs(draw, min_snippets: int = 1, max_snippets: int = 20, allow_clock: bool | None = None) -> Program:
    """A snippet sequence. `allow_clock=None` draws whether it may read the clock (half of them do)."""
    m = Model()
    if allow_clock is None:
        allow_clock = draw(st.booleans())
    count = draw(st.integers(min_snippets, max_snippets))
    snippets: list[str] = []
    clock_snippets = set()
    while len(snippets) < count:
        op = draw(st.sampled_from(WEIGHTED_OPS))
        if op is op_clock and not allow_clock:
            continue
        code = op(draw, m)
        if code is not None:
            if op is op_clock:
                clock_snippets.add(len(snippets))
            snippets.append(code)
    return Program(snippets, m.uses_clock, frozenset(clock_snippets))
