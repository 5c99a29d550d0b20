"""Helpers every service shares: clocks, lookups, names, tags, soft delete, paging, formatting.

The bottom layer of db/services: it imports no other service (pyproject.toml says the order)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from peewee import SQL

from db import clock, search, validate
from db.config import get_config
from db.errors import Invalid, NotFound
from db.models import Company, Contact, Tag

set_clock = clock.pin  # the one clock (db/clock.py): models' defaults read it too
now_utc = clock.utcnow


def now_local() -> datetime:
    """Wall-clock time in the owner's timezone (naive): what follow-up dues are compared to."""
    aware = clock.now_aware().astimezone(get_config().tz)
    return aware.replace(tzinfo=None)


def iso_utc(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def iso_local(value: datetime | None, has_time: bool = True) -> str | None:
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat(timespec="minutes") if has_time else value.date().isoformat()


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Page:
    """A slice of a list and how many rows matched in all."""

    rows: list[dict]
    total: int
    at_least: bool = False  # total was counted only this far: "10,000+"


def paged(query, limit: int | None, to_dict, offset: int = 0, count_up_to: int | None = None,
          count=None) -> Page:
    """One page of a query and how many rows match. count_up_to stops counting there
    (a one-letter search can match most of the store; counting it all costs more than
    the page, and a person typing wants the page). count: a cheaper way to the same
    number, when the caller has one."""
    limit = validate.limit(limit)
    total, at_least = None, False
    if limit and count_up_to:
        total = count() if count else query.order_by().limit(count_up_to + 1).count()
        total, at_least = min(total, count_up_to), total > count_up_to
    elif limit and count:
        total = count()
    elif limit:
        total = query.count()
    if limit:
        query = query.limit(limit).offset(offset)
    rows = [to_dict(r) for r in query]
    return Page(rows, total if total is not None else len(rows), at_least)


def sort_order(sort: str | None, keys: dict[str, list], default: str, tiebreak) -> list:
    """ORDER BY terms for a sort a user named: 'company' or '-created' (descending).
    keys maps each allowed name to its columns; the id breaks ties so paging is stable.
    Blanks go last; the default sort is on NOT NULL columns and keeps plain ASC so its
    index serves it."""
    name = (sort or default).strip().lower()
    descending = name.startswith("-")
    name = name.lstrip("-")
    if name not in keys:
        raise Invalid("sort", f"{sort!r} is not one of: {', '.join(keys)} (a leading - sorts descending)")
    nulls = None if name == default else "LAST"
    terms = [c.desc(nulls=nulls) if descending else c.asc(nulls=nulls) for c in keys[name]]
    return [*terms, tiebreak.desc() if descending else tiebreak.asc()]


def get_live(model, record_id, label: str):
    """A record that is not in the trash, or NotFound naming it. Every lookup by id
    comes here, so an id no store can hold (over 2^63, 0, negative) is NotFound too."""
    key = validate.record_id(record_id, label)
    row = model.get_or_none((model.id == key) & model.deleted_at.is_null())
    if row is None:
        raise NotFound(f"{label} {record_id} not found")
    return row


def trashed(label: str, record_id: int) -> NotFound:
    """The error for a record that is in the trash: a bare "not found" sends people
    looking for a typo, when one command brings it back."""
    noun = label.replace("-", "")  # follow-up -> crm followup
    return NotFound(f"{label} {record_id} is in the trash; bring it back with: crm {noun} restore {record_id}")


def refuse_trashed(model, ref, label: str) -> None:
    """Raise trashed() if the record this id names is in the trash; otherwise return
    (the caller's own NotFound stands). For lookups that missed a live record:

        try:
            return get_live(Deal, ref, "deal")
        except NotFound:
            refuse_trashed(Deal, ref, "deal")
            raise
    """
    try:
        key = int(str(ref).strip())
    except ValueError:
        return
    if not 1 <= key < 2**63:
        return
    if model.select().where((model.id == key) & model.deleted_at.is_null(False)).exists():
        raise trashed(label, key)


def get_deleted(model, record_id, label: str):
    key = validate.record_id(record_id, label)
    row = model.get_or_none(model.id == key)
    if row is None:
        raise NotFound(f"{label} {record_id} not found")
    if row.deleted_at is None:
        raise NotFound(f"{label} {record_id} is not in the trash")
    return row


def set_deleted(row, deleted: bool, kind: str | None = None, documents=None) -> None:
    """Move a record to the trash or back, keeping its search document in step."""
    row.deleted_at = now_utc() if deleted else None
    if not deleted:
        row.updated_at = now_utc()
    row.save()
    if kind:
        reindex(kind, [row.id], documents)


# -- names -------------------------------------------------------------------

def _is_cjk(value: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in value)


def full_name(first: str | None, last: str | None) -> str:
    """'Ann Lee'; Chinese, Japanese and Korean names family name first, unspaced: 张伟."""
    if first and last and _is_cjk(first) and _is_cjk(last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def contact_names(ids) -> dict[int, str]:
    """Display names of these contacts, by id."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = Contact.select(Contact.id, Contact.first_name, Contact.last_name).where(id_in(Contact.id, ids)).tuples()
    return {cid: full_name(first, last) for cid, first, last in rows}


def company_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return dict(Company.select(Company.id, Company.name).where(id_in(Company.id, ids)).tuples()) if ids else {}


# -- tags --------------------------------------------------------------------

def clean_tags(tags) -> list[str]:
    """Each tag as given, stripped and lower-cased, empty ones and repeats dropped. A tag may
    hold a comma ('webinar, q3'): splitting typed text is the faces' job (db/taglist.py)."""
    out = []
    for tag in tags or []:
        tag = str(tag).strip().lower()
        if tag and tag not in out:
            out.append(tag)
    return out


def _tag_ids(names: list[str]) -> list[int]:
    if not names:
        return []
    Tag.insert_many([{"name": n} for n in names]).on_conflict_ignore().execute()
    return [t.id for t in Tag.select(Tag.id).where(Tag.name.in_(names))]


def add_tags(link_model, owner_field: str, owner_id: int, names) -> None:
    ids = _tag_ids(clean_tags(names))
    if ids:
        link_model.insert_many([{owner_field: owner_id, "tag": t} for t in ids]).on_conflict_ignore().execute()


def remove_tags(link_model, owner_field: str, owner_id: int, names) -> None:
    names = clean_tags(names)
    if names:
        tag_ids = Tag.select(Tag.id).where(Tag.name.in_(names))
        link_model.delete().where(
            (getattr(link_model, owner_field) == owner_id) & (link_model.tag.in_(tag_ids))).execute()


def id_in(column, ids):
    """column IN (1, 2, 3) with the ids written into the SQL. They are integers (int()
    checks), and binding a page of 5,000 one by one costs Peewee more than the query."""
    ids = [int(i) for i in ids]
    return column.in_(SQL("(" + ",".join(map(str, ids)) + ")")) if ids else column.in_([])


def tags_of(link_model, owner_field: str, owner_ids: list[int]) -> dict[int, list[str]]:
    if not owner_ids:
        return {}
    owner = getattr(link_model, owner_field)
    out: dict[int, list[str]] = {i: [] for i in owner_ids}
    rows = (link_model.select(owner.alias("owner_id"), Tag.name).join(Tag)
            .where(id_in(owner, owner_ids)).order_by(Tag.name).tuples())
    for owner_id, name in rows:
        out[owner_id].append(name)
    return out


def has_tag(link_model, owner_field: str, tag: str):
    """A condition: the owner carries this tag."""
    owner = getattr(link_model, owner_field)
    sub = (link_model.select(owner).join(Tag).where(Tag.name == tag.strip().lower()))
    return owner.rel_model.id.in_(sub)


# -- search index upkeep -----------------------------------------------------

def reindex(kind: str, ids, document_of) -> None:
    """Rewrite the search documents of these records (live ones) or drop them."""
    ids = list(ids)
    if not ids:
        return
    docs, gone = document_of(ids)
    idx = search.index()
    if docs:
        idx.put_many(docs)
    if gone:
        idx.remove(kind, gone)

