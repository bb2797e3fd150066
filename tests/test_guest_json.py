"""json.loads in the sandbox reads what CPython reads and refuses what it refuses.

The fast path (guest/lib/json.py: MicroPython's C parser over marked text, checked with C string
methods) must give CPython's values, key order and number types, and hand anything it cannot
vouch for to the Python parser, whose errors are CPython's. The code runs through the tool's own
path (Session.run, the CPython-semantics rewrite included), as a model's code would.
"""

import json

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


READ_BACK = """
import json
try:
    v = json.loads({text!r})
    print(repr(v))
    print(json.dumps(v))
    def shape(x):
        if isinstance(x, dict):
            return [(k, shape(x[k])) for k in x]
        if isinstance(x, list):
            return [shape(i) for i in x]
        return type(x).__name__
    print(shape(v))
except json.JSONDecodeError as e:
    print('JSONDecodeError', e, e.pos, e.lineno, e.colno)
"""

keys = st.text(alphabet=st.sampled_from(list('abcxyz_ {}[]:,"\\\u00e9')), max_size=6)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.integers(-(10**6), 10**6).map(lambda i: i / 8),
    st.sampled_from([0.0, -0.0, 0.5, 100.25, 1e-05, 1e22, 10.0]),
    st.text(alphabet=st.sampled_from(list('ab {}[]:,"\\\n\t\u00e9\u2028')), max_size=8),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=5)),
    max_leaves=30,
)
# Rows as an analyst's API gives them: the same keys, in an order that is not sorted, with a
# nested object of the same keys in each row (or, now and then, another value).
rows = st.lists(
    st.fixed_dictionaries(
        {
            "zeta": scalars,
            "id": st.integers(0, 10**6),
            "tags": st.lists(scalars, max_size=3),
            "user": st.one_of(st.fixed_dictionaries({"login": scalars, "id": scalars}), documents),
            "alpha": documents,
        }
    ),
    max_size=6,
)


@settings(max_examples=80, deadline=None)
@given(
    st.one_of(documents, rows),
    st.sampled_from([None, 0, 2]),
    st.sampled_from([None, (",", ":"), (" , ", " : ")]),
    st.booleans(),
)
def test_documents_read_back_as_in_cpython(session, value, indent, separators, ensure_ascii):
    text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=ensure_ascii)
    code = READ_BACK.format(text=text)
    assert sandbox_output(session, code) == cpython_output(code)


# Texts the C parser would read and CPython refuses, and valid texts near what the fast path
# marks or counts (its end marker is the str '\x01'; braces, colons and commas inside strings).
# Known gap, as before this fast path: a separator missing in one place and one too many in
# another keep the counts right, and the C parser reads such text.
COUNTED_SEPARATORS = pytest.mark.xfail(strict=True, reason="a missing and an extra separator cancel out in the counts")
# Known gap, as before: only numbers with a dot are looked at for 20 digits or more, and
# MicroPython reads a longer mantissa with an exponent but no dot an ulp or so off.
LONG_MANTISSA = pytest.mark.xfail(strict=True, reason="20+ digits with an exponent and no dot are read by MicroPython")
TEXTS = [
    pytest.param("[1,,2 3]", marks=COUNTED_SEPARATORS),
    pytest.param("[6509344730398537990367913155e-25]", marks=LONG_MANTISSA),
    pytest.param('{"a":1 "b":2,}', marks=COUNTED_SEPARATORS),
    pytest.param('{"a":"b":"c","d"}', marks=COUNTED_SEPARATORS),
    "[1:2]",
    '[{"a": 1}: {"b": 2}, 3]',
    '{"a": 1, "b", [2: 3]}',
    '{"a" : 1, "b"\n:\n2}',
    '{"a", 1}',
    "[1}",
    '{"a": 1]',
    '[{"a": [1}]]',
    '[{"a": 1, "\\u0001"]}',
    '["\\u0001", {"a": "\\u0001"}]',
    '{"\\u0001": 1}',
    "[1,\x0c2]",
    "[1,\x0b2]",
    "[1]\x00",
    "[0, -0, 10, 100, 0.0, -0.5, 1e5, 1E+5, 1.5e-3, 00]",
    "[01]",
    "[-00.5]",
    "[1.]",
    "[1.e3]",
    "[.5]",
    "[-.5]",
    "[1e]",
    "[1.5e+]",
    '{"a{": "}b", "c": "[,:]"}',
    '{"k": "x: y, z"}',
    '["a\\u00e9\\n\\"", "\\/\\b\\f\\r\\t"]',
    '["\\x"]',
    '["\\u12"]',
    '["\\u12g4"]',
    '"\\ud83d\\ude00"',
    '{"a": {}, "b": [], "c": [{}], "d": [[]], "e": {"f": {"g": [1, {"h": null}]}}}',
    '[{"b": 1, "a": 2}, {"a": 3, "b": 4}]',
    '[{"b": 1, "a": [2, {"c": {}}]}, {"b": 3, "a": []}, {"b": null, "a": {"d": [[]]}}]',
    '[{"a": 1, "b"}, {"a": 2, "b"}]',
    '[{"a": 1, "b": 2}, {"a": 2, "b"}]',
    '[{"a": 1, "a": 2}, {"a": 3, "a": 4}]',
    '[{}, {}, {"": ""}]',
    "[[1, 2], [3, 4], []]",
    "[{}, {}]",
    '[{}, {}, {"a": 1}]',
    "[[], []]",
    '[{"a": {}}, {"a": {}}]',
    '[{"a": 1, "b": [{}, {}]}, {"a": 2, "b": [{}]}]',
    '[{"a": 1], {"a": 2}]',
    '[{"a": 1}, {"a": 2]]',
    '{"a": 1, "a": 2}',
    "  [  1 ,\n 2 ]  \n",
    '[true, false, null, "true"]',
    "[truefalse]",
    "[nul]",
    '{"a": 1} {"b": 2}',
    "",
    # Numbers at the very start and end of the text, where the number checks look around them.
    "1.",
    ".5",
    "01",
    "-01",
    "0",
    "-0",
    "-0.0",
    "1.5",
    "12345678901234567890.5",
    "0.00000000000000000001234567890123456789",
    "650.9344730398537990367913155",
    # Arrays of arrays: of scalars only (checked whole), or with arrays and objects inside.
    '[[1, "a"], [2, "b"], [3, null], [true, 0.5]]',
    "[[1, 2], [3, [4]]]",
    '[[1, {"a": 1}], [2]]',
    "[[], [1], []]",
    "[[{}], [1]]",
    '[["x", [true]], ["y", []]]',
    '[{"a": [[1], [2, 3]]}, {"a": [[]]}]',
    '[{"a": [[1], [2, {"b": [3]}]]}, {"a": [[4, 5]]}]',
    # Rows whose items are not all objects of the same width; nested objects in a column.
    '[{"u": 1, "v": 2}, "abcdef"]',
    '[{"u": 1, "v": 2}, 7]',
    '[{"u": 1, "v": 2}, [{}, "u", 1, "v"]]',
    '[{"u": {"b": 1, "a": 2}}, {"u": {"b": 3, "a": 4}}]',
    '[{"u": {"b": 1, "a": 2}}, {"u": {"a": 3, "b": 4}}]',
    '[{"u": {"a": 1, "a": 2}}, {"u": {"a": 3, "a": 4}}]',
    '[{"u": {"a": 1]}, {"u": {"a": 2}}]',
    '[{"u": {"a": {"b": [1, {"c": 2}]}}}, {"u": {"a": {"b": []}}}]',
    '[{"u": ["x", "y"]}, {"u": "xy"}]',
    "[[1,, 2], [3]]",
    "[[1 2], [3]]",
    "[[1, 2]:, [3]]",
]


@pytest.mark.parametrize("text", TEXTS)
def test_edge_texts_read_or_refused_as_in_cpython(session, text):
    code = READ_BACK.format(text=text)
    assert sandbox_output(session, code) == cpython_output(code)


FAST_READ = """
import json
v = {reader}({text!r})
print(repr(v))
print(json.dumps(v))
"""
# Strings without braces (which the marking would touch), the end marker or surrogates: valid
# text of these the fast path must read itself, not hand to the slower Python parser.
plain_text = st.text(alphabet=st.sampled_from(list('ab :,[]"\\\n\t\u00e9')), max_size=6)
plain_documents = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**9), 10**9),
        st.integers(-1000, 1000).map(lambda i: i / 4),
        plain_text,
    ),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(plain_text, children, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        plain_documents, st.lists(st.fixed_dictionaries({"b": plain_documents, "a": plain_documents}), max_size=4)
    ),
    st.sampled_from([None, 1]),
)
def test_the_fast_path_reads_valid_text_itself(session, value, indent):
    text = json.dumps(value, indent=indent)
    expected = cpython_output(FAST_READ.format(reader="json.loads", text=text))
    assert sandbox_output(session, FAST_READ.format(reader="json._fast_loads", text=text)) == expected


# Number texts as any JSON writer might give them (long fractions and integers, exponents), some
# damaged (leading zeros, a dot without a digit), in arrays of arrays: the number checks and the
# whole-column look at arrays of scalars must agree with CPython, errors too.
number_texts = st.one_of(
    st.integers(-(10**25), 10**25).map(str),
    st.tuples(st.integers(-(10**12), 10**12), st.text("0123456789", min_size=1, max_size=25)).map(
        lambda p: "%d.%s" % p
    ),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["01", "-01", "00.5", "1.", ".5", "1.e5", "-.5", "0e5", "-0", "1E+2"]),
)
arrays_of_numbers = st.lists(st.lists(number_texts, max_size=5), min_size=2, max_size=5).map(
    lambda rows: "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"
)


@settings(max_examples=80, deadline=None)
@given(st.one_of(arrays_of_numbers, number_texts))
def test_number_texts_read_as_in_cpython(session, text):
    code = READ_BACK.format(text=text)
    assert sandbox_output(session, code) == cpython_output(code)
