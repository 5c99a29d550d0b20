"""Import batches: recording what each import did, listing them, and reverting one.

An import runs inside importing(): its batch is recorded as running (with the pid and
host of the process), chunks commit one by one inside it, and it ends done or, on any
failure (Ctrl-C included), with its own changes taken back out and the batch marked
failed. A batch left running by a process that was killed shows as incomplete;
reverting it, or re-running the same file, finishes the job.

Why pid and host rather than a heartbeat: a heartbeat needs a write every few seconds
(a thread, which the forked row checker rules out, or writes between chunks, which do
not come while a chunk waits for the write lock) and a timeout that either shows a slow
import as dead or a dead one as running for a while. A pid on the same host answers at
once; a batch run from another host (a shared PostgreSQL) shows as running.
"""
from __future__ import annotations

import json
import os
import socket
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path
from typing import Iterator

from peewee import fn

from db import search, validate
from db.config import CLOSED_STAGES, get_config
from db.errors import Invalid, NotFound
from db.identity import current_user
from db.models import (
    Company,
    CompanyTag,
    Activity,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    DealStage,
    FollowUp,
    ImportBatch,
    ImportChange,
    Tag,
    Ticket,
)
from db.services import activities, companies, contacts, deals, followups, tickets
from db.services import history as field_history  # ("history" is a deal's stage history here)
from db.services.bulk_contacts import new_tags, record_changes
from db.services.common import full_name, id_in, iso_utc, now_local, now_utc, reindex
from db.services.kinds import CHILDREN_FIRST, KINDS
from db.store import write

MODELS = {name: k.model for name, k in KINDS.items()}
DOCUMENTS = {name: k.documents for name, k in KINDS.items()}


def start_batch(file: str, sheet: str, entity: str, mapping: str, user: str) -> int:
    return ImportBatch.create(file=file, sheet=sheet, entity=entity, mapping=mapping, user=user, status="running",
                              pid=os.getpid(), host=socket.gethostname()).id


class _DryRunOver(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


@contextmanager
def importing(file: str, sheet: str, entity: str, mapping: str, user: str, dry_run: bool = False) -> Iterator[int]:
    """The batch an import writes into; yields its id. Write each chunk in its own
    write() inside. A dry run holds one transaction around everything (the chunks
    become savepoints) and rolls it all back, batch included."""
    if dry_run:
        try:
            with write():
                batch_id = start_batch(file, sheet, entity, mapping, user)
                with field_history.importing(batch_id):
                    yield batch_id
                raise _DryRunOver
        except _DryRunOver:
            return
    with write():
        batch_id = start_batch(file, sheet, entity, mapping, user)
    try:
        with field_history.importing(batch_id):  # its history rows carry the batch, one insert per chunk
            yield batch_id
    except BaseException:
        try:
            abandon(batch_id)
        except Exception:
            # The store itself is failing: the batch stays 'running', is listed as
            # incomplete, and `crm import revert` takes its changes out later.
            pass
        raise
    with write():
        _finish(batch_id)


def count_batch(batch_id: int, outcomes: list[str]) -> None:
    """Add a chunk's outcomes to the batch, in the chunk's transaction."""
    counts = {k: outcomes.count(k) for k in ("created", "updated", "skipped", "rejected")}
    if any(counts.values()):
        ImportBatch.update({getattr(ImportBatch, k): getattr(ImportBatch, k) + v for k, v in counts.items() if v}) \
            .where(ImportBatch.id == batch_id).execute()
    field_history.flush()


def finish_batch(batch_id: int, created: int, updated: int, skipped: int, rejected: int) -> None:
    """The batch's final counts (rows rejected while checking never reach a chunk)."""
    ImportBatch.update(created=created, updated=updated, skipped=skipped, rejected=rejected) \
        .where(ImportBatch.id == batch_id).execute()


def _finish(batch_id: int) -> None:
    """Done. Earlier batches of the same file left incomplete by a killed process are
    done too: this run matched what they wrote and added the rest."""
    batch = ImportBatch.get_by_id(batch_id)
    batch.status = "done"
    batch.save()
    for old in ImportBatch.select().where((ImportBatch.status == "running") & (ImportBatch.id < batch_id) &
                                          (ImportBatch.file == batch.file) & (ImportBatch.sheet == batch.sheet) &
                                          (ImportBatch.entity == batch.entity)):
        if status_of(old) == "incomplete":
            ImportBatch.update(status="done").where(ImportBatch.id == old.id).execute()


def abandon(batch_id: int) -> None:
    """A failed import: take out everything it wrote, exactly, and mark it failed."""
    with write():
        _undo(batch_id, purge=True)
        ImportBatch.update(status="failed", created=0, updated=0, skipped=0) \
            .where(ImportBatch.id == batch_id).execute()


def _alive(batch: ImportBatch) -> bool:
    """Is the process that runs this batch still there? Unknown (so yes) on another host."""
    if batch.host != socket.gethostname() or not batch.pid:
        return True
    try:
        os.kill(batch.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    try:  # Linux: a zombie, or a process started after the batch (its pid reused), is not the importer
        fields = Path(f"/proc/{batch.pid}/stat").read_text().rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):
            return False
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return started <= batch.created_at.replace(tzinfo=timezone.utc).timestamp() + 2
    except (OSError, ValueError, IndexError, StopIteration):
        return True


def status_of(batch: ImportBatch) -> str:
    """running, done, failed, reverted, or incomplete: running, but its process is gone."""
    if batch.status == "running" and not _alive(batch):
        return "incomplete"
    return batch.status


def to_dict(b: ImportBatch) -> dict:
    return {"batch": b.id, "file": b.file, "sheet": b.sheet, "entity": b.entity, "created": b.created,
            "updated": b.updated, "skipped": b.skipped, "rejected": b.rejected, "user": b.user,
            "status": status_of(b), "created_at": iso_utc(b.created_at), "reverted_at": iso_utc(b.reverted_at)}


def list_batches() -> list[dict]:
    return [to_dict(b) for b in ImportBatch.select().order_by(ImportBatch.id.desc())]


def _by_text(ref: str) -> int:
    """A contact named in a spreadsheet cell: email, id, or exact full name."""
    ref = ref.strip()
    if "@" in ref or ref.isdigit():
        return contacts.resolve(ref).id
    target = ref.lower()
    for c in Contact.select(Contact.id, Contact.first_name, Contact.last_name).where(
            Contact.deleted_at.is_null() & (fn.LOWER(Contact.last_name).in_(target.split()) |
                                            fn.LOWER(Contact.first_name).in_(target.split()) |
                                            (fn.LOWER(Contact.last_name) == target))):
        if full_name(c.first_name, c.last_name).lower() == target:
            return c.id
    raise NotFound(f"no contact named {ref!r}")


def _deal_stage(value: str) -> str:
    key = value.strip().lower().replace("closed ", "").replace("closed-", "")
    return {"closed won": "won", "closedwon": "won", "closedlost": "lost"}.get(key, key)


KINDS = {Contact: "contact", Company: "company", Deal: "deal", Ticket: "ticket", FollowUp: "followup"}


class RecordImporter:
    """Companies, deals, tickets and follow-ups, one row at a time through their
    services (these files are small next to contact lists).

    A row's id (its external_id field) and the ids it refers to (company_id, ...) are
    the file's. Which record such an id names (see _reference): a row of this file
    already written (file_ids, shared by the workbook's sheets: whatever the company row
    matched or created is what the deal rows link to); else a record this import created
    with that external id (a fresh store); else, when the sheet is our own export
    (`ours`: its ids are this store's), the store's live record with that id, unless it
    carries another external id; else a record imported earlier with that external id."""

    def __init__(self, kind: str, batch_id: int | None, on_duplicate: str, overwrite: bool,
                 file_ids: dict | None = None, ours: bool = False):
        self.kind, self.batch_id, self.on_duplicate, self.overwrite = kind, batch_id, on_duplicate, overwrite
        self.model = MODELS[kind]
        self.file_ids = {} if file_ids is None else file_ids
        self.ours = ours

    def _reference(self, model, ref, label: str) -> int:
        ref = str(ref).strip()
        kind = KINDS[model]
        if (kind, ref) in self.file_ids:
            return self.file_ids[(kind, ref)]
        found = self._by_id(model, ref)
        if found is None:
            raise Invalid(f"{label}_ref", f"no {label} with id {ref} in this file or the store")
        return found

    def _by_id(self, model, ref: str, same=None) -> int | None:
        """The record a file's id names (see the class); `same(record)`, when given, must
        agree that a store record found by its id is the row's (an export from another
        store numbers other records)."""
        live = model.deleted_at.is_null()
        if self.batch_id:
            row = model.select(model.id).where(live & (model.external_id == ref) & (model.import_batch == self.batch_id)) \
                .order_by(model.id.desc()).first()
            if row is not None:
                return row.id
        if self.ours and _as_id(ref):
            before_this = model.import_batch.is_null() | (model.import_batch != self.batch_id)  # not made from this file
            row = model.select().where(live & (model.id == _as_id(ref)) & before_this).first()
            if row is not None and (same is None or same(row)):
                return row.id
        row = model.select(model.id).where(live & (model.external_id == ref)).order_by(model.id.desc()).first()
        return row.id if row is not None else None

    def _links(self, v: dict) -> dict:
        if v.get("contact_ref"):
            v["contact"] = self._reference(Contact, v.pop("contact_ref"), "contact")
        elif v.get("contact"):
            try:
                v["contact"] = _by_text(v["contact"])
            except NotFound as exc:
                raise Invalid("contact", str(exc)) from None
        if v.get("company_ref"):
            v["company"] = self._reference(Company, v.pop("company_ref"), "company")
        elif v.get("company") and self.kind != "company":
            found = companies.find_by_name(v["company"])
            v["company"] = found.id if found else self._new_company(v["company"])
        for key, model in (("deal", Deal), ("ticket", Ticket)):
            if v.get(f"{key}_ref"):
                v[key] = self._reference(model, v.pop(f"{key}_ref"), key)
        return {k: val for k, val in v.items() if not k.endswith("_ref")}

    def _new_company(self, name: str) -> int:
        made = companies.get_or_create(name)
        if self.batch_id:
            record_changes(self.batch_id, [("company", made.id, "created", None, str(made.updated_at))])
        return made.id

    def _existing(self, v: dict):
        m = self.model
        live = m.deleted_at.is_null()
        if v.get("external_id"):
            if (self.kind, v["external_id"]) in self.file_ids:  # a second row of this file with the same id
                return m.get_or_none(m.id == self.file_ids[(self.kind, v["external_id"])])
            found = self._by_id(m, str(v["external_id"]).strip(), lambda record: _same(self.kind, record, v))
            if found is not None:
                return m.get_by_id(found)
        if self.kind == "company":
            return companies.find_by_name(v.get("name") or "")
        if self.kind == "deal":
            return m.select().where(live & (m.title == v.get("title")) & (m.contact == v.get("contact"))).first()
        if self.kind == "ticket":
            return m.select().where(live & (m.subject == v.get("subject")) & (m.contact == v.get("contact"))).first()
        due = v.get("due")
        if not isinstance(due, str) and due is not None:
            return m.select().where(live & (m.subject == v.get("subject")) & (m.contact == v.get("contact")) &
                                    (fn.DATE(m.due) == (due.date() if hasattr(due, "date") else due))).first()
        return None

    def add(self, values: dict) -> str:
        v = self._links(dict(values))
        if self.kind == "deal" and v.get("stage"):
            v["stage"] = _deal_stage(v["stage"])
        row = None if self.on_duplicate == "create" else self._existing(v)
        with field_history.all_or_nothing():  # a rejected row leaves no history
            if self.batch_id and self.kind in ("deal", "ticket"):
                with _side_effects(self.batch_id, self.kind, v, row) as made:
                    outcome, made["id"] = self._write(v, row)
                return outcome
            return self._write(v, row)[0]

    def _write(self, v: dict, row) -> tuple[str, int]:
        """The row written: (created, updated or skipped; the record's id)."""
        if row is not None:
            self._remember(v, row.id)
            return ("skipped" if self.on_duplicate == "skip" else self._fill(row, v)), row.id
        new_id = self._create(v)
        self._remember(v, new_id)
        stamp = now_utc()
        self.model.update(import_batch=self.batch_id, external_id=v.get("external_id"), updated_at=stamp) \
            .where(self.model.id == new_id).execute()
        if self.batch_id:
            record_changes(self.batch_id, [(self.kind, new_id, "created", None, str(stamp))])
        return "created", new_id

    def _remember(self, v: dict, row_id: int) -> None:
        if v.get("external_id"):
            self.file_ids[(self.kind, str(v["external_id"]).strip())] = row_id

    def _create(self, v: dict) -> int:
        if self.kind == "company":
            tags = v.pop("tags", [])
            fresh = new_tags(tags)
            made = companies.create(v, tags=tags, allow_duplicate=True)["id"]
            if self.batch_id and fresh:
                stamp = str(now_utc())
                record_changes(self.batch_id, [("tag", t, "created", None, stamp)
                                               for t in Tag.select(Tag.id).where(Tag.name.in_(fresh)).scalars()])
            return made
        if self.kind == "deal":
            made = deals.create(v)
            if v.get("lost_reason") and made["stage"] == "lost":
                Deal.update(lost_reason=validate.text(v["lost_reason"])).where(Deal.id == made["id"]).execute()
            return made["id"]
        if self.kind == "ticket":
            return tickets.create(v)["id"]
        if not v.get("due"):
            raise Invalid("due", "a follow-up needs a due date")
        made = followups.create(v.get("subject"), v["due"], contact=v.get("contact"), company=v.get("company"),
                                deal=v.get("deal"), ticket=v.get("ticket"), every=v.get("every"),
                                priority=v.get("priority") or "normal", owner=v.get("owner"), notes=v.get("notes"))
        status = v.get("status")
        if status and status != "open":
            FollowUp.update(status=validate.choice(status, followups.STATUSES, "status")) \
                .where(FollowUp.id == made["id"]).execute()
        return made["id"]

    def _fill(self, row, v: dict) -> str:
        """A matched record takes the row's values into its empty fields; with overwrite,
        every value the row has that differs. Each change is recorded for revert."""
        new = _columns(self.kind, v, row)
        before, stamp, was = {}, row.updated_at, {"version": row.version, "updated_by": row.updated_by}
        snap = field_history.snapshot(self.kind, row.id)
        for key, value in new.items():
            current = getattr(row, f"{key}_id" if key in _LINKS else key)
            if value not in (None, "") and (current in (None, "") or (self.overwrite and current != value)):
                before[key] = current
                setattr(row, key, value)
        if not before:
            return "skipped"
        history: dict = {}
        before.update(_consequences(self.kind, row, before, history))
        row.updated_at = now_utc()
        row.save()
        if DOCUMENTS[self.kind]:
            reindex(self.kind, [row.id], DOCUMENTS[self.kind])
        field_history.changed(self.kind, snap)
        if self.batch_id:
            record_changes(self.batch_id, [(self.kind, row.id, "updated", json.dumps(
                {"fields": before, "added": {}, "history": history, "updated_at": str(stamp) if stamp else None,
                 **was},
                default=str),
                str(row.updated_at))])
        return "updated"


@contextmanager
def _side_effects(batch_id: int, kind: str, v: dict, row) -> Iterator[dict]:
    """What the services do beyond the record itself, recorded as changes of the batch
    so that a failed or reverted import takes it back too: the timeline entries they log
    (a deal created or moved, a ticket opened) and the contact that a won deal makes a
    customer. The caller puts the record's id in the dict it gets."""
    contact_id = v.get("contact") if isinstance(v.get("contact"), int) else getattr(row, "contact_id", None)
    contact = Contact.get_or_none(Contact.id == contact_id) if kind == "deal" and contact_id else None
    mark = Activity.select(fn.MAX(Activity.id)).scalar() or 0
    made: dict = {}
    yield made
    mine = (Activity.deal == made["id"]) if kind == "deal" else (Activity.ticket == made["id"])
    if contact is not None:  # the lifecycle entry names only the contact
        mine |= (Activity.contact == contact.id) & Activity.deal.is_null() & Activity.ticket.is_null()
    stamp = str(now_utc())
    changes = [("activity", a, "created", None, stamp)
               for a in Activity.select(Activity.id).where((Activity.id > mark) & mine).scalars()]
    if contact is not None:
        after = Contact.get_by_id(contact.id)
        if after.stage != contact.stage:
            changes.append(("contact", contact.id, "updated", json.dumps(
                {"fields": {"stage": contact.stage}, "added": {},
                 "updated_at": str(contact.updated_at) if contact.updated_at else None,
                 "version": contact.version, "updated_by": contact.updated_by}), str(after.updated_at)))
    record_changes(batch_id, changes)


def _same(kind: str, record, v: dict) -> bool:
    """Does a stored record share one identifying value with the row? A few cells edited in
    a spreadsheet (an amount, a subject) leave one; another store's record 3 shares none."""
    if kind == "company":
        return validate.name_key(record.name) == validate.name_key(v.get("name"))
    linked = (v.get("contact") or v.get("company")) and \
        (v.get("contact"), v.get("company")) == (record.contact_id, record.company_id)
    if kind == "deal":
        return record.title == validate.text(v.get("title")) or bool(linked)
    if kind == "ticket":
        return record.subject == validate.text(v.get("subject")) or bool(linked)
    due = v.get("due")
    return record.subject == validate.text(v.get("subject")) or (
        hasattr(due, "year") and record.due.date() == (due.date() if hasattr(due, "date") else due))


def _as_id(text) -> int:
    text = str(text).strip()
    return int(text) if text.isdigit() and int(text) <= validate.MAX_INT64 else 0


_LINKS = ("contact", "company", "deal", "ticket")
_TEXT = {"company": companies.FIELDS,
         "deal": ("title", "notes", "owner", "lost_reason"), "ticket": ("subject", "description", "assignee"),
         "followup": ("subject", "notes", "owner")}


def _columns(kind: str, v: dict, row) -> dict:
    """A row's values as the record's column values, checked the way the services check
    them (Invalid names the field). Only what the row has."""
    cfg = get_config()
    if kind == "company":
        clean = companies._clean({k: v[k] for k in _TEXT["company"] if k in v}, row.country)
        return {k: val for k, val in clean.items() if k != "name" or val}
    out = {k: validate.text(v[k]) for k in _TEXT[kind] if k in v}
    out.update({k: v[k] for k in _LINKS if isinstance(v.get(k), int) and hasattr(row, f"{k}_id")})
    if kind == "deal":
        code = validate.currency(v["currency"]) if v.get("currency") else row.currency
        if v.get("currency"):
            out["currency"] = code
        if v.get("amount") not in (None, ""):
            out["amount"] = validate.money(v["amount"], code)
        if v.get("stage"):
            out["stage"] = deals._stage(v["stage"])
        if v.get("probability") not in (None, ""):
            out["probability"] = validate.probability(v["probability"])
        if v.get("expected_close"):
            out["expected_close"] = validate.parse_date(v["expected_close"], "expected_close", now_local().date(),
                                                        cfg.dayfirst)
    elif kind == "ticket":
        for key, allowed in (("status", tickets.STATUSES), ("priority", tickets.PRIORITIES),
                             ("channel", tickets.CHANNELS)):
            if v.get(key):
                out[key] = validate.choice(v[key], allowed, key)
    else:
        if v.get("due"):
            due, has_time = validate.parse_when(v["due"], "due", now_local(), cfg.dayfirst)
            out["due"] = due
            if due != row.due or has_time != row.due_has_time:
                out["due_has_time"] = has_time
        if v.get("priority"):
            out["priority"] = validate.choice(v["priority"], followups.PRIORITIES, "priority")
        if v.get("status"):
            out["status"] = validate.choice(v["status"], followups.STATUSES, "status")
        if v.get("every"):
            out["every"] = validate.every(v["every"])
    return out


def _consequences(kind: str, row, changed: dict, history: dict) -> dict:
    """What a changed field brings with it, as the services do it (a deal's stage
    history, timeline entry, close date and won contact; a ticket's SLA and resolve
    times; a follow-up's chain). Returns the old values of the columns it set, for
    revert; `history` gets the stage-history rows it made and closed. (The timeline
    entry and the contact's lifecycle stage are recorded by _side_effects.)"""
    before = {}

    def put(key, value):
        before.setdefault(key, getattr(row, key))
        setattr(row, key, value)

    now = now_utc()
    if kind == "deal" and "stage" in changed:
        put("closed_at", now if row.stage in CLOSED_STAGES else None)
        history["closed"] = list(DealStage.select(DealStage.id).where(
            (DealStage.deal == row.id) & DealStage.left_at.is_null()).scalars())
        history["created"] = [deals._enter_stage(row, row.stage)]
        activities.log("status", f"Stage {changed['stage']} -> {row.stage}", contact=row.contact_id,
                       company=row.company_id, deal=row.id)
        if row.stage == "won":
            deals._contact_follows_won(row)
    elif kind == "ticket":
        if "priority" in changed:
            response, resolution = tickets._sla(row.priority, row.created_at)
            put("response_due", response)
            put("resolution_due", resolution)
        if "status" in changed:
            put("resolved_at", (row.resolved_at or now) if row.status in ("resolved", "closed") else None)
            put("closed_at", now if row.status == "closed" else None)
    elif kind == "followup":
        if "due" in changed:
            put("chain_start", row.due)
            put("chain_index", 0)
            put("snoozed_until", None)
        if "status" in changed:
            put("done_at", now if row.status == "done" else None)
    return before


def revert(batch_ref) -> dict:
    """Undo a batch. A finished one: what it created goes to the trash, what it
    updated gets its old values back. An incomplete one (its process was killed): taken
    out exactly, as a failed import would have been. Records edited since the import
    are reported and left alone."""
    batch_id = validate.record_id(batch_ref, "import batch")  # 2^64 would overflow the driver
    with write():  # read the batch under the write lock: two reverts cannot both run
        batch = ImportBatch.get_or_none(ImportBatch.id == batch_id)
        if batch is None:
            raise NotFound(f"import batch {batch_ref} not found")
        state = status_of(batch)
        if state == "reverted":
            raise Invalid("batch", f"import batch {batch.id} was already reverted at {iso_utc(batch.reverted_at)}")
        if state == "failed":
            raise Invalid("batch", f"import batch {batch.id} failed and was taken back out; nothing to revert")
        if state == "running":
            raise Invalid("batch", f"import batch {batch.id} is still running (process {batch.pid} on {batch.host})")
        reverted, left = _undo(batch.id, purge=state == "incomplete")
        batch.reverted_at = now_utc()
        batch.status = "reverted"
        batch.save()
    return {"batch": batch.id, "reverted": reverted, "left": left}


def _undo(batch_id: int, purge: bool) -> tuple[int, list[dict]]:
    """Take a batch's changes back, newest first. purge: delete what it created (the
    store as it was before the import, search documents included); otherwise move it
    to the trash. Returns (records reverted, records left alone)."""
    changes = list(ImportChange.select().where(ImportChange.batch == batch_id).order_by(ImportChange.id.desc()))
    rows = _rows_of(changes)
    reverted, left, seen, held = 0, [], set(), set()
    created: dict[str, list[int]] = {}
    reindexed: dict[str, set[int]] = {}
    tags: list[int] = []
    logged: list[int] = []  # timeline entries the services wrote for the import
    for ch in changes:
        key = (ch.kind, ch.ref_id)
        if ch.kind == "tag":
            tags.append(ch.ref_id)
            continue
        if ch.kind == "activity":
            logged.append(ch.ref_id)
            continue
        row = rows.get(key)
        if row is None or key in held or (ch.action == "created" and row.deleted_at is not None):
            continue
        snap = None if purge or ch.action == "created" else field_history.snapshot(ch.kind, row.id)
        if key not in seen:  # its newest change in this batch: a later stamp means someone edited it since
            seen.add(key)
            if row.updated_at and row.updated_at > ch.stamp:
                held.add(key)
                left.append({"type": ch.kind, "id": ch.ref_id, "reason": "edited since the import"})
                continue
            reverted += 1
        if ch.action == "created":
            created.setdefault(ch.kind, []).append(ch.ref_id)
        else:
            _undo_update(ch.kind, row, json.loads(ch.before or "{}"), keep_stamp=purge)
            reindexed.setdefault(ch.kind, set()).add(ch.ref_id)
            if snap:
                field_history.changed(ch.kind, snap, action="reverted", batch=batch_id)
    _drop_entries(logged, reindexed, purge)
    for kind in CHILDREN_FIRST:
        ids = created.get(kind, [])
        reindexed.get(kind, set()).difference_update(ids)
        model = MODELS[kind]
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            if purge:
                model.delete().where(id_in(model.id, chunk)).execute()
            else:
                model.update(deleted_at=now_utc(), version=model.version + 1,
                             updated_by=current_user()).where(id_in(model.id, chunk)).execute()
                field_history.event(kind, chunk, "reverted", batch=batch_id)  # made by the import: to the trash
            if DOCUMENTS[kind]:
                search.index().remove(kind, chunk)
    for kind, ids in reindexed.items():
        if DOCUMENTS[kind] and ids:
            reindex(kind, sorted(ids), DOCUMENTS[kind])
    if purge:
        if tags:  # tags this batch added to the store, unless something else uses them by now
            used = ContactTag.select(ContactTag.tag).union(CompanyTag.select(CompanyTag.tag))
            Tag.delete().where(id_in(Tag.id, tags) & Tag.id.not_in(used)).execute()
        ImportChange.delete().where(ImportChange.batch == batch_id).execute()
        field_history.forget_batch(batch_id)
    return reverted, left


def _drop_entries(ids: list[int], undone: dict[str, set[int]], purge: bool) -> None:
    """The batch's timeline entries go with what they tell of: all of them when it is
    taken out; on a revert, those of records whose update was undone (a stage change,
    a contact made a customer). A created deal's or ticket's entries go to the trash
    with it, and a record edited since keeps its own."""
    for start in range(0, len(ids), 900):
        entries = Activity.select().where(id_in(Activity.id, ids[start:start + 900]))
        if not purge:
            entries = [a for a in entries if
                       (a.deal_id in undone.get("deal", ()) if a.deal_id else
                        a.ticket_id in undone.get("ticket", ()) if a.ticket_id else
                        a.contact_id in undone.get("contact", ()))]
        Activity.delete().where(id_in(Activity.id, [a.id for a in entries])).execute()


def _rows_of(changes: list) -> dict[tuple[str, int], object]:
    """The records these changes touched, read in a few queries."""
    ids: dict[str, set[int]] = {}
    for ch in changes:
        if ch.kind in MODELS:
            ids.setdefault(ch.kind, set()).add(ch.ref_id)
    out = {}
    for kind, wanted in ids.items():
        model, wanted = MODELS[kind], sorted(wanted)
        for start in range(0, len(wanted), 900):
            for row in model.select().where(id_in(model.id, wanted[start:start + 900])):
                out[(kind, row.id)] = row
    return out


def _undo_update(kind: str, row, before: dict, keep_stamp: bool) -> None:
    """Old values back, and what the import added taken away. keep_stamp: updated_at
    goes back too (a failed import leaves no trace); otherwise the revert is an edit."""
    for key, value in (before.get("fields") or {}).items():
        setattr(row, key, value)
    row.updated_at = before.get("updated_at") if keep_stamp and before.get("updated_at") else now_utc()
    row.save()
    if keep_stamp and before.get("version"):  # its version and signature too (save counted one more)
        type(row).update(version=before["version"], updated_by=before.get("updated_by")).where(
            type(row).id == row.id).execute()
    history = before.get("history") or {}
    if history.get("created"):  # the stage the import moved the deal into, and the one it left open
        DealStage.delete().where(id_in(DealStage.id, history["created"])).execute()
    if history.get("closed"):
        DealStage.update(left_at=None).where(id_in(DealStage.id, history["closed"])).execute()
    added = before.get("added") or {}
    if kind == "contact":
        if added.get("emails"):
            ContactEmail.delete().where((ContactEmail.contact == row.id) &
                                        ContactEmail.email_key.in_([e.lower() for e in added["emails"]])).execute()
        if added.get("phones"):
            ContactPhone.delete().where((ContactPhone.contact == row.id) &
                                        ContactPhone.number.in_(added["phones"])).execute()
        if added.get("tags"):
            ContactTag.delete().where((ContactTag.contact == row.id) &
                                      ContactTag.tag.in_(Tag.select(Tag.id).where(Tag.name.in_(added["tags"])))).execute()
