"""Importing many contacts fast: matching against what the store holds, merging
duplicates inside the file, and writing each chunk with executemany in one
transaction (Model.create per row is ~40x slower).

Who is the same person (the matching rule):
- in our own export (a contacts sheet with both `id` and `external_id` columns) the
  `id` names the contact an earlier row of this file with that id matched or made;
  else this store's contact with that id, when it is live, was not made by this import
  and shares the name, an email or a phone with the row (an edited email still finds
  its person; another store's contact 3 shares none); else the row is matched as any
  other (so into a fresh store the file's ids link its own rows). The id is never
  stored: the sheet's `external_id` column is the contact's external id;
- else a row is the contact (stored, or made by an earlier row of the file) that has
  one of its emails, or its external id unless both have emails and share none (two
  systems' record 7 are not one person);
- a phone or a name alone is weaker evidence: it makes a row that contact only when
  no email says otherwise: if the row and the contact both have emails and share
  none, they are two people (colleagues share a switchboard, namesakes exist); a phone
  also needs the names to agree (the same first and last name, or one side has none):
  Jane Doe is not Alice Morgan because she called from Alice's desk;
- a phone that more than one row of the file carries (as far as the file has been
  read: the whole chunk, 2,000 rows, and every chunk before it) is a switchboard,
  not a person: it matches only together with the same name (and company).
So a file of 15 colleagues with one office number stays 15 people, whatever its
columns are called. The company's own values (HubSpot's company block, Outlook's
Company Main Phone) fill the company's empty fields, never the person's.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from db import bulk, search
from db.fields import stored
from db.identity import current_user
from db.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    Tag,
    database,
)
from db.services import claims, companies, contacts, history
from db.services.common import clean_tags, now_utc, reindex
from db.services.documents import contact_document
from db.store import is_sqlite
from db.validate import name_key

COMPANY_FILLS = ("phone", "domain", "address", "city", "country", "industry", "external_id", "notes")
FIELDS = stored("contact")  # the contact's columns a row fills (db/fields.py)


@dataclass
class ContactRow:
    """One validated spreadsheet row."""

    first_name: str | None = None
    last_name: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    company: str | None = None
    title: str | None = None
    stage: str | None = None
    source: str | None = None
    owner: str | None = None
    notes: str | None = None
    external_id: str | None = None
    tags: list[str] = field(default_factory=list)
    do_not_contact: bool | None = None
    birthday: str | None = None  # as contacts.birthday() gives it
    address: str | None = None
    email_labels: list[str | None] = field(default_factory=list)  # beside emails, position for position
    phone_labels: list[str | None] = field(default_factory=list)  # beside phones
    doc: tuple[str, str] | None = None  # its search document, made while checking (see with_document)
    company_fields: dict = field(default_factory=dict)  # the company's own phone, domain, address...: fill where empty
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (column, "kept, but ...") for the summary
    own_id = None  # our own export's `id` column (the matching rule): set by the row, not one of its values

    def with_document(self) -> ContactRow:
        """Build the search document now: a new contact made from this row alone uses
        it, so the checker (a second process for big files) does that work."""
        self.doc = document_of(self.first_name, self.last_name, _first_of_each(self.emails, str.lower),
                               _first_of_each(self.phones, lambda p: p[1]), self.company, vars(self))
        return self


def document_of(first, last, emails, phones, company, own: dict) -> tuple[str, str]:
    phone_texts = [x for raw, number in phones for x in (raw, number)]
    return contact_document(first, last, emails, phone_texts, company, own)


def _nothing_added() -> dict:
    return {"emails": [], "phones": [], "tags": []}


@dataclass
class _State:
    """A contact as the import sees it: loaded from the store or about to be created."""

    id: int
    new: bool
    fields: dict
    company_id: int | None
    emails: list[str]
    phones: list[tuple[str, str]]
    tags: set[str]
    before: dict = field(default_factory=dict)  # old values of what changed (for revert)
    added: dict = field(default_factory=_nothing_added)
    doc: tuple[str, str] | None = None  # a new contact's search document, while it is its row's alone
    updated_at: object = None  # as stored before this chunk: a failed import puts it back
    stamp: dict = field(default_factory=dict)  # version and updated_by before this chunk, likewise
    labels: dict = field(default_factory=dict)  # email (lower-cased) or phone number -> label, for rows we add


def _person(first, last) -> str | None:
    """The name a phone match needs to agree with."""
    return search.normalize(f"{first or ''} {last or ''}").strip() or None


def _name_key(first, last, company) -> str | None:
    name = search.normalize(f"{first or ''} {last or ''}").strip()
    return f"{name}|{search.normalize(company or '')}" if name else None


class ContactImporter:
    """Feed it chunks of rows; it returns what happened to each."""

    def __init__(self, batch_id: int | None, on_duplicate: str = "update", match=None, overwrite: bool = False,
                 file_ids: dict | None = None, ours: bool = False):
        self.batch_id = batch_id
        self.file_ids = {} if file_ids is None else file_ids  # ("contact", the file's id) -> contact, across sheets
        self.ours = ours  # the sheet is our own export: its ids are this store's
        self.made: set[int] = set()  # contacts this import created
        self.own: dict[int, tuple] = {}  # this chunk's stored contacts named by its ids: (name, emails, phones)
        self.notes: list[tuple[int, str]] = []  # (row of the chunk, what the summary should say)
        self.on_duplicate = on_duplicate
        self.overwrite = overwrite
        self.explicit_match = match is not None
        self.match = set(match or ("email", "phone", "external_id", "name"))
        self.owner = current_user()
        self.phone_rows: Counter = Counter()  # rows of this file that carry each phone number
        self.made_companies: set[int] = set()  # created by this import: filled without an undo record
        self._load_keys()

    def _load_keys(self) -> None:
        live = Contact.deleted_at.is_null()
        self.seen_up_to = Contact.select(Contact.id).order_by(Contact.id.desc()).scalar() or 0
        self.by_email = dict(ContactEmail.select(ContactEmail.email_key, ContactEmail.contact).join(Contact)
                             .where(live).order_by(ContactEmail.contact.desc()).tuples())
        self.by_phone = dict(ContactPhone.select(ContactPhone.number, ContactPhone.contact).join(Contact)
                             .where(live).order_by(ContactPhone.contact.desc()).tuples())
        self.with_email = set(self.by_email.values())
        self.by_external = dict(Contact.select(Contact.external_id, Contact.id)
                                .where(live & Contact.external_id.is_null(False)).order_by(Contact.id.desc()).tuples())
        self.companies = {name_key(name): cid for cid, name in Company.select(Company.id, Company.name)
                          .where(Company.deleted_at.is_null()).order_by(Company.id.desc()).tuples()}
        self.by_name: dict[str, int] = {}
        self.name_of: dict[int, str | None] = {}  # contact -> _person(): what a phone match checks
        if "name" in self.match or "phone" in self.match:
            names = dict(Company.select(Company.id, Company.name).tuples())
            for cid, first, last, company_id in (Contact.select(Contact.id, Contact.first_name, Contact.last_name,
                                                               Contact.company).where(live).order_by(Contact.id.desc()).tuples()):
                self.name_of[cid] = _person(first, last)
                key = _name_key(first, last, names.get(company_id)) if "name" in self.match else None
                if key:
                    self.by_name[key] = cid

    def _find(self, row: ContactRow) -> int | None:
        if self.on_duplicate == "create":
            return None
        own = self._own(row)
        if own is not None:
            return own
        if "external_id" in self.match and row.external_id:
            found = self.by_external.get(row.external_id)
            if found is not None and not self._other_person(row, found):
                return found
        if "email" in self.match:
            for e in row.emails:
                if e.lower() in self.by_email:
                    return self.by_email[e.lower()]
        if "phone" in self.match:
            for _, number in row.phones:
                found = self.by_phone.get(number)
                if found is None or self._other_person(row, found) or not self._same_name(row, found):
                    continue
                if self.phone_rows[number] > 1 and \
                        self.by_name.get(_name_key(row.first_name, row.last_name, row.company)) != found:
                    continue  # a number several rows carry is a switchboard: not enough alone
                return found
        keyless = not (row.emails or row.phones or row.external_id)
        if "name" in self.match and (keyless or self.explicit_match):
            found = self.by_name.get(_name_key(row.first_name, row.last_name, row.company))
            if found is not None and not self._other_person(row, found):
                return found
        return None

    def _other_person(self, row: ContactRow, found: int) -> bool:
        """Both have emails and share none: two people, whatever phone or name they share."""
        return bool(row.emails) and found in self.with_email and \
            all(self.by_email.get(e.lower()) != found for e in row.emails)

    def _same_name(self, row: ContactRow, found: int) -> bool:
        """A phone is a person's only with their name: the same, or one side has none."""
        mine, theirs = _person(row.first_name, row.last_name), self.name_of.get(found)
        return not mine or not theirs or mine == theirs

    def _own(self, row: ContactRow) -> int | None:
        """The contact our own export's id names (the matching rule), or None."""
        if not row.own_id:
            return None
        if ("contact", row.own_id) in self.file_ids:
            return self.file_ids[("contact", row.own_id)]
        stored = self.own.get(_as_id(row.own_id))
        if stored is None:
            return None
        name, emails, phones = stored
        shares = (name and name == _person(row.first_name, row.last_name)) or \
            any(e.lower() in emails for e in row.emails) or any(n in phones for _, n in row.phones)
        return _as_id(row.own_id) if shares else None

    def _load_own(self, rows: list[ContactRow]) -> None:
        """The stored contacts this chunk's ids name, in our own export (not ones this import made)."""
        self.own = {}
        ids = sorted({_as_id(r.own_id) for r in rows if r.own_id} - {0} - self.made) if self.ours else []
        db = database.obj
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ", ".join([db.param] * len(chunk))
            for cid, first, last in db.execute_sql(f"SELECT id, first_name, last_name FROM contact "
                                                   f"WHERE deleted_at IS NULL AND id IN ({marks})", chunk):
                self.own[cid] = (_person(first, last), set(), set())
            for cid, key in db.execute_sql(f"SELECT contact_id, email_key FROM contact_email "
                                           f"WHERE contact_id IN ({marks})", chunk):
                if cid in self.own:
                    self.own[cid][1].add(key)
            for cid, number in db.execute_sql(f"SELECT contact_id, number FROM contact_phone "
                                              f"WHERE contact_id IN ({marks})", chunk):
                if cid in self.own:
                    self.own[cid][2].add(number)

    def take_notes(self) -> list[tuple[int, str]]:
        """What the last chunk has to tell the summary: (its row, text)."""
        notes, self.notes = self.notes, []
        return notes

    def _remember(self, state: _State, company_name: str | None) -> None:
        for e in state.emails:
            self.by_email.setdefault(e.lower(), state.id)
        if state.emails:
            self.with_email.add(state.id)
        for _, n in state.phones:
            self.by_phone.setdefault(n, state.id)
        if state.fields.get("external_id"):
            self.by_external.setdefault(state.fields["external_id"], state.id)
        self.name_of[state.id] = _person(state.fields.get("first_name"), state.fields.get("last_name"))
        key = _name_key(state.fields.get("first_name"), state.fields.get("last_name"), company_name)
        if key:
            self.by_name.setdefault(key, state.id)

    def _load_states(self, ids: set[int]) -> dict[int, _State]:
        """The stored contacts these rows matched (plain SQL: this runs per chunk)."""
        states: dict[int, _State] = {}
        ids = sorted(ids)
        db = database.obj
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ", ".join([db.param] * len(chunk))
            for row in db.execute_sql(f"SELECT id, {', '.join(FIELDS)}, do_not_contact, company_id, updated_at, "
                                      f"version, updated_by FROM contact WHERE id IN ({marks})", chunk):
                states[row[0]] = _State(row[0], False, dict(zip((*FIELDS, "do_not_contact"), row[1:-4])),
                                        row[-4], [], [], set(), updated_at=row[-3],
                                        stamp={"version": row[-2], "updated_by": row[-1]})
            for cid, email in db.execute_sql(f"SELECT contact_id, email FROM contact_email WHERE contact_id IN ({marks}) "
                                             "ORDER BY position, id", chunk):
                states[cid].emails.append(email)
            for cid, raw, number in db.execute_sql(f"SELECT contact_id, raw, number FROM contact_phone "
                                                   f"WHERE contact_id IN ({marks}) ORDER BY position, id", chunk):
                states[cid].phones.append((raw, number))
            for cid, name in db.execute_sql(f"SELECT ct.contact_id, t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
                                            f"WHERE ct.contact_id IN ({marks})", chunk):
                states[cid].tags.add(name)
        return states

    def _company_ids(self, names: set[str]) -> None:
        """Link to companies by name (validate.name_key: Żabka and ŻABKA are one), creating
        the missing ones in bulk, one per key."""
        firsts: dict[str, str] = {}
        for n in sorted((n for n in names if n), key=str.lower):
            if name_key(n) not in self.companies:
                firsts.setdefault(name_key(n), n)
        missing = list(firsts.values())
        if not missing:
            return
        now = now_utc()
        rows = [{"name": n, "owner": self.owner, "import_batch": self.batch_id, "created_at": now, "updated_at": now}
                for n in missing]
        ids = insert_with_ids(Company, rows)
        self.made_companies.update(ids)
        for name, cid in zip(missing, ids):
            self.companies[name_key(name)] = cid
        search.index().put_many(
            ("company", cid, *search.document([name], [name])) for name, cid in zip(missing, ids))
        if self.batch_id:
            record_changes(self.batch_id, [("company", cid, "created", None, str(now)) for cid in ids])
        history.created("company", ids)

    def _fill_companies(self, rows: list[ContactRow]) -> None:
        """The company's own values from the rows (the first row that has one wins) fill
        its empty fields; a company that was there before the import gets an undo record."""
        wanted: dict[int, dict] = {}
        for r in rows:
            if r.company and r.company_fields:
                values = wanted.setdefault(self.companies[name_key(r.company)], {})
                for key, value in r.company_fields.items():
                    values.setdefault(key, value)
        if not wanted:
            return
        cols = COMPANY_FILLS
        now = str(now_utc())  # as Peewee stores datetimes on SQLite
        db = database.obj
        p = db.param
        ids = sorted(wanted)
        changes = []
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            for row in db.execute_sql(f"SELECT id, updated_at, version, updated_by, {', '.join(cols)} FROM company "
                                      f"WHERE id IN ({', '.join([p] * len(chunk))})", chunk):
                cid, stamp, current = row[0], row[1], dict(zip(cols, row[4:]))
                was = {"version": row[2], "updated_by": row[3]}
                sets = {k: v for k, v in wanted[cid].items() if k in current and current[k] in (None, "")}
                if not sets:
                    continue
                if cid in self.made_companies:  # still as created: a revert deletes it without asking
                    db.execute_sql(f"UPDATE company SET {', '.join(f'{k} = {p}' for k in sets)} WHERE id = {p}",
                                   (*sets.values(), cid))
                else:
                    db.execute_sql(f"UPDATE company SET {', '.join(f'{k} = {p}' for k in sets)}, updated_at = {p}, "
                                   f"version = version + 1, updated_by = {p} WHERE id = {p}",
                                   (*sets.values(), now, self.owner, cid))
                    changes.append(("company", cid, "updated", json.dumps(
                        {"fields": {k: current[k] for k in sets}, "updated_at": stamp, **was}, default=str), now))
                    for k, v in sets.items():
                        history.event("company", cid, "imported", field=k, old=current[k], new=v)
        if self.batch_id:
            record_changes(self.batch_id, changes)
        reindex("company", ids, companies.documents)

    def _merge(self, state: _State, row: ContactRow, company_id: int | None, overwrite: bool) -> bool:
        changed = False
        values = {f: getattr(row, f) for f in FIELDS}
        values["do_not_contact"] = row.do_not_contact
        for key, value in values.items():
            if value is None or value == "":
                continue
            current = state.fields.get(key)
            if key == "do_not_contact":
                if value and not current:  # an opt-out is never undone by an import
                    state.before.setdefault(key, current)
                    state.fields[key] = True
                    changed = True
                continue
            if current in (None, "") or (overwrite and current != value):
                state.before.setdefault(key, current)
                state.fields[key] = value
                changed = True
        if company_id and (state.company_id is None or (overwrite and state.company_id != company_id)):
            state.before.setdefault("company_id", state.company_id)
            state.company_id = company_id
            changed = True
        keys = {e.lower() for e in state.emails}
        for e in row.emails:
            if e.lower() not in keys:
                keys.add(e.lower())
                state.emails.append(e)
                state.added["emails"].append(e)
                changed = True
        numbers = {n for _, n in state.phones}
        for p in row.phones:
            if p[1] not in numbers:
                numbers.add(p[1])
                state.phones.append(p)
                state.added["phones"].append(p[1])
                changed = True
        for t in row.tags:
            if t not in state.tags:
                state.tags.add(t)
                state.added["tags"].append(t)
                changed = True
        return changed

    def _catch_up(self) -> None:
        """Keys of contacts other writers added since we last looked: the keys are loaded
        once per import, and a `crm contact add` may commit between two of our chunks."""
        claims.claim_all()  # PostgreSQL: single writers wait for this chunk, as on SQLite
        # Only by the contact ids past what we saw (the rowid and contact_id indexes), with
        # liveness checked here: asked in SQL, a fresh store's planner (no statistics yet)
        # walks every live contact by the deleted_at index instead, once per chunk.
        db, p, seen = database.obj, database.obj.param, self.seen_up_to
        live = set()
        for cid, first, last, external, deleted in db.execute_sql(
                f"SELECT id, first_name, last_name, external_id, deleted_at FROM contact WHERE id > {p}", (seen,)):
            self.seen_up_to = max(self.seen_up_to, cid)
            if deleted is None:
                live.add(cid)
                self.name_of.setdefault(cid, _person(first, last))
                if external is not None:
                    self.by_external.setdefault(external, cid)
        if not live:
            return
        for key, cid in db.execute_sql(f"SELECT email_key, contact_id FROM contact_email WHERE contact_id > {p}", (seen,)):
            if cid in live:
                self.by_email.setdefault(key, cid)
                self.with_email.add(cid)
        for number, cid in db.execute_sql(f"SELECT number, contact_id FROM contact_phone WHERE contact_id > {p}",
                                          (seen,)):
            if cid in live:
                self.by_phone.setdefault(number, cid)

    def add_chunk(self, rows: list[ContactRow]) -> list[str]:
        """Write one chunk (the caller holds the write transaction). Returns
        'created', 'updated' or 'skipped' for each row."""
        self._catch_up()
        self._load_own(rows)
        self._company_ids({r.company for r in rows if r.company})
        self._fill_companies(rows)
        for r in rows:
            self.phone_rows.update({number for _, number in r.phones})
        matches = [self._find(r) for r in rows]
        existing = self._load_states({m for m in matches if m is not None})
        states: dict[int, _State] = dict(existing)
        outcome: list[str] = []
        fresh_ids = iter(reserve_ids(Contact, sum(1 for m in matches if m is None)))
        new_order: list[int] = []
        for at, (row, match) in enumerate(zip(rows, matches)):
            company_id = self.companies.get(name_key(row.company)) if row.company else None
            if match is None:
                match = self._find(row)  # an earlier row of this chunk may have created it
            if match is None:
                fields = {f: getattr(row, f) for f in FIELDS}
                labels = _labels_of(row)
                fields["do_not_contact"] = bool(row.do_not_contact)
                state = _State(next(fresh_ids), True, fields, company_id, _first_of_each(row.emails, str.lower),
                               _first_of_each(row.phones, lambda p: p[1]), set(row.tags), doc=row.doc,
                               labels=labels)
                states[state.id] = state
                new_order.append(state.id)
                self.made.add(state.id)
                other = self.by_external.get(row.external_id) if row.external_id else None
                if other is not None and "external_id" in self.match and self.on_duplicate != "create":
                    self.notes.append((at, f"external id {row.external_id!r} is also contact {other}'s, whose emails "
                                           "differ: made a new contact"))
                self._remember(state, row.company)
                self._file_id(row, state.id)
                outcome.append("created")
                continue
            if match not in states:  # created in an earlier chunk of this file
                states.update(self._load_states({match}))
            state = states[match]
            self._file_id(row, match)
            if self.on_duplicate == "skip" and not state.new:
                outcome.append("skipped")
                continue
            changed = self._merge(state, row, company_id, self.overwrite)
            state.labels = {**_labels_of(row), **state.labels}
            if changed:
                state.doc = None  # no longer one row's: built from the merged state
            self._remember(state, row.company)
            outcome.append("updated" if changed else "skipped")
        self._write(states, new_order)
        if is_sqlite() and new_order:
            # Nobody else wrote since _catch_up (we hold the write lock), and _remember
            # has our own rows: the next chunk need not read them back.
            self.seen_up_to = max(self.seen_up_to, new_order[-1])
        return outcome

    def _file_id(self, row: ContactRow, contact_id: int) -> None:
        if row.own_id:  # what later rows and the deal, ticket and follow-up sheets mean by it
            self.file_ids.setdefault(("contact", row.own_id), contact_id)

    def _write(self, states: dict[int, _State], new_order: list[int]) -> None:
        now = str(now_utc())  # as Peewee stores datetimes on SQLite
        new = [states[i] for i in new_order]
        changed = [s for s in states.values() if not s.new and (s.before or any(s.added.values()))]
        before = history.snapshot("contact", [s.id for s in changed])
        cursor = database.obj.cursor()
        p = database.obj.param
        if new:
            cols = ("id", *FIELDS, "do_not_contact", "company_id", "import_batch_id", "created_at", "updated_at",
                    "updated_by")
            values = []
            blank = {"first_name": "", "last_name": "", "stage": "lead", "owner": self.owner}  # what an empty cell stores
            for s in new:
                f = s.fields
                values.append((s.id, *(f[k] or blank[k] if k in blank else f[k] for k in FIELDS),
                               bool(f["do_not_contact"]), s.company_id, self.batch_id, now, now, self.owner))
            _executemany(cursor, "contact", cols, values)
        for s in changed:
            sets = {k: v for k, v in s.fields.items() if k in s.before}
            if "company_id" in s.before:
                sets["company_id"] = s.company_id
            sets["updated_at"], sets["updated_by"] = now, self.owner  # owner: the acting user
            cursor.execute(f"UPDATE contact SET {', '.join(f'{k} = {p}' for k in sets)}, version = version + 1 "
                           f"WHERE id = {p}", (*sets.values(), s.id))
        emails, phones, tag_links = [], [], []
        for s in new + changed:
            fresh = s.new
            start = 0 if fresh else len(s.emails) - len(s.added["emails"])
            for pos, e in enumerate(s.emails if fresh else s.added["emails"], start=start):
                emails.append((s.id, e, e.lower(), pos, s.labels.get(e.lower())))
            start = 0 if fresh else len(s.phones) - len(s.added["phones"])
            added_phones = s.phones if fresh else [ph for ph in s.phones if ph[1] in set(s.added["phones"])]
            for pos, (raw, number) in enumerate(added_phones, start=start):
                phones.append((s.id, raw, number, pos, s.labels.get(number)))
            for t in (s.tags if fresh else s.added["tags"]):
                tag_links.append((s.id, t))
        _executemany(cursor, "contact_email", ("contact_id", "email", "email_key", "position", "label"), emails)
        _executemany(cursor, "contact_phone", ("contact_id", "raw", "number", "position", "label"), phones)
        fresh_tags: list[int] = []
        if tag_links:
            names = sorted({t for _, t in tag_links})
            fresh = set(new_tags(names))
            Tag.insert_many([{"name": n} for n in names]).on_conflict_ignore().execute()
            ids = dict(Tag.select(Tag.name, Tag.id).where(Tag.name.in_(names)).tuples())
            fresh_tags = [ids[n] for n in sorted(fresh)]
            bulk.insert("contact_tag", ("contact_id", "tag_id"), [(c, ids[t]) for c, t in tag_links],
                        "ON CONFLICT DO NOTHING")
        if new:
            names = {cid: n for n, cid in self.companies.items()}
            docs = []
            for s in new:
                f = s.fields
                doc = s.doc or document_of(f["first_name"], f["last_name"], s.emails, s.phones,
                                           names.get(s.company_id), f)
                docs.append(("contact", s.id, *doc))
            search.index().put_many(docs)
        if changed:
            reindex("contact", [s.id for s in changed], contacts.documents)
        if self.batch_id:
            record_changes(self.batch_id, [("contact", s.id, "created", None, now) for s in new] +
                           [("contact", s.id, "updated", json.dumps({"fields": s.before, "added": s.added,
                                                                     "updated_at": s.updated_at, **s.stamp},
                                                                    default=str), now)
                            for s in changed] +
                           [("tag", t, "created", None, now) for t in fresh_tags])
        history.created("contact", [s.id for s in new])
        history.changed("contact", before)
        for s in new + changed:  # later chunks see these as stored contacts
            s.new, s.before, s.added, s.updated_at = False, {}, {"emails": [], "phones": [], "tags": []}, now
            s.stamp = {"version": s.stamp.get("version", 0) + 1 if s.stamp else 1, "updated_by": self.owner}
            s.labels = {}


def _labels_of(row: ContactRow) -> dict:
    """A row's labels keyed as the store keeps its emails and phones."""
    out = {e.lower(): label for e, label in zip(row.emails, row.email_labels) if label}
    out.update({p[1]: label for p, label in zip(row.phones, row.phone_labels) if label})
    return out


def _as_id(text) -> int:
    text = str(text).strip()
    return int(text) if text.isdigit() and len(text) < 19 else 0


def _first_of_each(items: list, key) -> list:
    seen: set = set()
    return [x for x in items if not (key(x) in seen or seen.add(key(x)))]


def reserve_ids(model, n: int) -> list[int]:
    """n fresh primary keys for rows we insert ourselves. SQLite: the write lock is
    held (BEGIN IMMEDIATE), so max(id) cannot move under us. PostgreSQL: taken from
    the table's sequence, which is safe across concurrent imports."""
    if n <= 0:
        return []
    if is_sqlite():
        start = (model.select(model.id).order_by(model.id.desc()).scalar() or 0) + 1
        return list(range(start, start + n))
    table = model._meta.table_name
    cursor = database.obj.execute_sql(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", (n,))
    return [row[0] for row in cursor.fetchall()]


def insert_with_ids(model, rows: list[dict]) -> list[int]:
    """Insert and return the new ids, in order."""
    ids = reserve_ids(model, len(rows))
    for i, row in zip(ids, rows):
        row["id"] = i
    for chunk in range(0, len(rows), 500):
        model.insert_many(rows[chunk:chunk + 500]).execute()
    return ids


def _executemany(cursor, table: str, cols, rows: list[tuple]) -> None:
    bulk.insert(table, cols, rows)


def new_tags(names) -> list[str]:
    """Which of these tags the store does not hold yet (a failed import removes those)."""
    names = clean_tags(names)
    if not names:
        return []
    known = set(Tag.select(Tag.name).where(Tag.name.in_(names)).scalars())
    return [n for n in names if n not in known]


def record_changes(batch_id: int, changes: list[tuple]) -> None:
    if changes:
        _executemany(database.obj.cursor(), "import_change", ("batch_id", "kind", "ref_id", "action", "before", "stamp"),
                     [(batch_id, *c) for c in changes])

