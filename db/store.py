"""Opening the store: where it lives, how each connection is set up, schema upgrades,
write transactions, backup and integrity checks.

Nothing connects at import time; a face calls open_store() once at start-up.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from peewee import Database, DatabaseError, PostgresqlDatabase, SqliteDatabase
from playhouse.migrations import Runner

from db.errors import StoreError
from db.models import database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Every SQLite connection: WAL so readers never block the writer, real foreign
# keys, a generous wait for the write lock, and fsync at checkpoints only.
SQLITE_PRAGMAS = [
    ("busy_timeout", 30000),
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
]

_target: str | None = None
_may_create = True  # the CLI allows creating a store only for `crm init` and the default store


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("crm")) / "crm.db"


def resolve_target(target: str | None = None) -> str:
    """The store to use: an explicit --db, else CRM_DB, else the user data dir."""
    return target or os.environ.get("CRM_DB") or str(default_path())


def sqlite_path(target: str) -> Path | None:
    """The file behind a target, or None when it names a server."""
    if target.startswith("sqlite:///"):
        return Path(target[len("sqlite:///"):]).expanduser()
    if "://" in target:
        return None
    return Path(target).expanduser()


def describe(target: str | None = None) -> str:
    target = resolve_target(target or _target)
    path = sqlite_path(target)
    return str(path.resolve()) if path else _hide_password(target)


def _hide_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{rest.split('@', 1)[1]}"
    return url


def _create_private(path: Path) -> None:
    """Make sure the file exists with mode 0600 before SQLite touches it; SQLite then
    gives its -wal and -shm files the same mode."""
    if path.exists():
        return
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _tighten(path: Path) -> None:
    """A store found readable by others (made by an older version, copied, or under a
    loose umask) becomes 0600 again, with its -wal and -shm files: it holds customer data."""
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if each.stat().st_mode & 0o077:
                each.chmod(0o600)
        except OSError:  # absent, or not ours to change: SQLite will say if it cannot open it
            pass


def _open_file(path: Path) -> None:
    """Checks before SQLite opens the file: it is a file, it exists (or may be
    created now), and only its owner can read it."""
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if not path.exists() and not _may_create:
        # A typo in --db must not become a new, empty store that hides the real one.
        raise StoreError(f"{path.resolve()}: no store here; check the path, or create one with `crm init`")
    try:
        _create_private(path)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the database ({exc.strerror})") from None
    _tighten(path)


class _UpgradeOnConnect:
    """The first connection creates the file (mode 0600) if allowed and applies
    pending schema scripts, so binding the store costs nothing until it is used
    (crm --help touches no file). On PostgreSQL the database itself exists (an
    administrator made it); the scripts create our tables on first use."""

    _ready = False

    def connect(self, reuse_if_open=False):
        path = sqlite_path(_target) if isinstance(self, SqliteDatabase) else None
        if path is not None and not self._ready:
            _open_file(path)
        opened = super().connect(reuse_if_open)
        if not self._ready:
            self._ready = True
            try:
                migrate()
            except Exception:
                self._ready = False
                raise
        return opened


class _Sqlite(_UpgradeOnConnect, SqliteDatabase):
    pass


class _Postgres(_UpgradeOnConnect, PostgresqlDatabase):
    pass


def _database_for(target: str) -> Database:
    path = sqlite_path(target)
    if path is not None:
        return _Sqlite(str(path), pragmas=SQLITE_PRAGMAS, timeout=30)
    if target.startswith(("postgres://", "postgresql://")):
        from importlib.util import find_spec

        from playhouse.db_url import parse

        if find_spec("psycopg2") is None:  # an optional dependency: say how to get it
            raise StoreError(f"{_hide_password(target)}: PostgreSQL needs its driver; install crm[postgres] (psycopg2)")

        return _Postgres(**parse(target))
    raise StoreError(f"{_hide_password(target)}: unsupported database URL (use a file path, sqlite:/// or postgresql://)")


# Errors from the database driver; the faces catch these without importing peewee.
DATABASE_ERRORS = (DatabaseError, sqlite3.Error)


def error_line(exc: BaseException) -> str:
    """A driver's message on one line (psycopg2's span two lines and a blank one)."""
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__


def is_default(target: str | None = None) -> bool:
    """True when no --db or CRM_DB was given: the store in the user data dir."""
    return not target and not os.environ.get("CRM_DB")


def configure(target: str | None = None, create: bool = True) -> None:
    """Bind the models to a store without touching it yet. create=False: a SQLite
    file that does not exist is an error instead of a new empty store."""
    global _target, _may_create
    close_store()
    _target = resolve_target(target)
    _may_create = create
    database.initialize(_database_for(_target))


def open_store(target: str | None = None) -> Database:
    """Bind and connect now (creating and upgrading the store as needed)."""
    configure(target)
    return connect()


def connect(create: bool = False) -> Database:
    """Connect to the configured store now, upgrading it as needed; create=True
    also creates it (what `crm init` does)."""
    global _may_create
    _may_create = _may_create or create
    try:
        database.obj.connect(reuse_if_open=True)
        if isinstance(database.obj, SqliteDatabase):
            database.obj.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except DATABASE_ERRORS as exc:
        raise StoreError(f"{describe()}: {error_line(exc)}") from None
    return database.obj


def close_store() -> None:
    if database.obj is not None and not database.obj.is_closed():
        database.obj.close()
    if database.obj is not None:
        database.obj._ready = False


def refresh_statistics() -> None:
    """SQLite's table statistics (sqlite_stat1), after a bulk write. Without them its
    planner takes `deleted_at IS NULL` for a selective condition and walks all live
    contacts in contact_name_order where an index on the other condition finds a few
    (3.6 s instead of 1 ms to count the contacts of 50 companies at 1M contacts).
    A sample per index (analysis_limit) keeps it well under a second at 1M."""
    if is_sqlite():
        database.obj.execute_sql("PRAGMA analysis_limit=10000")
        database.obj.execute_sql("ANALYZE")


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def write():
    """A write transaction. On SQLite it takes the write lock up front (BEGIN
    IMMEDIATE): a deferred read-then-write transaction can fail with 'database is
    locked' under concurrency whatever the busy timeout."""
    if is_sqlite():
        return database.atomic("IMMEDIATE")
    return database.atomic()


# -- schema upgrades ---------------------------------------------------------

def _runner() -> Runner:
    return Runner(database.obj, directory=str(MIGRATIONS_DIR))


def pending_migrations() -> list[str]:
    return [m.name for m in _runner().status() if not m.applied and m.path]


def applied_migrations() -> list[str]:
    return [m.name for m in _runner().status() if m.applied]


@contextmanager
def _migration_lock():
    """One process upgrades at a time. SQLite: flock on the database's folder. Never
    on the database file itself: closing any descriptor of that file drops every
    POSIX lock this process holds on it, SQLite's included, and a connection that
    lost its locks can be corrupted by the next writer. PostgreSQL: an advisory lock."""
    db = database.obj
    if isinstance(db, SqliteDatabase):
        fd = os.open(Path(db.database).resolve().parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    elif isinstance(db, PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_lock(%s)", (0x43524D,))
        try:
            yield
        finally:
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (0x43524D,))
    else:
        yield


def migrate() -> list[str]:
    """Apply pending schema scripts; returns their names. Cheap when up to date (and
    then needs no right beyond reading: a role that may only read and write works)."""
    if not pending_migrations():
        return []
    try:
        with _migration_lock():
            return _runner().up()  # re-reads history under the lock
    except DatabaseError as exc:
        if not _refused(exc):
            raise
    raise StoreError(f"{describe()}: the schema needs upgrading: run `crm db migrate` as the store's owner role")


def _refused(exc: BaseException) -> bool:
    """PostgreSQL said this role may not (insufficient_privilege: CREATE on the schema,
    ALTER of a table it does not own). Peewee raises its own error while handling the driver's."""
    for err in (exc, exc.__cause__, exc.__context__):
        if getattr(err, "pgcode", None) == "42501":
            return True
    return False


# -- maintenance -------------------------------------------------------------

def backup(dest: str) -> Path:
    """Copy the live store with SQLite's online backup API: consistent even while
    other processes write. The copy is created mode 0600."""
    db = database.obj
    if not isinstance(db, SqliteDatabase):
        raise StoreError("db backup copies SQLite stores; for PostgreSQL use pg_dump")
    out = Path(dest).expanduser()
    if out.exists():
        raise StoreError(f"{out}: already exists; choose a new file name")
    try:
        fd = os.open(out, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        target = sqlite3.connect(str(out))
        try:
            db.connection().backup(target)
            target.execute("PRAGMA journal_mode=delete")  # a backup is one self-contained file
        finally:
            target.close()
    except OSError as exc:
        raise StoreError(f"{out}: cannot write the backup ({exc.strerror})") from None
    except sqlite3.Error as exc:
        out.unlink(missing_ok=True)
        raise StoreError(f"{out}: backup failed ({exc})") from None
    return out


def check() -> list[str]:
    """Problems found by SQLite's integrity and foreign-key checks (empty: healthy)."""
    db = database.obj
    problems: list[str] = []
    if isinstance(db, SqliteDatabase):
        rows = db.execute_sql("PRAGMA integrity_check").fetchall()
        problems += [r[0] for r in rows if r[0] != "ok"]
        for table, rowid, parent, _ in db.execute_sql("PRAGMA foreign_key_check").fetchall():
            problems.append(f"{table} row {rowid}: points to a missing {parent}")
    pending = pending_migrations()
    if pending:
        problems.append(f"schema is behind: {', '.join(pending)} not applied")
    return problems
