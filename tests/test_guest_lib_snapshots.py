"""Sessions holding objects of the guest library survive a snapshot and a restore into a fresh
instance: Counters, defaultdicts, OrderedDicts, namedtuples, deques, dataclass instances, enums
and lru_cache'd functions carry on as if the session had never stopped."""

from guest_oracle import ROOMY, cpython_output, sandbox_output

from datasette_agent_micropython.snapshot import Snapshot

SETUP = """
import itertools, functools, operator, copy, pprint
from collections import Counter, defaultdict, OrderedDict, namedtuple, deque, ChainMap
from dataclasses import dataclass, field, asdict, replace
from enum import Enum, IntEnum, auto
from typing import List, Optional
counts = Counter('mississippi')
groups = defaultdict(list)
for word in ['apple', 'avocado', 'banana', 'blueberry', 'cherry']:
    groups[word[0]].append(word)
ordered = OrderedDict()
for key in 'zyx':
    ordered[key] = len(ordered)
Row = namedtuple('Row', 'region amount', defaults=[0])
rows = [Row('north', 5), Row('south'), Row('north', 7)]
recent = deque(range(5), maxlen=3)
@dataclass(order=True)
class Sale:
    region: str
    amount: int = 0
    tags: List[str] = field(default_factory=list)
sales = [Sale('b', 2), Sale('a', 3, ['x'])]
class Level(IntEnum):
    LOW = auto()
    HIGH = auto()
class Color(Enum):
    RED = 'r'
    GREEN = 'g'
@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
fib(15)
running = itertools.accumulate(itertools.count(1))
first = [next(running) for _ in range(3)]
"""

CONTINUE = """
class Size(Enum):
    SMALL = 1
    LARGE = 2
@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
print(list(Size), Size(2), Point(1), isinstance(Size.SMALL, Size))
counts.update('sip')
groups['c'].append('cranberry')
ordered.move_to_end('z')
recent.append(99)
sales.append(replace(sales[0], amount=9))
print(repr(counts), counts.most_common(2))
print(repr(groups), list(ordered.items()), repr(recent))
print(rows, [row._asdict() for row in rows][:1], Row._fields)
print(sorted(sales), asdict(sales[-1]))
print(list(Level), Level(2), Level.HIGH > Level.LOW, Color('g'), list(Color), isinstance(Color.RED, Color))
print(fib(20), fib.cache_info().hits > 0, first, next(running))
print(functools.reduce(operator.add, counts.values()), copy.deepcopy(groups)['a'])
pprint.pprint(dict(counts=counts.most_common(3), sales=[asdict(s) for s in sales]), width=60)
"""


def test_guest_library_objects_carry_on_after_a_restore_into_a_fresh_session(runtime):
    original = runtime.new_session(ROOMY)
    try:
        assert sandbox_output(original, SETUP) == ""
        blob = original.snapshot().encode()
    finally:
        original.close()
    restored = runtime.new_session(ROOMY, snapshot=Snapshot.decode(blob, ROOMY.memory_bytes))
    try:
        assert restored.restore_error is None, restored.restore_error
        assert restored.restored
        assert sandbox_output(restored, CONTINUE) == cpython_output(SETUP + CONTINUE)
        # and once more, from the restored session's own image
        again = runtime.new_session(ROOMY, snapshot=Snapshot.decode(restored.snapshot().encode(), ROOMY.memory_bytes))
        try:
            assert again.restore_error is None, again.restore_error
            assert (
                sandbox_output(again, "print(repr(counts), fib(21), list(Color))")
                == cpython_output(SETUP + CONTINUE + "print(repr(counts), fib(21), list(Color))").splitlines(True)[-1]
            )
        finally:
            again.close()
    finally:
        restored.close()
