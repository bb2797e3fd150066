"""read_only_sql_query() rows keep their column order, through the real tool in a real conversation."""

import sqlite3

import pytest
from agent_harness import ALICE, make_datasette, run, start_conversation

pytestmark = pytest.mark.asyncio


def columns_database(tmp_path):
    path = tmp_path / "data.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (zeta TEXT, alpha INTEGER, mid REAL, beta BLOB)")
        conn.execute("INSERT INTO t VALUES ('z1', 1, 1.5, X'00FF')")
        conn.execute("INSERT INTO t VALUES ('z2', 2, NULL, NULL)")
    return path


async def test_printing_a_row_shows_its_columns_in_select_order(tmp_path):
    ds = await make_datasette(tmp_path, databases=[columns_database(tmp_path)])
    conversation = await start_conversation(ds, ALICE)
    result = await run(
        ds,
        conversation,
        "r = read_only_sql_query('data', 'select zeta, alpha, mid, beta from t order by alpha')\n"
        "print(r['rows'][0])\n"
        "print(list(r), r['columns'])\n"
        "for row in r['rows']:\n    print(list(row), list(row.values()))\n"
        "print(read_only_sql_query('data', 'select mid, alpha as a, zeta as alpha from t where alpha = :n', {'n': 2}))\n"
        "print(read_only_sql_query('nope', 'select 1'))\n",
    )
    assert result["ok"] is True, result
    assert result["stdout"] == (
        "{'zeta': 'z1', 'alpha': 1, 'mid': 1.5, 'beta': {'type': 'bytes', 'hex': '00ff'}}\n"
        "['columns', 'rows', 'truncated'] ['zeta', 'alpha', 'mid', 'beta']\n"
        "['zeta', 'alpha', 'mid', 'beta'] ['z1', 1, 1.5, {'type': 'bytes', 'hex': '00ff'}]\n"
        "['zeta', 'alpha', 'mid', 'beta'] ['z2', 2, None, None]\n"
        "{'columns': ['mid', 'a', 'alpha'], 'rows': [{'mid': None, 'a': 2, 'alpha': 'z2'}], 'truncated': False}\n"
        "{'error': \"Database 'nope' not found\", 'available_databases': ['data']}\n"
    )


async def test_repeated_column_names_keep_the_first_position_and_the_last_value(tmp_path):
    ds = await make_datasette(tmp_path, databases=[columns_database(tmp_path)])
    conversation = await start_conversation(ds, ALICE)
    result = await run(
        ds,
        conversation,
        "print(read_only_sql_query('data', 'select alpha as x, zeta, mid as x from t order by alpha')['rows'])",
    )
    # CPython's {c: v for c, v in zip(columns, row)}, which is what the host builds.
    assert result["ok"] is True, result
    assert result["stdout"] == "[{'x': 1.5, 'zeta': 'z1'}, {'x': None, 'zeta': 'z2'}]\n"
