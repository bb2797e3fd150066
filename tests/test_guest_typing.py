"""The guest typing module: every name used in annotations imports, subscripts and stays harmless.

Class-syntax NamedTuple and TypedDict need the class annotations that MicroPython discards, which
Session.run records (class_records.py).
"""

import pytest
from guest_oracle import cpython_output, new_session, sandbox_output

from datasette_agent_micropython.runtime import Runtime


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    session = new_session(Runtime(cache_dir=tmp_path_factory.mktemp("module-cache")))
    yield session
    session.close()


ANNOTATED_PROGRAM = r"""
from typing import (Any, Optional, Union, List, Dict, Tuple, Set, FrozenSet, Callable, Iterable, Iterator,
                    Sequence, Mapping, NamedTuple, TypedDict, Literal, TypeVar, Generic, cast, overload,
                    TYPE_CHECKING, Protocol, ClassVar, Final, Annotated, DefaultDict, Counter, Deque,
                    Type, NoReturn, Generator, MutableMapping, get_args, get_origin, NewType, TypeAlias)
import typing
T = TypeVar('T')
K = TypeVar('K', bound=int)
def first(items: List[T]) -> Optional[T]:
    return items[0] if items else None
def group(rows: Iterable[Dict[str, Any]], key: str) -> Dict[str, List[Dict[str, Any]]]:
    out: Dict[str, List[Dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out
print(first([3, 4]), first([]), len(group([{'k': 'a'}, {'k': 'b'}, {'k': 'a'}], 'k')['a']))
print(List[int], Dict[str, List[int]], Optional[str], Union[int, str], Tuple[int, ...], Callable[[int], str])
print(cast(int, '3'), cast('List[int]', [1]), TYPE_CHECKING, T, get_args(Dict[str, int]), get_origin(List[int]) is list)
class Stack(Generic[T]):
    def __init__(self) -> None:
        self.items: List[T] = []
    def push(self, item: T) -> None:
        self.items.append(item)
s = Stack(); s.push(1); print(s.items)
class Greeter(Protocol):
    def greet(self) -> str: ...
class Hello:
    def greet(self) -> str:
        return 'hi'
print(Hello().greet())
class Employee(NamedTuple):
    name: str
    dept: str
    salary: float = 0.0
    def label(self):
        return self.name + '@' + self.dept
e = Employee('ann', 'eng', 10.0)
print(e, Employee('bob', 'ops'), e.label(), e._asdict(), e._fields, e.salary, e[0], isinstance(e, tuple))
class Movie(TypedDict):
    title: str
    year: int
m = Movie(title='x', year=2000)
print(repr(m), m['year'], isinstance(m, dict))
UserId = NewType('UserId', int)
print(UserId(5) + 1)
Color = Literal['red', 'green']
print(Color)
Vector = List[float]
def scale(v: Vector, k: float) -> Vector:
    return [x * k for x in v]
print(scale([1.0, 2.0], 2))
@overload
def f(x: int) -> int: ...
def f(x):
    return x
print(f(3))
class Config:
    limit: ClassVar[int] = 5
print(Config.limit)
P2 = typing.NamedTuple('P2', [('x', int), ('y', int)])
print(P2(1, 2))
"""


def test_an_annotated_program_runs_as_in_cpython(session):
    assert sandbox_output(session, ANNOTATED_PROGRAM) == cpython_output(ANNOTATED_PROGRAM)


def test_a_named_tuple_class_without_recorded_annotations_is_refused_loudly(session):
    code = "from typing import NamedTuple\nP = type(NamedTuple)('P', (NamedTuple,), {'x': 1})\n"
    assert "discards class annotations" in sandbox_output(session, code)
