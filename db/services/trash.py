"""The trash: what was deleted, restoring it, and purging it for good."""
from __future__ import annotations

from datetime import timedelta

from db.errors import NotFound
from db.models import Company, Contact, Deal, FollowUp, Ticket
from db.services import companies, contacts, deals, followups, history, tickets
from db.services.common import id_in, iso_utc, now_utc
from db.store import write

_KINDS = {
    "contact": (Contact, lambda r: contacts.full_name(r.first_name, r.last_name) or f"contact {r.id}"),
    "company": (Company, lambda r: r.name),
    "deal": (Deal, lambda r: r.title),
    "ticket": (Ticket, lambda r: r.subject),
    "followup": (FollowUp, lambda r: r.subject),
}
RESTORE = {"contact": contacts.restore, "company": companies.restore, "deal": deals.restore,
           "ticket": tickets.restore, "followup": followups.restore}
DELETE = {"contact": contacts.delete, "company": companies.delete, "deal": deals.delete,
          "ticket": tickets.delete, "followup": followups.delete}


def trashed(label: str, record_id: int) -> NotFound:
    """The error for a record that is in the trash: a bare "not found" sends people
    looking for a typo, when one command brings it back."""
    noun = label.replace("-", "")  # follow-up -> crm followup
    return NotFound(f"{label} {record_id} is in the trash; bring it back with: crm {noun} restore {record_id}")


def refuse_trashed(model, ref, label: str) -> None:
    """Raise trashed() if the record this id names is in the trash; otherwise return
    (the caller's own NotFound stands). For lookups that missed a live record:

        try:
            return get_live(Deal, ref, "deal")
        except NotFound:
            trash.refuse_trashed(Deal, ref, "deal")
            raise
    """
    try:
        key = int(str(ref).strip())
    except ValueError:
        return
    if not 1 <= key < 2**63:
        return
    if model.select().where((model.id == key) & model.deleted_at.is_null(False)).exists():
        raise trashed(label, key)


def list_() -> list[dict]:
    out = []
    for kind, (model, title) in _KINDS.items():
        for row in model.select().where(model.deleted_at.is_null(False)):
            out.append({"type": kind, "id": row.id, "title": title(row), "deleted_at": iso_utc(row.deleted_at)})
    return sorted(out, key=lambda r: r["deleted_at"], reverse=True)


def purge(older_than_days: int | None = None) -> dict:
    """Delete trashed records for good (all, or those deleted more than N days ago)."""
    counts = {}
    with write():
        for kind, (model, _) in reversed(list(_KINDS.items())):
            cond = model.deleted_at.is_null(False)
            if older_than_days is not None:
                cond &= model.deleted_at < now_utc() - timedelta(days=older_than_days)
            ids = list(model.select(model.id).where(cond).scalars())
            history.event(kind, ids, "purged")
            counts[kind] = model.delete().where(id_in(model.id, ids)).execute() if ids else 0
    return counts
