"""class_records: the host-side record of class annotations and name order that MicroPython drops."""

import contextlib
import io

import pytest
from guest_oracle import cpython_output, new_session, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.class_records import record_class_bodies
from datasette_agent_micropython.runtime import Runtime


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    session = new_session(Runtime(cache_dir=tmp_path_factory.mktemp("module-cache")))
    yield session
    session.close()


def run_in_cpython(code: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "<snippet>", "exec", dont_inherit=True), {"__name__": "__main__"})
    return buffer.getvalue()


PROGRAM = '''
from dataclasses import dataclass, field, fields
from typing import Dict, List, ClassVar
@dataclass(order=True)
class Row:
    """A row."""
    region: str
    totals: Dict[
        str, int] = field(
            default_factory=dict)
    label: 'stré' = 'e'  # a comment é
    def describe(self):
        note: str = 'local'
        return self.region + note
    if True:
        flag: bool = False
class Empty:
    pass
print([f.name for f in fields(Row)], Row('n'), Row('n').describe())
'''


def test_code_keeps_its_lines_and_behaves_as_before_in_cpython():
    recorded = record_class_bodies(PROGRAM)
    assert recorded.count("\n") == PROGRAM.count("\n")
    assert run_in_cpython(recorded) == run_in_cpython(PROGRAM)
    assert "__annotations__['totals'] = (\n'Dict[str, int]')" in recorded
    assert "note: str = 'local'" in recorded  # function bodies are not class bodies


def test_class_variables_are_not_fields_in_the_sandbox(session):
    code = PROGRAM.replace("    flag: bool = False", "    flag: bool = False\n    limit: ClassVar[int] = 3")
    code += "print(Row.limit, len(fields(Row)))\n"
    assert sandbox_output(session, code) == cpython_output(code)


def test_an_annotated_class_imports_nothing(session):
    fresh = session.runtime.new_session(session.limits)
    try:
        before = fresh.run("import sys\nloaded = set(sys.modules)")
        assert before.ok, before.error
        result = fresh.run(
            "class P:\n    x: int = 0\n    y: str\nprint(set(sys.modules) - loaded, P.__annotation_order__)"
        )
        assert result.stdout == "set() ('x', 'y')\n", result.error
    finally:
        fresh.close()


def test_code_without_classes_or_that_does_not_parse_is_left_alone():
    for code in ("x: int = 1\nprint(x)", "class (:", "def f(:\n  class", "print('class')"):
        assert record_class_bodies(code) == code


def test_a_traceback_after_a_recorded_class_points_at_the_users_line(session):
    code = (
        "from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int\n    y: list = (\n        None)\n\n1 / 0\n"
    )
    result = session.run(code)
    assert "line 8" in result.error.strip().splitlines()[-2]


def test_enum_members_follow_definition_order_even_for_names_used_before(session):
    code = """
print('write', 'close', 'read', 'open')
from enum import Enum
class Step(Enum):
    write = 1
    close = 2
    read = 3
    open = 4
print([m.name for m in Step])
"""
    assert sandbox_output(session, code) == cpython_output(code)


names = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta"])
annotations = st.sampled_from(["int", "str", "List[int]", "Optional[str]", "'Row'", "Dict[str, float]"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(names, annotations, st.booleans()), min_size=1, max_size=5, unique_by=lambda t: t[0]))
def test_dataclass_fields_come_out_in_definition_order(session, specs):
    # Fields without defaults first, as dataclasses require.
    specs = sorted(specs, key=lambda spec: spec[2])
    body = "\n".join(
        f"    {name}: {annotation}" + (" = None" if has_default else "") for name, annotation, has_default in specs
    )
    code = f"""
from dataclasses import dataclass, fields
from typing import List, Optional, Dict
@dataclass
class Row:
{body}
print([f.name for f in fields(Row)], [f.type for f in fields(Row)] == [f.type for f in fields(Row)])
print(Row(*range({sum(1 for spec in specs if not spec[2])})))
"""
    assert sandbox_output(session, code) == cpython_output(code)


def test_very_long_code_is_sent_as_it_is():
    code = "class P:\n    x: int\n" + "y = 1\n" * 50_000
    assert record_class_bodies(code) == code
