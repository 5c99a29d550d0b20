"""Deals: what might be sold, where it stands in the pipeline, and its stage history."""
from __future__ import annotations

from decimal import Decimal

from peewee import Case, fn

from db import search, validate
from db.config import CLOSED_STAGES, get_config
from db.identity import current_user
from db.errors import Invalid
from db.models import Contact, Deal, DealStage
from db.services import activities, companies, contacts, history, versions
from db.services.common import (
    Page,
    company_names,
    contact_names,
    get_deleted,
    get_live,
    iso_date,
    iso_utc,
    now_local,
    now_utc,
    paged,
    reindex,
    set_deleted,
)
from db.services.documents import deal_documents as documents  # what the writes reindex with
from db.store import write


def decimal_amount(minor: int, currency: str) -> str:
    """Minor units as an exact decimal string: 1250050 USD -> '12500.50'."""
    exp = validate.exponent(currency)
    return f"{Decimal(minor) / (10 ** exp):.{exp}f}"


def status_of(stage: str) -> str:
    return stage if stage in CLOSED_STAGES else "open"


def to_dicts(rows) -> list[dict]:
    people = contact_names(r.contact_id for r in rows)
    orgs = company_names(r.company_id for r in rows)
    return [{
        "id": r.id, "title": r.title,
        "contact_id": r.contact_id, "contact": people.get(r.contact_id),
        "company_id": r.company_id, "company": orgs.get(r.company_id),
        "amount": decimal_amount(r.amount, r.currency), "amount_minor": r.amount, "currency": r.currency,
        "stage": r.stage, "probability": r.probability, "status": status_of(r.stage),
        "expected_close": iso_date(r.expected_close), "owner": r.owner,
        "lost_reason": r.lost_reason, "closed_at": iso_utc(r.closed_at),
        "created_at": iso_utc(r.created_at), "updated_at": iso_utc(r.updated_at),
        "version": r.version, "updated_by": r.updated_by,
    } for r in rows]


def to_dict(row) -> dict:
    return to_dicts([row])[0]


def _stage(value) -> str:
    return validate.choice(value, get_config().stages, "stage")


def _enter_stage(deal: Deal, stage: str) -> int:
    """Close the open stage-history row and open one for `stage`; returns the new row's
    id (an import records it, to take it back out on failure or revert)."""
    now = now_utc()
    DealStage.update(left_at=now).where((DealStage.deal == deal.id) & DealStage.left_at.is_null()).execute()
    return DealStage.create(deal=deal.id, stage=stage, entered_at=now).id


def _links(values: dict) -> dict:
    out = {}
    if "contact" in values:
        out["contact"] = contacts.resolve(values["contact"]).id if values["contact"] not in (None, "") else None
    if "company" in values:
        out["company"] = companies.company_id(values["company"], create=True)
    return out


def create(values: dict) -> dict:
    cfg = get_config()
    title = validate.text(values.get("title"))
    if not title:
        raise Invalid("title", "a deal needs a title")
    code = validate.currency(values.get("currency") or cfg.currency)
    stage = _stage(values.get("stage") or next(iter(cfg.pipeline)))
    amount = validate.money(values.get("amount") or 0, code)
    probability = (validate.probability(values["probability"]) if values.get("probability") is not None
                   else cfg.stages[stage])
    close = (validate.parse_date(values["expected_close"], "expected_close", now_local().date(), cfg.dayfirst)
             if values.get("expected_close") else None)
    with write():
        links = _links(values)
        if not links.get("company") and links.get("contact"):
            links["company"] = Contact.get_by_id(links["contact"]).company_id
        row = Deal.create(title=title, amount=amount, currency=code, stage=stage, probability=probability,
                          expected_close=close, owner=validate.text(values.get("owner")) or current_user(),
                          notes=validate.text(values.get("notes")), **links,
                          closed_at=now_utc() if stage in CLOSED_STAGES else None)
        _enter_stage(row, stage)
        activities.log("status", f"Deal created in stage {stage}", contact=row.contact_id,
                       company=row.company_id, deal=row.id)
        if stage == "won":
            _contact_follows_won(row)
        reindex("deal", [row.id], documents)
        history.created("deal", row.id)
        return to_dict(row)


def show(ref) -> dict:
    row = get_live(Deal, ref, "deal")
    out = to_dict(row)
    out["notes"] = row.notes
    out["history"] = [{"stage": h.stage, "entered_at": iso_utc(h.entered_at), "left_at": iso_utc(h.left_at)}
                      for h in DealStage.select().where(DealStage.deal == row.id).order_by(DealStage.entered_at, DealStage.id)]
    out["timeline"] = activities.timeline_of("deal", row.id)
    return out


def list_(query=None, stage=None, status=None, owner=None, contact=None, company=None,
          limit: int | None = None) -> Page:
    q = Deal.select().where(Deal.deleted_at.is_null())
    if query:
        q = q.where(search.matches(Deal.id, "deal", query))
    if stage:
        q = q.where(Deal.stage == _stage(stage))
    if status:
        status = validate.choice(status, ("open", "won", "lost"), "status")
        q = q.where(Deal.stage.not_in(list(CLOSED_STAGES)) if status == "open" else Deal.stage == status)
    if owner:
        q = q.where(Deal.owner == owner)
    if contact is not None:
        q = q.where(Deal.contact == contacts.resolve(contact).id)
    if company is not None:
        q = q.where(Deal.company == companies.resolve(company).id)
    stage_order = Case(Deal.stage, [(s, i) for i, s in enumerate(get_config().stages)], 99)
    page = paged(q.order_by(stage_order, Deal.id), limit, lambda r: r)
    return Page(to_dicts(page.rows), page.total)


def update(ref, values: dict, expected_version=None, started_from: dict | None = None) -> dict:
    cfg = get_config()
    with write():
        row = get_live(Deal, ref, "deal")
        versions.check(row, "deal", expected_version, started_from, to_dict)
        before = history.snapshot("deal", row.id)
        if "title" in values:
            row.title = validate.text(values["title"]) or row.title
        if values.get("currency"):
            row.currency = validate.currency(values["currency"])
        if values.get("amount") is not None:
            row.amount = validate.money(values["amount"], row.currency)
        if values.get("probability") is not None:
            row.probability = validate.probability(values["probability"])
        if "expected_close" in values:
            row.expected_close = (validate.parse_date(values["expected_close"], "expected_close", now_local().date(), cfg.dayfirst)
                                  if values["expected_close"] else None)
        for key in ("owner", "notes"):
            if key in values:
                setattr(row, key, validate.text(values[key]))
        for key, value in _links(values).items():
            setattr(row, key, value)
        row.updated_at = now_utc()
        row.save()
        reindex("deal", [row.id], documents)
        history.changed("deal", before)
        return to_dict(row)


def move(ref, stage: str, probability=None, reason: str | None = None) -> dict:
    """Put a deal in another stage; records when it entered it."""
    stage = _stage(stage)
    with write():
        row = get_live(Deal, ref, "deal")
        if stage == row.stage:
            raise Invalid("stage", f"deal {row.id} is already in stage {stage}")
        before = history.snapshot("deal", row.id)
        old = row.stage
        row.stage = stage
        row.probability = (validate.probability(probability) if probability is not None
                           else get_config().stages[stage])
        row.closed_at = now_utc() if stage in CLOSED_STAGES else None
        row.lost_reason = validate.text(reason) if stage == "lost" else None
        row.updated_at = now_utc()
        row.save()
        _enter_stage(row, stage)
        body = f"Stage {old} -> {stage}" + (f" (reason: {row.lost_reason})" if row.lost_reason else "")
        activities.log("status", body, contact=row.contact_id, company=row.company_id, deal=row.id)
        if stage == "won":
            _contact_follows_won(row)
        history.changed("deal", before)
        return to_dict(row)


def _contact_follows_won(deal: Deal) -> None:
    """The lifecycle follows the pipeline: winning a deal makes its contact a customer
    ([lifecycle] won in the config names the stage, or false to leave contacts alone)."""
    target = get_config().won_contact_stage
    if not target or not deal.contact_id:
        return
    contact = Contact.get_or_none((Contact.id == deal.contact_id) & Contact.deleted_at.is_null())
    if contact is None or contact.stage == target:
        return
    activities.log("status", f"Lifecycle stage {contact.stage or 'none'} -> {target} (deal {deal.id} won)",
                   contact=contact.id, company=deal.company_id)
    Contact.update(stage=target, updated_at=now_utc(), version=Contact.version + 1,
                   updated_by=current_user()).where(Contact.id == contact.id).execute()
    history.event("contact", contact.id, "updated", field="stage", old=contact.stage, new=target)


def won(ref) -> dict:
    return move(ref, "won")


def lost(ref, reason: str | None = None) -> dict:
    return move(ref, "lost", reason=reason)


def delete(ref) -> dict:
    with write():
        row = get_live(Deal, ref, "deal")
        set_deleted(row, True, "deal", documents)
        history.event("deal", row.id, "deleted")
        return to_dict(row)


def restore(ref) -> dict:
    with write():
        row = get_deleted(Deal, ref, "deal")
        set_deleted(row, False, "deal", documents)
        history.event("deal", row.id, "restored")
        return to_dict(row)


# Sums are taken of each amount's billions and of the rest apart, then joined in Python:
# exact, and no total can pass 2^63 (SQLite's SUM raises "integer overflow" there, and
# TOTAL() would round to a float). Amounts are capped below 10^15 minor units, but a
# store may hold bigger ones from before the cap, and amount x probability is 100x more.
_SPLIT = 10 ** 9


def pipeline(owner: str | None = None) -> list[dict]:
    """Per stage and currency (of `owner`'s deals if given): count, total and probability-weighted value."""
    cfg = get_config()
    high = Deal.amount / _SPLIT  # integer division on both stores (an integer column)
    low = Deal.amount - high * _SPLIT
    rows = (Deal.select(Deal.stage, Deal.currency, fn.COUNT(Deal.id), fn.SUM(high), fn.SUM(low),
                        fn.SUM(high * Deal.probability), fn.SUM(low * Deal.probability))
            .where(Deal.deleted_at.is_null(), *([Deal.owner == owner] if owner else []))
            .group_by(Deal.stage, Deal.currency).tuples())
    rows = [(stage, code, count, int(h or 0) * _SPLIT + int(lo or 0), int(hp or 0) * _SPLIT + int(lp or 0))
            for stage, code, count, h, lo, hp, lp in rows]
    order = {s: i for i, s in enumerate(cfg.stages)}
    out = []
    for stage, code, count, total, weighted in sorted(rows, key=lambda r: (order.get(r[0], 99), r[1])):
        weighted_minor = int((Decimal(weighted) / 100).to_integral_value())
        out.append({"stage": stage, "currency": code, "count": count,
                    "total": decimal_amount(total or 0, code), "weighted": decimal_amount(weighted_minor, code)})
    return out


