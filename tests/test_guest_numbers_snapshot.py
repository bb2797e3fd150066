"""Sessions holding objects of the numeric guest modules survive snapshot and restore: a restored
copy carries on exactly like the session that was never snapshotted."""

from guest_oracle import ROOMY, new_session, sandbox_output

from datasette_agent_micropython.snapshot import Snapshot

SETUP = """
import csv, io, math, random, statistics, heapq
from decimal import Decimal, getcontext, ROUND_HALF_UP
from fractions import Fraction
getcontext().prec = 12
getcontext().rounding = ROUND_HALF_UP
prices = [Decimal('19.99'), Decimal('5.01'), Decimal('0.10')]
total = sum(prices)
third = Fraction(1, 3) + Fraction(1, 6)
out = io.StringIO()
writer = csv.writer(out)
writer.writerow(['id', 'note'])
writer.writerow([1, 'said "hi"'])
generator = random.Random(5)
generator.random()
random.seed(11)
random.random()
spread = statistics.stdev([2.5, 3.25, 5.5, 11.25])
fit = statistics.linear_regression([1, 2, 3], [2, 4, 7])
top = heapq.nlargest(2, [(3, 'c'), (9, 'z'), (5, 'e')])
ways = math.comb(10, 3)
"""

CONTINUE = """
writer.writerow([2, 'line\\nbreak'])
print(total + 1, total / 3, third * 3, repr(third), getcontext().prec, getcontext().rounding)
print(repr(out.getvalue()), list(csv.reader(io.StringIO(out.getvalue()))))
print(generator.random(), random.random(), random.sample(range(100), 3), random.choices('abc', k=4))
print(spread == statistics.stdev([2.5, 3.25, 5.5, 11.25]), fit.slope, top, ways, math.isqrt(99), statistics.median([3, 1, 2]))
print((Decimal('2.675')).quantize(Decimal('0.01')), Fraction('0.25') + third)
"""


def test_numeric_module_state_survives_snapshot_and_restore(runtime):
    original = new_session(runtime)
    try:
        result = original.run(SETUP)
        assert result.ok, result.error
        blob = original.snapshot().encode()
        restored = runtime.new_session(ROOMY, snapshot=Snapshot.decode(blob, ROOMY.memory_bytes))
        try:
            assert restored.restore_error is None, restored.restore_error
            assert restored.restored
            for _ in range(2):
                expected = sandbox_output(original, CONTINUE)
                assert "Error" not in expected, expected
                assert sandbox_output(restored, CONTINUE) == expected
        finally:
            restored.close()
    finally:
        original.close()


def test_a_restored_session_imports_math_extras_it_had_not_loaded(runtime):
    original = new_session(runtime)
    try:
        assert original.run("import math\nx = math.sqrt(2)").ok
        restored = runtime.new_session(
            ROOMY, snapshot=Snapshot.decode(original.snapshot().encode(), ROOMY.memory_bytes)
        )
        try:
            assert (
                sandbox_output(restored, "print(math.comb(6, 2), math.fsum([0.1] * 10), x)")
                == "15 1.0 1.4142135623730951\n"
            )
        finally:
            restored.close()
    finally:
        original.close()
