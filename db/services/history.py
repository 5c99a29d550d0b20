"""Field history: who changed what, when, from which value to which.

The write paths call this inside their own transaction: snapshot() before a change and
changed() after it (one row per field that differs), created() for new records, and
event() for deletes, restores, merges, reverts and purges. Values are text as the CLI
shows them: money as its decimal amount and currency, dates ISO, lists joined.

Low in the layering: this module reads the models only, never another service.

During an import (importing()) rows carry the batch and wait in memory; the import
writes them with one executemany per chunk (flush()), so history costs a big import
one statement per chunk, not one per row.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from decimal import Decimal
from typing import Iterator

from db import bulk, clock, fields, validate
from db.errors import NotFound
from db.identity import current_user
from db.models import (
    Company,
    CompanyTag,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    FieldHistory,
    FollowUp,
    Tag,
    Ticket,
)
from db.services.common import id_in, iso_utc

MODELS = {"contact": Contact, "company": Company, "deal": Deal, "ticket": Ticket, "followup": FollowUp}
LABELS = {"contact": "contact", "company": "company", "deal": "deal", "ticket": "ticket", "followup": "follow-up"}
# The fields each kind's history follows, in the order a change lists them. Columns the
# store derives (closed_at, SLA due times, chain positions) follow from these and are left out.
FIELDS = {
    "contact": tuple(f.key for f in fields.SPECS["contact"]),  # every field a contact has (db/fields.py)
    "company": tuple(f.key for f in fields.SPECS["company"]),
    "deal": ("title", "contact", "company", "amount", "stage", "probability", "expected_close", "owner",
             "lost_reason", "notes", "external_id"),
    "ticket": ("subject", "description", "contact", "company", "status", "priority", "channel", "assignee",
               "external_id"),
    "followup": ("subject", "due", "contact", "company", "deal", "ticket", "priority", "status", "every",
                 "snoozed_until", "owner", "notes", "external_id"),
}
_COLUMNS = ("id", "at", "user", "kind", "record_id", "action", "field", "old", "new", "batch")



class _Import(threading.local):
    """The import running in this thread (the app imports in a worker while its pages
    keep writing in others): its batch and the rows not yet written (flush())."""

    batch: int | None = None
    pending: list[tuple] = []


_import = _Import()


# -- values as text ------------------------------------------------------------

def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _money(minor, currency) -> str:
    exp = validate.exponent(currency)
    return f"{Decimal(minor or 0) / (10 ** exp):.{exp}f} {currency}"


def _when(value, has_time: bool = True) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back what was stored when a column was set by raw SQL
        return value[:16].replace(" ", "T") if has_time else value[:10]
    return value.isoformat(timespec="minutes") if has_time else value.date().isoformat()


def _name(first, last) -> str:
    return " ".join(p for p in (first, last) if p)


def _names(model, ids, title) -> dict[int, str]:
    ids = sorted({i for i in ids if i})
    out = {}
    for start in range(0, len(ids), 900):
        for row in model.select().where(id_in(model.id, ids[start:start + 900])):
            out[row.id] = title(row) or f"#{row.id}"
    return out


def _chunks(ids) -> Iterator[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), 900):
        yield ids[start:start + 900]


# -- snapshots -------------------------------------------------------------------

def snapshot(kind: str, ids) -> dict[int, dict[str, str | None]]:
    """The followed fields of these records as text, by id (a few queries per 900 records)."""
    if isinstance(ids, int):
        ids = [ids]
    model = MODELS[kind]
    rows = [r for chunk in _chunks(ids) for r in model.select().where(id_in(model.id, chunk))]
    if not rows:
        return {}
    links = {name: _names(m, (getattr(r, f"{name}_id", None) for r in rows), title) for name, m, title in (
        ("contact", Contact, lambda c: _name(c.first_name, c.last_name)),
        ("company", Company, lambda c: c.name),
        ("deal", Deal, lambda d: d.title),
        ("ticket", Ticket, lambda t: t.subject),
    ) if name in FIELDS[kind]}
    lists = _lists(kind, [r.id for r in rows])
    out = {}
    for r in rows:
        values = {}
        for field in FIELDS[kind]:
            if field in links:
                values[field] = links[field].get(getattr(r, f"{field}_id"))
            elif field in ("emails", "phones", "tags"):
                values[field] = ", ".join(lists[field].get(r.id, [])) or None
            elif field == "amount":
                values[field] = _money(r.amount, r.currency)
            elif field == "expected_close":
                values[field] = str(r.expected_close)[:10] if r.expected_close else None
            elif field == "due":
                values[field] = _when(r.due, r.due_has_time)
            elif field == "snoozed_until":
                values[field] = _when(r.snoozed_until)
            else:
                values[field] = _text(getattr(r, field))
        out[r.id] = values
    return out


def _lists(kind: str, ids: list[int]) -> dict[str, dict[int, list[str]]]:
    """A contact's emails, phones and tags, a company's tags: by field, then id."""
    out: dict[str, dict[int, list[str]]] = {"emails": {}, "phones": {}, "tags": {}}
    if kind not in ("contact", "company"):
        return out
    link, owner = (ContactTag, ContactTag.contact) if kind == "contact" else (CompanyTag, CompanyTag.company)
    for chunk in _chunks(ids):
        if kind == "contact":
            for cid, email in (ContactEmail.select(ContactEmail.contact, ContactEmail.email)
                               .where(id_in(ContactEmail.contact, chunk))
                               .order_by(ContactEmail.position, ContactEmail.id).tuples()):
                out["emails"].setdefault(cid, []).append(email)
            for cid, raw, number in (ContactPhone.select(ContactPhone.contact, ContactPhone.raw, ContactPhone.number)
                                     .where(id_in(ContactPhone.contact, chunk))
                                     .order_by(ContactPhone.position, ContactPhone.id).tuples()):
                out["phones"].setdefault(cid, []).append(number if number.startswith("+") else raw)
        for cid, name in (link.select(owner.alias("owner_id"), Tag.name).join(Tag)
                          .where(id_in(owner, chunk)).order_by(Tag.name).tuples()):
            out["tags"].setdefault(cid, []).append(name)
    return out


# -- recording -------------------------------------------------------------------

def created(kind: str, ids, batch: int | None = None) -> None:
    """New records: one row each ("imported", with the batch, during an import)."""
    batch = batch or _import.batch
    _record([(kind, i, "imported" if batch else "created", None, None, None, batch) for i in _as_list(ids)])


def changed(kind: str, before: dict[int, dict], action: str | None = None, batch: int | None = None) -> int:
    """One row per field that differs between `before` (a snapshot) and the records now.
    Returns how many rows that made."""
    batch = batch or _import.batch
    action = action or ("imported" if batch else "updated")
    if not before:
        return 0
    after = snapshot(kind, list(before))
    rows = []
    for rid, old in before.items():
        new = after.get(rid, {})
        rows += [(kind, rid, action, field, old.get(field), new.get(field), batch)
                 for field in FIELDS[kind] if old.get(field) != new.get(field)]
    _record(rows)
    return len(rows)


def event(kind: str, ids, action: str, field: str | None = None, old: str | None = None, new: str | None = None,
          batch: int | None = None) -> None:
    """A row per record for what happened to it as a whole: deleted, restored, merged,
    reverted, purged."""
    _record([(kind, i, action, field, old, new, batch or _import.batch) for i in _as_list(ids)])


_LINKED = {"contact": ("deal", "ticket", "followup"), "company": ("contact", "deal", "ticket", "followup")}


def merging(kind: str, other_id: int) -> dict[str, dict]:
    """Before a merge: snapshots of the records linked to the one that goes (they move
    over to the one kept), by kind."""
    out = {}
    for linked in _LINKED[kind]:
        model = MODELS[linked]
        ids = list(model.select(model.id).where(getattr(model, kind) == other_id).scalars())
        out[linked] = snapshot(linked, ids)
    return out


def merged(kind: str, keep_id: int, other_id: int, before: dict, moved: dict[str, dict]) -> None:
    """After a merge: both records say so, the kept one lists the fields it took, and
    the records that moved over show their new link."""
    label = LABELS[kind]
    changed(kind, {keep_id: before[keep_id]}, action="merged")
    event(kind, keep_id, "merged", old=f"{label} {other_id}")
    event(kind, other_id, "merged", new=f"{label} {keep_id}")
    for linked, snaps in moved.items():
        changed(linked, snaps, action="merged")


def _as_list(ids) -> list[int]:
    return [ids] if isinstance(ids, int) else list(ids)


def _record(rows: list[tuple]) -> None:
    if not rows:
        return
    at, user = str(clock.utcnow()), current_user()  # str: as Peewee stores datetimes on SQLite
    rows = [(at, user, *r) for r in rows]
    if _import.batch is not None:
        _import.pending.extend(rows)
    else:
        _insert(rows)


def _insert(rows: list[tuple]) -> None:
    # quoted: "user" is a reserved word on PostgreSQL; db.bulk: multi-row INSERTs there
    bulk.insert("field_history", ['"%s"' % c for c in _COLUMNS[1:]], rows)


@contextmanager
def importing(batch_id: int) -> Iterator[None]:
    """Rows recorded inside carry the batch and wait for flush(); what was not flushed
    when it ends (a failed chunk) is dropped with its transaction."""
    _import.batch, _import.pending = batch_id, []
    try:
        yield
    finally:
        _import.batch, _import.pending = None, []


def flush() -> None:
    """Write the waiting rows: one executemany (call it in the chunk's transaction)."""
    if _import.pending:
        _insert(_import.pending)
        _import.pending = []


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Rows recorded inside are dropped if it fails (an import row that was rejected)."""
    mark = len(_import.pending)
    try:
        yield
    except BaseException:
        del _import.pending[mark:]
        raise


def forget_batch(batch_id: int) -> None:
    """A failed import taken back out leaves no history either."""
    FieldHistory.delete().where(FieldHistory.batch == batch_id).execute()


# -- reading -----------------------------------------------------------------------

def _record_id(kind: str, ref) -> int:
    """The record REF names, live, in the trash, or purged (its history is kept):
    an id; a contact's email; a company's name."""
    model, label = MODELS[kind], LABELS[kind]
    text = str(ref).strip()
    if kind == "contact" and "@" in text:
        row = (ContactEmail.select(ContactEmail.contact).join(Contact)
               .where(ContactEmail.email_key == text.lower())
               .order_by(Contact.deleted_at.is_null(False), ContactEmail.contact).first())
        if row is None:
            raise NotFound(f"contact with email {text} not found")
        return row.contact_id
    if kind == "company" and not text.isdigit():
        row = (Company.select(Company.id).where(Company.name_key == validate.name_key(text))
               .order_by(Company.deleted_at.is_null(False), Company.id).first())
        if row is None:
            raise NotFound(f"company {text!r} not found")
        return row.id
    key = validate.record_id(text, label)
    if not (model.select().where(model.id == key).exists() or
            FieldHistory.select().where((FieldHistory.kind == kind) & (FieldHistory.record_id == key)).exists()):
        raise NotFound(f"{label} {text} not found")
    return key


def of(kind: str, ref) -> list[dict]:
    """A record's history, newest first: [{at, user, action, field, old, new, batch}]."""
    if kind not in MODELS:
        raise NotFound(f"no history for {kind!r} records")
    rid = _record_id(kind, ref)
    rows = (FieldHistory.select().where((FieldHistory.kind == kind) & (FieldHistory.record_id == rid))
            .order_by(FieldHistory.id.desc()))
    return [{"at": iso_utc(r.at), "user": r.user, "action": r.action, "field": r.field, "old": r.old,
             "new": r.new, "batch": r.batch} for r in rows]
