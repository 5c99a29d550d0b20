"""Hearing that another process changed the store, so an open app can refresh the page
in front of the user (crm_tui/app.py asks every WATCH_SECONDS).

SQLite: `PRAGMA data_version` is a per-connection counter that moves only when ANOTHER
connection commits. The watcher keeps one connection of its own that never writes, so
every commit by anyone else (another crm, an import, the app's own worker threads) moves
it. Asking reads a counter in the WAL's shared memory: no query plan, no disk read, no
lock, so asking every second costs nothing even on a large store.

PostgreSQL: every statement that writes the CRM's tables sends NOTIFY crm_changed from
a statement trigger (migration 0016), and the watcher LISTENs on a connection of its
own. Asking reads what the server has already pushed down that socket: no query, no
round trip, so a polling app adds no load to a shared server. (Polling a counter table
instead would make every writer update one hot row.)
"""
from __future__ import annotations

import sqlite3

from db.models import database
from db.store import is_sqlite

WATCH_SECONDS = 1.0
CHANNEL = "crm_changed"


class Watcher:
    def changed(self) -> bool:
        """True when another connection changed the store since the last ask."""
        return False

    def close(self) -> None:
        pass


class _SqliteWatcher(Watcher):
    def __init__(self, path: str):
        # check_same_thread off: the app may ask from its timer and close from shutdown
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self.seen = self._version()

    def _version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        now = self._version()
        moved, self.seen = now != self.seen, now
        return moved

    def close(self) -> None:
        self.conn.close()


class _PostgresWatcher(Watcher):
    def __init__(self, db):
        import psycopg2

        self.conn = psycopg2.connect(database=db.database, **db.connect_params)
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")

    def changed(self) -> bool:
        self.conn.poll()  # takes in what the server sent; sends nothing
        moved = bool(self.conn.notifies)
        self.conn.notifies.clear()
        return moved

    def close(self) -> None:
        self.conn.close()


def watch() -> Watcher:
    """A watcher on the open store (connect first: the schema must be up to date)."""
    db = database.obj
    if is_sqlite():
        return _SqliteWatcher(db.database)
    if db is not None and hasattr(db, "connect_params"):
        return _PostgresWatcher(db)
    return Watcher()
