"""Which open follow-up to do next: an urgency score, explained.

The score adds five parts (higher is more urgent):

- due: overdue 8 + 0.5 a day (max 15); due today 6; within a week 6 x (1 - days/7); later 0
- priority: urgent 6, high 4, normal 1.5, low 0
- deal: the linked open deal's amount x probability, 2 x log10(1 + value/100) in major
  units (max 5); currencies are not converted
- ticket: the linked open ticket's priority (urgent 4, high 2.5, normal 1, low 0), +3
  when its resolution time has passed or is within 24 hours
- neglect: a point per week since the contact's last activity (max 4; a contact never
  touched counts from when it was created)
"""
from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from peewee import fn

from db.models import Activity, Contact, Deal, FollowUp, Ticket
from db.services import followups
from db.services.common import now_local, now_utc
from db.validate import exponent

PRIORITY = {"urgent": 6.0, "high": 4.0, "normal": 1.5, "low": 0.0}
TICKET_PRIORITY = {"urgent": 4.0, "high": 2.5, "normal": 1.0, "low": 0.0}


def _due_part(due: datetime, has_time: bool, now: datetime) -> float:
    today = datetime.combine(now.date(), time())
    late = (now - due) if has_time else (today - due)
    if late > timedelta(0):
        return min(15.0, 8.0 + 0.5 * late.days)
    days = (due.date() - now.date()).days
    if days == 0:
        return 6.0
    if days < 7:
        return round(6.0 * (1 - days / 7), 2)
    return 0.0


def ranked(limit: int | None = None, owner: str | None = None) -> list[dict]:
    """Open, unsnoozed follow-ups, most urgent first, each with its score and parts."""
    now = now_local()
    q = FollowUp.select().where((FollowUp.status == "open") & FollowUp.deleted_at.is_null() &
                                (FollowUp.snoozed_until.is_null() | (FollowUp.snoozed_until <= now)))
    if owner:
        q = q.where(FollowUp.owner == owner)
    rows = list(q)
    deal_ids = {r.deal_id for r in rows if r.deal_id}
    ticket_ids = {r.ticket_id for r in rows if r.ticket_id}
    contact_ids = {r.contact_id for r in rows if r.contact_id}
    deal_value = {d.id: d.amount / 10 ** exponent(d.currency) * d.probability / 100 for d in Deal.select().where(
        Deal.id.in_(deal_ids) & Deal.deleted_at.is_null() & Deal.stage.not_in(["won", "lost"]))} if deal_ids else {}
    open_tickets = {t.id: t for t in Ticket.select().where(
        Ticket.id.in_(ticket_ids) & Ticket.deleted_at.is_null() &
        Ticket.status.in_(["new", "open", "pending"]))} if ticket_ids else {}
    touched = dict(Activity.select(Activity.contact, fn.MAX(Activity.occurred_at)).where(
        Activity.contact.in_(contact_ids)).group_by(Activity.contact).tuples()) if contact_ids else {}
    created = dict(Contact.select(Contact.id, Contact.created_at).where(Contact.id.in_(contact_ids)).tuples()) \
        if contact_ids else {}
    utc_now = now_utc()
    out = []
    for r in rows:
        parts = {"due": _due_part(r.due, r.due_has_time, now), "priority": PRIORITY.get(r.priority, 0.0),
                 "deal": 0.0, "ticket": 0.0, "neglect": 0.0}
        if r.deal_id in deal_value:
            parts["deal"] = round(min(5.0, 2 * math.log10(1 + deal_value[r.deal_id] / 100)), 2)
        ticket = open_tickets.get(r.ticket_id)
        if ticket is not None:
            soon = ticket.resolution_due is not None and ticket.resolution_due - utc_now < timedelta(hours=24)
            parts["ticket"] = TICKET_PRIORITY.get(ticket.priority, 0.0) + (3.0 if soon else 0.0)
        if r.contact_id:
            last = touched.get(r.contact_id) or created.get(r.contact_id)
            if last is not None:
                parts["neglect"] = round(min(4.0, (utc_now - last).days / 7), 2)
        item = followups.to_dict(r)
        item["urgency"] = round(sum(parts.values()), 2)
        item["parts"] = parts
        out.append(item)
    out.sort(key=lambda i: (-i["urgency"], i["due"], i["id"]))
    return out[:limit] if limit else out
