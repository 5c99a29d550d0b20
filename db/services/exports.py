"""Records as flat rows for export: the columns an import of the same file reads back,
plus what a user owns that an import does not read (the timeline and deal stage
history: their own sheets, skipped with a note when the workbook comes back in)."""
from __future__ import annotations

from datetime import datetime, time, timezone
from decimal import Decimal
from operator import itemgetter
from typing import Iterator

from db import fields, search, validate
from db.config import get_config
from db.errors import Invalid
from db.models import (Activity, Company, CompanyTag, Contact, ContactEmail, ContactPhone, ContactTag, Deal, DealStage,
                       Tag, Ticket, database)
from db.services import contacts, deals, tickets
from db.services.common import has_tag, id_in, tags_of
from db.services.kinds import KINDS, PARENTS_FIRST

RECORDS = PARENTS_FIRST  # what an import reads back: the kinds of record
HISTORY = ("activity", "stage_history")  # exported only: an import skips their sheets
ENTITIES = RECORDS + HISTORY
SHEETS = {**{name: KINDS[name].plural for name in RECORDS}, "activity": "activities", "stage_history": "stage_history"}
EXPORT_ONLY_SHEETS = frozenset(SHEETS[e] for e in HISTORY)
_NAMES = {"activity": "activity", "activities": "activity", "timeline": "activity", "stagehistory": "stage_history",
          "stagehistories": "stage_history", "dealstagehistory": "stage_history", "history": "stage_history"}
COLUMNS = {
    "company": fields.export_columns("company"),  # (db/fields.py: external_id last)
    "contact": fields.export_columns("contact"),
    "deal": ["id", "title", "contact_id", "company_id", "amount", "currency", "stage", "probability", "expected_close",
             "owner", "lost_reason", "notes"],
    "ticket": ["id", "subject", "description", "contact_id", "company_id", "status", "priority", "channel", "assignee"],
    "followup": ["id", "subject", "due", "contact_id", "company_id", "deal_id", "ticket_id", "priority", "status",
                 "every", "owner", "notes"],
    # times in these two are local wall-clock time, like a follow-up's due
    "activity": ["id", "kind", "occurred_at", "author", "contact_id", "company_id", "deal_id", "ticket_id", "body"],
    "stage_history": ["deal_id", "deal", "stage", "entered_at", "left_at"],
}
for _entity in RECORDS:  # where each record came from: kept, last so the columns before keep their places
    if "external_id" not in COLUMNS[_entity]:
        COLUMNS[_entity].append("external_id")
MODELS = {**{name: KINDS[name].model for name in RECORDS}, "activity": Activity, "stage_history": DealStage}
PAGE = 5000


def entity_of(text: str) -> str | None:
    """'activities', 'Stage history', 'stage-history' -> the export-only entity they
    name; None for anything else (a record kind, checked by the importer's names)."""
    key = "".join(ch for ch in str(text).lower() if ch.isalnum())
    return _NAMES.get(key)


def _live(parent, field):
    """The row's link to parent is empty or points at a record not in the trash."""
    return field.is_null() | field.in_(parent.select(parent.id).where(parent.deleted_at.is_null()))


def _utc(local_day: datetime) -> datetime:
    """A local wall-clock time as the naive UTC the store keeps."""
    return local_day.replace(tzinfo=get_config().tz).astimezone(timezone.utc).replace(tzinfo=None)


def _local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(get_config().tz).replace(tzinfo=None, microsecond=0)


def _history_query(entity: str, owner=None, since=None, until=None, **picked):
    """The timeline of live records, or the stage history of live deals. --owner is
    the activity's author or the deal's owner; --since/--until the time it happened.
    The filters that pick records (--search, --tag, --stage, --status) keep only the
    history of records the record sheets carry under the same filters: a filtered
    export never carries everyone's timeline."""
    picked = {k: v for k, v in picked.items() if v}

    def chosen(kind):
        return _query(kind, **picked).select(MODELS[kind].id)

    if entity == "activity":
        q = Activity.select().where(_live(Contact, Activity.contact) & _live(Company, Activity.company)
                                    & _live(Deal, Activity.deal) & _live(Ticket, Activity.ticket))
        if picked:
            q = q.where(Activity.contact.in_(chosen("contact")) | Activity.company.in_(chosen("company"))
                        | Activity.deal.in_(chosen("deal")) | Activity.ticket.in_(chosen("ticket")))
        when, who = Activity.occurred_at, Activity.author
    else:
        q = DealStage.select(DealStage, Deal.id, Deal.title).join(Deal).where(Deal.deleted_at.is_null())
        if picked:
            q = q.where(Deal.id.in_(chosen("deal")))
        when, who = DealStage.entered_at, Deal.owner
    if owner:
        q = q.where(who == owner)
    if since:
        q = q.where(when >= _utc(datetime.combine(since, time())))
    if until:
        q = q.where(when <= _utc(datetime.combine(until, time.max)))
    return q


def _query(entity: str, query=None, tag=None, stage=None, status=None, owner=None, since=None, until=None,
           segment=None):
    if segment and entity != "contact":  # a segment is a saved view of contacts
        raise Invalid("segment", f"a segment selects contacts, not {SHEETS[entity]}; export --entity contact")
    if entity in HISTORY:
        return _history_query(entity, owner=owner, since=since, until=until, query=query, tag=tag, stage=stage,
                              status=status)
    m = MODELS[entity]
    q = m.select().where(m.deleted_at.is_null())
    if segment:
        q = contacts.filtered(q, segment=segment)
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
    if entity == "activity":
        return [{"id": r.id, "kind": r.kind, "occurred_at": _local(r.occurred_at), "author": r.author,
                 "contact_id": r.contact_id, "company_id": r.company_id, "deal_id": r.deal_id,
                 "ticket_id": r.ticket_id, "body": r.body} for r in page]
    if entity == "stage_history":
        return [{"deal_id": r.deal.id, "deal": r.deal.title, "stage": r.stage, "entered_at": _local(r.entered_at),
                 "left_at": _local(r.left_at)} for r in page]
    rows = _record_rows(entity, page)
    for row, r in zip(rows, page):
        row["external_id"] = r.external_id
    return rows


def _record_rows(entity: str, page: list) -> list[dict]:
    ids = [r.id for r in page]
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


# A contact's own columns, read as tuples: an export of 100k contacts spent more time
# building model objects (and parsing timestamps it never writes) than writing the file.
_OWN = [k for k in fields.stored("contact") if k in COLUMNS["contact"]]  # a column of their own (db/fields.py)
# the company's name read beside it (a subquery on its key: no join the filters could meet)
_COMPANY_NAME = Company.select(Company.name).where(Company.id == Contact.company)
_CONTACT_FIELDS = (Contact.id, _COMPANY_NAME, Contact.do_not_contact, *(getattr(Contact, k) for k in _OWN))


# A row is picked into the columns' order by one C-level call: a dict per row (and a
# second one in the columns' order) was most of the export's time.
_in_column_order = itemgetter(*(("id", "emails", "phones", "company", "tags", "do_not_contact", *_OWN).index(c)
                                for c in COLUMNS["contact"]))


def _among(column, ids: list[int]):
    """column is one of ids (ascending). A range when they are nearly every id in it (a
    whole export: scanning the range cost less than parsing 5,000 literals); the rows of
    ids between them that are not in the page are passed over by the reader."""
    if ids[-1] - ids[0] < 2 * len(ids):
        return column.between(ids[0], ids[-1])
    return id_in(column, ids)


def _contact_table(**filters) -> Iterator[tuple]:
    last = 0
    while True:
        page = database.execute(_query("contact", **filters).select(*_CONTACT_FIELDS).where(Contact.id > last)
                                .order_by(Contact.id).limit(PAGE)).fetchall()  # as the driver gives them
        if not page:
            return
        ids = [r[0] for r in page]
        emails: dict[int, list[str]] = {i: [] for i in ids}
        phones: dict[int, list[str]] = {i: [] for i in ids}
        tags: dict[int, list[str]] = {i: [] for i in ids}
        for cid, address in database.execute(ContactEmail.select(ContactEmail.contact, ContactEmail.email)
                                             .where(_among(ContactEmail.contact, ids))
                                             .order_by(ContactEmail.position, ContactEmail.id)):
            if cid in emails:
                emails[cid].append(address)
        for cid, raw, number in database.execute(ContactPhone.select(ContactPhone.contact, ContactPhone.raw,
                                                                     ContactPhone.number)
                                                 .where(_among(ContactPhone.contact, ids))
                                                 .order_by(ContactPhone.position, ContactPhone.id)):
            if cid in phones:
                phones[cid].append(contacts.display_phone(raw, number))
        # as tags_of reads them, through the bare cursor: Peewee's row wrapper cost more than the query
        for cid, name in database.execute(ContactTag.select(ContactTag.contact, Tag.name).join(Tag)
                                          .where(_among(ContactTag.contact, ids)).order_by(Tag.name)):
            if cid in tags:
                tags[cid].append(name)
        for cid, company, dnc, *own in page:
            yield _in_column_order((cid, emails[cid], phones[cid], company, tags[cid], bool(dnc), *own))
        last = ids[-1]


def table(entity: str, **filters) -> Iterator[tuple]:
    """rows(), each row a tuple of the values in COLUMNS[entity] order: what a file
    writer wants, without a dict per row."""
    entity = validate.choice(entity, ENTITIES, "entity")
    if entity == "contact":
        return _contact_table(**filters)
    return (tuple(row.values()) for row in rows(entity, **filters))


def rows(entity: str, **filters) -> Iterator[dict]:
    """Every live record of one kind, oldest first, as {column: value} with real
    dates, Decimal amounts and lists for multi-valued fields."""
    entity = validate.choice(entity, ENTITIES, "entity")
    if entity == "contact":
        columns = COLUMNS["contact"]
        yield from (dict(zip(columns, row)) for row in _contact_table(**filters))
        return
    last, m = 0, MODELS[entity]
    while True:
        page = list(_query(entity, **filters).where(m.id > last).order_by(m.id).limit(PAGE))
        if not page:
            return
        for row in _rows(entity, page):
            yield {c: row.get(c) for c in COLUMNS[entity]}
        last = page[-1].id


def contact_cards(**filters) -> Iterator[dict]:
    """Every live contact the filters select, oldest first, as contacts.to_dicts gives
    it (with the labels of emails and phones) plus notes: for the other tools' layouts."""
    last = 0
    while True:
        page = list(_query("contact", **filters).where(Contact.id > last).order_by(Contact.id).limit(PAGE))
        if not page:
            return
        for card, row in zip(contacts.to_dicts(page), page):
            yield {**card, "notes": row.notes}
        last = page[-1].id


def count(entity: str, **filters) -> int:
    return _query(entity, **filters).count()


# A mailing list: one row per address. Decided: each person gives one address (the
# first of theirs that is deliverable), so nobody gets the mailing twice.
MAILING_COLUMNS = ["email", "first_name", "last_name", "name", "company", "title", "stage", "tags"]
LEFT_OUT = ("do_not_contact", "no_email", "undeliverable", "duplicate")


def _deliverable(address: str) -> bool:
    try:
        validate.email(address)
    except Invalid:
        return False
    return True


def _suppressed() -> set[str]:
    """Every address of a live do-not-contact person, case-folded: it stays off the list
    even when another record (a duplicate person not marked) holds it too."""
    q = (ContactEmail.select(ContactEmail.email).join(Contact)
         .where(Contact.do_not_contact & Contact.deleted_at.is_null()))
    return {e.casefold() for (e,) in q.tuples()}


def mailing_rows(left_out: dict, **filters) -> Iterator[dict]:
    """The contacts the filters (and segment) select as mailing rows, oldest first.
    Left out, and counted in left_out by reason: do-not-contact people (always, and any
    address one of them holds), people without an email, people whose addresses are all
    undeliverable (bad syntax), and addresses already on the list (case-insensitive)."""
    for reason in LEFT_OUT:
        left_out.setdefault(reason, 0)
    suppressed, seen = _suppressed(), set()
    last = 0
    while True:
        page = list(_query("contact", **filters).where(Contact.id > last).order_by(Contact.id).limit(PAGE))
        if not page:
            return
        for c in contacts.to_dicts(page):
            if c["do_not_contact"]:
                left_out["do_not_contact"] += 1
                continue
            if not c["emails"]:
                left_out["no_email"] += 1
                continue
            address = next((e.strip() for e in c["emails"] if _deliverable(e)), None)
            if address is None:
                left_out["undeliverable"] += 1
                continue
            key = address.casefold()
            if key in suppressed:
                left_out["do_not_contact"] += 1
                continue
            if key in seen:
                left_out["duplicate"] += 1
                continue
            seen.add(key)
            yield {"email": address, **{k: c[k] for k in MAILING_COLUMNS[1:]}}
        last = page[-1].id
