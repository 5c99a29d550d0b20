"""Service tickets: a customer's problem from first contact to closed."""
from __future__ import annotations

from datetime import timedelta
from statistics import median

from peewee import Case, fn

from db import search, validate
from db.config import get_config
from db.errors import Invalid, StoreError
from db.models import Contact, Ticket
from db.services import activities, companies, contacts, history, versions
from db.services.common import (
    Page,
    company_names,
    contact_names,
    get_deleted,
    get_live,
    iso_utc,
    now_utc,
    paged,
    reindex,
    set_deleted,
)
from db.services.documents import ticket_documents as documents  # what the writes reindex with
from db.store import write

STATUSES = ("new", "open", "pending", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "pending")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("phone", "email", "walk_in", "web", "other")
DONE_STATUSES = ("resolved", "closed")
# A comment is a reply to the customer unless marked internal. Both are timeline
# entries; the kind tells them apart, so the timeline needs no new column.
REPLY, INTERNAL = "comment", "internal"


def sla_of(row, now) -> dict:
    """Response and resolution service levels: met, breached or pending (not yet due).
    A ticket past new with no first response was born past new (an import from another
    tool, or one from before first responses were recorded): its response is unknown."""
    if row.first_response_at is not None:
        response = "breached" if row.response_due and row.first_response_at > row.response_due else "met"
    elif row.status == "new":
        response = "breached" if row.response_due and now > row.response_due else "pending"
    else:
        response = "unknown"
    if row.status not in OPEN_STATUSES:
        done = row.resolved_at or row.closed_at
        resolution = "breached" if row.resolution_due and done and done > row.resolution_due else "met"
    else:
        resolution = "breached" if row.resolution_due and now > row.resolution_due else "pending"
    return {"response": response, "resolution": resolution}


def breached_where(now):
    """The SQL twin of sla_of: either service level breached."""
    done = fn.COALESCE(Ticket.resolved_at, Ticket.closed_at)
    response = ((Ticket.first_response_at > Ticket.response_due)
                | (Ticket.first_response_at.is_null() & (Ticket.status == "new") & (Ticket.response_due < now)))
    resolution = ((Ticket.status.in_(DONE_STATUSES) & (done > Ticket.resolution_due))
                  | (Ticket.status.in_(OPEN_STATUSES) & (Ticket.resolution_due < now)))
    return response | resolution


def to_dicts(rows) -> list[dict]:
    now = now_utc()
    people = contact_names(r.contact_id for r in rows)
    orgs = company_names(r.company_id for r in rows)
    return [{
        "id": r.id, "subject": r.subject, "description": r.description,
        "contact_id": r.contact_id, "contact": people.get(r.contact_id),
        "company_id": r.company_id, "company": orgs.get(r.company_id),
        "status": r.status, "priority": r.priority, "channel": r.channel.replace("_", "-"),
        "assignee": r.assignee,
        "response_due": iso_utc(r.response_due), "resolution_due": iso_utc(r.resolution_due),
        "overdue": bool(r.status in OPEN_STATUSES and r.resolution_due and r.resolution_due < now),
        "resolved_at": iso_utc(r.resolved_at), "closed_at": iso_utc(r.closed_at),
        "created_at": iso_utc(r.created_at), "updated_at": iso_utc(r.updated_at),
        **_responses(r, now),
        "version": r.version, "updated_by": r.updated_by,
    } for r in rows]


def _responses(row, now) -> dict:
    sla = sla_of(row, now)
    return {"first_response_at": iso_utc(row.first_response_at), "sla": sla,
            "breached": [kind for kind, state in sla.items() if state == "breached"]}


def to_dict(row) -> dict:
    return to_dicts([row])[0]


def _links(values: dict) -> dict:
    out = {}
    if "contact" in values:
        out["contact"] = contacts.resolve(values["contact"]).id if values["contact"] not in (None, "") else None
    if "company" in values:
        out["company"] = companies.company_id(values["company"], create=False)
    return out


def _sla(priority: str, start):
    cfg = get_config()
    response, resolution = cfg.sla[priority]
    try:
        return start + timedelta(hours=response), start + timedelta(hours=resolution)
    except OverflowError:  # [sla] hours past any calendar
        raise StoreError(f"{cfg.path or 'config'}: [sla] {priority}: {response}, {resolution} hours is too long") from None


def create(values: dict) -> dict:
    subject = validate.text(values.get("subject"))
    if not subject:
        raise Invalid("subject", "a ticket needs a subject")
    priority = validate.choice(values.get("priority") or "normal", PRIORITIES, "priority")
    channel = validate.choice(values.get("channel") or "other", CHANNELS, "channel")
    status = validate.choice(values.get("status") or "new", STATUSES, "status")
    with write():
        links = _links(values)
        if not links.get("company") and links.get("contact"):
            links["company"] = Contact.get_by_id(links["contact"]).company_id
        now = now_utc()
        response_due, resolution_due = _sla(priority, now)
        row = Ticket.create(subject=subject, description=validate.text(values.get("description")),
                            priority=priority, channel=channel, status=status,
                            assignee=validate.text(values.get("assignee")),
                            response_due=response_due, resolution_due=resolution_due,
                            created_at=now, updated_at=now, **links)
        activities.log("status", f"Ticket opened ({priority}, via {channel.replace('_', '-')})",
                       contact=row.contact_id, company=row.company_id, ticket=row.id)
        reindex("ticket", [row.id], documents)
        history.created("ticket", row.id)
        return to_dict(row)


def show(ref) -> dict:
    row = get_live(Ticket, ref, "ticket")
    out = to_dict(row)
    out["comments"] = [a for a in reversed(activities.timeline_of("ticket", row.id)) if a["kind"] in (REPLY, INTERNAL)]
    out["timeline"] = activities.timeline_of("ticket", row.id)
    return out


def list_(query=None, status=None, priority=None, assignee=None, contact=None, overdue: bool = False,
          limit: int | None = None, breached: bool = False) -> Page:
    """Open tickets by default (status='all' for every one), most urgent and oldest first."""
    q = Ticket.select().where(Ticket.deleted_at.is_null())
    if query:
        q = q.where(search.matches(Ticket.id, "ticket", query))
    if status in (None, "", "open_all"):
        q = q.where(Ticket.status.in_(OPEN_STATUSES))
    elif status != "all":
        q = q.where(Ticket.status == validate.choice(status, STATUSES, "status"))
    if priority:
        q = q.where(Ticket.priority == validate.choice(priority, PRIORITIES, "priority"))
    if assignee:
        q = q.where(Ticket.assignee == assignee)
    if contact is not None:
        q = q.where(Ticket.contact == contacts.resolve(contact).id)
    if overdue:
        q = q.where(Ticket.status.in_(OPEN_STATUSES) & (Ticket.resolution_due < now_utc()))
    if breached:
        q = q.where(breached_where(now_utc()))
    urgency = Case(Ticket.priority, [(p, i) for i, p in enumerate(reversed(PRIORITIES))], 9)
    page = paged(q.order_by(urgency, Ticket.created_at, Ticket.id), limit, lambda r: r)
    return Page(to_dicts(page.rows), page.total)


def update(ref, values: dict, expected_version=None, started_from: dict | None = None) -> dict:
    with write():
        row = get_live(Ticket, ref, "ticket")
        versions.check(row, "ticket", expected_version, started_from, to_dict)
        before = history.snapshot("ticket", row.id)
        if "subject" in values:
            row.subject = validate.text(values["subject"]) or row.subject
        if "description" in values:
            row.description = validate.text(values["description"])
        if values.get("priority"):
            priority = validate.choice(values["priority"], PRIORITIES, "priority")
            if priority != row.priority:
                activities.log("status", f"Priority {row.priority} -> {priority}", contact=row.contact_id,
                               company=row.company_id, ticket=row.id)
                row.priority = priority
                row.response_due, row.resolution_due = _sla(priority, row.created_at)
        if values.get("channel"):
            row.channel = validate.choice(values["channel"], CHANNELS, "channel")
        for key, value in _links(values).items():
            setattr(row, key, value)
        row.updated_at = now_utc()
        row.save()
        reindex("ticket", [row.id], documents)
        history.changed("ticket", before)
        return to_dict(row)


def set_status(ref, status: str, note: str | None = None) -> dict:
    status = validate.choice(status, STATUSES, "status")
    with write():
        row = get_live(Ticket, ref, "ticket")
        if status == row.status:
            raise Invalid("status", f"ticket {row.id} is already {status}")
        history.event("ticket", row.id, "updated", field="status", old=row.status, new=status)
        old, row.status = row.status, status
        now = now_utc()
        if old == "new" and row.first_response_at is None:
            row.first_response_at = now  # the first move out of new answers the customer
        if status == "resolved":
            row.resolved_at = now
        elif status == "closed":
            row.closed_at = now
            row.resolved_at = row.resolved_at or now
        else:
            row.resolved_at = row.closed_at = None
        row.updated_at = now
        row.save()
        body = f"Status {old} -> {status}" + (f": {note}" if note else "")
        activities.log("status", body, contact=row.contact_id, company=row.company_id, ticket=row.id)
        return to_dict(row)


def comment(ref, body: str, author: str | None = None, internal: bool = False) -> dict:
    """A reply to the customer, or with internal=True a note for the team. Only a reply
    is a response: it records first_response_at and takes a new ticket to open."""
    body = validate.text(body)
    if not body:
        raise Invalid("comment", "the comment is empty")
    with write():
        row = get_live(Ticket, ref, "ticket")
        entry = activities.log(INTERNAL if internal else REPLY, body, contact=row.contact_id,
                               company=row.company_id, ticket=row.id, author=author)
        row.updated_at = now_utc()
        if not internal:
            row.first_response_at = row.first_response_at or row.updated_at
            if row.status == "new":
                history.event("ticket", row.id, "updated", field="status", old="new", new="open")
                row.status = "open"  # someone is on it
        row.save()
        return activities.to_dict(entry)


def assign(ref, assignee: str | None) -> dict:
    with write():
        row = get_live(Ticket, ref, "ticket")
        if validate.text(assignee) != row.assignee:
            history.event("ticket", row.id, "updated", field="assignee", old=row.assignee,
                          new=validate.text(assignee))
        row.assignee = validate.text(assignee)
        row.updated_at = now_utc()
        row.save()
        activities.log("status", f"Assigned to {row.assignee}" if row.assignee else "Unassigned",
                       contact=row.contact_id, company=row.company_id, ticket=row.id)
        return to_dict(row)


def delete(ref) -> dict:
    with write():
        row = get_live(Ticket, ref, "ticket")
        set_deleted(row, True, "ticket", documents)
        history.event("ticket", row.id, "deleted")
        return to_dict(row)


def restore(ref) -> dict:
    with write():
        row = get_deleted(Ticket, ref, "ticket")
        set_deleted(row, False, "ticket", documents)
        history.event("ticket", row.id, "restored")
        return to_dict(row)


def report() -> dict:
    """Open tickets by status and by priority, and the oldest open one; and over every
    ticket not in the trash, whatever its status: how many breached each service level,
    and the median hours from opening to the first response."""
    live_open = Ticket.deleted_at.is_null() & Ticket.status.in_(OPEN_STATUSES)
    by_status = dict(Ticket.select(Ticket.status, fn.COUNT(Ticket.id)).where(live_open).group_by(Ticket.status).tuples())
    by_priority = dict(Ticket.select(Ticket.priority, fn.COUNT(Ticket.id)).where(live_open).group_by(Ticket.priority).tuples())
    oldest = Ticket.select().where(live_open).order_by(Ticket.created_at, Ticket.id).first()
    overdue = Ticket.select().where(live_open & (Ticket.resolution_due < now_utc())).count()
    live = list(Ticket.select().where(Ticket.deleted_at.is_null()))
    levels = [sla_of(t, now_utc()) for t in live]
    waits = [(t.first_response_at - t.created_at).total_seconds() / 3600 for t in live if t.first_response_at]
    return {
        "open": sum(by_status.values()),
        "by_status": {s: by_status.get(s, 0) for s in OPEN_STATUSES},
        "by_priority": {p: by_priority.get(p, 0) for p in reversed(PRIORITIES)},
        "overdue": overdue,
        "oldest_open": None if oldest is None else {
            "id": oldest.id, "subject": oldest.subject, "created_at": iso_utc(oldest.created_at),
            "age_days": (now_utc() - oldest.created_at).days},
        "breached_response": sum(s["response"] == "breached" for s in levels),
        "breached_resolution": sum(s["resolution"] == "breached" for s in levels),
        "median_response_hours": round(median(waits), 2) if waits else None,
    }
