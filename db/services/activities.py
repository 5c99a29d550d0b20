"""The timeline: notes, calls, emails, meetings, status changes and comments."""
from __future__ import annotations

from datetime import timezone

from peewee import JOIN

from db import validate
from db.config import get_config
from db.identity import current_user
from db.errors import Invalid
from db.models import Activity, Contact, Deal, Ticket
from db.services import companies, contacts
from db.services.common import get_live, iso_utc, now_local, now_utc
from db.store import write

KINDS = ("note", "call", "email", "meeting")  # what a person logs; the store also writes status/comment


def to_dict(row) -> dict:
    return {
        "id": row.id, "kind": row.kind, "body": row.body, "author": row.author,
        "occurred_at": iso_utc(row.occurred_at),
        "contact_id": row.contact_id, "company_id": row.company_id,
        "deal_id": row.deal_id, "ticket_id": row.ticket_id,
    }


def log(kind: str, body: str, contact=None, company=None, deal=None, ticket=None,
        author: str | None = None, occurred_at=None) -> Activity:
    """Write one timeline entry inside the caller's transaction."""
    return Activity.create(kind=kind, body=body, contact=contact, company=company, deal=deal,
                           ticket=ticket, author=author or current_user(),
                           occurred_at=occurred_at or now_utc())


def add(body: str, kind: str = "note", contact=None, company=None, deal=None, ticket=None,
        when=None) -> dict:
    """A note, call, email or meeting logged by the user on one or more records."""
    kind = validate.choice(kind, KINDS, "kind")
    body = validate.text(body)
    if not body:
        raise Invalid("body", "the note is empty")
    with write():
        links = {
            "contact": contacts.resolve(contact).id if contact is not None else None,
            "company": companies.company_id(company, create=False),
            "deal": get_live(Deal, deal, "deal") if deal is not None else None,
            "ticket": get_live(Ticket, ticket, "ticket") if ticket is not None else None,
        }
        if not any(links.values()):
            raise Invalid("record", "say which record the note is about (contact, company, deal or ticket)")
        # A note on a deal or ticket also belongs to its contact's timeline.
        for parent in (links["deal"], links["ticket"]):
            if parent is not None:
                links["contact"] = links["contact"] or parent.contact_id
                links["company"] = links["company"] or parent.company_id
        occurred = None
        if when:
            local, _ = validate.parse_when(when, "when", now_local(), get_config().dayfirst)
            occurred = local.replace(tzinfo=get_config().tz).astimezone(timezone.utc).replace(tzinfo=None)
        row = log(kind, body, links["contact"], links["company"],
                  links["deal"].id if links["deal"] else None,
                  links["ticket"].id if links["ticket"] else None, occurred_at=occurred)
        return to_dict(row)


def _timeline(condition, limit: int | None) -> list[dict]:
    q = (Activity.select(Activity, Deal.title.alias("deal_title"), Ticket.subject.alias("ticket_subject"))
         .join(Deal, JOIN.LEFT_OUTER, on=(Activity.deal == Deal.id))
         .switch(Activity).join(Ticket, JOIN.LEFT_OUTER, on=(Activity.ticket == Ticket.id))
         .where(condition).order_by(Activity.occurred_at.desc(), Activity.id.desc()))
    if limit:
        q = q.limit(limit)
    out = []
    for row in q.objects():
        item = to_dict(row)
        item["about"] = (f"deal {row.deal_id}: {row.deal_title}" if row.deal_id else
                         f"ticket {row.ticket_id}: {row.ticket_subject}" if row.ticket_id else None)
        out.append(item)
    return out


def timeline_of_contact(contact_id: int, limit: int | None = None) -> list[dict]:
    """One timeline, newest first, across the contact and its deals and tickets."""
    deals = Deal.select(Deal.id).where(Deal.contact == contact_id)
    tickets = Ticket.select(Ticket.id).where(Ticket.contact == contact_id)
    return _timeline((Activity.contact == contact_id) | Activity.deal.in_(deals) | Activity.ticket.in_(tickets), limit)


def timeline_of_company(company_id: int, limit: int | None = None) -> list[dict]:
    """One timeline, newest first, across the company, its people and their deals and tickets."""
    people = Contact.select(Contact.id).where(Contact.company == company_id)
    deals = Deal.select(Deal.id).where((Deal.company == company_id) | Deal.contact.in_(people))
    tickets = Ticket.select(Ticket.id).where((Ticket.company == company_id) | Ticket.contact.in_(people))
    return _timeline((Activity.company == company_id) | Activity.contact.in_(people) | Activity.deal.in_(deals)
                     | Activity.ticket.in_(tickets), limit)


def timeline_of(kind: str, record_id: int, limit: int | None = None) -> list[dict]:
    field = {"company": Activity.company, "deal": Activity.deal, "ticket": Activity.ticket,
             "contact": Activity.contact}[kind]
    return _timeline(field == record_id, limit)


def recent(limit: int = 10) -> list[dict]:
    return _timeline(Activity.id > 0, limit)


