"""Deterministic, allocation-heavy programs for the GC stress test.

`program(seed)` returns the source of a program that runs unchanged in CPython 3.11 and in
MicroPython 1.27, and prints the same text in both. CPython's output is the reference; the test
compares MicroPython's output with it byte for byte. A wrong answer means the MicroPython heap
was corrupted: a collection freed an object that was still in use.

The programs are built from fragments, chosen and sized by the seed. Every fragment churns the
heap (so that collections happen often) while it keeps data alive in places a collector can miss:
locals of running frames, suspended generators, closures, objects reached only from a temporary,
and arguments under construction. The "ops" fragment aims at the residual risk of the GC-safe
artifact: values on the wasm operand stack across a nested call, as in `f(x, g())`,
`a + [b()] + c()`, method calls on temporaries and displays whose items allocate.

Differences between the two interpreters that the fragments avoid:
- MicroPython's dicts and sets do not keep insertion order: every iteration over one that can
  reach the output goes through `sorted()`.
- MicroPython's sort is not stable: sort keys are total orders (ties only between equal items).
- Exception messages differ: only exception type names and our own arguments are printed.
- No floats, no `hash()`/`id()`, no string slices with a step, recursion no deeper than about 30.
- `gc.threshold()` exists only in MicroPython: `gc_prefix()` gives it as a separate prefix that
  the CPython reference run leaves out. `gc.collect()` exists in both and is used in the body.

Run `python tests/gc_programs.py SEED` to print one program.
"""

from __future__ import annotations

import random
import sys
import textwrap

__all__ = ["program", "gc_prefix", "FRAGMENTS"]

HEADER = '''\
import gc

KEEP = []
SUSPENDED = []


def rnd(x):
    return (x * 1103515245 + 12345) & 0x7fffffff


def mix(h, v):
    # Stays a small int in MicroPython (31 bits on wasm32), so checksums do not allocate.
    return (h * 31 + v) & 0x7fffff


def mk_list(n, s):
    out = []
    for i in range(n):
        s = rnd(s)
        out.append(s % 1000)
    return out


def mk_str(n, s):
    return "".join([chr(97 + (rnd(s + i) >> 7) % 26) for i in range(n)])


def cs(x, h=7):
    """A checksum of nested ints, strings, bytes, lists, tuples and dicts, order-independent
    for dicts."""
    t = type(x)
    if x is None or x is True or x is False:
        return mix(h, 1 if x is None else (2 if x else 3))
    if t is int:
        return mix(h, x % 1000003)
    if t is str:
        for b in x.encode():
            h = mix(h, b)
        return mix(h, len(x))
    if t is bytes or t is bytearray:
        for b in x:
            h = mix(h, b)
        return mix(h, len(x) + 5)
    if t is list or t is tuple:
        for y in x:
            h = cs(y, h)
        return mix(h, len(x) + (11 if t is tuple else 13))
    if t is dict:
        for k in sorted(x, key=repr):
            h = cs(x[k], cs(k, h))
        return mix(h, len(x) + 17)
    if callable(x):
        return cs(x(), h)
    return cs(x.snapshot(), h)


def collected(v):
    gc.collect()
    return v

'''

FOOTER = """\
late = []
for g in SUSPENDED:
    late.append(cs(list(g)))
print("suspended", late)
print("keep", len(KEEP), cs(KEEP))
"""

# Each fragment is a template. @I@ makes its names unique in the program, @N@ is its size and
# @S@ its seed. (lo, hi) is the range of @N@ at scale 1.
FRAGMENTS: dict[str, tuple[int, int, str]] = {}


def fragment(name: str, lo: int, hi: int, source: str) -> None:
    FRAGMENTS[name] = (lo, hi, textwrap.dedent(source))


fragment(
    "dict",
    200,
    700,
    """
def frag_dict_@I@(n, s):
    d = {}
    for i in range(n):
        s = rnd(s)
        k = "w%d" % (s % (n // 3 + 1))
        lst = d.get(k)
        if lst is None:
            lst = []
            d[k] = lst
        lst.append(s % 97)
        if i % 7 == 0:
            d.setdefault("z" + str(i % 11), []).append([i, k])
    grid = {}
    for i in range(n // 2):
        key = (i % 13, i % 7, str(i % 5))
        grid[key] = grid.get(key, 0) + i
    for k in list(d):
        if len(d[k]) == 1:
            del d[k]
    inv = {}
    for k in sorted(d):
        for x in d[k]:
            if type(x) is int:
                inv.setdefault(x, []).append(k)
    merged = dict(d)
    merged.update({("m", i): [i] * (i % 4) for i in range(n // 10)})
    if n % 2:
        KEEP.append(inv)
    return [len(d), cs(d), cs(grid), len(inv), cs(inv), len(merged)]


print("dict@I@", frag_dict_@I@(@N@, @S@))
""",
)

fragment(
    "sort",
    200,
    700,
    """
def frag_sort_@I@(n, s):
    recs = []
    for i in range(n):
        s = rnd(s)
        recs.append((s % 50, "r%d" % (s % 997), i))
    a = sorted(recs, key=lambda r: (r[1], r[0], r[2]))
    b = sorted(recs, key=lambda r: (-r[0], r[2]))
    c = sorted([r[1] for r in recs], reverse=True)
    words = [r[1] + str(r[0]) for r in recs]
    words.sort(key=lambda w: (len(w), w))
    top = [r[2] for r in a[:5]] + [r[2] for r in b[:5]]
    groups = {}
    for r in recs:
        groups.setdefault(r[0] % 7, []).append(r[1])
    glens = sorted([(k, len(v), min(v), max(v)) for k, v in groups.items()])
    KEEP.append(words[::max(1, n // 20)])
    return [cs(a), cs(b), cs(c), top, words[:3], words[-3:], glens]


print("sort@I@", frag_sort_@I@(@N@, @S@))
""",
)

fragment(
    "str",
    120,
    450,
    """
def frag_str_@I@(n, s):
    parts = []
    for i in range(n):
        s = rnd(s)
        parts.append("%s:%d:%x" % (mk_str(3 + s % 5, s), i, s % 4096))
    text = ",".join(parts)
    pieces = text.split(",")
    up = [p.upper().replace("A", "aa") for p in pieces if p[0] < "m"]
    fmt = "{}|{}|{}".format(len(text), len(up), text.count(":"))
    lines = []
    acc = ""
    for i, p in enumerate(pieces):
        acc = acc + p[:2] + str(i % 10)
        if len(acc) > 40:
            lines.append(acc)
            acc = ""
    joined = "-".join(lines)
    fields = [p.split(":") for p in pieces]
    nums = sum([int(f[1]) + int(f[2], 16) for f in fields])
    padded = ["%-8s|%5d" % (f[0], int(f[1])) for f in fields[:20]]
    KEEP.append(lines[-1:])
    return [fmt, cs(up), cs(joined), len(lines), pieces[n // 2], nums, cs(padded), padded[0]]


print("str@I@", frag_str_@I@(@N@, @S@))
""",
)

fragment(
    "class",
    120,
    450,
    """
class Node_@I@:
    def __init__(self, key, payload):
        self.key = key
        self.payload = payload
        self.kids = []

    def add(self, node):
        self.kids.append(node)
        return self

    def total(self):
        t = self.key
        for k in self.kids:
            t += k.total()
        return t

    def describe(self):
        return "N%d[%s]" % (self.key, ",".join([str(k.key) for k in self.kids]))

    def snapshot(self):
        return [self.key, self.payload, [k.snapshot() for k in self.kids]]


class Leaf_@I@(Node_@I@):
    def __init__(self, key):
        super().__init__(key, [key] * 3)

    def total(self):
        return self.key * 2 + sum(self.payload)

    def describe(self):
        return "L%d" % self.key


def frag_class_@I@(n, s):
    nodes = []
    for i in range(n):
        s = rnd(s)
        if s % 3 == 0:
            nodes.append(Leaf_@I@(s % 100))
        else:
            nodes.append(Node_@I@(s % 100, mk_list(3, s)))
    roots = []
    for i in range(0, n, 8):
        r = Node_@I@(i, "root%d" % i)
        for j in range(i + 1, min(i + 8, n)):
            if isinstance(nodes[j], Leaf_@I@):
                r.add(nodes[j])
            else:
                r.add(nodes[j].add(Leaf_@I@(j)).add(Leaf_@I@(j + 1)))
        roots.append(r)
    temps = 0
    for i in range(n):
        temps += Node_@I@(i, str(i)).add(Leaf_@I@(i)).add(Node_@I@(i + 1, [i]).add(Leaf_@I@(i))).total()
    descs = [r.describe() for r in roots]
    totals = [r.total() for r in roots]
    KEEP.append(roots[-1])
    return [cs(descs), sum(totals), temps, descs[0], len(roots)]


print("class@I@", frag_class_@I@(@N@, @S@))
""",
)

fragment(
    "closure",
    300,
    1200,
    """
def frag_closure_@I@(n, s):
    def make_acc(start):
        total = [start]
        hist = []

        def add(v):
            total[0] += v
            hist.append(str(v))
            if len(hist) > 30:
                del hist[:10]
            return total[0]

        def report():
            return "%d/%d/%s" % (total[0], len(hist), "".join(hist[-3:]))

        return add, report

    def make_counter():
        c = 0

        def inc(step=1):
            nonlocal c
            c += step
            return c

        return inc

    def compose(f, g):
        return lambda x: f(g(x))

    accs = [make_acc(i) for i in range(8)]  # fixed: the loop indexes 8 accumulators
    counters = [make_counter() for _ in range(5)]
    fs = [lambda x, k=k: x * k + len(str(x)) for k in range(10)]
    chain = fs[1]
    for k in range(2, 6):
        chain = compose(fs[k], chain)
    for i in range(n):
        s = rnd(s)
        add, _ = accs[s % 8]
        add(fs[s % 10](i))
        counters[i % 5](s % 7)
        if i % 25 == 0:
            accs.append(make_acc(chain(i) % 1000))
            accs.pop(0)
    KEEP.append(accs[3][1])
    return [a[1]() for a in accs] + [c(0) for c in counters] + [chain(7)]


print("closure@I@", frag_closure_@I@(@N@, @S@))
""",
)

fragment(
    "gen",
    300,
    1200,
    """
def frag_gen_@I@(n, s):
    def numbers(k, s):
        for i in range(k):
            s = rnd(s)
            yield s % 1000

    def pairs(it):
        prev = None
        for x in it:
            if prev is not None:
                yield (prev, x, str(prev + x))
            prev = x

    def windowed(it, w):
        buf = []
        for x in it:
            buf.append(x)
            if len(buf) == w:
                yield list(buf)
                buf.pop(0)

    def chain(*its):
        for it in its:
            yield from it

    def echo():
        got = []
        x = yield "start"
        while x is not None:
            got.append([x * 2, str(x)])
            x = yield "got%d" % len(got)
        yield sum([g[0] for g in got])

    total = 0
    for p in pairs(numbers(n, s)):
        total = mix(total, int(p[2]))
    ws = [sum(w) for w in windowed(numbers(n // 2, s + 1), 5)]
    e = echo()
    msgs = [next(e)]
    for i in range(n // 10):
        msgs.append(e.send(i))
    msgs.append(e.send(None))
    gens = [pairs(numbers(5 + n // 20, s + k)) for k in range(6)]
    firsts = [next(g) for g in gens]
    junk = [[str(i)] * 3 for i in range(n)]
    rest = [cs(list(g)) for g in gens]
    mixed = list(chain(numbers(5, s), ("c%d" % i for i in range(5)), [x * 2 for x in range(3)]))
    SUSPENDED.append(pairs(numbers(3 + n // 30, s)))
    w = windowed(chain(numbers(5 + n // 40, s + 2), numbers(5, s + 3)), 4)
    next(w)
    SUSPENDED.append(w)
    return [total, cs(ws), msgs[:3], msgs[-2:], firsts, rest, len(junk), mixed]


print("gen@I@", frag_gen_@I@(@N@, @S@))
""",
)

fragment(
    "exc",
    225,
    900,
    """
class Err_@I@(Exception):
    def __init__(self, code, data):
        super().__init__(code)
        self.code = code
        self.data = data


def frag_exc_@I@(n, s):
    log = []
    caught = [0, 0, 0, 0]

    def risky(i, s):
        try:
            if s % 5 == 0:
                raise Err_@I@(i, [str(i)] * 4)
            if s % 7 == 0:
                return {}["k%d" % i]
            if s % 11 == 0:
                return [1, 2][i + 5]
            return [i * 2, "ok%d" % i]
        finally:
            log.append("f%d" % (i % 10))
            if len(log) > 200:
                del log[:100]

    ok = 0
    for i in range(n):
        s = rnd(s)
        try:
            ok += risky(i, s)[0]
        except Err_@I@ as e:
            caught[0] += e.code + len(e.data) + len(e.args)
        except KeyError:
            caught[1] += 1
        except IndexError:
            caught[2] += 1
        finally:
            caught[3] += 1

    def nested(d):
        try:
            try:
                if d > 0:
                    return nested(d - 1) + [d, str(d)]
                raise ValueError("bottom")
            finally:
                log.append("n%d" % d)
        except ValueError as e:
            return ["v", e.args[0]]

    def gen_fail(k):
        for i in range(k):
            if i == k - 1:
                raise Err_@I@(k, "gen")
            yield [i] * 2

    got = []
    try:
        for x in gen_fail(n // 10 + 2):
            got.append(x)
    except Err_@I@ as e:
        got.append(e.data)
    r = nested(8 + n % 8)
    KEEP.append(r)
    return [ok, caught, len(log), cs(log[-20:]), r, cs(got)]


print("exc@I@", frag_exc_@I@(@N@, @S@))
""",
)

fragment(
    "comp",
    300,
    1200,
    """
def frag_comp_@I@(n, s):
    m = 2 + n // 60
    mat = [[(i * j + s) % 17 for j in range(m)] for i in range(m)]
    tr = [[mat[j][i] for j in range(m)] for i in range(m)]
    prod = [[sum([mat[i][k] * tr[k][j] for k in range(m)]) for j in range(m)] for i in range(m)]
    flat = [x for row in prod for x in row if x % 2 == 0]
    dd = {str(i): [x for x in row if x > i] for i, row in enumerate(prod)}
    st = {x % 31 for x in flat}
    gensum = sum(x * x for x in flat if x % 3)
    labels = [["%d,%d" % (i, j) for j in range(m) if (i + j) % 3] for i in range(m)]
    nested = [[[k for k in range(j)] for j in range(i % 6)] for i in range(n // 20)]
    KEEP.append(labels[0])
    return [cs(prod), len(flat), cs(dd), sorted(st), gensum, cs(labels), cs(nested)]


print("comp@I@", frag_comp_@I@(@N@, @S@))
""",
)

fragment(
    "rec",
    150,
    600,
    """
def frag_rec_@I@(n, s):
    def build(d, s):
        if d == 0:
            return [s % 100, str(s % 7)]
        s = rnd(s)
        return [build(d - 1, s), build(d - 1, s + d), "d%d" % d]

    def flatten(t, out):
        for x in t:
            if type(x) is list:
                flatten(x, out)
            else:
                out.append(x)
        return out

    memo = {}

    def paths(r, c):
        if r == 0 or c == 0:
            return 1
        key = (r, c)
        if key in memo:
            return memo[key]
        v = paths(r - 1, c) + paths(r, c - 1)
        memo[key] = v
        return v

    def perms(items):
        if len(items) <= 1:
            return [items[:]]
        out = []
        for i in range(len(items)):
            for p in perms(items[:i] + items[i + 1:]):
                out.append([items[i]] + p)
        return out

    t = build(min(4 + n % 5, 1 + n // 30), s)
    f = flatten(t, [])
    ps = perms([str(i) for i in range(min(3 + n % 4, 1 + n // 50))])
    KEEP.append(t[0])
    side = min(11, 2 + n // 20)
    return [len(f), cs(f), paths(min(6 + n % 7, side), side), len(memo), len(ps), cs(ps)]


print("rec@I@", frag_rec_@I@(@N@, @S@))
""",
)

fragment(
    "bytes",
    300,
    1350,
    """
def frag_bytes_@I@(n, s):
    ba = bytearray()
    for i in range(n):
        s = rnd(s)
        ba.append(s & 255)
        if i % 16 == 0:
            ba.extend(bytes([i & 255, (i >> 8) & 255]))
    chunks = [bytes(ba[i:i + 8]) for i in range(0, len(ba), 8)]
    ints = [int.from_bytes(c, "little") for c in chunks if len(c) == 8]
    ba2 = bytearray(len(ba))
    for i in range(len(ba)):
        ba2[i] = ba[i] ^ (i & 255)
    b3 = bytes(ba2) + b"tail" + bytes(ba[:10])
    text = "".join(["%02x" % b for b in ba[:64]])
    back = bytearray(text.encode())
    back[0:4] = b"ABCD"
    KEEP.append(bytes(ba[:16]))
    return [len(ba), sum(ba), cs(ba2), sum(ints) % 1000003, len(b3), text[:20], list(b3[-14:]),
            cs(back), [c for c in chunks if c[0] < 8][:3]]


print("bytes@I@", frag_bytes_@I@(@N@, @S@))
""",
)

fragment(
    "big",
    300,
    1350,
    """
def frag_big_@I@(n, s):
    a, b = 1, 1
    for i in range(n // 2):
        a, b = b, a + b
    f = 1
    for i in range(1, n // 4 + 2):
        f *= i
    strs = [str(a * i + f) for i in range(20)]
    x = int(strs[3]) * int(strs[7]) - f // (a % 1000 + 1)
    pw = [pow(3, k, 10 ** 30 + 57) for k in range(0, n, 7)]
    # C code that makes several fresh big ints in one call: a collection in between must not
    # free the first.
    dm = [divmod(a * k + f, (f % 10 ** 20) + k + 7) for k in range(1, 2 + n // 40)]
    mixed = [(a << 70) | k for k in range(n // 60 + 1)] + [(-a) >> k for k in range(5)]
    tb = [(a % 10 ** 40 + k).to_bytes(20, "little") for k in range(n // 60 + 1)]
    fb = [int.from_bytes(t, "big") % 1000003 for t in tb]
    table = {(k, str(k)): (a % (k + 2), divmod(f, k + 3)) for k in range(n // 30 + 1)}
    formatted = ["%d|%x|%s" % (a + k, f + k, -a - k) for k in range(4)]
    KEEP.append(a % 10 ** 12)
    return [len(str(a)), a % 1000000007, len(str(f)), f % 998244353, cs(strs), x % 10 ** 9,
            cs(pw), (a * b - f) % 65537, cs(dm), cs(mixed), cs(tb), fb[:5], cs(table),
            cs(formatted), hex(a)[:12], str(f)[-8:], abs(-f) % 97]


print("big@I@", frag_big_@I@(@N@, @S@))
""",
)

fragment(
    "grid",
    300,
    1200,
    """
def frag_grid_@I@(n, s):
    w = min(8 + n % 9, 3 + n // 25)
    h = min(6 + n % 11, 3 + n // 30)
    walls = set()
    for i in range(n // 3):
        s = rnd(s)
        walls.add((s % w, (s >> 8) % h))
    walls.discard((0, 0))
    dist = {(0, 0): 0}
    q = [(0, 0)]
    qi = 0
    while qi < len(q):
        x, y = q[qi]
        qi += 1
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            p = (x + dx, y + dy)
            if 0 <= p[0] < w and 0 <= p[1] < h and p not in walls and p not in dist:
                dist[p] = dist[(x, y)] + 1
                q.append(p)
    far = sorted(dist.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    labels = {p: "c%d_%d" % p for p in q}
    rows = ["".join(["#" if (x, y) in walls else ("." if (x, y) in dist else "?")
                     for x in range(w)]) for y in range(h)]
    KEEP.append(far)
    return [len(dist), sum(dist.values()), far, cs(rows), len(labels), cs(labels)]


print("grid@I@", frag_grid_@I@(@N@, @S@))
""",
)

fragment(
    "lru",
    300,
    1350,
    """
class LRU_@I@:
    def __init__(self, cap):
        self.cap = cap
        self.data = {}
        self.order = []
        self.hits = 0
        self.miss = 0

    def snapshot(self):
        return [self.hits, self.miss, self.data, self.order]

    def get(self, k, make):
        if k in self.data:
            self.hits += 1
            self.order.remove(k)
            self.order.append(k)
            return self.data[k]
        self.miss += 1
        v = make(k)
        self.data[k] = v
        self.order.append(k)
        if len(self.order) > self.cap:
            old = self.order.pop(0)
            del self.data[old]
        return v


def frag_lru_@I@(n, s):
    c = LRU_@I@(16 + n % 20)
    tot = 0
    for i in range(n):
        s = rnd(s)
        k = "k%d" % (s % 40)
        v = c.get(k, lambda kk: [kk, kk * 2, len(kk), mk_list(4, len(kk)), {"x": kk}])
        tot = mix(tot, v[2] + len(v[1]) + v[3][1])
    KEEP.append(c)
    return [c.hits, c.miss, tot, sorted(c.data)[:4], cs(c.order)]


print("lru@I@", frag_lru_@I@(@N@, @S@))
""",
)

fragment(
    "ops",
    15,
    60,
    """
def frag_ops_@I@(n, s):
    def mk(i):
        return [i, str(i), (i, "t%d" % i)]

    def ms(i):
        return "s%d" % i + str(i * 3)

    def pair(a, b):
        return (a, b, [a, b])

    def tri(a, b, c):
        return [a, b, c]

    def kw(a, b=None, *rest, **opts):
        return [a, b, list(rest), sorted(opts.items())]

    class Box:
        def __init__(self, v):
            self.v = v

        def wrap(self, w):
            return Box([self.v, w])

        def get(self):
            return self.v

        def __add__(self, other):
            return Box(self.v + other.v)

    acc = 0
    keep = []
    for i in range(n):
        r1 = pair(i, mk(i))
        r2 = tri(ms(i), pair(ms(i + 1), mk(i + 2)), [mk(i)] + mk(i + 1) + [ms(i)])
        r3 = mk(i) + [ms(i)] + mk(i + 3)
        r4 = {"a": mk(i), "b": [ms(i), ms(i + 1)], (i, ms(i)): pair(ms(i), ms(i))}
        r5 = "%s|%s|%s" % (ms(i), mk(i)[1], tri(ms(i), ms(i), ms(i))[2])
        r6 = Box(ms(i)).wrap(mk(i)).wrap(ms(i + 1)).get()
        r7 = len(str(mk(i))) + len(ms(i)) + len(repr(pair(ms(i), mk(i))))
        r8 = kw(ms(i), mk(i), ms(1), mk(2), x=ms(3), y=[ms(4)])
        r9 = max(ms(i), ms(i + 7), ms(i * 3), key=len) + min([ms(i), ms(i + 1)])
        r10 = "-".join([ms(i), str(mk(i)[0]), ms(i)]).upper().split("-")
        r11 = tuple(mk(i)) + (ms(i), tuple(mk(i + 1)))
        r12 = (Box([i]) + Box([ms(i)])).get()
        r13 = sorted([ms(i + k) for k in range(4)], key=lambda z: (len(z), z))
        r14 = dict(zip([ms(k) for k in range(3)], [mk(k) for k in range(3)]))
        r15 = list(map(ms, range(i % 5))) + [str(x) for x in mk(i)]
        r16 = {ms(i): [mk(i), {ms(i + 1): mk(i + 1)}], ms(i + 2): (ms(i), [ms(i)] * 2)}
        r17 = [[ms(i), mk(i)], (ms(i + 1), mk(i + 1)), {"k": ms(i + 2)}]
        r18 = "%s%s" % (ms(i), ms(i)) + str(mk(i)) + "|" + ms(i).upper() + str(pair(i, ms(i)))
        r19 = list(pair(*mk(i)[:2])) + tri(*[ms(i), ms(i), mk(i)])
        r20 = kw(**{"a": ms(i), "b": mk(i), "z": [ms(i)]})
        if i % 40 == 0:
            r21 = tri(mk(i), collected(ms(i)), pair(mk(i), collected([ms(i), mk(i)])))
        else:
            r21 = None
        box = Box(mk(i))
        box.v = [ms(i), mk(i)]
        d22 = {}
        d22[ms(i)] = mk(i)
        d22[(i, ms(i))] = [ms(i + 1)] + mk(i)
        lst22 = [ms(i)]
        lst22 += [ms(i + 1), mk(i)]
        r22 = [box.get(), d22, lst22]
        r23 = [dict(a=mk(i), b=ms(i)), tuple(x for x in mk(i)), "{}-{}".format(ms(i), mk(i)),
               int(str(i) + "0") + len(ms(i).upper().encode().decode())]
        r24 = [mk(i) == mk(i), ms(i) in [ms(i + 1), ms(i)], {ms(i): mk(i)}[ms(i)],
               mk(i)[1:] + [ms(i)[1:3]]]
        r25 = (lambda p, q, *r: [q, p, r])(ms(i), mk(i), ms(i + 1), mk(i + 1))
        a25, b25 = pair(ms(i), mk(i))[:2]
        r26 = list(zip(mk(i), [ms(i), ms(i + 1), ms(i + 2)])) + sorted(
            map(ms, range(3)), key=lambda z: (len(z), z))
        r27 = [ms(i) if i % 2 else mk(i), [mk(i)][0] + [ms(i)], (ms(i) + ms(i)).split("s"), a25, b25]
        r28 = bytes(ms(i), "utf-8") + bytes(str(mk(i)), "utf-8")
        r29 = "".join(ms(k) for k in range(3)) + "".join([str(x) for x in mk(i)])
        r30 = getattr(Box(ms(i)), "v") + str(isinstance(mk(i), list)) + str(len(set(ms(i) + ms(i))))
        big = 10 ** 25 + i
        r31 = [divmod(big * big, big + 1), ms(i).partition("s"), ms(i).rsplit("1", 1),
               list(enumerate([ms(i), big])), sorted({ms(i): big, ms(i + 1): -big}.items())]
        acc = mix(acc, cs([r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15,
                           r16, r17, r18, r19, r20, r21, r22, r23, r24, r25, r26, r27, r28, r29,
                           r30, r31]))
        if i % 10 == 0:
            keep.append(r2)
    KEEP.append(keep[-1])
    return [acc, cs(keep), len(keep)]


print("ops@I@", frag_ops_@I@(@N@, @S@))
""",
)

fragment(
    "toplevel",
    300,
    1200,
    """
tl_@I@ = []
h_@I@ = 0
for i_@I@ in range(@N@):
    tl_@I@.append(("t%d" % i_@I@, [i_@I@] * (i_@I@ % 4), {"k": str(i_@I@)}))
    if len(tl_@I@) > 50:
        h_@I@ = mix(h_@I@, cs(tl_@I@[:25]))
        tl_@I@ = tl_@I@[25:]
print("top@I@", h_@I@, cs(tl_@I@), len(tl_@I@))
""",
)

# How likely each fragment is to be chosen (the residual-risk "ops" shape comes up most).
WEIGHTS = {name: 1 for name in FRAGMENTS}
WEIGHTS["ops"] = 3


def program(seed: int, scale: float = 1.0, explicit_collect: bool = True) -> str:
    """The program for `seed`: a header, 4 to 7 fragments and a footer.

    `scale` multiplies every fragment's size (the test uses smaller programs with
    `gc.threshold(1)`, where every allocation runs a full collection). Without
    `explicit_collect`, the program's own `gc.collect()` calls become no-ops (the output is the
    same), so that only the interpreter's automatic collections run.
    """
    rng = random.Random(seed)
    names = sorted(FRAGMENTS)
    weights = [WEIGHTS[name] for name in names]
    count = rng.randint(4, 7)
    chosen = rng.choices(names, weights=weights, k=count)
    if "ops" not in chosen and rng.random() < 0.5:
        chosen[rng.randrange(count)] = "ops"
    parts = [f"# gc stress program, seed {seed}, scale {scale:g}\n", HEADER]
    for index, name in enumerate(chosen):
        lo, hi, template = FRAGMENTS[name]
        size = max(2, int(rng.randint(lo, hi) * scale))
        frag_seed = rng.randrange(1, 2**31 - 1)
        parts.append(template.replace("@I@", str(index)).replace("@N@", str(size)).replace("@S@", str(frag_seed)))
        if rng.random() < 0.25:
            parts.append("gc.collect()\n")
    parts.append(FOOTER)
    text = "\n".join(parts)
    if not explicit_collect:
        text = text.replace("gc.collect()", "None")
    return text


def gc_prefix(threshold: int | None) -> str:
    """The MicroPython-only line that makes collections frequent (`None`: the default GC)."""
    if threshold is None:
        return ""
    return f"import gc\ngc.threshold({int(threshold)})\n"


if __name__ == "__main__":
    print(program(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 1.0))
