"""Companies: the organisations contacts work for."""
from __future__ import annotations

from peewee import fn

from db import search, validate
from db.config import get_config
from db.errors import Duplicate, Invalid, NotFound
from db.fields import stored
from db.identity import current_user
from db.models import Company, CompanyTag, Contact, Deal, Ticket
from db.services import claims, history, versions
from db.services.common import (
    Page,
    add_tags,
    get_deleted,
    get_live,
    has_tag,
    id_in,
    iso_utc,
    now_utc,
    paged,
    refuse_trashed,
    reindex,
    sort_order,
    remove_tags,
    set_deleted,
    tags_of,
    trashed,
)
from db.services.documents import company_documents as documents  # what update/delete reindex with
from db.services.documents import contact_documents, deal_documents, ticket_documents
from db.store import write

FIELDS = stored("company", "text")  # what _clean takes, each as validate.text (db/fields.py)




def to_dicts(rows) -> list[dict]:
    tags = tags_of(CompanyTag, "company", [r.id for r in rows])
    counts = dict(Contact.select(Contact.company, fn.COUNT(Contact.id))
                  .where(id_in(Contact.company, [r.id for r in rows]) & Contact.deleted_at.is_null())
                  .group_by(Contact.company).tuples()) if rows else {}
    return [{
        "id": r.id, "name": r.name, "domain": r.domain, "industry": r.industry,
        "phone": r.phone, "email": r.email, "address": r.address, "city": r.city,
        "country": r.country, "notes": r.notes, "owner": r.owner,
        "tags": tags.get(r.id, []), "contacts": counts.get(r.id, 0),
        "created_at": iso_utc(r.created_at), "updated_at": iso_utc(r.updated_at),
        "version": r.version, "updated_by": r.updated_by,
    } for r in rows]


def to_dict(row) -> dict:
    return to_dicts([row])[0]


def _clean(values: dict, country: str | None = None) -> dict:
    """Checked values; a phone is read in the region of the company's country (this
    update's, else the stored `country`), else the configured region."""
    out = {}
    for key in FIELDS:
        if key in values:
            out[key] = validate.text(values[key])
    if "email" in out and out["email"]:
        out["email"] = validate.email(out["email"])
    if "domain" in out and out["domain"]:
        out["domain"] = out["domain"].lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if "phone" in out and out["phone"]:
        raw, number = validate.phone(out["phone"], get_config().phone_region, country=out.get("country") or country)
        out["phone"] = number if number.startswith("+") else raw
    return out


def find_by_name(name: str):
    """The live company with this name, compared by validate.name_key (every script's case)."""
    return (Company.select().where((Company.name_key == validate.name_key(name)) & Company.deleted_at.is_null())
            .order_by(Company.id).first())


def resolve(ref) -> Company:
    """A company named by id or by exact name (case-insensitive); one in the trash is
    NotFound saying so and how to restore it."""
    ref = str(ref).strip()
    if ref.isdigit():
        try:
            return get_live(Company, ref, "company")
        except NotFound:
            refuse_trashed(Company, ref, "company")
            raise
    row = find_by_name(ref)
    if row is None:
        gone = (Company.select().where((Company.name_key == validate.name_key(ref)) & Company.deleted_at.is_null(False))
                .order_by(Company.deleted_at.desc()).first())
        if gone is not None:
            raise trashed("company", gone.id)
        raise NotFound(f"company {ref!r} not found")
    return row


def company_id(ref, create: bool) -> int | None:
    """The id of the company a record names: None when blank; by id, or by exact name
    (case-insensitive), a trashed one NotFound saying how to restore it. A name no live
    company has is created when `create` (contacts and deals: "works at Harbour Bakery"
    is how people add one), else NotFound (tickets and follow-ups: a typo must not
    invent a customer)."""
    if ref is None or str(ref).strip() == "":
        return None
    ref = str(ref).strip()
    if create and not ref.isdigit():
        return get_or_create(ref).id
    return resolve(ref).id


def get_or_create(name: str, **extra) -> Company:
    """The live company with this name, created if missing (for contacts and imports)."""
    with write():
        claims.claim(claims.company_key(name))  # two writers naming a new company create it once
        row = find_by_name(name)
        if row is not None:
            return row
        return Company.get_by_id(_insert({"name": name, **extra}, tags=[]))


def _insert(values: dict, tags) -> int:
    values = _clean(values)
    if not values.get("name"):
        raise Invalid("name", "a company needs a name")
    values["owner"] = values.get("owner") or current_user()  # new records are the acting user's
    row = Company.create(**values)
    add_tags(CompanyTag, "company", row.id, tags)
    reindex("company", [row.id], documents)
    history.created("company", row.id)
    return row.id


def create(values: dict, tags=(), allow_duplicate: bool = False) -> dict:
    with write():
        name = validate.text(values.get("name"))
        if name and not allow_duplicate:
            claims.claim(claims.company_key(name))
            existing = find_by_name(name)
            if existing is not None:
                raise Duplicate(f"company {existing.id} is already named {existing.name!r}")
        return to_dict(Company.get_by_id(_insert(values, tags)))


SORTS = {
    "name": [fn.LOWER(Company.name)],
    "city": [fn.LOWER(Company.city)],
    "country": [fn.LOWER(Company.country)],
    "industry": [fn.LOWER(Company.industry)],
    "owner": [Company.owner],
    "created": [Company.created_at],
    "updated": [Company.updated_at],
}


def list_(query: str | None = None, tag: str | None = None, owner: str | None = None,
          limit: int | None = None, offset: int = 0, sort: str | None = None,
          count_up_to: int | None = None) -> Page:
    q = Company.select().where(Company.deleted_at.is_null())
    if query:
        q = q.where(search.matches(Company.id, "company", query))
    if tag:
        q = q.where(has_tag(CompanyTag, "company", tag))
    if owner:
        q = q.where(Company.owner == owner)
    q = q.order_by(*sort_order(sort, SORTS, "name", Company.id))
    page = paged(q, limit, lambda r: r, offset, count_up_to)
    return Page(to_dicts(page.rows), page.total, page.at_least)


def update(ref, values: dict, add: list | None = None, remove: list | None = None,
           expected_version=None, started_from: dict | None = None) -> dict:
    with write():
        row = resolve(ref)
        versions.check(row, "company", expected_version, started_from, to_dict)
        before = history.snapshot("company", row.id)
        changes = _clean(values, row.country)
        if "name" in changes and not changes["name"]:
            raise Invalid("name", "a company needs a name")
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = now_utc()
        row.save()
        add_tags(CompanyTag, "company", row.id, add or [])
        remove_tags(CompanyTag, "company", row.id, remove or [])
        reindex("company", [row.id], documents)
        if "name" in changes:  # contacts, deals and tickets show the company name in search
            _reindex_dependents(row.id)
        history.changed("company", before)
        return to_dict(row)


def _reindex_dependents(company_id: int) -> None:
    reindex("contact", [c.id for c in Contact.select(Contact.id).where(Contact.company == company_id)], contact_documents)
    reindex("deal", [d.id for d in Deal.select(Deal.id).where(Deal.company == company_id)], deal_documents)
    reindex("ticket", [t.id for t in Ticket.select(Ticket.id).where(Ticket.company == company_id)], ticket_documents)


def delete(ref) -> dict:
    with write():
        row = resolve(ref)
        set_deleted(row, True, "company", documents)
        history.event("company", row.id, "deleted")
        return to_dict(row)


def restore(ref) -> dict:
    with write():
        row = get_deleted(Company, ref, "company")
        set_deleted(row, False, "company", documents)
        history.event("company", row.id, "restored")
        return to_dict(row)
