"""The memory scan that captures and restores rely on, against a plain-bytes oracle."""

import ctypes

from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.memory import BLOCK_PAGES, nonzero_page_indices, read_pages
from datasette_agent_micropython.snapshot import PAGE_SIZE


@settings(max_examples=200, deadline=None)
@given(
    page_count=st.integers(min_value=0, max_value=3 * BLOCK_PAGES + 5),
    writes=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=12),
)
def test_every_non_zero_page_is_found_and_read_in_whole_blocks_and_in_the_tail(page_count, writes):
    size = page_count * PAGE_SIZE
    memory = (ctypes.c_char * max(size, 1))()
    base = ctypes.addressof(memory)
    for offset, value in writes:
        if size:
            ctypes.memset(base + offset % size, value, 1)
    data = ctypes.string_at(base, size)
    expected = [index for index in range(page_count) if any(data[index * PAGE_SIZE : (index + 1) * PAGE_SIZE])]
    assert nonzero_page_indices(base, size) == expected
    assert read_pages(base, expected) == b"".join(
        data[index * PAGE_SIZE : (index + 1) * PAGE_SIZE] for index in expected
    )
