"""The search documents of each kind of record: what words find it. Below the services
that write records, so a write that changes another kind's words (a company renamed, a
contact merged) reindexes that kind without importing its service.

Each builder takes ids and returns (documents, ids with no live record), as common.reindex wants."""
from __future__ import annotations

from peewee import JOIN

from db import search
from db.models import Company, Contact, ContactEmail, ContactPhone, Deal, Ticket
from db.services.common import company_names, contact_names, full_name


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
        name = full_name(r.first_name, r.last_name)
        text, grams = search.document(
            [name, *emails[r.id], *phones[r.id], r.company_name, r.title, r.notes],
            [name, r.company_name])
        docs.append(("contact", r.id, text, grams))
    return docs, [i for i in ids if i not in set(live_ids)]


def company_documents(ids):
    rows = list(Company.select().where(Company.id.in_(ids)))
    live = [r for r in rows if r.deleted_at is None]
    docs = []
    for r in live:
        text, grams = search.document(
            [r.name, r.domain, r.email, r.phone, r.industry, r.city, r.country, r.notes],
            [r.name])
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

