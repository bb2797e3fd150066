"""The guest enum agrees with CPython's: Enum, IntEnum, StrEnum, Flag, IntFlag, auto, unique."""

import itertools

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


EVERY_KIND = r"""
from enum import Enum, IntEnum, StrEnum, Flag, IntFlag, auto, unique
class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = 3
    CRIMSON = 1
print(Color.RED, repr(Color.RED), Color.RED.name, Color.RED.value, Color(2), Color['BLUE'], Color.CRIMSON is Color.RED)
print(list(Color), len(Color), Color.RED in Color, [c.name for c in Color], list(Color.__members__), repr(Color), Color, str(Color))
print(Color.RED == Color.RED, Color.RED != Color.GREEN, Color.RED == 1, isinstance(Color.RED, Color), isinstance(Color.RED, Enum))
print({Color.RED: 'r'}[Color(1)], f'{Color.GREEN}', '{}'.format(Color.BLUE), str(Color.BLUE), [Color.RED], list(reversed(Color)))
try:
    Color(7)
except ValueError as e:
    print('ValueError', e)
try:
    Color['PINK']
except KeyError as e:
    print('KeyError')
try:
    Color.RED < Color.GREEN
except TypeError:
    print('TypeError')
class Status(Enum):
    PENDING = auto()
    ACTIVE = auto()
    DONE = auto()
    def label(self):
        return self.name.lower()
    @classmethod
    def parse(cls, text):
        return cls[text.upper()]
print(list(Status), Status.DONE.value, Status.ACTIVE.label(), Status.parse('done'))
class Priority(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
print(Priority.HIGH, repr(Priority.HIGH), Priority.HIGH > Priority.LOW, Priority.HIGH == 3, Priority.LOW + 1, sorted([Priority.HIGH, Priority.LOW]), Priority(2), isinstance(Priority.LOW, int))
print(f'{Priority.MEDIUM}', str(Priority.MEDIUM), [Priority.MEDIUM], hash(Priority.LOW) == hash(1), max(Priority))
class Level(StrEnum):
    DEBUG = auto()
    INFO = 'info'
    WARN = auto()
print(Level.DEBUG, repr(Level.WARN), Level.INFO == 'info', Level('info'), Level.DEBUG.upper(), list(Level), f'{Level.INFO}')
class Shape(str, Enum):
    CIRCLE = 'circle'
    SQUARE = 'square'
print(repr(Shape.CIRCLE), Shape.CIRCLE == 'circle', Shape('square'), Shape.SQUARE.value, list(Shape))
class Perm(Flag):
    R = auto()
    W = auto()
    X = auto()
rw = Perm.R | Perm.W
print(repr(rw), rw, Perm.R in rw, Perm.X in rw, list(rw), bool(Perm.R & Perm.W), repr(Perm.R & Perm.W), repr(~Perm.R), Perm(4), repr(Perm(7)))
class Mode(IntFlag):
    A = 1
    B = 2
    C = 4
print(repr(Mode.A | Mode.C), Mode.A | Mode.C == 5, Mode.B, int(Mode.A | Mode.B), Mode(3) is Mode.A | Mode.B)
class Planet(Enum):
    MERCURY = (3.303e+23, 2.4397e6)
    EARTH = (5.976e+24, 6.37814e6)
    def __init__(self, mass, radius):
        self.mass = mass
        self.radius = radius
    @property
    def gravity(self):
        return 6.673e-11 * self.mass / (self.radius * self.radius)
print(Planet.EARTH.mass, int(Planet.EARTH.gravity * 100), Planet.MERCURY.value, Planet((5.976e+24, 6.37814e6)))
class Base(Enum):
    def describe(self):
        return '%s=%s' % (self.name, self.value)
class Size(Base):
    SMALL = 's'
    LARGE = 'l'
print(Size.SMALL.describe(), list(Size))
try:
    @unique
    class Dup(Enum):
        A = 1
        B = 1
except ValueError as e:
    print('ValueError', e)
class Lower(Enum):
    ONE = 'one'
    TWO = 'two'
    @classmethod
    def _missing_(cls, value):
        for member in cls:
            if member.value == str(value).lower():
                return member
print(Lower('ONE'), Lower('Two'))
counts = {}
for s in [Status.ACTIVE, Status.DONE, Status.ACTIVE]:
    counts[s] = counts.get(s, 0) + 1
print(counts[Status.ACTIVE], sorted(s.name for s in counts))
"""


def test_every_kind_of_enum_agrees_with_cpython(session):
    assert sandbox_output(session, EVERY_KIND) == cpython_output(EVERY_KIND)


def test_isinstance_and_issubclass_accept_enum_classes(session):
    code = """
from enum import Enum, IntEnum
class Weekday(IntEnum):
    MON = 1
    TUE = 2
class Fruit(Enum):
    APPLE = 'a'
print(isinstance(Weekday.MON, Weekday), isinstance(Weekday.MON, (str, Weekday)), isinstance(3, Weekday))
print(isinstance(Fruit.APPLE, Fruit), isinstance(Fruit.APPLE, Weekday), issubclass(Weekday, IntEnum), issubclass(Fruit, Enum))
print(isinstance(Fruit.APPLE, Enum), issubclass(Weekday, int), isinstance(Weekday, type))
"""
    assert sandbox_output(session, code) == cpython_output(code)


FRESH_SUFFIX = itertools.count()
NAMES = ["ZEBRA", "APPLE", "MANGO", "KIWI", "BANANA", "CHERRY", "PLUM", "LIME"]


@settings(max_examples=25, deadline=None)
@given(st.permutations(NAMES).map(lambda names: names[:5]), st.sampled_from(["int", "str", "auto"]))
def test_members_iterate_in_definition_order(session, names, kind):
    # The names carry a suffix never used before in the session, so the class statement interns
    # them first: the case where the interning order is the definition order. (Names an earlier
    # snippet already used keep their earlier place; auto() and _order_ do not depend on it.)
    suffix = next(FRESH_SUFFIX)
    names = [f"{name}_{suffix}" for name in names]
    values = {
        "int": [f"{(i * 7) % 5 + 10}" for i in range(5)],
        "str": [repr(n.lower()) for n in names],
        "auto": ["auto()"] * 5,
    }[kind]
    body = "\n".join(f"    {name} = {value}" for name, value in zip(names, values))
    code = f"from enum import Enum, auto\nclass Fruit(Enum):\n{body}\nprint(list(Fruit), [m.value for m in Fruit])\n"
    assert sandbox_output(session, code) == cpython_output(code)


def test_order_attribute_fixes_the_order_of_names_interned_before_the_class(session):
    code = """
print(['write', 'close', 'read'])
from enum import Enum
class Step(Enum):
    _order_ = 'write close read'
    write = 1
    close = 2
    read = 3
print([m.name for m in Step])
"""
    assert sandbox_output(session, code) == cpython_output(code)
