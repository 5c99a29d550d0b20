"""Reminders for due follow-ups, delivered exactly once whatever cron does.

A run finds the occurrences that should fire (due time, or the end of a snooze,
minus the lead time, has passed) and have no delivered reminder. It claims them in
one BEGIN IMMEDIATE transaction (a unique row per follow-up occurrence, so two runs
can never both hold one), delivers, then marks them delivered; a failed delivery
releases its claims for the next run. A claim left by a run that died is taken over
once it is older than CLAIM_LEASE.
"""
from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from peewee import SQL

from db import clock, display, validate
from db.config import get_config
from db.errors import StoreError
from db.models import Company, Contact, ContactEmail, ContactPhone, Deal, FollowUp, Reminder, Ticket, database
from db.services import contacts, deals
from db.services.common import full_name, id_in, iso_local, now_utc
from db.store import write

CLAIM_LEASE = timedelta(minutes=10)
OVERDUE_AFTER = timedelta(minutes=15)  # later than this past due reads as overdue


@dataclass
class Due:
    """One reminder to deliver."""

    followup_id: int
    occurrence: datetime  # local
    item: dict = field(default_factory=dict)


def lead_time(value: str | None = None) -> timedelta:
    raw = value if value is not None else get_config().reminders.get("lead")
    return validate.duration(raw, "lead") if raw not in (None, "", "0") else timedelta(0)


def day_start() -> time:
    """When a follow-up with a date but no time fires (config [reminders] day_start)."""
    cfg = get_config()
    raw = cfg.reminders.get("day_start", "09:00")
    hour, _, minute = str(raw).partition(":")
    try:
        return time(int(hour), int(minute or 0))
    except ValueError:
        raise StoreError(f"{cfg.path or 'config'}: [reminders] day_start: {raw!r} is not a time like 09:00") from None


def due_at(row: FollowUp) -> datetime:
    """Local wall-clock due time (a dated follow-up is due at the start of the working day)."""
    return row.due if row.due_has_time else datetime.combine(row.due.date(), day_start())


def fires_at(row: FollowUp) -> datetime:
    """The local wall-clock time this occurrence fires: due, or the end of a snooze."""
    due = due_at(row)
    if row.snoozed_until and row.snoozed_until > due:
        return row.snoozed_until
    return due


def pending(lead: timedelta, now_utc_: datetime | None = None) -> list[Due]:
    """Occurrences that should have fired by now and have not been delivered."""
    tz = get_config().tz
    now = now_utc_ or now_utc()
    # Local times are compared loosely in SQL (a day of slack covers any DST shift),
    # then exactly in UTC below.
    horizon = clock.to_local(now, tz) + lead + timedelta(days=1)
    rows = list(FollowUp.select().where(
        (FollowUp.status == "open") & FollowUp.deleted_at.is_null() &
        (FollowUp.due <= horizon)))
    delivered = set()
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 900):
        delivered.update(Reminder.select(Reminder.followup, Reminder.occurrence).where(
            id_in(Reminder.followup, ids[start:start + 900]) & Reminder.delivered_at.is_null(False)).tuples())
    out = []
    for row in rows:
        occ = fires_at(row)
        if clock.to_utc(occ, tz) - lead > now or (row.id, occ) in delivered:
            continue
        out.append(Due(row.id, occ))
    return out


def _keys_in(due: list[Due]) -> SQL:
    """(follow-up, occurrence) IN (...) written out: Peewee's Tuple().in_ builds some
    30 objects per key, a second or two for a run with 10k reminders due."""
    p = database.obj.param
    return SQL(f"((followup_id, occurrence) IN ({', '.join([f'({p}, {p})'] * len(due))}))",
               [x for d in due for x in (d.followup_id, d.occurrence)])


def _chunks(items: list, size: int = 300):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def claim(due: list[Due], channel: str, now_utc_: datetime | None = None) -> tuple[str, list[Due]]:
    """Take the reminders no other run holds. Returns this run's token and what it got."""
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    now = now_utc_ or now_utc()
    mine: set[tuple[int, datetime]] = set()
    with write():
        for chunk in _chunks(due):
            Reminder.insert_many([{"followup": d.followup_id, "occurrence": d.occurrence, "claim": token,
                                   "claimed_at": now, "channel": channel} for d in chunk]).on_conflict_ignore().execute()
            # Ours if we just inserted it, or if the run holding it died (its lease ran out).
            (Reminder.update(claim=token, claimed_at=now, channel=channel)
             .where(_keys_in(chunk) & Reminder.delivered_at.is_null() &
                    ((Reminder.claim == token) | (Reminder.claimed_at < now - CLAIM_LEASE))).execute())
            mine.update(Reminder.select(Reminder.followup, Reminder.occurrence)
                        .where(_keys_in(chunk) & (Reminder.claim == token)).tuples())
    return token, [d for d in due if (d.followup_id, d.occurrence) in mine]


def mark_delivered(token: str, due: list[Due]) -> None:
    with write():
        for chunk in _chunks(due):
            (Reminder.update(delivered_at=now_utc())
             .where((Reminder.claim == token) & id_in(Reminder.followup, [d.followup_id for d in chunk])).execute())


def release(token: str, due: list[Due]) -> None:
    """Give claims back after a failed delivery, so the next run retries them."""
    with write():
        for chunk in _chunks(due):
            (Reminder.delete().where((Reminder.claim == token) & Reminder.delivered_at.is_null() &
                                     Reminder.followup.in_([d.followup_id for d in chunk])).execute())


def _people(ids: set[int]) -> dict[int, dict]:
    """id, name, email and phone (the first of each, as contacts.to_dicts gives them) of
    these contacts: all a reminder shows, without the rest of each contact (10k due)."""
    if not ids:
        return {}
    out = {cid: {"id": cid, "name": full_name(first, last), "email": None, "phone": None}
           for cid, first, last in Contact.select(Contact.id, Contact.first_name, Contact.last_name)
           .where(id_in(Contact.id, ids)).tuples()}
    for cid, address in (ContactEmail.select(ContactEmail.contact, ContactEmail.email)
                         .where(id_in(ContactEmail.contact, out)).order_by(ContactEmail.position, ContactEmail.id)
                         .tuples()):
        out[cid]["email"] = out[cid]["email"] or address
    for cid, raw, number in (ContactPhone.select(ContactPhone.contact, ContactPhone.raw, ContactPhone.number)
                             .where(id_in(ContactPhone.contact, out)).order_by(ContactPhone.position, ContactPhone.id)
                             .tuples()):
        out[cid]["phone"] = out[cid]["phone"] or contacts.display_phone(raw, number)
    return out


def describe(due: list[Due], now_utc_: datetime | None = None) -> list[dict]:
    """Fill in what a person needs to act: who to call, about what, how late."""
    if not due:
        return []
    tz = get_config().tz
    now = now_utc_ or now_utc()
    # (id_in: ids written into the SQL; binding 10k of them one by one cost Peewee seconds)
    rows = {r.id: r for r in FollowUp.select().where(id_in(FollowUp.id, [d.followup_id for d in due]))}
    people = _people({r.contact_id for r in rows.values() if r.contact_id})
    orgs = {c.id: c for c in Company.select().where(id_in(Company.id, {r.company_id for r in rows.values() if r.company_id}))}
    deal_rows = {d["id"]: d for d in deals.to_dicts(list(Deal.select().where(
        id_in(Deal.id, {r.deal_id for r in rows.values() if r.deal_id}))))}
    ticket_rows = {t.id: t for t in Ticket.select().where(id_in(Ticket.id, {r.ticket_id for r in rows.values() if r.ticket_id}))}
    out = []
    for d in sorted(due, key=lambda d: (d.occurrence, d.followup_id)):
        r = rows[d.followup_id]
        late = now - clock.to_utc(due_at(r), tz)
        person = people.get(r.contact_id)
        org = orgs.get(r.company_id)
        deal = deal_rows.get(r.deal_id)
        ticket = ticket_rows.get(r.ticket_id)
        d.item = {
            "id": r.id, "subject": r.subject, "due": iso_local(r.due, r.due_has_time),
            "fires_at": iso_local(d.occurrence), "priority": r.priority, "owner": r.owner,
            "overdue": late > OVERDUE_AFTER, "minutes_late": max(0, int(late.total_seconds() // 60)),
            "contact": None if not person else {k: person[k] for k in ("id", "name", "phone", "email")},
            "company": None if not org else {"id": org.id, "name": org.name, "phone": org.phone},
            "deal": None if not deal else {k: deal[k] for k in ("id", "title", "stage", "amount", "currency")},
            "ticket": None if not ticket else {"id": ticket.id, "subject": ticket.subject,
                                               "status": ticket.status, "priority": ticket.priority},
        }
        out.append(d.item)
    return out




def _ago(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes % 60 else f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def digest_text(items: list[dict]) -> str:
    """The plain-text digest: Overdue, then Due now; one block per follow-up."""
    lines = []
    owners = {i["owner"] for i in items}
    for title, group in (("Overdue", [i for i in items if i["overdue"]]),
                         ("Due now", [i for i in items if not i["overdue"]])):
        if not group:
            continue
        lines.append(f"{title} ({len(group)})")
        for i in group:
            when = f"{_ago(i['minutes_late'])} overdue" if i["overdue"] else f"due {display.when(i['due'])}"
            who = f" for {i['owner']}" if len(owners) > 1 else ""
            lines.append(f"  #{i['id']} {i['subject']} [{i['priority']}] - {when}{who}")
            c = i["contact"]
            if c:
                lines.append("      " + " · ".join(x for x in (c["name"], display.phone(c["phone"]), c["email"]) if x))
            if i["company"]:
                lines.append("      " + " · ".join(x for x in (i["company"]["name"], display.phone(i["company"]["phone"])) if x))
            if i["deal"]:
                d = i["deal"]
                lines.append(f"      deal #{d['id']} {d['title']} ({d['stage']}, {display.amount(d['amount'], d['currency'])})")
            if i["ticket"]:
                t = i["ticket"]
                lines.append(f"      ticket #{t['id']} {t['subject']} ({t['status']}, {t['priority']})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@dataclass
class Run:
    """What one `crm remind` run found and did. items are the reminders delivered
    (on a dry run: those that would be); failed ones are back for the next run."""

    items: list[dict]
    delivered: int = 0
    held_elsewhere: int = 0
    failed: int = 0


def run(deliver, channel: str, lead: timedelta, dry_run: bool = False) -> Run:
    """Find, claim, deliver, record. `deliver(items)` raises to signal failure; it
    may also return the ids of the follow-ups it failed (the rest count as delivered)."""
    due = pending(lead)
    if dry_run:
        return Run(describe(due))
    token, mine = claim(due, channel)
    items = describe(mine)
    if not mine:
        return Run([], 0, len(due))
    try:
        failed_ids = set(deliver(items) or ())
    except BaseException:
        release(token, mine)
        raise
    ok = [d for d in mine if d.followup_id not in failed_ids]
    mark_delivered(token, ok)
    release(token, [d for d in mine if d.followup_id in failed_ids])
    delivered = [i for i in items if i["id"] not in failed_ids]
    return Run(delivered, len(ok), len(due) - len(mine), len(mine) - len(ok))


def email_digests(items: list[dict]) -> tuple[set[int], list[str]]:
    """Send each owner one message with their reminders. Returns the follow-up ids
    that could not be sent and one line per failure."""
    from db import mail

    by_owner: dict[str | None, list[dict]] = {}
    for item in items:
        by_owner.setdefault(item["owner"], []).append(item)
    failed: set[int] = set()
    errors: list[str] = []
    for owner, group in by_owner.items():
        late = sum(1 for i in group if i["overdue"])
        subject = f"crm: {len(group)} follow-up{'s' if len(group) != 1 else ''} due" + (f" ({late} overdue)" if late else "")
        try:
            mail.send([(mail.recipient(owner), subject, digest_text(group))])
        except StoreError as exc:
            failed.update(i["id"] for i in group)
            errors.append(str(exc))
    return failed, errors
