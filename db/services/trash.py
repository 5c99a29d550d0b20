"""The trash: what was deleted, restoring it, and purging it for good."""
from __future__ import annotations

from datetime import timedelta

from db.services import history
from db.services.common import id_in, iso_utc, now_utc
from db.services.kinds import KINDS
from db.store import write

RESTORE = {name: k.service.restore for name, k in KINDS.items()}  # the app's undo and trash page call these
DELETE = {name: k.service.delete for name, k in KINDS.items()}


def list_() -> list[dict]:
    out = []
    for kind in KINDS.values():
        model = kind.model
        for row in model.select().where(model.deleted_at.is_null(False)):
            out.append({"type": kind.name, "id": row.id, "title": kind.name_of(row), "deleted_at": iso_utc(row.deleted_at)})
    return sorted(out, key=lambda r: r["deleted_at"], reverse=True)


def purge(older_than_days: int | None = None) -> dict:
    """Delete trashed records for good (all, or those deleted more than N days ago)."""
    counts = {}
    with write():
        for kind in reversed(KINDS):
            model = KINDS[kind].model
            cond = model.deleted_at.is_null(False)
            if older_than_days is not None:
                cond &= model.deleted_at < now_utc() - timedelta(days=older_than_days)
            ids = list(model.select(model.id).where(cond).scalars())
            history.event(kind, ids, "purged")
            counts[kind] = model.delete().where(id_in(model.id, ids)).execute() if ids else 0
    return counts
