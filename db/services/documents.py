"""The search documents of each kind of record: what words find it. Below the services
that write records, so a write that changes another kind's words (a company renamed, a
contact merged) reindexes that kind without importing its service.

Each builder takes ids and returns (documents, ids with no live record), as common.reindex wants."""
from __future__ import annotations

from peewee import JOIN

from db import search
from db.fields import searchable
from db.models import Company, Contact, ContactEmail, ContactPhone, Deal, Ticket
from db.services.common import company_names, contact_names, full_name


SEARCHED = {kind: searchable(kind) for kind in ("contact", "company")}  # their own fields, by db/fields.py


def contact_document(first, last, emails, phone_texts, company, own: dict) -> tuple[str, str]:
    """(text, grams) of one contact: its name, emails, phones (raw and number) and company
    name, then its own fields the specification searches (own: key -> value)."""
    name = full_name(first, last)
    return search.document([name, *emails, *phone_texts, company, *(own.get(k) for k in SEARCHED["contact"])],
                           [name, company])


def contact_documents(ids):
    ids = list(ids)
    rows = list(Contact.select(Contact, Company.name.alias("company_name"))
                .join(Company, JOIN.LEFT_OUTER, on=(Contact.company == Company.id))
                .where(Contact.id.in_(ids)).objects())
    live = [r for r in rows if r.deleted_at is None]
    live_ids = [r.id for r in live]
    emails: dict[int, list[str]] = {i: [] for i in live_ids}
    phones: dict[int, list[str]] = {i: [] for i in live_ids}
    for cid, addr in ContactEmail.select(ContactEmail.contact, ContactEmail.email).where(ContactEmail.contact.in_(live_ids)).tuples():
        emails[cid].append(addr)
    for cid, raw, number in ContactPhone.select(ContactPhone.contact, ContactPhone.raw, ContactPhone.number).where(ContactPhone.contact.in_(live_ids)).tuples():
        phones[cid] += [raw, number]
    docs = []
    for r in live:
        own = {k: getattr(r, k) for k in SEARCHED["contact"]}
        text, grams = contact_document(r.first_name, r.last_name, emails[r.id], phones[r.id], r.company_name, own)
        docs.append(("contact", r.id, text, grams))
    return docs, [i for i in ids if i not in set(live_ids)]


def company_documents(ids):
    rows = list(Company.select().where(Company.id.in_(ids)))
    live = [r for r in rows if r.deleted_at is None]
    docs = []
    for r in live:
        text, grams = search.document([r.name, *(getattr(r, k) for k in SEARCHED["company"])], [r.name])
        docs.append(("company", r.id, text, grams))
    return docs, [i for i in ids if i not in {r.id for r in live}]


def _linked_documents(kind: str, model, ids, title: str, body: str):
    """Deals and tickets: their title, their contact's and company's names, and a body."""
    ids = list(ids)
    rows = list(model.select().where(model.id.in_(ids) & model.deleted_at.is_null()))
    people = contact_names(r.contact_id for r in rows)
    orgs = company_names(r.company_id for r in rows)
    docs = []
    for r in rows:
        words = [getattr(r, title), people.get(r.contact_id), orgs.get(r.company_id)]
        text, grams = search.document([*words, getattr(r, body)], words)
        docs.append((kind, r.id, text, grams))
    live = {r.id for r in rows}
    return docs, [i for i in ids if i not in live]


def deal_documents(ids):
    return _linked_documents("deal", Deal, ids, "title", "notes")


def ticket_documents(ids):
    return _linked_documents("ticket", Ticket, ids, "subject", "description")


BY_KIND = {"contact": contact_documents, "company": company_documents, "deal": deal_documents,
           "ticket": ticket_documents}

