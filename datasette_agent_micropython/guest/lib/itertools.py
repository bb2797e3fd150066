"""itertools for the sandbox: CPython 3.12's iterator building blocks, lazy where CPython is lazy.

Written iteratively (no recursion), because the guest stops recursing at about 60 frames.
"""


class count:
    """start, start+step, start+2*step, ... forever."""

    def __init__(self, start=0, step=1):
        for value in (start, step):
            if not isinstance(value, (int, float, complex)) and not hasattr(value, "__add__"):
                raise TypeError("a number is required")
        self._next = start
        self._step = step

    def __iter__(self):
        return self

    def __next__(self):
        value = self._next
        self._next = value + self._step
        return value

    def __repr__(self):
        if self._step == 1 and type(self._step) is int:
            return "count(%r)" % (self._next,)
        return "count(%r, %r)" % (self._next, self._step)


def cycle(iterable):
    """The items of iterable, then the same items again, forever."""
    return _cycle(iter(iterable))


def _cycle(iterable):
    saved = []
    for item in iterable:
        yield item
        saved.append(item)
    if not saved:
        return
    while True:
        for item in saved:
            yield item


class repeat:
    """object again and again, `times` times or forever."""

    def __init__(self, object, times=None):
        self._object = object
        if times is not None and not isinstance(times, int):
            raise TypeError("integer argument expected, got %s" % type(times).__name__)
        self._left = None if times is None else max(times, 0)

    def __iter__(self):
        return self

    def __next__(self):
        if self._left is None:
            return self._object
        if self._left <= 0:
            raise StopIteration
        self._left -= 1
        return self._object

    def __length_hint__(self):
        if self._left is None:
            raise TypeError("len() of unsized object")
        return self._left

    def __repr__(self):
        if self._left is None:
            return "repeat(%r)" % (self._object,)
        return "repeat(%r, %d)" % (self._object, self._left)


def _add(a, b):
    return a + b


def accumulate(iterable, func=None, *, initial=None):
    """Running totals (or running results of func)."""
    return _accumulate(iter(iterable), _add if func is None else func, initial)


def _accumulate(iterator, func, initial):
    total = initial
    if initial is None:
        for total in iterator:
            break
        else:
            return
    yield total
    for item in iterator:
        total = func(total, item)
        yield total


def batched(iterable, n):
    """Tuples of n items from iterable; the last one may be shorter."""
    if not isinstance(n, int):
        raise TypeError("integer argument expected, got %s" % type(n).__name__)
    if n < 1:
        raise ValueError("n must be at least one")
    return _batched(iter(iterable), n)


def _batched(iterator, n):
    while True:
        batch = tuple(islice(iterator, n))
        if not batch:
            return
        yield batch


class chain:
    """The items of each iterable in turn."""

    def __init__(self, *iterables):
        self._sources = iter(iterables)
        self._current = None

    @classmethod
    def from_iterable(cls, iterables):
        made = cls()
        made._sources = iter(iterables)
        return made

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self._current is None:
                self._current = iter(next(self._sources))
            for item in self._current:
                return item
            self._current = None


def compress(data, selectors):
    """The items of data whose matching selector is true."""
    return _compress(iter(data), iter(selectors))


def _compress(data, selectors):
    for item, selected in zip(data, selectors):
        if selected:
            yield item


def dropwhile(predicate, iterable):
    """Skip items while predicate holds, then yield every item."""
    return _dropwhile(predicate, iter(iterable))


def _dropwhile(predicate, iterator):
    for item in iterator:
        if not predicate(item):
            yield item
            break
    for item in iterator:
        yield item


def filterfalse(predicate, iterable):
    """The items for which predicate is false (or which are false, when predicate is None)."""
    if predicate is None:
        predicate = bool
    return _filterfalse(predicate, iter(iterable))


def _filterfalse(predicate, iterable):
    for item in iterable:
        if not predicate(item):
            yield item


def takewhile(predicate, iterable):
    """Items while predicate holds."""
    return _takewhile(predicate, iter(iterable))


def _takewhile(predicate, iterable):
    for item in iterable:
        if not predicate(item):
            return
        yield item


_UNSET = object()


class groupby:
    """(key, group) for each run of consecutive items with the same key.

    Like CPython, a group is shared with the outer iterator: advancing the outer one ends it.
    """

    def __init__(self, iterable, key=None):
        self._iterator = iter(iterable)
        self._keyfunc = key
        self._generation = 0
        self._key = _UNSET
        self._target = _UNSET
        self._item = None
        self._has_item = False

    def __iter__(self):
        return self

    def _step(self):
        item = next(self._iterator)
        self._key = item if self._keyfunc is None else self._keyfunc(item)
        self._item = item
        self._has_item = True

    def __next__(self):
        self._generation += 1
        while True:
            if self._key is _UNSET:
                self._step()
            elif self._target is _UNSET or not self._target == self._key:
                break
            else:
                self._step()
        self._target = self._key
        return self._key, self._group(self._generation, self._key)

    def _group(self, generation, target):
        while generation == self._generation:
            if not self._has_item:
                try:
                    self._step()
                except StopIteration:
                    return
            if not target == self._key:
                return
            self._has_item = False
            item = self._item
            yield item


class islice:
    """Items of iterable from start to stop by step, like a slice but lazy."""

    def __init__(self, iterable, *args):
        if not 1 <= len(args) <= 3:
            raise TypeError("islice expected at most 4 arguments, got %d" % (len(args) + 1))
        if len(args) == 1:
            start, stop, step = None, args[0], None
        else:
            start, stop, step = (tuple(args) + (None,))[:3]
        start = 0 if start is None else start
        step = 1 if step is None else step
        for value in (start, stop, step):
            if value is not None and not isinstance(value, int):
                raise ValueError("Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.")
        if start < 0 or (stop is not None and stop < 0):
            raise ValueError("Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.")
        if step < 1:
            raise ValueError("Step for islice() must be a positive integer or None.")
        self._iterator = iter(iterable)
        self._next_wanted = start
        self._stop = stop
        self._step = step
        self._position = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self._iterator is None:
            raise StopIteration
        wanted = self._next_wanted
        if self._stop is not None and wanted >= self._stop:
            # consume up to stop, as CPython does
            while self._position < self._stop:
                self._position += 1
                for _ in self._iterator:
                    break
                else:
                    break
            self._iterator = None
            raise StopIteration
        while self._position < wanted:
            self._position += 1
            for _ in self._iterator:
                break
            else:
                self._iterator = None
                raise StopIteration
        for item in self._iterator:
            self._position += 1
            self._next_wanted = wanted + self._step
            return item
        self._iterator = None
        raise StopIteration


def pairwise(iterable):
    """Overlapping pairs: (a, b), (b, c), ..."""
    return _pairwise(iter(iterable))


def _pairwise(iterator):
    for previous in iterator:
        break
    else:
        return
    for item in iterator:
        yield previous, item
        previous = item


def starmap(function, iterable):
    """function(*args) for each args in iterable."""
    return _starmap(function, iter(iterable))


def _starmap(function, iterable):
    for args in iterable:
        yield function(*args)


class _TeeBuffer:
    """The items read from the shared source that some tee iterator still has to yield."""

    def __init__(self, iterator):
        self.iterator = iterator
        self.items = []
        self.offset = 0  # absolute index of items[0]
        self.readers = []

    def get(self, index):
        relative = index - self.offset
        if relative == len(self.items):
            self.items.append(next(self.iterator))
        return self.items[relative]

    def trim(self):
        """Forget the items every reader has passed, in chunks so that trimming stays cheap."""
        if len(self.items) < 64:
            return
        lowest = min([reader.position for reader in self.readers])
        drop = lowest - self.offset
        if drop * 2 > len(self.items):
            del self.items[:drop]
            self.offset = lowest


class _tee:
    def __init__(self, buffer, position):
        self._buffer = buffer
        self.position = position
        buffer.readers.append(self)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._buffer.get(self.position)
        self.position += 1
        self._buffer.trim()
        return item

    def __copy__(self):
        return _tee(self._buffer, self.position)


def tee(iterable, n=2):
    """n independent iterators over one iterable."""
    if not isinstance(n, int):
        raise TypeError("integer argument expected, got %s" % type(n).__name__)
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return ()
    iterator = iter(iterable)
    if isinstance(iterator, _tee):
        first = iterator.__copy__()
    else:
        first = _tee(_TeeBuffer(iterator), 0)
    return tuple([first] + [first.__copy__() for _ in range(n - 1)])


def zip_longest(*iterables, fillvalue=None):
    """Like zip, but runs until the longest iterable ends, padding with fillvalue."""
    iterators = [iter(iterable) for iterable in iterables]
    active = len(iterators)
    if not active:
        return
    while True:
        row = []
        for index, iterator in enumerate(iterators):
            if iterator is None:
                row.append(fillvalue)
                continue
            for item in iterator:
                row.append(item)
                break
            else:
                active -= 1
                if not active:
                    return
                iterators[index] = None
                row.append(fillvalue)
        yield tuple(row)


def product(*iterables, repeat=1):
    """The cartesian product, like nested for loops, rightmost advancing fastest."""
    if not isinstance(repeat, int):
        raise TypeError("integer argument expected, got %s" % type(repeat).__name__)
    if repeat < 0:
        raise ValueError("repeat argument cannot be negative")
    pools = [tuple(iterable) for iterable in iterables] * repeat
    return _product(pools)


def _product(pools):
    for pool in pools:
        if not pool:
            return
    indices = [0] * len(pools)
    while True:
        yield tuple([pool[i] for pool, i in zip(pools, indices)])
        position = len(pools) - 1
        while position >= 0:
            indices[position] += 1
            if indices[position] < len(pools[position]):
                break
            indices[position] = 0
            position -= 1
        if position < 0:
            return


def permutations(iterable, r=None):
    """r-length orderings of the items, in lexicographic order of positions."""
    pool = tuple(iterable)
    n = len(pool)
    r = n if r is None else r
    if not isinstance(r, int):
        raise TypeError("Expected int as r")
    if r < 0:
        raise ValueError("r must be non-negative")
    return _permutations(pool, n, r)


def _permutations(pool, n, r):
    if r > n:
        return
    # indices[:r] is the current permutation; cycles count the swaps left at each position
    indices = list(range(n))
    cycles = list(range(n, n - r, -1))
    yield tuple([pool[i] for i in indices[:r]])
    while n:
        position = r - 1
        while position >= 0:
            cycles[position] -= 1
            if cycles[position] == 0:
                moved = indices[position]
                del indices[position]
                indices.append(moved)
                cycles[position] = n - position
                position -= 1
            else:
                other = n - cycles[position]
                indices[position], indices[other] = indices[other], indices[position]
                yield tuple([pool[i] for i in indices[:r]])
                break
        if position < 0:
            return


def combinations(iterable, r):
    """r-length subsequences of the items, in order."""
    pool = tuple(iterable)
    if not isinstance(r, int):
        raise TypeError("Expected int as r")
    if r < 0:
        raise ValueError("r must be non-negative")
    return _combinations(pool, r)


def _combinations(pool, r):
    n = len(pool)
    if r > n:
        return
    indices = list(range(r))
    yield tuple([pool[i] for i in indices])
    while True:
        position = r - 1
        while position >= 0 and indices[position] == position + n - r:
            position -= 1
        if position < 0:
            return
        indices[position] += 1
        for later in range(position + 1, r):
            indices[later] = indices[later - 1] + 1
        yield tuple([pool[i] for i in indices])


def combinations_with_replacement(iterable, r):
    """r-length subsequences where an item may repeat, in order."""
    pool = tuple(iterable)
    if not isinstance(r, int):
        raise TypeError("Expected int as r")
    if r < 0:
        raise ValueError("r must be non-negative")
    return _combinations_with_replacement(pool, r)


def _combinations_with_replacement(pool, r):
    n = len(pool)
    if not n and r:
        return
    indices = [0] * r
    yield tuple([pool[i] for i in indices])
    while True:
        position = r - 1
        while position >= 0 and indices[position] == n - 1:
            position -= 1
        if position < 0:
            return
        value = indices[position] + 1
        for later in range(position, r):
            indices[later] = value
        yield tuple([pool[i] for i in indices])
