"""The tool description stays short and true: what it says is importable imports, and every
difference from CPython it lists is still there (a fixed one fails here until it is dropped)."""

import re

import pytest
from guest_oracle import cpython_output, sandbox_output

from datasette_agent_micropython import tool
from datasette_agent_micropython.guest_library import SOURCE_DIR as GUEST_LIB_PATH
from datasette_agent_micropython.settings import Limits, Settings
from datasette_agent_micropython.tool import IMPORTABLE, REMAINING_DIFFERENCES, describe

# The model reads the description on every turn. 1,401 characters at the defaults today (173 of them
# the show_table/show_chart signatures); it shrinks as REMAINING_DIFFERENCES does.
MAX_DESCRIPTION_CHARS = 1_450

# MicroPython modules that need no guest library file.
BUILT_IN = {
    "json",
    "re",
    "math",
    "random",
    "heapq",
    "struct",
    "array",
    "binascii",
    "hashlib",
    "time",
    "io",
    "gc",
    "sys",
    "collections",
}
MODULES = re.findall(r"(?:^|, )(\w+)", re.sub(r"\([^)]*\)", "", IMPORTABLE))
COLLECTIONS_NAMES = re.search(r"collections \(([^)]*)\)", IMPORTABLE).group(1).split(", ")

# For each listed difference, code on which the sandbox still prints something CPython does not.
PROBES = {
    "recursion": ["def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\nprint(f(400))"],
    "kwargs_order": [
        "def f(**kw):\n    return list(kw)\nprint(f(b=1, a=2, c=3))",
        "d = {}\nd.update(b=2, a=1, c=3)\nprint(d)",
    ],
    "bool_int": ["print(isinstance(True, int))"],
    "regex": ["import re\nprint(re.findall(r'^a', 'a\\na', re.M))"],
}


@pytest.fixture(scope="module")
def session(runtime):
    session = runtime.new_session(Limits(timeout_seconds=30))
    yield session
    session.close()


def test_the_description_is_short():
    assert len(describe(Settings())) <= MAX_DESCRIPTION_CHARS
    everything = Settings.from_plugin_config(
        {"fuel": 10**15, "wall_clock_timeout_seconds": 86_400, "max_output_chars": 100 * 1024 * 1024}
    )
    assert len(describe(everything)) <= MAX_DESCRIPTION_CHARS + 100


def test_the_description_names_the_query_function_and_every_importable_module():
    text = describe(Settings())
    assert "read_only_sql_query(name_of_database, sql, params=None)" in text
    assert "'rows': [dicts]" in text
    for module in MODULES:
        assert module in text
    assert len(MODULES) >= 30


def test_the_description_mentions_fuel_only_when_it_is_limited():
    assert "fuel" not in describe(Settings())
    metered = describe(Settings.from_plugin_config({"fuel": 20_000_000}))
    assert "20,000,000 fuel units" in metered
    assert "running out of fuel discards" in metered


def test_the_description_lists_each_remaining_difference_and_drops_the_sentence_when_none_remain(monkeypatch):
    text = describe(Settings())
    for difference in REMAINING_DIFFERENCES.values():
        assert difference in text
    monkeypatch.setattr(tool, "REMAINING_DIFFERENCES", {})
    assert "Unlike CPython" not in describe(Settings())


def test_every_remaining_difference_has_a_probe():
    assert set(PROBES) == set(REMAINING_DIFFERENCES)


@pytest.mark.parametrize(
    "key, code", [(key, code) for key, codes in PROBES.items() for code in codes], ids=lambda value: str(value)[:30]
)
def test_each_listed_difference_from_cpython_is_still_there(session, key, code):
    assert sandbox_output(session, code) != cpython_output(code), (
        f"fixed: edit or drop REMAINING_DIFFERENCES[{key!r}] in tool.py"
    )


def _shipped(module: str) -> bool:
    return module in BUILT_IN or (GUEST_LIB_PATH / f"{module}.py").exists()


@pytest.mark.parametrize(
    "module",
    [
        module
        if _shipped(module)
        else pytest.param(module, marks=pytest.mark.xfail(strict=True, reason="not in the guest library yet"))
        for module in MODULES
    ],
)
def test_each_module_the_description_lists_imports(session, module):
    result = session.run(f"import {module}")
    assert result.ok, result.error


@pytest.mark.xfail(
    not (GUEST_LIB_PATH / "collections.py").exists(),
    strict=True,
    reason="collections is not extended by the guest library yet",
)
def test_the_collections_names_the_description_lists_import(session):
    result = session.run(f"from collections import {', '.join(COLLECTIONS_NAMES)}")
    assert result.ok, result.error
