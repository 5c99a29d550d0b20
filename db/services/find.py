"""One search box across contacts, companies, deals and tickets."""
from __future__ import annotations

from db import search, validate
from db.models import Company, Contact, Deal, Ticket
from db.services import companies, contacts, deals, tickets
from db.services.common import id_in  # ids in the SQL: limit 0 may find more than SQLite binds


def _contact_hits(ids):
    rows = contacts.to_dicts(list(Contact.select().where(id_in(Contact.id, ids))))
    return {r["id"]: (r["name"] or r["email"] or f"contact {r['id']}",
                      " · ".join(x for x in (r["email"], r["phone"], r["company"], r["title"]) if x)) for r in rows}


def _company_hits(ids):
    rows = companies.to_dicts(list(Company.select().where(id_in(Company.id, ids))))
    return {r["id"]: (r["name"], " · ".join(x for x in (r["domain"], r["city"], r["phone"]) if x)) for r in rows}


def _deal_hits(ids):
    rows = deals.to_dicts(list(Deal.select().where(id_in(Deal.id, ids))))
    return {r["id"]: (r["title"], " · ".join(x for x in (
        r["stage"], f"{r['amount']} {r['currency']}", r["contact"], r["company"]) if x)) for r in rows}


def _ticket_hits(ids):
    rows = tickets.to_dicts(list(Ticket.select().where(id_in(Ticket.id, ids))))
    return {r["id"]: (r["subject"], " · ".join(x for x in (r["status"], r["priority"], r["contact"], r["company"]) if x))
            for r in rows}


_DETAILS = {"contact": _contact_hits, "company": _company_hits, "deal": _deal_hits, "ticket": _ticket_hits}


def search_all(query: str, kinds=search.KINDS, limit: int = 50) -> list[dict]:
    """[{type, id, title, detail}], those whose title contains the query first (limit 0 or None = all)."""
    # Checked here too: the app calls this directly, and -1 or 2^64 would reach the SQL.
    hits = search.find(query, kinds=kinds, limit=validate.limit(limit) or None)
    by_kind: dict[str, list[int]] = {}
    for kind, ref_id in hits:
        by_kind.setdefault(kind, []).append(ref_id)
    details = {kind: _DETAILS[kind](ids) for kind, ids in by_kind.items()}
    out = [{"type": kind, "id": ref_id, "title": details[kind][ref_id][0], "detail": details[kind][ref_id][1]}
           for kind, ref_id in hits if ref_id in details[kind]]
    q = search.normalize(query.strip())
    out.sort(key=lambda r: (q not in search.normalize(r["title"]), search.KINDS.index(r["type"])))
    return out
