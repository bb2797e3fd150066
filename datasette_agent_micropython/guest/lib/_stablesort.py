"""A stable sort for guest library code that does not hit the quicksort's quadratic case.

MicroPython's sort is an unstable quicksort, quadratic on input that is already in order.
Each item is decorated with its position (which makes the sort stable and the keys unique),
the decorated list is shuffled by a private generator (so the user's random stream does not
move), and the built-in sort does the rest.
"""


def stable_sorted(items, key, reverse=False):
    """The items sorted by key(item), equal keys kept in their original order."""
    if reverse:
        decorated = [(key(item), -index, item) for index, item in enumerate(items)]
    else:
        decorated = [(key(item), index, item) for index, item in enumerate(items)]
    state = len(decorated) * 2654435761 + 12345
    for i in range(len(decorated) - 1, 0, -1):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        j = state % (i + 1)
        decorated[i], decorated[j] = decorated[j], decorated[i]
    # Positions are unique, so tuple comparison never reaches the items themselves.
    decorated.sort(reverse=reverse)
    return [entry[2] for entry in decorated]
