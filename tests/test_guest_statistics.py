"""statistics in the sandbox prints what CPython's prints: the same floats, the same result types,
the same errors."""

import math

import pytest
from guest_oracle import cpython_output, new_session, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st

# MicroPython parses subnormal literals inexactly (a parser issue, not statistics'): keep them out.
reals = st.floats(-1e9, 1e9, allow_nan=False, allow_subnormal=False)
numbers = st.one_of(st.integers(-(10**6), 10**6), reals)

# MicroPython's float repr is not the shortest round-trip form (it prints 8.8 as 8.800000000000001),
# so results are compared as exact bits: show() prints floats as the hex of their IEEE-754 bytes.
SHOW = """
import struct
def show(*values):
    def one(v):
        if type(v) is float:
            return 'f' + struct.pack('<d', v).hex()
        if isinstance(v, (list, tuple)):
            return '[' + ', '.join(one(x) for x in v) + ']'
        return repr(v)
    print(' '.join(one(v) for v in values))
"""


def same_output(session, code):
    return sandbox_output(session, SHOW + code) == cpython_output(SHOW + code)


@pytest.fixture(scope="module")
def session(runtime):
    session = new_session(runtime)
    session.run("import statistics")
    yield session
    session.close()


def test_an_analysts_summary_prints_as_in_cpython(session):
    code = """
import statistics
from statistics import mean, median, stdev
prices = [12.5, 7.25, 9.99, 15.0, 7.25, 22.4, 9.99, 7.25]
counts = [3, 5, 2, 8, 5, 1]
show(mean(counts), mean([1, 2, 3]), mean([1, 2]), mean(prices), statistics.fmean(counts))
show(median(prices), median(counts), statistics.median_low(counts), statistics.median_high(counts))
show(stdev(prices), statistics.pstdev(prices), statistics.variance(counts), statistics.pvariance([1, 2, 3, 4]))
show(statistics.mode(prices), statistics.multimode(['b', 'a', 'b', 'a', 'c']), statistics.mode('abracadabra'))
show(statistics.quantiles(prices), statistics.quantiles(counts, n=10, method='inclusive'))
show(statistics.quantiles(range(1, 101), n=100)[:5])
show(statistics.geometric_mean([54, 24, 36]), statistics.harmonic_mean([40, 60]), statistics.harmonic_mean([40, 60], weights=[5, 30]))
show(statistics.fmean([3.5, 4.0, 5.25], weights=[1, 2, 3]), statistics.median_grouped([52, 52, 53, 54], 2))
show(statistics.correlation(counts, [2, 4, 1, 9, 6, 0]), statistics.covariance(counts, [2, 4, 1, 9, 6, 0]))
fit = statistics.linear_regression([1, 2, 3, 4, 5], [2.1, 3.9, 6.2, 8.1, 9.8])
show(fit)
slope, intercept = fit
print(fit.slope == slope, fit.intercept == intercept, statistics.linear_regression([1, 2, 3], [2, 4, 6]))
show(statistics.linear_regression([1, 2, 3], [2, 4, 6], proportional=True))
print(type(mean([1, 3])).__name__, type(mean([1, 2])).__name__, type(statistics.variance([1, 2, 3])).__name__)
show(mean([True, False, True]), mean([1, 2.5]), statistics.mean(iter([4, 5])))
"""
    assert same_output(session, code)


def test_errors_are_statistics_errors_with_cpythons_messages(session):
    code = """
import statistics
calls = [
    (statistics.mean, ([],)), (statistics.fmean, ([],)), (statistics.median, ([],)), (statistics.mode, ([],)),
    (statistics.stdev, ([1],)), (statistics.variance, ([1],)), (statistics.pstdev, ([],)), (statistics.pvariance, ([],)),
    (statistics.quantiles, ([1],)), (statistics.harmonic_mean, ([1, -1],)), (statistics.harmonic_mean, ([],)),
    (statistics.geometric_mean, ([1, 0],)), (statistics.geometric_mean, ([],)), (statistics.correlation, ([1, 1], [1, 2])),
    (statistics.correlation, ([1, 2], [1])), (statistics.covariance, ([1], [1])), (statistics.linear_regression, ([1, 1], [1, 2])),
    (statistics.fmean, ([1, 2], [1])), (statistics.median_low, ([],)), (statistics.median_grouped, ([],)),
]
for function, args in calls:
    try:
        show(function(*args))
    except statistics.StatisticsError as e:
        print('StatisticsError', e, isinstance(e, ValueError))
for n, method in ((0, 'exclusive'), (4, 'bogus')):
    try:
        statistics.quantiles([1, 2, 3], n=n, method=method)
    except ValueError as e:
        print(type(e).__name__, e)
show(statistics.multimode([]), statistics.harmonic_mean([0, 5]), statistics.harmonic_mean([7]))
for function, data in ((statistics.mean, ['a', 'b']), (statistics.mean, [1, None]), (statistics.fmean, [1, None]), (statistics.stdev, [1.5, None])):
    try:
        function(data)
    except TypeError as e:
        print('TypeError', e)
"""
    assert same_output(session, code)


def test_non_finite_values_behave_as_in_cpython(session):
    code = """
import statistics
inf, nan = float('inf'), float('nan')
show(statistics.mean([1.0, inf]), statistics.mean([inf, -inf]), statistics.variance([1.0, inf, 2.0]), statistics.median([3.0, inf, 1.0]))
show(statistics.fmean([1, inf]), statistics.pvariance([nan, 1.0]))
"""
    assert same_output(session, code)


@settings(max_examples=60, deadline=None)
@given(st.lists(numbers, min_size=2, max_size=40))
def test_exact_functions_give_cpythons_floats(session, data):
    code = f"""
import statistics as s
data = {data!r}
show(s.mean(data), s.fmean(data), s.median(data), s.median_low(data), s.median_high(data))
show(s.variance(data), s.pvariance(data), s.stdev(data), s.pstdev(data))
show(s.variance(data, s.mean(data)), s.pstdev(data, s.fmean(data)))
show(s.quantiles(data), s.quantiles(data, n=10, method='inclusive'), s.median_grouped(data, 3))
show(s.mode(data), s.multimode(data), s.multimode([round(x) % 7 for x in data]))
show(s.harmonic_mean([abs(x) for x in data]), s.fmean(data, weights=[abs(x) + 1 for x in data]))
"""
    assert same_output(session, code)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(numbers, numbers), min_size=2, max_size=30))
def test_two_variable_functions_give_cpythons_floats(session, pairs):
    code = f"""
import statistics as s
x = {[a for a, _ in pairs]!r}
y = {[b for _, b in pairs]!r}
for f in (s.covariance, s.correlation, s.linear_regression):
    try:
        show(f(x, y))
    except s.StatisticsError as e:
        print('StatisticsError', e)
    except ZeroDivisionError:
        print('ZeroDivisionError')
show(s.linear_regression(x, y, proportional=True) if any(x) else 'zero x')
"""
    assert same_output(session, code)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(1e-6, 1e9, allow_subnormal=False), min_size=1, max_size=30))
def test_geometric_mean_agrees_within_float_tolerance(session, data):
    # Computed through the C library's log and exp, which may differ from CPython's by an ulp.
    output = sandbox_output(session, f"import statistics\nprint(repr(statistics.geometric_mean({data!r})))")
    expected = eval(cpython_output(f"import statistics\nprint(repr(statistics.geometric_mean({data!r})))"))
    assert math.isclose(float(output), expected, rel_tol=1e-14)


def test_ordered_input_is_not_sorted_again(session):
    # MicroPython's quicksort is quadratic on ordered input; median of 20,000 ordered values must stay cheap.
    result = session.run(
        "import statistics\nxs = list(range(20000))\nprint(statistics.median(xs), statistics.median(xs[::-1]))"
    )
    assert result.ok, result.error
    assert result.stdout == "9999.5 9999.5\n"
    assert result.fuel_used < 200_000_000


def values(output):
    """The floats a snippet printed as show() hex, back as floats."""
    import struct

    return [struct.unpack("<d", bytes.fromhex(token[1:]))[0] for token in output.split() if token.startswith("f")]


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(0.01, 1e3), st.floats(-1e3, 1e3), st.floats(1e-12, 1 - 1e-12))
def test_normal_dist_agrees_within_float_tolerance(session, mu, sigma, x, p):
    # pdf and cdf go through the C library's exp and erf, inv_cdf through Newton steps rather than
    # CPython's rational approximation: equal to about 1e-12, not bit for bit.
    code = (
        SHOW
        + f"""
from statistics import NormalDist
n = NormalDist({mu!r}, {sigma!r})
show(n.mean, n.stdev, n.variance, n.zscore({x!r}), n.pdf({x!r}), n.cdf({x!r}), n.inv_cdf({p!r}))
show(n.overlap(NormalDist({x!r}, {sigma!r} * 1.5)), *n.quantiles(5))
"""
    )
    got, expected = values(sandbox_output(session, code)), values(cpython_output(code))
    assert len(got) == len(expected) == 12
    for a, b in zip(got, expected):
        assert math.isclose(a, b, rel_tol=1e-11, abs_tol=1e-13), (a, b)


def test_normal_dist_is_loaded_on_first_use_and_behaves_like_cpythons(runtime):
    fresh = new_session(runtime)
    try:
        assert sandbox_output(fresh, "import statistics, sys\nprint('_normaldist' in sys.modules)") == "False\n"
        code = (
            SHOW
            + """
from statistics import NormalDist, StatisticsError
n = NormalDist(100, 15)
m = NormalDist.from_samples(iter([2.5, 3.1, 2.1, 2.4, 2.7, 3.5]))
show(m.mean, m.stdev, (n + 5).mean, (n * 2).stdev, (n - NormalDist(10, 20)).stdev, (-n).mean, (n / 3).stdev, (3 - n).mean)
print(n == NormalDist(100, 15), n == NormalDist(100, 16), NormalDist(0, 1) == 5, len(n.samples(4, seed=1)), hash(n) == hash(NormalDist(100, 15)))
print(NormalDist(2, 3), NormalDist(0, 1).inv_cdf(0.5), round(NormalDist().inv_cdf(1e-300), 6), round(NormalDist().inv_cdf(1 - 1e-16), 6))
for f in (lambda: NormalDist(0, -1), lambda: NormalDist(0, 0).pdf(1), lambda: NormalDist(0, 0).cdf(1), lambda: NormalDist().inv_cdf(0),
          lambda: NormalDist().inv_cdf(1.5), lambda: NormalDist().overlap(3), lambda: NormalDist(0, 0).zscore(1), lambda: NormalDist.from_samples([1])):
    try:
        print(f())
    except (StatisticsError, TypeError) as e:
        print(type(e).__name__, e)
"""
        )
        assert sandbox_output(fresh, code) == cpython_output(code)
    finally:
        fresh.close()


def test_equal_values_keep_cpythons_stable_order(session):
    code = """
import statistics as s
print(s.median_low([0.0, -0.0, 1.0, -0.0]), s.median_high([-0.0, 0.0, 0.0, 5.0, -1.0]), s.median_low([0.0, -0.0, -0.0, 0.0, 3.0]))
print(s.median_low([1, 1.0, True, 2]), s.median_high([2.0, 2, 1]), s.median([0, 0.0, -0.0]), s.median_low(['b', 'a', 'b']))
print(s.quantiles([0.0, -0.0, 0, 1.0, -0.0], n=4), s.median_grouped([0.0, -0.0, 1.0]))
"""
    assert same_output(session, code)
