"""random in the sandbox: CPython's helpers on MicroPython's generator. The numbers differ from
CPython's (another generator), so these tests prove properties and determinism, and compare
errors with CPython's."""

from guest_oracle import cpython_output, new_session, sandbox_output


def test_a_fresh_session_has_not_loaded_the_random_extension(runtime):
    session = new_session(runtime)
    try:
        assert sandbox_output(session, "import sys\nprint('random' in sys.modules)") == "False\n"
        assert sandbox_output(session, "import random\nprint(hasattr(random, 'shuffle'))") == "True\n"
    finally:
        session.close()


def test_fresh_sessions_are_seeded_differently_by_the_host(runtime):
    firsts = set()
    for _ in range(3):
        session = new_session(runtime)
        try:
            firsts.add(sandbox_output(session, "import random\nprint(random.random(), random.sample(range(10**6), 3))"))
        finally:
            session.close()
    assert len(firsts) == 3


def test_the_extension_draws_from_the_seeded_built_in_generator(session):
    code = """
import random, urandom
random.seed(5)
a = [random.random(), random.randint(1, 100), random.getrandbits(20)]
urandom.seed(5)
b = [urandom.random(), urandom.randint(1, 100), urandom.getrandbits(20)]
print(a == b, random.random is urandom.random)
"""
    assert sandbox_output(session, code) == "True True\n"


def test_a_seed_repeats_every_helper(session):
    code = """
import random
def draw():
    xs = list(range(30))
    random.shuffle(xs)
    return (xs, random.sample(range(1000), 10), random.choices('abcde', weights=[5, 1, 1, 1, 2], k=20),
            random.gauss(3, 2), random.normalvariate(), random.uniform(1, 2), random.triangular(0, 9, 3),
            random.expovariate(0.5), random.betavariate(2, 5), random.getrandbits(90))
for seed in (0, 42, 'text', b'bytes', 2**70, 1.5):
    random.seed(seed)
    first = draw()
    random.seed(seed)
    print(first == draw(), end=' ')
random.seed(1)
a = draw()
random.seed(2)
print(a != draw())
"""
    assert sandbox_output(session, code) == "True True True True True True True\n"


def test_shuffle_sample_and_choices_have_cpythons_properties(session):
    code = """
import random
random.seed(11)
ok = True
for n in range(0, 40):
    xs = list(range(n))
    random.shuffle(xs)
    ok = ok and sorted(xs) == list(range(n))
    for k in (0, n // 3, n):
        picked = random.sample(range(n), k)
        ok = ok and len(picked) == k and len(set(picked)) == k and all(0 <= p < n for p in picked)
    picked = random.sample(['a', 'b', 'c', 'd'], 2)
    ok = ok and len(set(picked)) == 2
print(ok, len(random.choices('ab', k=7)), random.choices('ab'), len(random.choices([1])), random.sample('x', 1))
print(set(random.sample(['x', 'y'], k=3, counts=[1, 2])) <= {'x', 'y'}, sorted(random.sample('ab', k=3, counts=[1, 2])))
"""
    output = sandbox_output(session, code).splitlines()
    assert output[0].startswith("True 7 ['") and output[0].endswith("1 ['x']")
    assert output[1] == "True ['a', 'b', 'b']"


def test_weights_are_respected(session):
    code = """
import random
random.seed(2024)
n = 20000
counts = {}
for v in random.choices('abcd', weights=[1, 2, 0, 7], k=n):
    counts[v] = counts.get(v, 0) + 1
print(sorted((k, round(v / n, 2)) for k, v in counts.items()))
cum = {}
for v in random.choices('xy', cum_weights=[3, 4], k=n):
    cum[v] = cum.get(v, 0) + 1
print(round(cum['x'] / n, 1))
values = [random.gauss(10, 2) for _ in range(n)]
mean = sum(values) / n
sd = (sum((v - mean) ** 2 for v in values) / n) ** 0.5
print(round(mean), round(sd))
print(round(sum(random.expovariate(4) for _ in range(n)) / n, 1), round(sum(random.random() for _ in range(n)) / n, 1))
r = random.Random(3)
print(round(sum(r.gauss(0, 1) for _ in range(5000)) / 5000))
"""
    output = sandbox_output(session, code).splitlines()
    shares = dict(eval(output[0]))
    assert set(shares) == {"a", "b", "d"}  # a zero weight is never drawn
    assert abs(shares["a"] - 0.1) <= 0.02 and abs(shares["b"] - 0.2) <= 0.02 and abs(shares["d"] - 0.7) <= 0.02
    assert output[1:] == ["0.8", "10 2", "0.2 0.5", "0"]


def test_random_instances_are_independent_and_repeatable(session):
    code = """
import random
a, b = random.Random(99), random.Random(99)
seq_a = [a.random() for _ in range(5)] + [a.randint(1, 6), a.choice('xyz'), a.randrange(0, 100, 5)]
random.seed(1)
random.random()
seq_b = [b.random() for _ in range(5)] + [b.randint(1, 6), b.choice('xyz'), b.randrange(0, 100, 5)]
c = random.Random('other')
print(seq_a == seq_b, seq_a != [c.random() for _ in range(5)] + seq_a[5:], all(0 <= v < 1 for v in seq_a[:5]))
state = a.getstate()
x = a.random()
a.setstate(state)
print(x == a.random())
"""
    assert sandbox_output(session, code) == "True True True\nTrue\n"


def test_errors_match_cpython(session):
    code = """
import random
cases = [(random.choices, ([1, 2],), {'weights': [1]}), (random.choices, ([1, 2],), {'weights': [0, 0]}),
         (random.choices, ([1, 2],), {'weights': [1, 1], 'cum_weights': [1, 2]}), (random.sample, ([1, 2], 3), {}),
         (random.sample, ({1, 2}, 1), {}), (random.sample, ([1, 2], -1), {}),
         (random.choices, ([1, 2],), {'weights': [1, float('inf')]}), (random.Random().choice, ([],), {}),
         (random.Random().randrange, (0,), {}), (random.seed, ([1],), {}), (random.randint, (5, 3), {}),
         (random.randrange, (0,), {}), (random.choice, ([],), {}), (random.randrange, (0, 10, 0), {})]
for function, args, kwargs in cases:
    try:
        print(function(*args, **kwargs))
    except (ValueError, TypeError, IndexError) as e:
        print(type(e).__name__, e)
"""
    assert sandbox_output(session, code) == cpython_output(code)


def test_ranges_beyond_32_bits_work(session):
    code = """
import random
big = [random.randint(1, 10**10) for _ in range(200)]
steps = [random.randrange(-10**15, 10**15, 7) for _ in range(200)]
print(all(1 <= v <= 10**10 for v in big), max(big) > 2**32, len(set(big)) > 190)
print(all(-10**15 <= v < 10**15 and (v + 10**15) % 7 == 0 for v in steps), min(steps) < 0 < max(steps))
print(all(0 <= random.randrange(2**40) < 2**40 for _ in range(50)), random.choice(range(5)) in range(5))
"""
    assert sandbox_output(session, code) == "True True True\nTrue True\nTrue True\n"
