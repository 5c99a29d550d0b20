"""Records as flat rows for export: the columns an import of the same file reads back."""
from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Iterator

from db import search, validate
from db.models import Company, CompanyTag, Contact, ContactTag, Deal, FollowUp, Ticket
from db.services import contacts, deals, tickets
from db.services.common import has_tag, tags_of

ENTITIES = ("company", "contact", "deal", "ticket", "followup")
SHEETS = {"company": "companies", "contact": "contacts", "deal": "deals", "ticket": "tickets", "followup": "followups"}
COLUMNS = {
    "company": ["id", "name", "domain", "industry", "phone", "email", "address", "city", "country", "owner", "tags", "notes"],
    "contact": ["id", "first_name", "last_name", "emails", "phones", "company", "title", "stage", "source", "owner",
                "tags", "do_not_contact", "notes"],
    "deal": ["id", "title", "contact_id", "company_id", "amount", "currency", "stage", "probability", "expected_close",
             "owner", "lost_reason", "notes"],
    "ticket": ["id", "subject", "description", "contact_id", "company_id", "status", "priority", "channel", "assignee"],
    "followup": ["id", "subject", "due", "contact_id", "company_id", "deal_id", "ticket_id", "priority", "status",
                 "every", "owner", "notes"],
}
MODELS = {"company": Company, "contact": Contact, "deal": Deal, "ticket": Ticket, "followup": FollowUp}
PAGE = 5000


def _query(entity: str, query=None, tag=None, stage=None, status=None, owner=None, since=None, until=None):
    m = MODELS[entity]
    q = m.select().where(m.deleted_at.is_null())
    if query and entity in ("company", "contact", "deal", "ticket"):
        q = q.where(search.matches(m.id, entity, query))
    if tag and entity in ("contact", "company"):
        link = ContactTag if entity == "contact" else CompanyTag
        q = q.where(has_tag(link, entity, tag))
    if stage and entity in ("contact", "deal"):
        q = q.where(m.stage == stage.lower())
    if status and entity in ("ticket", "followup"):
        q = q.where(m.status == status.lower())
    if status and entity == "deal":
        q = q.where(m.stage.not_in(["won", "lost"]) if status == "open" else m.stage == status)
    if owner:
        q = q.where((m.assignee if entity == "ticket" else m.owner) == owner)
    if since:
        q = q.where(m.created_at >= datetime.combine(since, time()))
    if until:
        q = q.where(m.created_at < datetime.combine(until, time.max))
    return q


def _rows(entity: str, page: list) -> list[dict]:
    ids = [r.id for r in page]
    if entity == "contact":
        base = {c["id"]: c for c in contacts.to_dicts(page)}
        return [{**{k: base[r.id][k] for k in ("id", "first_name", "last_name", "company", "title", "stage", "owner",
                                               "tags", "do_not_contact")},
                 "emails": base[r.id]["emails"], "phones": base[r.id]["phones"], "source": r.source, "notes": r.notes}
                for r in page]
    if entity == "company":
        tags = tags_of(CompanyTag, "company", ids)
        return [{**{c: getattr(r, c) for c in COLUMNS["company"] if c != "tags"}, "tags": tags.get(r.id, [])} for r in page]
    if entity == "deal":
        return [{**d, "amount": Decimal(d["amount"]), "expected_close": r.expected_close, "notes": r.notes}
                for d, r in zip(deals.to_dicts(page), page)]
    if entity == "ticket":
        return tickets.to_dicts(page)
    return [{"id": r.id, "subject": r.subject, "due": r.due if r.due_has_time else r.due.date(),
             "contact_id": r.contact_id, "company_id": r.company_id, "deal_id": r.deal_id, "ticket_id": r.ticket_id,
             "priority": r.priority, "status": r.status, "every": r.every, "owner": r.owner, "notes": r.notes}
            for r in page]


def rows(entity: str, **filters) -> Iterator[dict]:
    """Every live record of one kind, oldest first, as {column: value} with real
    dates, Decimal amounts and lists for multi-valued fields."""
    entity = validate.choice(entity, ENTITIES, "entity")
    last = 0
    while True:
        page = list(_query(entity, **filters).where(MODELS[entity].id > last).order_by(MODELS[entity].id).limit(PAGE))
        if not page:
            return
        for row in _rows(entity, page):
            yield {c: row.get(c) for c in COLUMNS[entity]}
        last = page[-1].id


def count(entity: str, **filters) -> int:
    return _query(entity, **filters).count()
