"""The team: the names in the config's [owners] (who gets reminder mail) and every
name that owns a record in the store or is assigned a ticket, with the acting user marked."""
from __future__ import annotations

from peewee import fn

from db.config import get_config
from db.identity import current_user
from db.models import Company, Contact, Deal, FollowUp, Ticket


def _store_names() -> dict[str, int]:
    """name -> how many live records it owns (tickets: is assigned)."""
    counts: dict[str, int] = {}
    for model, field in ((Contact, Contact.owner), (Company, Company.owner), (Deal, Deal.owner),
                         (FollowUp, FollowUp.owner), (Ticket, Ticket.assignee)):
        query = (model.select(field, fn.COUNT(model.id)).where(field.is_null(False) & model.deleted_at.is_null())
                 .group_by(field).tuples())
        for name, n in query:
            counts[name] = counts.get(name, 0) + n
    return counts


def members() -> list[dict]:
    """[{name, email, records, current}], the acting user first, then by name."""
    me = current_user()
    owners = get_config().owners
    counts = _store_names()
    names = set(owners) | set(counts) | {me}
    rows = [{"name": n, "email": owners.get(n), "records": counts.get(n, 0), "current": n == me} for n in names]
    return sorted(rows, key=lambda r: (not r["current"], r["name"].lower(), r["name"]))
