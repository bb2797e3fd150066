"""str(), print() and f-string fields of provable ints are left to MicroPython (transform.py's
`_IntProof`): generated programs mixing loop ints, literals, len() and floats, with and without
what defeats the proof (rebinding, a shadowed `range`, globals), print what CPython prints.
"""

from guest_oracle import agree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.transform import transform

SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck))

# Floats, some of which (subnormals) MicroPython's own str() writes unlike CPython: a wrong proof
# shows in the output.
FLOATS = ["5e-324", "1e-320", "-7e-322", "0.1", "2.5", "1e16", "(0.1 + 0.2)"]
atoms = st.one_of(
    # Divisions giving subnormals, which MicroPython writes its own way; no reciprocals: that of a
    # subnormal overflows, which MicroPython does not report.
    st.sampled_from(["i", "j", "len(xs)", "x", "True", "(i / 1e310)", "(j / 3e315)"]),
    st.integers(1, 100).map(str),
    st.sampled_from(FLOATS),
)


def combine(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children)
    # A divisor is never a subnormal (the quotient would overflow, which MicroPython does not report).
    divisors = st.one_of(st.integers(1, 9).map(str), st.sampled_from(["2.5", "i", "len(xs)"]))
    division = st.tuples(children, st.sampled_from(["//", "%"]), divisors)
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        division.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.sampled_from(["0", "1", "2"])).map(lambda t: f"({t[0]} ** {t[1]})"),
        children.map(lambda c: f"(-{c})"),
    )


expressions = st.recursive(atoms, combine, max_leaves=4)

# Lines run in the loop body before the str() calls: most keep the proof, some defeat it.
REBINDS = ["", "", "i = x", "j += x", "i = i * x", "del j\n{pad}j = [x]"]
# Lines before the code: most harmless, some shadow what the proof trusts.
FORGET = "for name in ('range', 'len', 'i', 'j', 'f', 'g'):\n    globals().pop(name, None)"
PRELUDES = ["", "", "", "def range(a, b):\n    return [x, 2.5]", "len = lambda c: 0.5", "from math import *"]


@st.composite
def programs(draw):
    expression = draw(expressions)
    rebind = draw(st.sampled_from(REBINDS))
    prelude = draw(st.sampled_from(PRELUDES))
    x = draw(st.sampled_from(FLOATS))
    shape = draw(st.sampled_from(["function", "comprehension", "module_for"]))
    if shape != "comprehension" and "range" in prelude:
        # MicroPython compiles `for ... in range(...)` to a counting loop that never looks the
        # name up, whatever `range` is bound to: a difference of its own, not of str().
        prelude = ""
    # The f-string's first field is passed to its %-template unformatted when proved an int.
    fields = (
        f"out.append(str({expression}))\n{{pad}}out.append(f'<{{{{{expression}}}}}|{{{{{expression}}}}}>')"
        f"\n{{pad}}out.append(f'{{{{{expression}}}}}')"
    )
    guarded = (
        "try:\n{pad}    " + fields.replace("{pad}", "{pad}    ") + "\n{pad}except Exception as error:\n"
        "{pad}    out.append(type(error).__name__)"
    )
    lines = [prelude, f"x = {x}", "xs = [1, 2, 3]"]
    if shape == "comprehension":
        lines.append(
            f"out = [str({expression}) + f'<{{{expression}}}|{{{expression}}}>' + f'{{{expression}}}'"
            " for i in range(1, 4) for j in range(1, i + 1)]"
        )
        lines.append("print(out)")
    elif shape == "function":
        pad = " " * 12
        body = (rebind + "\n{pad}" if rebind else "") + guarded
        lines.append(
            "def f(xs, x):\n    out = []\n    for i in range(1, 4):\n        for j in range(1, 3):\n"
            + pad
            + body.format(pad=pad)
            + "\n    return out\nprint(f(xs, x))"
        )
    else:
        pad = " " * 8
        body = (rebind + "\n{pad}" if rebind else "") + guarded
        lines.append(
            "def g():\n    global i\n    i = x\nout = []\nfor i in range(1, 4):\n    for j in range(1, 3):\n"
            + pad
            + "g()\n"
            + pad
            + body.format(pad=pad)
            + "\nprint(out)"
        )
    return "\n".join(line for line in lines if line)


@settings(max_examples=60, **SETTINGS)
@given(programs())
def test_str_of_ints_and_other_values_agrees_with_cpython(session, code):
    # CPython runs each program in a fresh namespace: the shared session forgets what the last
    # one bound (a `range` of its own stays the session's, and its proof is refused).
    assert session.run(FORGET).ok
    agree(session, code)


def test_the_proof_applies_to_the_generated_shapes():
    """The differential test above reaches the native path: its proved shapes are rewritten so."""
    code = (
        "def f(xs, x):\n    out = []\n    for i in range(1, 4):\n        for j in range(1, 3):\n"
        "            out.append(str(i * j + len(xs)))\n            out.append(f'<{i - 2}|{j}>' + f'{i}')\n"
        "    return out\nprint(f([1, 2], 0.1))\nprint([str(i) * 2 for i in range(3)])"
    )
    rewritten = transform(code)
    assert "__cp.str1" not in rewritten and "__cp.fv1" not in rewritten
    assert "str(i * j + len(xs))" in rewritten and "__cp.fs2('<%s|%s>', i - 2, j)" in rewritten
    assert "(str(i))" in rewritten


def test_provable_ints_print_what_cpython_prints(session):
    assert session.run(FORGET).ok
    agree(
        session,
        "def f(rows):\n    out = []\n    for i in range(-3, 4):\n        out.append(str(i ** 2 - len(rows) * 10**20) + f'|{i // 2}|{i % 3}|{-i}')\n"
        "    return out\nprint(f([1, 2]))\nprint([str(i) * 3 for i in range(12)])\nfor i in range(2):\n    print(i, str(i))",
    )
