"""The morning summary: what needs doing today and how the business stands."""
from __future__ import annotations

from db.models import Company, Contact, Deal, FollowUp
from db.services import activities, contacts, deals, followups, tickets


def summary() -> dict:
    overdue = followups.list_(when="overdue").rows
    seen = {f["id"] for f in overdue}
    due = overdue + [f for f in followups.list_(when="today").rows if f["id"] not in seen]
    names = contacts.names_of(f["contact_id"] for f in due)
    for f in due:
        f["contact"] = names.get(f["contact_id"])
    return {
        "contacts": Contact.select().where(Contact.deleted_at.is_null()).count(),
        "companies": Company.select().where(Company.deleted_at.is_null()).count(),
        "open_deals": Deal.select().where(Deal.deleted_at.is_null() & Deal.stage.not_in(["won", "lost"])).count(),
        "followups": followups.counts(),
        "due_followups": due,
        "tickets": tickets.report(),
        "ticket_queue": tickets.list_(limit=8).rows,
        "pipeline": deals.pipeline(),
        "recent": activities.recent(5),
        "open_followups": FollowUp.select().where(FollowUp.deleted_at.is_null() & (FollowUp.status == "open")).count(),
    }
