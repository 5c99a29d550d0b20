"""No lost updates: an edit states the version of the record it started from, and a save
over someone else's change is refused (db.errors.Conflict) instead of silently winning.

The check and the write share one transaction. On SQLite the write transaction holds
the store's write lock from its first statement (BEGIN IMMEDIATE), so the version read
there cannot move before the commit. On PostgreSQL the row is read again with SELECT
... FOR UPDATE: a second writer waits for the first to commit and then sees its version.
Every save bumps the version (Record.save in db/models.py).
"""
from __future__ import annotations

from datetime import timezone

from db import store, taglist
from db.config import get_config
from db.errors import Conflict, Invalid


def check(row, label: str, expected_version=None, started_from: dict | None = None, to_dict=None) -> None:
    """Refuse the edit when `row` is no longer at expected_version (None: no check).
    started_from: the values the editor loaded; the message then names the fields
    that differ now (to_dict turns the row into the same keys). Call it inside the
    write transaction, right after looking the row up."""
    if expected_version is None:
        return
    expected = _version(expected_version)
    if not store.is_sqlite():
        model = type(row)
        fresh = model.select().where(model._meta.primary_key == row._pk).for_update().get()
        row.__data__.update(fresh.__data__)  # what the write starts from is what was locked
    if row.version == expected:
        return
    changed = ""
    if started_from and to_dict is not None:
        now = to_dict(row)
        fields = [k for k, v in started_from.items() if k in now and _same(now[k]) != _same(v)]
        changed = f" ({', '.join(fields)})" if fields else ""
    who = row.updated_by or "someone"
    raise Conflict(f"{label} {row._pk} was changed by {who} at {_local(row.updated_at)} since you opened it"
                   f"{changed}; reload and edit again")


def _version(value) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Invalid("version", f"{str(value)[:20]!r} is not a version number") from None
    if number < 1:
        raise Invalid("version", f"versions start at 1, not {number}")
    return number


def _same(value):
    """Values as a form shows them: None, '' and [] alike, numbers as text, lists as 'a, "b, c"'."""
    if isinstance(value, (list, tuple)):
        return taglist.join(_same(v) for v in value)
    return "" if value is None else str(value).strip()


def _local(when) -> str:
    if when is None:
        return "an unknown time"
    return when.replace(tzinfo=timezone.utc).astimezone(get_config().tz).strftime("%Y-%m-%d %H:%M")
