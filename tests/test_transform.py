"""The host-side rewrite: lossless where it does not apply, line-preserving where it does.

These run on the host only (CPython's parser checks the output); what the rewritten code prints in
the sandbox is proved against CPython in test_cpython_semantics.py.
"""

import ast
import time

import pytest
from hypothesis import given, settings
from snippet_strategies import programs

from datasette_agent_micropython.transform import ROUTED_BUILTINS, transform


def lines_of_names(code: str) -> dict[str, set[int]]:
    """Each user name and the lines it is used on (the helpers and the builtins they replace excluded)."""
    found: dict[str, set[int]] = {}
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and node.id != "__cp" and node.id not in ROUTED_BUILTINS:
            found.setdefault(node.id, set()).add(node.lineno)
    return found


EXAMPLES = [
    'x = f"{total:,.2f} and {share:.1%}"',
    'print(f"""\nrow {a!r:>{w}}\n{ {"k": f"{n:.2f}"}["k"] }""")',
    "d = {\n  'a': round(2.675, 2),  # comment\n  **m,\n  'b': [*a, 1, *b],\n}",
    "s = {k: v\n     for k, v in d.items()\n     if k}",
    "print(s[::-1], '%5.2f' % (x,), '{:,}'.format(3).ljust(10), sorted(dict(a=1)))",
    "rows.sort(key=lambda r: (r['n'],\n                         r['name']))",
    "t = (*a,\n     1)\nu = {*a, *b}\nfor x in *a, *b:\n    pass",
    "x = '%s' \\\n    % y",
    "label = name.title().rjust(\n    12,\n    '.')",
    "if f'{x:,}' == s[1:\n  10:2]:\n    print(format(x, ',.2f'))",
]


@pytest.mark.parametrize("code", EXAMPLES)
def test_rewritten_code_keeps_every_name_on_its_line(code):
    rewritten = transform(code)
    assert rewritten is not None
    assert rewritten.count("\n") == code.count("\n")
    assert lines_of_names(rewritten) == lines_of_names(code)


def test_fstrings_formats_rounds_and_percent_go_to_the_helpers():
    rewritten = transform('print(f"{x:,.2f}", format(y, "e"), round(z, 2), "%d" % n, s[::2])')
    for call in ("__cp.fv(x, ',.2f')", "__cp.format(y", "__cp.round(z", "__cp.percent(", "__cp.sl(s, None, None, 2)"):
        assert call in rewritten


def test_dict_displays_keep_their_evaluation_order():
    assert transform("d = {a(): b(), **c, e: f}") == "d = __cp.dict_from_pairs([(a(), b())] + __cp.pairs(c) + [(e, f)])"
    assert transform("d = {}") == "d = __cp.odict()"
    assert transform("d = {x: 1 for x in y if x}") == "d = __cp.dict_from_pairs([(x, 1) for x in y if x])"


def test_method_calls_keep_their_receiver_and_arguments_in_order():
    assert transform("rows.sort(key=k, reverse=True)") == "__cp.list_sort(rows, key=k, reverse=True)"
    assert transform("s.ljust(n, *f)") == "__cp.s_ljust(s, n, *f)"
    assert transform("x = dict.fromkeys(ks, 0)") == "x = __cp.odict.fromkeys(ks, 0)"


def test_rebound_builtins_are_left_alone():
    assert transform("def f(round):\n    return round(x)") is None
    assert transform("from mylib import sorted\nsorted(x)") is None
    assert transform("round(x)", bound_names=["round"]) is None
    assert (
        transform("for max in range(3):\n    print(min(max, 2))")
        == "for max in range(3):\n    __cp.print(__cp.min(max, 2))"
    )


def test_builtins_passed_as_values_are_not_routed():
    assert transform("isinstance(x, str) and map(str, y)") is None


def test_printing_plain_text_needs_no_helpers():
    assert transform("print('total', 3, f'x')") is None
    assert transform("print('a', sep='', end='')") is None


@pytest.mark.parametrize(
    "code",
    [
        "print(",  # CPython rejects it: MicroPython reports its own error
        "x = 1\n" + "(" * 300 + ")" * 300,  # too deep for CPython's parser
        "a, *b = [1, 2, 3]\n[x, *y] = z",  # starred targets are already MicroPython's
        "x = s[1:2]\ns[::2] = t\ndel s[::3]",  # only reading a stepped slice is rewritten
        "__cp = 5\nprint(f'{__cp:,}')",  # the user's own __cp: the code is left as written
        "# only a comment",
    ],
)
def test_code_that_needs_no_rewrite_or_cannot_be_parsed_passes_untouched(code):
    assert transform(code) is None


@settings(max_examples=100, deadline=None)
@given(programs())
def test_generated_programs_stay_valid_python_with_the_same_lines(program):
    for code in program.snippets:
        rewritten = transform(code)
        if rewritten is None:
            continue
        ast.parse(rewritten)
        assert rewritten.count("\n") == code.count("\n")
        assert lines_of_names(rewritten) == lines_of_names(code)


def test_rewriting_a_fifty_line_snippet_takes_milliseconds():
    """Records the cost per call; the figure is in the README. No wall-clock assert."""
    code = "\n".join(
        [f"row_{i} = {{'name': 'n{i}', 'v': {i} * 1.5}}" for i in range(20)]
        + [f"print(f\"{{row_{i}['name']:<10}} {{row_{i}['v']:>12,.2f}}\")" for i in range(20)]
        + ["rows = sorted([row_%d for _ in range(3)], key=lambda r: r['v'])" % i for i in range(10)]
    )
    assert code.count("\n") == 49
    start = time.perf_counter()
    for _ in range(20):
        transform(code)
    print(f"transform of a 50-line snippet: {(time.perf_counter() - start) / 20 * 1000:.2f} ms")
