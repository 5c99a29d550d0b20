"""Import batches: recording what each import did, listing them, and reverting one."""
from __future__ import annotations

import json

from peewee import fn

from db import validate
from db.errors import Invalid, NotFound
from db.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    FollowUp,
    ImportBatch,
    ImportChange,
    Tag,
    Ticket,
)
from db.services import companies, contacts, deals, followups, tickets
from db.services.bulk_contacts import record_changes
from db.services.common import iso_utc, now_utc, reindex, set_deleted
from db.store import write

MODELS = {"contact": Contact, "company": Company, "deal": Deal, "ticket": Ticket, "followup": FollowUp}
DOCUMENTS = {"contact": contacts.documents, "company": companies.documents, "deal": deals.documents,
             "ticket": tickets.documents, "followup": None}


def start_batch(file: str, sheet: str, entity: str, mapping: str, user: str) -> int:
    return ImportBatch.create(file=file, sheet=sheet, entity=entity, mapping=mapping, user=user).id


def count_batch(batch_id: int, outcomes: list[str]) -> None:
    """Add a chunk's outcomes to the batch, in the chunk's transaction."""
    counts = {k: outcomes.count(k) for k in ("created", "updated", "skipped", "rejected")}
    if any(counts.values()):
        ImportBatch.update({getattr(ImportBatch, k): getattr(ImportBatch, k) + v for k, v in counts.items() if v}) \
            .where(ImportBatch.id == batch_id).execute()


def finish_batch(batch_id: int, created: int, updated: int, skipped: int, rejected: int) -> None:
    ImportBatch.update(created=created, updated=updated, skipped=skipped, rejected=rejected) \
        .where(ImportBatch.id == batch_id).execute()


def to_dict(b: ImportBatch) -> dict:
    return {"batch": b.id, "file": b.file, "sheet": b.sheet, "entity": b.entity, "created": b.created,
            "updated": b.updated, "skipped": b.skipped, "rejected": b.rejected, "user": b.user,
            "created_at": iso_utc(b.created_at), "reverted_at": iso_utc(b.reverted_at)}


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
        if contacts.full_name(c.first_name, c.last_name).lower() == target:
            return c.id
    raise NotFound(f"no contact named {ref!r}")


def _by_external(model, ref, label: str) -> int:
    row = model.select(model.id).where((model.external_id == str(ref)) & model.deleted_at.is_null()) \
        .order_by(model.id.desc()).first()
    if row is None:
        raise Invalid(f"{label}_ref", f"no {label} with id {ref} in this import")
    return row.id


def _deal_stage(value: str) -> str:
    key = value.strip().lower().replace("closed ", "").replace("closed-", "")
    return {"closed won": "won", "closedwon": "won", "closedlost": "lost"}.get(key, key)


class RecordImporter:
    """Companies, deals, tickets and follow-ups, one row at a time through their
    services (these files are small next to contact lists)."""

    def __init__(self, kind: str, batch_id: int | None, on_duplicate: str, overwrite: bool):
        self.kind, self.batch_id, self.on_duplicate, self.overwrite = kind, batch_id, on_duplicate, overwrite
        self.model = MODELS[kind]

    def _links(self, v: dict) -> dict:
        if v.get("contact_ref"):
            v["contact"] = _by_external(Contact, v.pop("contact_ref"), "contact")
        elif v.get("contact"):
            try:
                v["contact"] = _by_text(v["contact"])
            except NotFound as exc:
                raise Invalid("contact", str(exc)) from None
        if v.get("company_ref"):
            v["company"] = _by_external(Company, v.pop("company_ref"), "company")
        elif v.get("company") and self.kind != "company":
            v["company"] = companies.get_or_create(v["company"]).id
        for key, model in (("deal", Deal), ("ticket", Ticket)):
            if v.get(f"{key}_ref"):
                v[key] = _by_external(model, v.pop(f"{key}_ref"), key)
        return {k: val for k, val in v.items() if not k.endswith("_ref")}

    def _existing(self, v: dict):
        m = self.model
        live = m.deleted_at.is_null()
        if v.get("external_id"):
            row = m.select().where(live & (m.external_id == v["external_id"])).first()
            if row:
                return row
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
        if row is not None:
            return "skipped" if self.on_duplicate == "skip" else self._fill(row, v)
        new_id = self._create(v)
        stamp = now_utc()
        self.model.update(import_batch=self.batch_id, external_id=v.get("external_id"), updated_at=stamp) \
            .where(self.model.id == new_id).execute()
        if self.batch_id:
            record_changes(self.batch_id, [(self.kind, new_id, "created", None, str(stamp))])
        return "created"

    def _create(self, v: dict) -> int:
        if self.kind == "company":
            return companies.create(v, tags=v.pop("tags", []), allow_duplicate=True)["id"]
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
        simple = {"company": ("domain", "industry", "phone", "email", "address", "city", "country", "notes", "owner"),
                  "deal": ("notes", "owner", "lost_reason"), "ticket": ("description", "assignee"),
                  "followup": ("notes", "owner")}[self.kind]
        before = {}
        for key in simple:
            new = validate.text(v.get(key))
            if new and (not getattr(row, key) or (self.overwrite and getattr(row, key) != new)):
                before[key] = getattr(row, key)
                setattr(row, key, new)
        if not before:
            return "skipped"
        row.updated_at = now_utc()
        row.save()
        if self.batch_id:
            record_changes(self.batch_id, [(self.kind, row.id, "updated", json.dumps({"fields": before, "added": {}}),
                                            str(row.updated_at))])
        return "updated"


def revert(batch_ref) -> dict:
    """Undo a batch: what it created goes to the trash, what it updated gets its old
    values back. Records edited since the import are reported and left alone."""
    try:
        batch = ImportBatch.get_by_id(int(batch_ref))
    except (ValueError, ImportBatch.DoesNotExist):
        raise NotFound(f"import batch {batch_ref} not found") from None
    if batch.reverted_at:
        raise Invalid("batch", f"import batch {batch.id} was already reverted at {iso_utc(batch.reverted_at)}")
    reverted, left = 0, []
    with write():
        changes = list(ImportChange.select().where(ImportChange.batch == batch.id).order_by(ImportChange.id.desc()))
        for ch in changes:
            model = MODELS[ch.kind]
            row = model.get_or_none(model.id == ch.ref_id)
            if row is None or (ch.action == "created" and row.deleted_at is not None):
                continue
            if row.updated_at and row.updated_at > ch.stamp:
                left.append({"type": ch.kind, "id": ch.ref_id, "reason": "edited since the import"})
                continue
            if ch.action == "created":
                set_deleted(row, True, ch.kind if DOCUMENTS[ch.kind] else None, DOCUMENTS[ch.kind])
            else:
                _undo_update(ch.kind, row, json.loads(ch.before or "{}"))
            reverted += 1
        batch.reverted_at = now_utc()
        batch.save()
    return {"batch": batch.id, "reverted": reverted, "left": left}


def _undo_update(kind: str, row, before: dict) -> None:
    for key, value in (before.get("fields") or {}).items():
        setattr(row, key, value)
    row.updated_at = now_utc()
    row.save()
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
    if DOCUMENTS[kind]:
        reindex(kind, [row.id], DOCUMENTS[kind])
