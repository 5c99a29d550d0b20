"""Many rows into one table with as few round trips as the driver allows.

sqlite3's executemany is a loop in C over one prepared statement. psycopg2's is a
round trip to the server per row (a 100k-contact import into PostgreSQL was 15x the
SQLite one, waiting on the network), so there the rows go as multi-row INSERTs.
"""
from __future__ import annotations

from db.models import database
from db.store import is_sqlite

PAGE = 1000  # rows per multi-row INSERT on PostgreSQL


def insert(table: str, cols, rows: list[tuple], tail: str = "") -> None:
    """INSERT INTO table (cols) VALUES ... for every row; tail is appended as it is
    (an ON CONFLICT clause). Within one call, rows must not collide with each other
    on a key tail updates (PostgreSQL refuses to update one row twice in a statement)."""
    if not rows:
        return
    head = f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
    cursor = database.obj.cursor()
    if is_sqlite():
        cursor.executemany(head + f"({', '.join('?' * len(cols))}) {tail}", rows)
        return
    from psycopg2.extras import execute_values

    execute_values(cursor, head + "%s " + tail, rows, page_size=PAGE)
