"""What is open around a contact or a company: the deals, tickets and follow-ups a
360-degree view lists (one set of rules for both)."""
from __future__ import annotations

from db.models import Deal, FollowUp, Ticket


def open_work(deal_link, ticket_link, followup_link) -> dict:
    """Open deals, open tickets and open follow-ups matching each link condition."""
    from db.services import deals, followups, tickets

    return {
        "deals": deals.to_dicts(list(Deal.select().where(
            deal_link & Deal.deleted_at.is_null() & Deal.stage.not_in(["won", "lost"])).order_by(Deal.id))),
        "tickets": tickets.to_dicts(list(Ticket.select().where(
            ticket_link & Ticket.deleted_at.is_null() & Ticket.status.not_in(["resolved", "closed"]))
            .order_by(Ticket.id))),
        "followups": followups.to_dicts(list(FollowUp.select().where(
            followup_link & FollowUp.deleted_at.is_null() & (FollowUp.status == "open")).order_by(FollowUp.due))),
    }
