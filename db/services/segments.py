"""Segments: saved views of contacts. A segment is a name and the filters of `crm
contact list` (search text, tag, stage, owner, company, do-not-contact), kept as JSON
and applied again each time it is used, so it always lists today's contacts."""
from __future__ import annotations

import json

from peewee import IntegrityError

from db import validate
from db.errors import CrmError, Duplicate, Invalid
from db.models import Contact, Segment, utcnow
from db.services import companies, contacts
from db.services.segment_lookup import filters_of, find as _find, names_  # (segments.names_ for the faces)
from db.services.common import company_names, iso_utc
from db.store import write

FILTERS = ("query", "tag", "stage", "owner", "company", "do_not_contact")
NAME_LENGTH = 100


def _name(value) -> str:
    name = validate.text(value)
    if name is None:
        raise Invalid("name", "a segment needs a name")
    if len(name) > NAME_LENGTH:
        raise Invalid("name", f"at most {NAME_LENGTH} characters, not {len(name)}")
    if any(ch < " " or ch == "\x7f" for ch in name):  # a name is one line wherever it is shown
        raise Invalid("name", f"{name!r} holds a control character")
    return name


def clean_filters(filters: dict) -> dict:
    """Only the filters that are set, checked now rather than each time the segment is
    used: the stage is a known one, the company exists (kept by id, so renaming it
    keeps the segment)."""
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise Invalid("filters", f"{', '.join(unknown)} is not a contact filter ({', '.join(FILTERS)})")
    out = {}
    for key in ("query", "tag", "owner"):
        value = validate.text(filters.get(key))
        if value is not None:
            out[key] = value
    if validate.text(filters.get("stage")):
        out["stage"] = validate.choice(filters["stage"], contacts.STAGES, "stage")
    if validate.text(filters.get("company")):
        out["company"] = companies.resolve(filters["company"]).id
    if filters.get("do_not_contact") is not None:
        out["do_not_contact"] = bool(filters["do_not_contact"])
    if not out:
        raise Invalid("filters", "a segment needs at least one filter (--search, --tag, --stage, --owner, "
                                 "--company, --contactable or --do-not-contact)")
    return out


def describe(filters: dict) -> str:
    """The filters in the app's search-box words: 'tag:vip stage:customer lee'."""
    words = []
    for key in ("tag", "stage", "owner"):
        if key in filters:
            words.append(f"{key}:{filters[key]}")
    if "company" in filters:
        name = company_names([filters["company"]]).get(filters["company"])
        words.append(f"company:{name or filters['company']}")
    if "do_not_contact" in filters:
        words.append("dnc:yes" if filters["do_not_contact"] else "dnc:no")
    if "query" in filters:
        words.append(filters["query"])
    return " ".join(words)


def _count(filters: dict) -> int | None:
    """How many live contacts the segment holds today; None when its filters no longer
    work (its company went to the trash), which `show` then reports as the error."""
    try:
        return contacts.list_(limit=1, **filters).total
    except CrmError:
        return None


def _to_dict(row: Segment) -> dict:
    filters = json.loads(row.filters)
    return {"name": row.name, "filters": filters, "description": describe(filters), "contacts": _count(filters),
            "created_at": iso_utc(row.created_at), "updated_at": iso_utc(row.updated_at)}


def save(name, filters: dict, replace: bool = False) -> dict:
    """Save the filters under name. A name already taken (in any case) is refused
    unless replace, which gives it these filters and this spelling."""
    name, filters = _name(name), clean_filters(filters)
    stored = json.dumps(filters, ensure_ascii=False, sort_keys=True)
    try:
        with write():
            row = Segment.get_or_none(Segment.name_key == validate.name_key(name))
            if row is not None and not replace:
                raise Duplicate(f"segment {row.name!r} already exists")
            if row is None:
                row = Segment.create(name=name, name_key=validate.name_key(name), filters=stored)
                replaced = False
            else:
                row.name, row.filters, row.updated_at = name, stored, utcnow()
                row.save()
                replaced = True
    except IntegrityError:  # another process saved the same name a moment ago
        raise Duplicate(f"segment {name!r} already exists") from None
    return {**_to_dict(row), "replaced": replaced}


def list_() -> list[dict]:
    return [_to_dict(r) for r in Segment.select().order_by(Segment.name_key)]


def show(name) -> dict:
    record = _to_dict(_find(name))
    if record["contacts"] is None:
        contacts.list_(limit=1, **record["filters"])  # raises the reason, one line
    return record


def delete(name) -> dict:
    with write():
        row = _find(name)
        record = _to_dict(row)
        row.delete_instance()
    return record


def contact_ids(name):
    """A subquery of the ids of the live contacts in the segment (for exports)."""
    return contacts.filtered(Contact.select(Contact.id).where(Contact.deleted_at.is_null()), segment=name)
