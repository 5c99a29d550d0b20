"""Companies: the organisations contacts work for."""
from __future__ import annotations

from peewee import fn

from db import search, validate
from db.errors import Duplicate, Invalid, NotFound
from db.identity import current_user
from db.models import Company, CompanyTag, Contact
from db.services import claims, history
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
    reindex,
    sort_order,
    remove_tags,
    set_deleted,
    tags_of,
)
from db.store import write

FIELDS = ("name", "domain", "industry", "phone", "email", "address", "city", "country", "notes", "owner")


def names_of(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return dict(Company.select(Company.id, Company.name).where(id_in(Company.id, ids)).tuples()) if ids else {}


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
    } for r in rows]


def to_dict(row) -> dict:
    return to_dicts([row])[0]


def documents(ids):
    rows = list(Company.select().where(Company.id.in_(ids)))
    live = [r for r in rows if r.deleted_at is None]
    docs = []
    for r in live:
        text, grams = search.document(
            [r.name, r.domain, r.email, r.phone, r.industry, r.city, r.country, r.notes],
            [r.name])
        docs.append(("company", r.id, text, grams))
    return docs, [i for i in ids if i not in {r.id for r in live}]


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
        from db.config import get_config

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
    from db.services import trash  # (it imports this module)

    ref = str(ref).strip()
    if ref.isdigit():
        try:
            return get_live(Company, ref, "company")
        except NotFound:
            trash.refuse_trashed(Company, ref, "company")
            raise
    row = find_by_name(ref)
    if row is None:
        gone = (Company.select().where((Company.name_key == validate.name_key(ref)) & Company.deleted_at.is_null(False))
                .order_by(Company.deleted_at.desc()).first())
        if gone is not None:
            raise trash.trashed("company", gone.id)
        raise NotFound(f"company {ref!r} not found")
    return row


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


def show(ref) -> dict:
    """The 360-degree view: the company, its people, open deals, open tickets, open
    follow-ups and one timeline across it, its people, deals and tickets."""
    from db.models import Deal, FollowUp, Ticket
    from db.services import activities, contacts
    from db.services.around import open_work

    row = resolve(ref)
    out = to_dict(row)
    out["people"] = contacts.list_(company=row.id).rows
    people = Contact.select(Contact.id).where(Contact.company == row.id)
    out |= open_work((Deal.company == row.id) | Deal.contact.in_(people),
                     (Ticket.company == row.id) | Ticket.contact.in_(people),
                     (FollowUp.company == row.id) | FollowUp.contact.in_(people))
    out["timeline"] = activities.timeline_of_company(row.id)
    return out


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


def update(ref, values: dict, add: list | None = None, remove: list | None = None) -> dict:
    with write():
        row = resolve(ref)
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
    from db.models import Deal, Ticket
    from db.services import contacts, deals, tickets

    reindex("contact", [c.id for c in Contact.select(Contact.id).where(Contact.company == company_id)], contacts.documents)
    reindex("deal", [d.id for d in Deal.select(Deal.id).where(Deal.company == company_id)], deals.documents)
    reindex("ticket", [t.id for t in Ticket.select(Ticket.id).where(Ticket.company == company_id)], tickets.documents)


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
