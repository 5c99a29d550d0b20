"""Follow-ups: calls to make and things to chase, due at a local wall-clock time."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from db import validate
from db.config import get_config
from db.identity import current_user
from db.errors import Invalid, NotFound
from db.models import Deal, FollowUp, Ticket
from db.services import activities, companies, contacts, history, versions
from db.services.common import (
    Page,
    contact_names,
    get_deleted,
    get_live,
    iso_local,
    now_local,
    now_utc,
    paged,
    refuse_trashed,
    set_deleted,
)
from db.store import write

PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("open", "done", "cancelled")


def _live(ref) -> FollowUp:
    try:
        return get_live(FollowUp, ref, "follow-up")
    except NotFound:
        refuse_trashed(FollowUp, ref, "follow-up")
        raise


def to_dicts(rows) -> list[dict]:
    return [{
        "id": r.id, "subject": r.subject, "due": iso_local(r.due, r.due_has_time),
        "status": r.status, "priority": r.priority,
        "contact_id": r.contact_id, "company_id": r.company_id,
        "deal_id": r.deal_id, "ticket_id": r.ticket_id,
        "every": r.every, "snoozed_until": iso_local(r.snoozed_until), "owner": r.owner,
        "version": r.version, "updated_by": r.updated_by,
    } for r in rows]


def to_dict(row) -> dict:
    return to_dicts([row])[0]


def named(rows: list[dict]) -> list[dict]:
    """The rows with their contact's name beside its id (contact_name, last so a CSV keeps
    its earlier columns in place): one query for the lot, after a list is cut to size."""
    names = contact_names(r["contact_id"] for r in rows)
    return [{**r, "contact_name": names.get(r["contact_id"])} for r in rows]


def _when(value, field: str) -> tuple[datetime, bool]:
    return validate.parse_when(value, field, now_local(), get_config().dayfirst)


def occurrence(start: datetime, every: str, index: int) -> datetime:
    """The index-th occurrence of a chain that began at `start`. Counting from the
    start keeps month ends: Jan 31, Feb 28, Mar 31 (not Mar 28)."""
    if every == "weekdays":
        step = start
        for _ in range(index):
            step += timedelta(days=1)
            while step.weekday() >= 5:
                step += timedelta(days=1)
        return step
    n, unit = int(every[:-1]), every[-1]
    return start + {"d": relativedelta(days=n * index), "w": relativedelta(weeks=n * index),
                    "m": relativedelta(months=n * index), "y": relativedelta(years=n * index)}[unit]


def create(subject: str, due, contact=None, company=None, deal=None, ticket=None, every=None,
           priority: str = "normal", owner: str | None = None, notes: str | None = None) -> dict:
    subject = validate.text(subject)
    if not subject:
        raise Invalid("subject", "a follow-up needs a subject")
    due_at, has_time = _when(due, "due")
    priority = validate.choice(priority or "normal", PRIORITIES, "priority")
    every = validate.every(every)
    with write():
        links = {
            "contact": contacts.resolve(contact).id if contact not in (None, "") else None,
            "company": None, "deal": None, "ticket": None,
        }
        if company not in (None, ""):
            links["company"] = companies.company_id(company, create=False)
        for key, model in (("deal", Deal), ("ticket", Ticket)):
            ref = {"deal": deal, "ticket": ticket}[key]
            if ref not in (None, ""):
                parent = get_live(model, ref, key)
                links[key] = parent.id
                links["contact"] = links["contact"] or parent.contact_id  # a deal's follow-up is about its contact
                links["company"] = links["company"] or parent.company_id
        if links["contact"] and not links["company"]:
            links["company"] = contacts.resolve(links["contact"]).company_id
        row = FollowUp.create(subject=subject, due=due_at, due_has_time=has_time, priority=priority,
                              every=every, chain_start=due_at, owner=validate.text(owner) or current_user(),
                              notes=validate.text(notes), **links)
        history.created("followup", row.id)
        return to_dict(row)


def _agenda_filter(q, when: str | None):
    """open follow-ups in one window of the agenda, hiding the snoozed ones."""
    now = now_local()
    today = datetime.combine(now.date(), time())
    tomorrow = today + timedelta(days=1)
    q = q.where((FollowUp.snoozed_until.is_null()) | (FollowUp.snoozed_until <= now))
    if when == "overdue":
        # a timed follow-up is overdue once its time passes; a dated one after its day
        return q.where((FollowUp.due_has_time & (FollowUp.due < now)) |
                       (~FollowUp.due_has_time & (FollowUp.due < today)))
    if when == "today":
        return q.where((FollowUp.due >= today) & (FollowUp.due < tomorrow))
    if when == "week":
        return q.where((FollowUp.due >= today) & (FollowUp.due < today + timedelta(days=7)))
    return q


def list_(when: str | None = None, status: str | None = "open", contact=None, owner=None,
          limit: int | None = None) -> Page:
    """Follow-ups by due time. when: overdue, today, week (the next 7 days) or None."""
    q = FollowUp.select().where(FollowUp.deleted_at.is_null())
    if status and status != "all":
        q = q.where(FollowUp.status == validate.choice(status, STATUSES, "status"))
    if when:
        q = _agenda_filter(q.where(FollowUp.status == "open"), when)
    if contact is not None:
        q = q.where(FollowUp.contact == contacts.resolve(contact).id)
    if owner:
        q = q.where(FollowUp.owner == owner)
    page = paged(q.order_by(FollowUp.due, FollowUp.id), limit, lambda r: r)
    return Page(named(to_dicts(page.rows)), page.total)


AGENDA_GROUPS = (("overdue", "Overdue"), ("today", "Today"), ("week", "This week"), (None, "Later"))


def agenda(owner: str | None = None) -> list[dict]:
    """Every open follow-up (of `owner` if given) with its group, in agenda order: Overdue,
    Today, This week, Later (by the windows list_ uses), then Snoozed (until they wake).
    Each row also carries its contact's name."""
    base = FollowUp.select().where(FollowUp.deleted_at.is_null() & (FollowUp.status == "open"))
    if owner:
        base = base.where(FollowUp.owner == owner)
    out, seen = [], set()
    for when, group in AGENDA_GROUPS:
        for r in to_dicts(_agenda_filter(base, when).order_by(FollowUp.due, FollowUp.id)):
            if r["id"] not in seen:  # a window also holds the earlier ones' rows (today's overdue calls)
                seen.add(r["id"])
                out.append({**r, "group": group})
    asleep = base.where(FollowUp.snoozed_until > now_local()).order_by(FollowUp.snoozed_until, FollowUp.id)
    out += [{**r, "group": "Snoozed"} for r in to_dicts(asleep)]
    names = contact_names(r["contact_id"] for r in out)
    return [{**r, "contact": names.get(r["contact_id"])} for r in out]


def counts() -> dict:
    base = FollowUp.select().where(FollowUp.deleted_at.is_null() & (FollowUp.status == "open"))
    return {w: _agenda_filter(base, w).count() for w in ("overdue", "today", "week")}


def show(ref) -> dict:
    return to_dict(_live(ref))


def _next_occurrence(row, from_done: bool) -> tuple[datetime, int, datetime]:
    """(chain start, index, next due) of a recurring follow-up. A recurrence stored
    before steps were bounded (every 99999999999999999999d) has no next date: Invalid,
    so `done` fails in one line and changes nothing."""
    try:
        if from_done:  # a new chain from today, at the same clock time
            start, index = occurrence(datetime.combine(now_local().date(), row.due.time()), row.every, 1), 0
        else:
            start, index = row.chain_start or row.due, row.chain_index + 1
        nxt = occurrence(start, row.every, index)
    except (ValueError, OverflowError):
        nxt = None
    if nxt is None or not validate.FIRST_YEAR <= nxt.year <= validate.LAST_YEAR:
        raise Invalid("every", f"follow-up {row.id} repeats every {row.every}: its next date is past "
                               f"{validate.LAST_YEAR}; cancel it instead (crm followup cancel {row.id})")
    return start, index, nxt


def done(ref, note: str | None = None, from_done: bool = False) -> dict:
    """Complete a follow-up, log it on the linked record, and schedule the next
    occurrence of a recurring one (from its due date unless from_done)."""
    with write():
        row = _live(ref)
        if row.status != "open":
            raise Invalid("status", f"follow-up {row.id} is already {row.status}")
        history.event("followup", row.id, "updated", field="status", old=row.status, new="done")
        row.status = "done"
        row.done_at = now_utc()
        row.updated_at = row.done_at
        row.save()
        activities.log("note", f"Follow-up done: {row.subject}" + (f" ({note})" if note else ""),
                       contact=row.contact_id, company=row.company_id, deal=row.deal_id, ticket=row.ticket_id)
        out = to_dict(row)
        if row.every:
            start, index, nxt = _next_occurrence(row, from_done)
            new = FollowUp.create(subject=row.subject, due=nxt, due_has_time=row.due_has_time,
                                  contact=row.contact_id, company=row.company_id, deal=row.deal_id,
                                  ticket=row.ticket_id, priority=row.priority, every=row.every,
                                  owner=row.owner, notes=row.notes, previous=row.id,
                                  chain_start=start, chain_index=index)
            out["next"] = to_dict(new)
            history.created("followup", new.id)
        return out


def snooze(ref, for_: str | None = None, until=None) -> dict:
    if bool(for_) == bool(until):
        raise Invalid("snooze", "give either a duration (2h, 1d, 1w) or an until time")
    wake = now_local() + validate.duration(for_, "for") if for_ else _when(until, "until")[0]
    if wake <= now_local():
        raise Invalid("until", "the snooze must end in the future")
    with write():
        row = _live(ref)
        if row.status != "open":
            raise Invalid("status", f"follow-up {row.id} is {row.status}; only open ones can be snoozed")
        before = history.snapshot("followup", row.id)
        row.snoozed_until = wake
        row.updated_at = now_utc()
        row.save()
        history.changed("followup", before)
        return to_dict(row)


def reschedule(ref, due, expected_version=None) -> dict:
    due_at, has_time = _when(due, "due")
    with write():
        row = _live(ref)
        versions.check(row, "follow-up", expected_version)
        before = history.snapshot("followup", row.id)
        row.due, row.due_has_time, row.snoozed_until = due_at, has_time, None
        row.chain_start, row.chain_index = due_at, 0  # a moved occurrence moves its chain
        row.updated_at = now_utc()
        row.save()
        history.changed("followup", before)
        return to_dict(row)


def update(ref, values: dict, expected_version=None, started_from: dict | None = None) -> dict:
    """Change a follow-up's subject, due, priority, repeat, owner or notes (the keys
    given; '' clears repeat, owner and notes). A new due moves its recurrence chain,
    as reschedule does."""
    changes = {}
    if "subject" in values:
        changes["subject"] = validate.text(values["subject"])
        if not changes["subject"]:
            raise Invalid("subject", "a follow-up needs a subject")
    if values.get("due") not in (None, ""):
        changes["due"], changes["due_has_time"] = _when(values["due"], "due")
    if values.get("priority") not in (None, ""):
        changes["priority"] = validate.choice(values["priority"], PRIORITIES, "priority")
    if "every" in values:
        changes["every"] = validate.every(values["every"] or None)
    for key in ("owner", "notes"):
        if key in values:
            changes[key] = validate.text(values[key]) or None
    with write():
        row = _live(ref)
        versions.check(row, "follow-up", expected_version, started_from, to_dict)
        before = history.snapshot("followup", row.id)
        for key, value in changes.items():
            setattr(row, key, value)
        if "due" in changes:
            row.snoozed_until, row.chain_start, row.chain_index = None, changes["due"], 0
        row.updated_at = now_utc()
        row.save()
        history.changed("followup", before)
        return to_dict(row)


def cancel(ref) -> dict:
    with write():
        row = _live(ref)
        history.event("followup", row.id, "updated", field="status", old=row.status, new="cancelled")
        row.status = "cancelled"
        row.updated_at = now_utc()
        row.save()
        return to_dict(row)


def delete(ref) -> dict:
    with write():
        row = _live(ref)
        set_deleted(row, True)
        history.event("followup", row.id, "deleted")
        return to_dict(row)


def restore(ref) -> dict:
    with write():
        row = get_deleted(FollowUp, ref, "follow-up")
        set_deleted(row, False)
        history.event("followup", row.id, "restored")
        return to_dict(row)


