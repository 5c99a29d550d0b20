"""The 360-degree pages: a contact or a company with what is open around it (deals,
tickets, follow-ups: one set of rules for both) and one timeline. Read-only, and above
every service it gathers from."""
from __future__ import annotations

from db.fields import stored
from db.models import Contact, Deal, FollowUp, Ticket
from db.services import activities, companies, contacts, deals, followups, tickets


def open_work(deal_link, ticket_link, followup_link) -> dict:
    """Open deals, open tickets and open follow-ups matching each link condition."""
    return {
        "deals": deals.to_dicts(list(Deal.select().where(
            deal_link & Deal.deleted_at.is_null() & Deal.stage.not_in(["won", "lost"])).order_by(Deal.id))),
        "tickets": tickets.to_dicts(list(Ticket.select().where(
            ticket_link & Ticket.deleted_at.is_null() & Ticket.status.not_in(["resolved", "closed"]))
            .order_by(Ticket.id))),
        "followups": followups.to_dicts(list(FollowUp.select().where(
            followup_link & FollowUp.deleted_at.is_null() & (FollowUp.status == "open")).order_by(FollowUp.due))),
    }


def contact(ref) -> dict:
    """The contact, its company, open deals, open tickets, open follow-ups and one
    timeline across the contact, its deals and tickets."""
    row = contacts.resolve(ref)
    out = contacts.to_dict(row)
    out |= {k: getattr(row, k) for k in stored("contact") if k not in out}  # (source, notes: db/fields.py)
    out["company_detail"] = companies.to_dict(row.company) if row.company_id else None
    out |= open_work(Deal.contact == row.id, Ticket.contact == row.id, FollowUp.contact == row.id)
    out["timeline"] = activities.timeline_of_contact(row.id)
    return out


def company(ref) -> dict:
    """The company, its people, open deals, open tickets, open follow-ups and one
    timeline across it, its people, deals and tickets."""
    row = companies.resolve(ref)
    out = companies.to_dict(row)
    out["people"] = contacts.list_(company=row.id).rows
    people = Contact.select(Contact.id).where(Contact.company == row.id)
    out |= open_work((Deal.company == row.id) | Deal.contact.in_(people),
                     (Ticket.company == row.id) | Ticket.contact.in_(people),
                     (FollowUp.company == row.id) | FollowUp.contact.in_(people))
    out["timeline"] = activities.timeline_of_company(row.id)
    return out
