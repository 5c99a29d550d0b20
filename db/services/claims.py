"""Claims on the keys the duplicate rule is about (a contact's email addresses and phone
numbers, a company's name), so that two writers cannot both find a key free and both
take it.

SQLite needs nothing here: every write transaction begins IMMEDIATE, so writers run one
at a time and each sees what the one before it committed. PostgreSQL runs them side by
side under READ COMMITTED, where six `crm contact add --email same@x` each check that the
address is free and each insert it.

On PostgreSQL a claim is a transaction-level advisory lock on the normalised key, taken
before the check. The next writer of the same key waits until the first commits (or
rolls back) and then, since each statement reads the latest committed rows, sees it.
Why this rather than:
- a unique index: the rule spans two tables (the address lives in contact_email,
  "live" is contact.deleted_at), and --allow-duplicate and imports with
  --on-duplicate create store duplicates on purpose, so no index can state it;
- SERIALIZABLE: every writer would have to retry on any conflict, related or not,
  and every service call would need a retry loop around it.
Writers of different keys never wait for each other, and the locks go away by
themselves when the transaction ends, error or not.
"""
from __future__ import annotations

import zlib

from peewee import PostgresqlDatabase

from db.models import database
from db.validate import name_key

_KEYS = 0x43524E    # namespace of the per-key locks: pg_advisory_xact_lock(_KEYS, hash)
_ALL = 0x43524E01  # every key at once; one-bigint locks are a separate space from two-int ones


def _postgres():
    db = database.obj
    return db if isinstance(db, PostgresqlDatabase) else None


def _hash(key: str) -> int:
    """A signed 32-bit hash; two keys that collide only wait for each other."""
    value = zlib.crc32(key.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


def claim(*keys: str) -> None:
    """Hold these keys ('email:ann@x', 'phone:+44…', 'company:acme') until the current
    write transaction ends. Taken in one order (by hash) so two claimers never deadlock."""
    db = _postgres()
    if db is None or not keys:
        return
    db.execute_sql("SELECT pg_advisory_xact_lock_shared(%s)", (_ALL,))
    for h in sorted({_hash(k) for k in keys}):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (_KEYS, h))


def claim_all() -> None:
    """Hold every key until the current write transaction ends: for bulk writers (an
    import checks thousands of keys; one lock each would fill the server's lock table)."""
    db = _postgres()
    if db is not None:
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_ALL,))


def contact_keys(emails=(), numbers=()) -> list[str]:
    return [f"email:{e.lower()}" for e in emails] + [f"phone:{n}" for n in numbers]


def company_key(name: str) -> str:
    return f"company:{name_key(name)}"  # the key companies are found by: one claim per company
