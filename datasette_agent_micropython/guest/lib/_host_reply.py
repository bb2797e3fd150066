"""Host function replies with dicts in the host's order, as CPython code would see them.

The bootstrap reads a reply with MicroPython's C json, whose dicts are ordered by hash. A
`read_only_sql_query` reply keeps its known shape ({"columns", "rows", "truncated"}, or "error"
with "available_databases"), and each row becomes an odict in column order: the order is known,
so no JSON text needs to be read again.
"""

from _odict import from_ordered, odict

# The order in which sql.py writes a reply's keys; any other key follows them.
_REPLY_KEYS = ["error", "available_databases", "columns", "rows", "truncated"]
# sql.py writes a BLOB as {"type": "bytes", "hex": ...}.
_VALUE_KEYS = ["type", "hex"]


def _in_order(plain, order):
    keys = [k for k in order if k in plain]
    if len(keys) != len(plain):
        keys += [k for k in plain if k not in keys]
    return from_ordered(keys, plain)


def _may_hold_dicts(rows):
    """False when no value of the rows is a dict (a BLOB): hashing them all is one C call that
    fails on a dict, where looking at each value's type costs calls for every row."""
    try:
        hash(tuple(map(tuple, map(dict.values, rows))))
    except TypeError:
        return True
    return False


def ordered(reply):
    """`reply` (a plain dict) as an odict, rows in column order when it holds rows."""
    reply = _in_order(reply, _REPLY_KEYS)
    columns = reply.get("columns")
    rows = reply.get("rows")
    if type(columns) is list and type(rows) is list:
        # One tuple of the keys, which the rows share until one of them changes (see _odict).
        keys = tuple(odict.fromkeys(columns)) if len(set(columns)) != len(columns) else tuple(columns)
        if _may_hold_dicts(rows):
            for row in rows:
                if dict in map(type, row.values()):
                    for k in row:
                        if type(row[k]) is dict:
                            row[k] = _in_order(row[k], _VALUE_KEYS)
        reply["rows"] = list(map(from_ordered, [keys] * len(rows), rows))
    return reply
