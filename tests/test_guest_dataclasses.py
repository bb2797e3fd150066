"""The guest dataclasses agree with CPython's.

MicroPython discards class annotations; Session.run records them (class_records.py) before the
code reaches the guest, and a class without recorded annotations is refused, never guessed at.
"""

import pytest
from guest_oracle import agree, new_session, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.runtime import Runtime


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    session = new_session(Runtime(cache_dir=tmp_path_factory.mktemp("module-cache")))
    yield session
    session.close()


EVERY_FEATURE = r"""
from dataclasses import dataclass, field, fields, asdict, astuple, replace, is_dataclass, FrozenInstanceError, MISSING
from typing import List, Optional
@dataclass
class Point:
    x: int
    y: int = 0
p = Point(1, 2)
print(p, repr(p), [p], p == Point(1, 2), p != Point(2, 1), p.x, Point(5), Point(y=3, x=4))
@dataclass(order=True)
class Row:
    region: str
    total: float
    tags: List[str] = field(default_factory=list)
    note: str = field(default='', repr=False, compare=False)
rows = [Row('b', 2.0), Row('a', 3.5, ['x']), Row('a', 1.0, note='n')]
print(sorted(rows), max(rows), rows[0] < rows[1], rows[1] >= rows[2])
print([f.name for f in fields(Row)], fields(Row)[2].default_factory is list, fields(Row)[0].default is MISSING)
print(asdict(rows[1]), astuple(rows[1]), replace(rows[0], total=9.5))
@dataclass(frozen=True)
class Key:
    a: str
    b: int = 1
k = Key('x')
try:
    k.a = 'y'
except FrozenInstanceError as e:
    print('FrozenInstanceError', e, isinstance(e, AttributeError))
print(hash(k) == hash(Key('x')), {k: 1}[Key('x')], k)
@dataclass
class Stats:
    values: list
    mean: float = field(init=False)
    def __post_init__(self):
        self.mean = sum(self.values) / len(self.values)
print(Stats([1, 2, 3]), Stats([4]).mean)
@dataclass
class Outer:
    name: str
    inner: Point
    points: list = field(default_factory=list)
    mapping: dict = field(default_factory=dict)
o = Outer('o', Point(1), [Point(2, 3)], {'k': Point(4, 5)})
print(asdict(o))
print(astuple(o))
print(is_dataclass(o), is_dataclass(Outer), is_dataclass(3))
@dataclass
class Child(Point):
    z: int = 5
print(Child(1, 2, 3), Child(1), [f.name for f in fields(Child)])
try:
    Point()
except TypeError as e:
    print(e)
try:
    Point(1, 2, 3)
except TypeError as e:
    print(e)
try:
    Point(1, q=2)
except TypeError as e:
    print(e)
try:
    @dataclass
    class Bad:
        items: list = []
except ValueError as e:
    print('ValueError', e)
try:
    @dataclass
    class Bad2:
        a: int = 1
        b: int
except TypeError as e:
    print(e)
@dataclass(eq=False)
class Ident:
    v: int
print(Ident(1) == Ident(1))
@dataclass
class Mut:
    v: int
try:
    hash(Mut(1))
    print('hashable')
except TypeError:
    print('unhashable')
@dataclass(unsafe_hash=True)
class UH:
    v: int
print(hash(UH(3)) == hash((3,)))
@dataclass
class Product:
    name: str
    price: float
    quantity: int = 0
    def total_cost(self) -> float:
        return self.price * self.quantity
inventory = [Product('widget', 2.5, 4), Product('gadget', 10.0)]
print(sum(p.total_cost() for p in inventory), inventory)
print(replace(inventory[0], quantity=10).total_cost())
"""


def test_every_feature_agrees_with_cpython(session):
    agree(session, EVERY_FEATURE)


def test_a_class_without_recorded_annotations_is_refused_loudly(session):
    code = "from dataclasses import dataclass\nP = dataclass(type('P', (), {'y': 0}))\n"
    assert "discards class annotations" in sandbox_output(session, code)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["north", "south", "east"]), st.integers(-5, 5), st.lists(st.integers(0, 3), max_size=3)
        ),
        max_size=8,
    )
)
def test_ordered_frozen_dataclasses_sort_hash_and_convert_like_cpython(session, rows):
    code = f"""
from dataclasses import dataclass, field, asdict, astuple, replace
@dataclass(order=True, frozen=True)
class Sale:
    region: str
    amount: int
    tags: tuple = field(default=())
sales = [Sale(region, amount, tuple(tags)) for region, amount, tags in {rows!r}]
print(sorted(sales), len(set(sales)), [asdict(sale) for sale in sales[:2]], [astuple(sale) for sale in sales[:2]])
print([replace(sale, amount=sale.amount * 2) for sale in sales[:2]], max(sales, default=None))
"""
    agree(session, code)
