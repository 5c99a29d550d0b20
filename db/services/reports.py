"""What the owner learns from the data: forecast, sales (win rate, time to close,
conversion) and customer value with an RFM-style segment.

Every report is a handful of GROUP BY queries, never one query per deal or customer,
and runs the same on SQLite and PostgreSQL. Amounts are int minor units; the faces
format them (JSON as decimal strings, tables through the display helpers).

Rounding: a weighted amount is sum(amount x probability) / 100 over the bucket,
rounded once, half to even, to a whole minor unit (so 0.5p goes to the even penny).

Forecast: open deals (not won or lost, not in the trash) by expected close month,
per currency, for `months` months starting with this one (local time). An open deal
whose expected close is before today is "overdue"; one with none is "unscheduled";
one expected after the horizon is left out. Rows: overdue, then months in order,
then unscheduled; currencies alphabetically within each; empty buckets are omitted.

Sales: deals closed (won or lost) with closed_at in [since, until], local dates,
both ends included; the default period is the last 90 days ending today.
win_rate = won / (won + lost) (None when nothing closed); avg_days_to_close is the
mean of closed_at - created_at over the won deals, in days to one decimal.
Stage conversion, per open pipeline stage: entered = deals that entered the stage
within the period (the stage history; a deal counts once per stage); moved_on = of
those, the ones that have since (up to now) entered a later pipeline stage or won;
conversion = moved_on / entered (None when nothing entered).

Customers: one row per company; a contact without a company counts alone. A deal
belongs to its company, else to its contact's company, else to its contact; the same
for activities and tickets. Listed: every customer with a won or an open deal.
- currency: the main currency, the one most won deals are in (ties: alphabetical);
  with no won deal, the one most open deals are in. won_total and open_pipeline
  (unweighted open amounts) count that currency only: there are no exchange rates.
- last_won: the latest won deal's close; last_touch: the latest activity, deal change
  or ticket change; recency_days: whole days from last_touch to now.
- Sorted by value: customers who have bought come before prospects (a €25,000 customer
  outranks a $0 prospect whatever the currencies); within each group by won_total, then
  open pipeline, then name, within each currency (there are no exchange rates to compare
  a yen with a pound): the configured home currency's customers first, then the other
  currencies', the one with most customers first.
- segment, the first rule that holds, with R = recency_days, F = won_deals and
  "top value" = won_total at or above the 75th percentile (nearest rank) of the won
  totals of customers with the same main currency:
    prospect   F = 0 (only open deals so far)
    dormant    R > 365
    at_risk    R > 120 (bought before, quiet for four months)
    champion   F >= 2 and top value
    loyal      F >= 2
    new        F = 1 and the win within the last 90 days
    promising  F = 1 (won once, longer ago, still in touch)
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from peewee import JOIN, Case, fn

from db import validate
from db.config import CLOSED_STAGES, get_config
from db.errors import Invalid
from db.models import Activity, Company, Contact, Deal, DealStage, Ticket
from db.services.common import id_in, iso_utc, now_local, now_utc
from db.services.contacts import full_name

SEGMENTS = ("champion", "loyal", "new", "promising", "at_risk", "dormant", "prospect")
DORMANT_DAYS, AT_RISK_DAYS, NEW_DAYS = 365, 120, 90
SALES_DAYS = 90  # the default sales period, ending today

# Sums are taken of each amount's billions and of the rest apart, then joined in Python:
# exact on both stores, and no SUM can pass 2^63 (as in deals.pipeline).
_SPLIT = 10 ** 9


def _split_sum(amount_expr):
    """Two SUM terms whose results _join() makes back into one exact integer."""
    high = amount_expr / _SPLIT  # integer division: an integer column
    return fn.SUM(high), fn.SUM(amount_expr - high * _SPLIT)


def _join(high, low) -> int:
    return int(high or 0) * _SPLIT + int(low or 0)


def _weighted(amount_times_probability: int) -> int:
    return int((Decimal(amount_times_probability) / 100).to_integral_value())  # context rounding: half even


def _when(value) -> datetime | None:
    """A MAX() over a timestamp: SQLite hands back its text, PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _open():
    return Deal.stage.not_in(list(CLOSED_STAGES)) & Deal.deleted_at.is_null()


def _owned(query, owner: str | None):
    return query.where(Deal.owner == owner) if owner else query


# -- forecast ------------------------------------------------------------------

def _month_key(d: date) -> tuple[int, int]:
    return d.year, d.month


def forecast(months: int = 6, owner: str | None = None) -> list[dict]:
    """Open deals by expected close month and currency: count, total, weighted."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise Invalid("months", f"{months!r} is not a number of months from 1 to 120")
    today = now_local().date()
    y, m = divmod(today.year * 12 + today.month - 1 + months, 12)
    horizon = date(y, m + 1, 1)  # the first day after the last month shown
    q = (Deal.select(Deal.expected_close, Deal.currency, fn.COUNT(Deal.id), *_split_sum(Deal.amount),
                     *_split_sum(Deal.amount * Deal.probability))
         .where(_open()).group_by(Deal.expected_close, Deal.currency))
    buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for close, code, count, h, lo, hp, lp in _owned(q, owner).tuples():
        if isinstance(close, str):
            close = date.fromisoformat(close[:10])
        if close is None:
            month = "unscheduled"
        elif close < today:
            month = "overdue"
        elif close >= horizon:
            continue
        else:
            month = f"{close.year:04d}-{close.month:02d}"
        b = buckets[(month, code)]
        b[0] += count
        b[1] += _join(h, lo)
        b[2] += _join(hp, lp)
    order = lambda key: (0 if key[0] == "overdue" else 2 if key[0] == "unscheduled" else 1, key)  # noqa: E731
    return [{"month": month, "currency": code, "count": b[0], "total": b[1], "weighted": _weighted(b[2])}
            for (month, code), b in sorted(buckets.items(), key=lambda kv: order(kv[0]))]


def pipeline_by_stage(owner: str | None = None) -> list[dict]:
    """Open deals per pipeline stage and currency, in pipeline order: count, total, weighted."""
    q = (Deal.select(Deal.stage, Deal.currency, fn.COUNT(Deal.id), *_split_sum(Deal.amount),
                     *_split_sum(Deal.amount * Deal.probability))
         .where(_open()).group_by(Deal.stage, Deal.currency))
    order = {s: i for i, s in enumerate(get_config().pipeline)}
    rows = [{"stage": stage, "currency": code, "count": count, "total": _join(h, lo), "weighted": _weighted(_join(hp, lp))}
            for stage, code, count, h, lo, hp, lp in _owned(q, owner).tuples()]
    return sorted(rows, key=lambda r: (order.get(r["stage"], len(order)), r["stage"], r["currency"]))


# -- sales ---------------------------------------------------------------------

def _day(value, field: str, today: date) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return validate.parse_date(value, field, today, get_config().dayfirst)


def _utc(local_midnight: datetime) -> datetime:
    """A local wall-clock time as the naive UTC the store keeps."""
    return local_midnight.replace(tzinfo=get_config().tz).astimezone(timezone.utc).replace(tzinfo=None)


def period(since=None, until=None) -> tuple[date, date]:
    """The sales period as local dates: the last SALES_DAYS days ending today by default."""
    today = now_local().date()
    end = _day(until, "until", today) or today
    start = _day(since, "since", today) or end - timedelta(days=SALES_DAYS - 1)
    if start > end:
        raise Invalid("since", f"{start.isoformat()} is after until {end.isoformat()}")
    return start, end


def sales(since=None, until=None, owner: str | None = None) -> dict:
    """Won and lost deals closed in the period, win rate, time to close, lost reasons
    and stage conversion (see the module docstring for each definition)."""
    start, end = period(since, until)
    lo, hi = _utc(datetime.combine(start, time())), _utc(datetime.combine(end + timedelta(days=1), time()))
    closed = (Deal.deleted_at.is_null() & Deal.closed_at.is_null(False)
              & (Deal.closed_at >= lo) & (Deal.closed_at < hi))
    counts = dict(_owned(Deal.select(Deal.stage, fn.COUNT(Deal.id)).where(closed & Deal.stage.in_(["won", "lost"]))
                         .group_by(Deal.stage), owner).tuples())
    won, lost = counts.get("won", 0), counts.get("lost", 0)
    durations = [(_when(c) - _when(o)).total_seconds() / 86400 for o, c in
                 _owned(Deal.select(Deal.created_at, Deal.closed_at).where(closed & (Deal.stage == "won")), owner).tuples()]
    totals = _owned(Deal.select(Deal.currency, *_split_sum(Deal.amount)).where(closed & (Deal.stage == "won"))
                    .group_by(Deal.currency).order_by(Deal.currency), owner).tuples()
    reasons = _owned(Deal.select(Deal.lost_reason, fn.COUNT(Deal.id)).where(closed & (Deal.stage == "lost"))
                     .group_by(Deal.lost_reason), owner).tuples()
    return {
        "since": start.isoformat(), "until": end.isoformat(),
        "won": won, "lost": lost,
        "win_rate": round(won / (won + lost), 4) if won + lost else None,
        "avg_days_to_close": round(sum(durations) / len(durations), 1) if durations else None,
        "won_total": [{"currency": code, "total": _join(h, lo_)} for code, h, lo_ in totals],
        "lost_reasons": [{"reason": r, "count": n} for r, n in
                         sorted(reasons, key=lambda x: (-x[1], x[0] is None, x[0] or ""))],
        "stages": _conversion(lo, hi, owner),
    }


def _conversion(lo: datetime, hi: datetime, owner: str | None) -> list[dict]:
    stages = list(get_config().pipeline)
    rank = {s: i for i, s in enumerate(stages)}
    rank["won"] = len(stages)

    def rank_of(column):
        return Case(column, list(rank.items()), -1)  # lost and unknown stages: never "later"

    later = DealStage.alias()
    q = (DealStage.select(DealStage.stage, fn.COUNT(DealStage.deal.distinct()),
                          fn.COUNT(Case(None, [(later.id.is_null(False), DealStage.deal)], None).distinct()))
         .join(Deal, on=(Deal.id == DealStage.deal))
         .join(later, JOIN.LEFT_OUTER, on=((later.deal == DealStage.deal) & (later.id != DealStage.id)
                                           & (later.entered_at >= DealStage.entered_at)
                                           & (rank_of(later.stage) > rank_of(DealStage.stage))))
         .where(Deal.deleted_at.is_null() & DealStage.stage.in_(stages)
                & (DealStage.entered_at >= lo) & (DealStage.entered_at < hi))
         .group_by(DealStage.stage))
    got = {stage: (entered, moved) for stage, entered, moved in _owned(q, owner).tuples()}
    out = []
    for stage in stages:
        entered, moved = got.get(stage, (0, 0))
        out.append({"stage": stage, "entered": entered, "moved_on": moved,
                    "conversion": round(moved / entered, 4) if entered else None})
    return out


# -- customers -----------------------------------------------------------------

def _party(company_col, contact_col, contact_alias):
    """(is_contact, id): whose record this is. No bound values inside, so PostgreSQL
    matches the GROUP BY expressions to the selected ones."""
    company = fn.COALESCE(company_col, contact_alias.company)
    return company.is_null(), fn.COALESCE(company, contact_col)


def _touches(model, when, extra_where=None):
    """The latest `when` of a model's rows per customer."""
    person = Contact.alias()
    is_contact, party = _party(model.company, model.contact, person)
    q = (model.select(is_contact, party, fn.MAX(when))
         .join(person, JOIN.LEFT_OUTER, on=(person.id == model.contact))
         .where(party.is_null(False)))
    if extra_where is not None:
        q = q.where(extra_where)
    return q.group_by(is_contact, party).tuples()


def _deal_rows():
    person = Contact.alias()
    is_contact, party = _party(Deal.company, Deal.contact, person)
    is_won = Deal.stage == "won"
    won_amount = Case(None, [(is_won, Deal.amount)], 0)
    open_amount = Case(None, [(Deal.stage.not_in(list(CLOSED_STAGES)), Deal.amount)], 0)
    return (Deal.select(is_contact, party, Deal.currency,
                        fn.SUM(Case(None, [(is_won, 1)], 0)), *_split_sum(won_amount),
                        fn.SUM(Case(None, [(Deal.stage.not_in(list(CLOSED_STAGES)), 1)], 0)), *_split_sum(open_amount),
                        fn.MAX(Case(None, [(is_won, Deal.closed_at)], None)), fn.MAX(Deal.updated_at))
            .join(person, JOIN.LEFT_OUTER, on=(person.id == Deal.contact))
            .where(Deal.deleted_at.is_null() & party.is_null(False))
            .group_by(is_contact, party, Deal.currency).tuples())


def _names(keys) -> dict[tuple[str, int], str]:
    """Names of the live companies and contacts among these customers."""
    org_ids = [i for kind, i in keys if kind == "company"]
    people = [i for kind, i in keys if kind == "contact"]
    out = {}
    if org_ids:
        for i, name in Company.select(Company.id, Company.name).where(
                id_in(Company.id, org_ids) & Company.deleted_at.is_null()).tuples():
            out[("company", i)] = name
    if people:
        for i, first, last in Contact.select(Contact.id, Contact.first_name, Contact.last_name).where(
                id_in(Contact.id, people) & Contact.deleted_at.is_null()).tuples():
            out[("contact", i)] = full_name(first, last)
    return out


def _segment(won: int, recency: int | None, last_won_days: int | None, top: bool) -> str:
    if not won:
        return "prospect"
    if recency is not None and recency > DORMANT_DAYS:
        return "dormant"
    if recency is not None and recency > AT_RISK_DAYS:
        return "at_risk"
    if won >= 2:
        return "champion" if top else "loyal"
    return "new" if last_won_days is not None and last_won_days <= NEW_DAYS else "promising"


def _top_quarter(totals: list[int]) -> int:
    """The 75th percentile, nearest rank."""
    ordered = sorted(totals)
    return ordered[max(0, math.ceil(0.75 * len(ordered)) - 1)]


def customers(segment: str | None = None, limit: int | None = None) -> list[dict]:
    """Customers by value with their RFM-style segment (rules in the module docstring)."""
    if segment is not None:
        segment = validate.choice(segment, SEGMENTS, "segment")
    limit = validate.limit(limit)
    now = now_utc()
    per: dict[tuple[str, int], dict] = {}
    for is_contact, pid, code, won, wh, wl, opened, oh, ol, last_won, touched in _deal_rows():
        key = ("contact" if is_contact else "company", pid)
        c = per.setdefault(key, {"by_currency": {}, "last_won": None, "touch": None, "won": 0})
        c["by_currency"][code] = (won or 0, _join(wh, wl), opened or 0, _join(oh, ol))
        c["won"] += won or 0
        for field, value in (("last_won", _when(last_won)), ("touch", _when(touched))):
            if value and (c[field] is None or value > c[field]):
                c[field] = value
    per = {k: c for k, c in per.items() if c["won"] or any(v[2] for v in c["by_currency"].values())}
    for model, when, where in ((Activity, Activity.occurred_at, None),
                               (Ticket, Ticket.updated_at, Ticket.deleted_at.is_null())):
        for is_contact, pid, latest in _touches(model, when, where):
            c = per.get(("contact" if is_contact else "company", pid))
            latest = _when(latest)
            if c is not None and latest and (c["touch"] is None or latest > c["touch"]):
                c["touch"] = latest
    names = _names(per)
    rows = []
    for key, c in per.items():
        if key not in names:
            continue  # its company or contact is in the trash
        by = c["by_currency"]
        code = (min(by, key=lambda k: (-by[k][0], k)) if c["won"] else min(by, key=lambda k: (-by[k][2], k)))
        won_n, won_total, _, open_total = by[code]
        rows.append({"id": key[1], "kind": key[0], "name": names[key], "won_deals": c["won"],
                     "won_total": won_total, "currency": code, "open_pipeline": open_total,
                     "last_won": iso_utc(c["last_won"]), "last_touch": iso_utc(c["touch"]),
                     "recency_days": (now - c["touch"]).days if c["touch"] else None,
                     "_won_days": (now - c["last_won"]).days if c["last_won"] else None})
    by_code: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r["won_deals"]:
            by_code[r["currency"]].append(r["won_total"])
    cut = {code: _top_quarter(totals) for code, totals in by_code.items()}
    for r in rows:
        top = bool(r["won_deals"]) and r["won_total"] >= cut[r["currency"]]
        r["segment"] = _segment(r["won_deals"], r["recency_days"], r.pop("_won_days"), top)
    if segment:
        rows = [r for r in rows if r["segment"] == segment]

    # No exchange rates, so amounts are compared within a currency only: the home
    # currency's customers first, then each other currency's, most customers first.
    home = get_config().currency
    people = defaultdict(int)
    for r in rows:
        people[r["currency"]] += 1
    rows.sort(key=lambda r: (r["won_deals"] == 0, r["currency"] != home, -people[r["currency"]], r["currency"],
                             -r["won_total"], -r["open_pipeline"], r["name"], r["kind"], r["id"]))
    return rows[:limit] if limit else rows

