"""The host-side rewrite: lossless where it does not apply, line-preserving where it does.

These run on the host only (CPython's parser checks the output); what the rewritten code prints in
the sandbox is proved against CPython in test_cpython_semantics.py.
"""

import ast
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snippet_strategies import programs

from datasette_agent_micropython import transform as transform_module
from datasette_agent_micropython.transform import ROUTED_BUILTINS, may_rewrite, rewrite, transform


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


def test_splitting_on_and_stripping_literal_ascii_text_stays_native():
    # MicroPython's own method answers these as CPython does, for a str or any other receiver.
    for code in [
        "x = line.split(',')",
        "x = s.rsplit('|', 1)",
        "x = s.strip(' ,')",
        "x = s.lstrip('0')",
        "x = s.split('é')",
    ]:
        assert transform(code) is None, code
    routed = {
        "x = s.split()": "x = __cp.s_split(s)",
        "x = s.split(sep)": "x = __cp.s_split(s, sep)",
        "x = s.split('')": "x = __cp.s_split(s, '')",
        "x = s.split(',', True)": "x = __cp.s_split(s, ',', True)",
        "x = s.rsplit('|', maxsplit=1)": "x = __cp.s_rsplit(s, '|', maxsplit=1)",
        "x = s.strip('é')": "x = __cp.s_strip(s, 'é')",
        "x = s.strip()": "x = __cp.s_strip(s)",
        "x = f'{a}'.split(',')": "x = (__cp.fv1(a)).split(',')",
    }
    for code, expected in routed.items():
        assert transform(code) == expected, code


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
        rewrite(code)  # the full parse each time, not the cache of recent rewrites
    print(f"transform of a 50-line snippet: {(time.perf_counter() - start) / 20 * 1000:.2f} ms")


# The pre-check that skips the parse must never skip code that a rule rewrites.

SKIPPED = [
    "x += 1",
    "x = y + 2 - z // 3",
    "for i in range(3):\n    total = total + i\nn = len(rows)",
    "import math\nx = math.pi\ny = 1.5e3",
    "s = 'plain' + \"text\"\nrows.append(s)\nv = rows[0:2]",
    "def f(a, b=2):\n    return a + b\nx = f(1) if ok else None",
    "while n > 0:\n    n -= 1\ny = [n, -n]\nz = (n, n)",
    "info = isinstance(x, int) and len(y) >= 2\nsortable = True\nclassic = 1",
]
PARSED = [
    "ｐrint(1.5)",  # NFKC folds the identifier to print: non-ASCII code is always parsed
    "y = a[1:2:3]",
    "y = a[::2]",
    "x |= y",
    "x = F'{y:,}'",
    "x = Rf'{y!r}'",
    'x = fR"{y}"',
    "rows.sort()",
    "k = dict.fromkeys(a)",
    "t = str.maketrans('a', 'b')",
    "class A:\n    def __lt__(self, other):\n        return True",
    "d = {}",
    "t = [*a, 1]",
    "s = '%d' % n",
    "print(x)",
    "x = type(y)",
    "label = name . upper ()",
]


@pytest.mark.parametrize("code", SKIPPED)
def test_code_without_anything_to_rewrite_skips_the_parse(code):
    assert not may_rewrite(code)
    assert transform(code) is None
    assert rewrite(code) is None


@pytest.mark.parametrize("code", PARSED)
def test_code_that_a_rule_may_rewrite_is_parsed_and_rewritten(code):
    assert may_rewrite(code)
    assert transform(code) == rewrite(code) is not None


def test_cached_rewrites_follow_the_builtins_the_session_rebound():
    assert transform("print(x)") == "__cp.print(x)"
    assert transform("print(x)", bound_names=["print"]) is None
    assert transform("print(x)", bound_names=["unrelated"]) == "__cp.print(x)"


# A small grammar of Python, drawn in two vocabularies: the rich one reaches every rule; the
# plain one has names close to the routed ones (`prints`, `sorted_rows`) and constructs that no
# rule rewrites, so that it mostly draws code the pre-check lets skip the parse. Programs that
# mix both draw code with a single construct to rewrite among plain ones.
RICH = (
    ["x", "y", "rows", "n", "print", "sorted", "str", "dict", "type", "round", "min"],
    ["sort", "upper", "append", "get", "fromkeys", "maketrans", "real", "keys", "split"],
    ["1.5", "'a'", '"b%s"', "f'{x}'", 'F"{n:,}"', "rf'{y!r}'", "f'plain'", "None", "True"],
    ["+", "-", "*", "%", "|", "//", "<", "and"],
    ["+=", "-=", "|=", "%="],
)
PLAIN = (
    ["x", "y", "rows", "n", "prints", "sorted_rows", "_str", "dicts", "typed", "classes", "rounds"],
    ["append", "get", "real", "keys", "sorting", "upper_case", "splits"],
    ["1.5", "'a'", '"b"', '"""f"""', "None", "True", "0x1f"],
    ["+", "-", "//", "<", "and", "**"],
    ["+=", "-=", "//=", "|="],  # `x |= y` is rewritten with nothing else in sight
)


def _statements(vocabulary) -> st.SearchStrategy[str]:
    names, attributes, literals, operators, augmented = (st.sampled_from(v) for v in vocabulary)
    atoms = st.one_of(names, st.integers(-5, 500).map(str), literals)

    def compound(inner):
        pair = st.tuples(inner, inner)
        return st.one_of(
            st.tuples(inner, st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.tuples(inner, attributes).map(lambda t: f"({t[0]}).{t[1]}"),
            st.tuples(inner, attributes, st.lists(inner, max_size=2)).map(
                lambda t: f"({t[0]}).{t[1]}({', '.join(t[2])})"
            ),
            pair.map(lambda t: f"{t[0]}[{t[1]}]"),
            pair.map(lambda t: f"{t[0]}[{t[1]}:]"),
            st.tuples(inner, operators, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.lists(inner, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
            st.lists(inner, min_size=1, max_size=3).map(lambda items: f"({', '.join(items)},)"),
            inner.map(lambda item: f"[v for v in {item} if v]"),
            inner.map(lambda item: f"(lambda v: {item})"),
        )

    rich_only = [
        st.tuples(atoms, atoms).map(lambda t: f"{t[0]}[::{t[1]}]"),
        atoms.map(lambda item: f"[*{item}, 1]"),
        st.tuples(atoms, atoms).map(lambda t: f"{{{t[0]}: {t[1]}}}"),
        atoms.map(lambda e: f"class C:\n    def __lt__(self, other):\n        return {e}"),
    ]
    expressions = st.recursive(atoms, compound, max_leaves=6)
    return st.one_of(
        st.tuples(names, expressions).map(lambda t: f"{t[0]} = {t[1]}"),
        st.tuples(names, augmented, expressions).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        expressions,
        st.tuples(names, expressions).map(lambda t: f"for {t[0]} in {t[1]}:\n    pass"),
        st.tuples(names, expressions).map(lambda t: f"def {t[0]}(a, b=1):\n    return {t[1]}"),
        *(rich_only if vocabulary is RICH else []),
    )


def _programs(*vocabularies) -> st.SearchStrategy[str]:
    """Programs of a few statements, each from one of the vocabularies."""
    statements = st.one_of(*(_statements(vocabulary) for vocabulary in vocabularies))
    return st.lists(statements, min_size=1, max_size=4).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(_programs(PLAIN), _programs(RICH), _programs(PLAIN, RICH)), st.lists(st.sampled_from(RICH[0]), max_size=2)
)
def test_the_pre_check_and_the_cache_give_the_full_parse_s_rewrite(code, session_names):
    if not may_rewrite(code):
        assert rewrite(code, session_names) is None
    assert transform(code, session_names) == rewrite(code, session_names)


@pytest.mark.parametrize(
    "binding",
    [
        "round = 1",
        "round += 1",
        "del round",
        "(round := 1)",
        "for round in a:\n    pass",
        "with a as round:\n    pass",
        "def round():\n    pass",
        "class round:\n    pass",
        "def f(*round):\n    pass",
        "f = lambda round: 0",
        "import round",
        "from m import x as round",
        "def f():\n    global round",
        "try:\n    pass\nexcept E as round:\n    pass",
        "match a:\n    case [*round]:\n        pass",
        "match a:\n    case {**round}:\n        pass",
        "match a:\n    case (1 as round):\n        pass",
        "[0 for round in a]",
        "x, [y, round] = a",
    ],
)
def test_every_way_of_binding_a_builtin_keeps_its_calls_unrouted(binding):
    assert transform(binding + "\nround(x)") is None
    assert transform(binding.replace("round", "other") + "\nround(x)") is not None


def test_a_moment_without_host_memory_is_not_remembered_for_the_same_code(monkeypatch):
    """A MemoryError while rewriting leaves the code as written this once; sent again, it is rewritten."""
    code = "print({'b': 1, 'a': 2})  # memory-error probe"
    real_parse = transform_module.parse

    def failing_parse(text):
        raise MemoryError

    monkeypatch.setattr(transform_module, "parse", failing_parse)
    assert transform(code) is None
    monkeypatch.setattr(transform_module, "parse", real_parse)
    assert transform(code) is not None


# str() of a provable int: MicroPython's own str writes CPython's text, so no helper is needed.
NATIVE_INT_TEXT = [
    "r = [str(i) * 10 for i in range(50000)]",
    "r = {str(i): i for i in range(3)}",
    "r = [str(i * 2 + j // 3 - 1) for i in range(3) for j in range(i) if str(j % 2)]",
    "r = [str(i ** 2) + str(-i) + str(+i) for i in range(3)]",
    "r = str(len(rows)) + str(len(rows) * 3)",
    "r = str(7 % 3)",
    "def f(n):\n    for i in range(n):\n        out.append(str(i))",
    "def f(n):\n    for i in range(n):\n        for j in range(i):\n            out.append(str(i * j))",
    "r = list(str(i) for i in range(3))",
    "class C:\n    names = [str(i) for i in range(3)]",
    "def f():\n    print(i)\n    for i in range(3):\n        print(str(i), i)",
    # The innermost def or class around a `for` decides whether it binds a local.
    "class C:\n    def m(self):\n        for i in range(3):\n            out.append(str(i))",
    "def f():\n    class C:\n        pass\n    for i in range(3):\n        out.append(str(i))",
    "class C: x = 1\ndef f():\n    for i in range(3): print(str(i))",
    "def f():\n    def g():\n        return [str(i) for i in range(3)]\n    for i in range(3):\n        print(str(i))",
    # Code with non-ASCII text is proved too (its names are checked on the tree).
    "def f():\n    for i in range(3):\n        out.append(str(i) + '\u00e9')",
]


@pytest.mark.parametrize("code", NATIVE_INT_TEXT)
def test_str_of_a_provable_int_stays_micropythons_own(code):
    rewritten = transform(code) or code
    assert "__cp.str" not in rewritten
    assert "str(" in rewritten


def test_fstring_fields_of_a_provable_int_become_the_native_str():
    assert transform("r = [f'{i}' for i in range(3)]") == "r = [(str(i)) for i in range(3)]"
    # A few fields: one %-template; a proved int before the last field is passed as it is.
    assert (
        transform("r = [f'#{i + 1}: {x}' for i in range(3)]") == "r = [__cp.fs2('#%s: %s', i + 1, x) for i in range(3)]"
    )
    assert transform("r = [f'{i}{i}{i}{i}' for i in range(3)]") == (
        "r = [''.join((str(i), str(i), str(i), str(i))) for i in range(3)]"
    )
    # A spec or a conversion still goes through the formatter.
    assert transform("r = [f'{i:,}' for i in range(3)]") == "r = [(__cp.fv(i, ',')) for i in range(3)]"
    # With `str` rebound, the f-string cannot name it.
    assert transform("str = 1\nr = [f'{i}' for i in range(3)]") == "str = 1\nr = [(__cp.fv1(i)) for i in range(3)]"


ROUTED_NOT_PROVED = [
    # Not an int, or not provably one.
    "r = [str(x) for x in rows]",
    "r = [str(i / 2) for i in range(3)]",
    "r = [str(i ** -1) for i in range(3)]",
    "r = [str(i ** n) for i in range(3)]",
    "r = [str(i + x) for i in range(3)]",
    "r = [str(i) for i in range(3) for i in rows]",
    "r = [str(i) for i in list(range(3))]",
    "r = [str(i) for i, _ in range(3)]",
    "r = [str(i) for i in my.range(3)]",
    "r = str(True + 1)",
    # The loop variable rebound somewhere: assignment, augmented assignment, walrus, del, parameter.
    "def f():\n    for i in range(3):\n        i = i / 2\n        out.append(str(i))",
    "def f():\n    for i in range(3):\n        i += 0.5\n        out.append(str(i))",
    "def f():\n    for i in range(3):\n        if (i := i / 2):\n            out.append(str(i))",
    "def f():\n    for i in range(3):\n        del i\n        out.append(str(i))",
    "def f(i):\n    for j in range(3):\n        out.append(str(i))",
    "def f():\n    for i in range(3):\n        out.append(str(i))\ndef g(i=1.5):\n    pass",
    "def f():\n    for i in range(3):\n        try:\n            pass\n        except E as i:\n            pass\n        out.append(str(i))",
    "def f():\n    for i in range(3):\n        with x as i:\n            out.append(str(i))",
    "import i\nr = [str(i) for i in range(3)]",
    "r = [str(i) for i in range(3)]\nx = [i for i in rows]",
    # `range` not the builtin: shadowed by an import, a def, a parameter, an assignment.
    "from numpy import range\nr = [str(i) for i in range(3)]",
    "def range(n):\n    return [0.5]\nr = [str(i) for i in range(3)]",
    "def f(range):\n    return [str(i) for i in range(3)]",
    "range = lambda n: [0.5]\nr = [str(i) for i in range(3)]",
    "from mod import *\nr = [str(i) for i in range(3)]",
    "def f(len):\n    return str(len(x))",
    # A global: a module-level or class-level `for` binds what any call could rebind.
    "for i in range(3):\n    out.append(str(i))",
    "def g():\n    global i\n    i = 1.5\nfor i in range(3):\n    g()\n    out.append(str(i))",
    "def f():\n    global i\n    for i in range(3):\n        out.append(str(i))",
    "def f():\n    for i in range(3):\n        def g():\n            nonlocal i\n            i = 0.5\n        g()\n        out.append(str(i))",
    "class C:\n    for i in range(3):\n        out.append(str(i))",
    "def f():\n    class C:\n        for i in range(3):\n            out.append(str(i))",
    "def f(): pass\nfor i in range(3): out.append(str(i))",
    # Across a def, lambda or class boundary, nothing is proved.
    "def f():\n    for i in range(3):\n        fs.append(lambda: str(i))",
    "r = [lambda: str(i) for i in range(3)]",
    # Code that can rebind variables or builtins behind the parser's back.
    "def f():\n    for i in range(3):\n        exec(code)\n        out.append(str(i))",
    "r = [str(i) for i in range(3)]\nglobals()['x'] = 1",
    "r = [str(i) for i in range(3)]\nlocals()",
    "import builtins\nr = [str(i) for i in range(3)]",
    "r = [str(i) for i in range(3)]\nsys.modules['builtins'].range = f",
    "def f():\n    for i in range(3):\n        exec(code)  # \u00e9t\u00e9\n        out.append(str(i))",
    # The parser folds a fullwidth letter: this is `exec`.
    "def f():\n    for i in range(3):\n        \uff45xec(code)\n        out.append(str(i))",
    "r = [str(len(x)) for i in range(3)]\n\uff47lobals()['len'] = f",
]


@pytest.mark.parametrize("code", ROUTED_NOT_PROVED)
def test_str_of_what_is_not_provably_an_int_still_goes_to_the_helper(code):
    rewritten = transform(code)
    assert rewritten is not None and "__cp.str1(" in rewritten, rewritten


@pytest.mark.parametrize("name", ["range", "len", "builtins", "__builtins__"])
def test_a_session_that_binds_what_the_proof_trusts_gets_no_proof(name):
    code = "r = [str(i) + str(len(x)) for i in range(3)]"
    assert transform(code) is None
    rewritten = transform(code, bound_names=[name])
    assert rewritten is not None and "__cp.str1(" in rewritten


def test_printing_provable_ints_needs_no_helper():
    assert transform("r = [print(i, i * 2, len(x)) for i in range(3)]") is None
    assert transform("for i in range(3):\n    print(i)") == "for i in range(3):\n    __cp.print(i)"


def test_fstrings_of_a_few_fields_become_one_template_call():
    assert transform("s = f'{a}% of {b * 2}'") == (
        "s = __cp.fs2('%s%% of %s', (a if a.__class__ in __cp.text_kinds else __cp.fv1(a)), b * 2)"
    )
    assert transform("s = f'{x!r:>{w}} is {n + 1}'") == (
        "s = __cp.fs2('%s is %s', __cp.fv(x, ('>' + __cp.fv1(w)), 'r'), n + 1)"
    )
    # A proved int before the last field is passed as it is.
    assert transform("r = [f'{i}: {x}, {i + 1}' for i in range(3)]") == (
        "r = [__cp.fs3('%s: %s, %s', i, (x if x.__class__ in __cp.text_kinds else __cp.fv1(x)), i + 1) for i in range(3)]"
    )
    # Fields before the last are formatted where they stand (CPython's order); fs formats the last.
    assert transform("s = f'{g()}-{1}-{h()}'") == "s = __cp.fs3('%s-%s-%s', __cp.fv1(g()), 1, h())"
    # Each field keeps its line.
    assert transform('s = f"""{a}\n{len(b)}"""\nprint(s)') == (
        "s = __cp.fs2('%s\\n%s', (a if a.__class__ in __cp.text_kinds else __cp.fv1(a)), \nlen(b))\n__cp.print(s)"
    )


def test_fstrings_the_template_would_not_speed_up_are_joined():
    # A last field with a spec, several fields of which none looks like an int, four fields.
    assert transform("s = f'{a} is {x:.2f}'") == "s = ''.join((__cp.fv1(a), ' is ', __cp.fv(x, '.2f')))"
    assert transform("s = f'{a}: {b}'") == "s = ''.join((__cp.fv1(a), ': ', __cp.fv1(b)))"
    assert transform("s = f'{a}{b}{c}{d - 1}'") == (
        "s = ''.join((__cp.fv1(a), __cp.fv1(b), __cp.fv1(c), __cp.fv1(d - 1)))"
    )
    # One field: the template costs no more than the join, and writes an int without a call.
    assert transform("s = f'name: {a}'") == "s = __cp.fs1('name: %s', a)"
