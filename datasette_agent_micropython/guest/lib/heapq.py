"""heapq for the sandbox: MicroPython's C heap functions, plus CPython's nlargest, nsmallest and
merge, with CPython's order among equal items (the earlier one first)."""

from uheapq import heapify, heappop, heappush  # noqa: F401  (the built-in: "u" names it)


def heappushpop(heap, item):
    """Push item, then pop and return the smallest, in one step."""
    if heap and heap[0] < item:
        smallest = heappop(heap)
        heappush(heap, item)
        return smallest
    return item


def heapreplace(heap, item):
    """Pop and return the smallest, then push item."""
    smallest = heappop(heap)
    heappush(heap, item)
    return smallest


class _Reversed:
    """An entry ordered the other way round, so that a min-heap keeps the largest on top."""

    __slots__ = ("rank", "item")

    def __init__(self, rank, item):
        self.rank = rank
        self.item = item

    def __lt__(self, other):
        return other.rank < self.rank


def nlargest(n, iterable, key=None):
    """The n largest items, largest first; equal items keep their input order."""
    if n <= 0:
        return []
    heap = []
    index = 0
    for item in iterable:
        # Ranked by (key, -index): among equal keys the earlier item ranks higher.
        rank = (item if key is None else key(item), -index)
        index += 1
        if len(heap) < n:
            heappush(heap, (rank, item))
        elif heap[0][0] < rank:
            _replace_top(heap, (rank, item))
    ranked = [_Reversed(rank, item) for rank, item in heap]
    heapify(ranked)
    return [heappop(ranked).item for _ in range(len(ranked))]


def nsmallest(n, iterable, key=None):
    """The n smallest items, smallest first; equal items keep their input order."""
    if n <= 0:
        return []
    heap = []  # the n smallest so far, the largest of them on top
    index = 0
    for item in iterable:
        rank = (item if key is None else key(item), index)
        index += 1
        if len(heap) < n:
            heappush(heap, _Reversed(rank, item))
        elif rank < heap[0].rank:
            _replace_top(heap, _Reversed(rank, item))
    ranked = [(entry.rank, entry.item) for entry in heap]
    heapify(ranked)
    return [heappop(ranked)[1] for _ in range(len(ranked))]


def _replace_top(heap, entry):
    heappop(heap)
    heappush(heap, entry)


def merge(*iterables, key=None, reverse=False):
    """Merge sorted iterables lazily into one sorted stream; ties come from the earlier input.

    Picks the next item by scanning the inputs' heads: O(items x inputs), fine for a few inputs.
    """
    heads = []
    for iterable in iterables:
        iterator = iter(iterable)
        for value in iterator:
            heads.append([value if key is None else key(value), value, iterator])
            break
    while heads:
        best = 0
        for i in range(1, len(heads)):
            if (heads[best][0] < heads[i][0]) if reverse else (heads[i][0] < heads[best][0]):
                best = i
        head = heads[best]
        yield head[1]
        for value in head[2]:
            head[0] = value if key is None else key(value)
            head[1] = value
            break
        else:
            heads.pop(best)
