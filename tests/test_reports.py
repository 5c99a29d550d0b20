"""Reports on fixed data with known answers: forecast, sales (win rate, days to close,
stage conversion), customers with their RFM segment, and the CLI's exact JSON."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from db.models import Deal
from db.services import activities, companies, contacts, deals, demo, reports

NOW = (2026, 11, 23, 10, 0)  # London: UTC in November


def deal(clock, steps, amount="100", currency="GBP", company=None, contact=None, reason=None,
         probability=None, close=None, owner=None):
    """A deal that lived through steps [(datetime, stage), ...]: created in the first
    stage at the first time, moved at each later one; the clock is left at NOW."""
    (start, first), *moves = steps
    clock(*start.timetuple()[:5])
    d = deals.create({"title": "Job", "amount": amount, "currency": currency, "company": company, "contact": contact,
                      "stage": first, "probability": probability, "expected_close": close, "owner": owner})
    # the model stamps created_at/updated_at from the real clock; the story's clock wins
    Deal.update(created_at=start, updated_at=start).where(Deal.id == d["id"]).execute()
    for when, stage in moves:
        clock(*when.timetuple()[:5])
        deals.move(d["id"], stage, reason=reason if stage == "lost" else None)
    clock(*NOW)
    return d["id"]


def on(*parts):
    return datetime(*parts, 9, 0)


# -- forecast --------------------------------------------------------------------

@pytest.fixture
def forecast_book(clock):
    made = on(2026, 11, 1)
    for amount, code, p, close, owner in [
        ("1000.00", "GBP", 50, "2026-11-30", None),   # this month
        ("333.33", "GBP", 25, "2026-12-15", None),    # 8333.25 -> 8333
        ("100.01", "USD", 50, "2026-12-01", None),    # 5000.5 -> 5000: half to even, not up
        ("50.00", "USD", 10, "2027-01-10", "kim"),
        ("200.00", "GBP", 10, "2026-11-20", None),    # expected before today: overdue
        ("70.00", "USD", 20, None, None),              # unscheduled
        ("999.00", "GBP", 50, "2027-06-01", None),    # after the 3-month horizon: left out
    ]:
        deal(clock, [(made, "lead")], amount=amount, currency=code, probability=p, close=close, owner=owner)
    deal(clock, [(made, "lead"), (on(2026, 11, 10), "won")], amount="5000", close="2026-11-30")  # closed: not open
    gone = deal(clock, [(made, "lead")], amount="5000", close="2026-11-30")
    deals.delete(gone)


def test_forecast_by_month_and_currency(forecast_book):
    assert reports.forecast(3) == [
        {"month": "overdue", "currency": "GBP", "count": 1, "total": 20000, "weighted": 2000},
        {"month": "2026-11", "currency": "GBP", "count": 1, "total": 100000, "weighted": 50000},
        {"month": "2026-12", "currency": "GBP", "count": 1, "total": 33333, "weighted": 8333},
        {"month": "2026-12", "currency": "USD", "count": 1, "total": 10001, "weighted": 5000},
        {"month": "2027-01", "currency": "USD", "count": 1, "total": 5000, "weighted": 500},
        {"month": "unscheduled", "currency": "USD", "count": 1, "total": 7000, "weighted": 1400},
    ]
    assert reports.forecast(3, owner="kim") == [
        {"month": "2027-01", "currency": "USD", "count": 1, "total": 5000, "weighted": 500}]
    assert [r["month"] for r in reports.forecast(1)] == ["overdue", "2026-11", "unscheduled"]


def test_forecast_cli_json_and_table(forecast_book, crm):
    assert crm.json("report", "forecast", "--months", "3") == [
        {"month": "overdue", "currency": "GBP", "count": 1, "total": "200.00", "weighted": "20.00"},
        {"month": "2026-11", "currency": "GBP", "count": 1, "total": "1000.00", "weighted": "500.00"},
        {"month": "2026-12", "currency": "GBP", "count": 1, "total": "333.33", "weighted": "83.33"},
        {"month": "2026-12", "currency": "USD", "count": 1, "total": "100.01", "weighted": "50.00"},
        {"month": "2027-01", "currency": "USD", "count": 1, "total": "50.00", "weighted": "5.00"},
        {"month": "unscheduled", "currency": "USD", "count": 1, "total": "70.00", "weighted": "14.00"},
    ]
    lines = crm("report", "forecast", "--months", "3").stdout.splitlines()
    totals = [line.split("│") for line in lines if line.strip().startswith("total")]
    assert [[c.strip() for c in t] for t in totals] == [["total", "3", "£1,533.33", "£603.33"],
                                                         ["total", "3", "$220.01", "$69.00"]]
    assert crm("report", "forecast", "--months", "0", code=2)


# -- sales -----------------------------------------------------------------------

@pytest.fixture
def sales_book(clock):
    deal(clock, [(on(2026, 10, 22), "lead"), (on(2026, 10, 25), "qualified"), (on(2026, 11, 1), "won")],
         amount="1000")                                                              # 10 days to close
    deal(clock, [(on(2026, 10, 27), "lead"), (on(2026, 11, 16), "won")], amount="500")  # 20 days
    deal(clock, [(on(2026, 10, 20), "lead"), (on(2026, 11, 19), "won")], amount="80", currency="USD")  # 30 days
    deal(clock, [(on(2026, 11, 2), "lead"), (on(2026, 11, 5), "qualified"), (on(2026, 11, 10), "lost")],
         reason="budget cut")
    deal(clock, [(on(2026, 11, 3), "lead"), (on(2026, 11, 4), "qualified"), (on(2026, 11, 6), "proposal")])
    deal(clock, [(on(2026, 11, 7), "lead")])
    deal(clock, [(on(2026, 9, 1), "lead"), (on(2026, 10, 15), "won")], amount="9999")   # closed before the period
    deals.delete(deal(clock, [(on(2026, 11, 11), "lead"), (on(2026, 11, 12), "lost")], reason="no reply"))


SALES = {
    "since": "2026-11-01", "until": "2026-11-30", "won": 3, "lost": 1, "win_rate": 0.75, "avg_days_to_close": 20.0,
    "won_total": [{"currency": "GBP", "total": 150000}, {"currency": "USD", "total": 8000}],
    "lost_reasons": [{"reason": "budget cut", "count": 1}],
    "stages": [{"stage": "lead", "entered": 3, "moved_on": 2, "conversion": 0.6667},
               {"stage": "qualified", "entered": 2, "moved_on": 1, "conversion": 0.5},
               {"stage": "proposal", "entered": 1, "moved_on": 0, "conversion": 0.0},
               {"stage": "negotiation", "entered": 0, "moved_on": 0, "conversion": None}],
}


def test_sales_three_won_one_lost_is_075(sales_book):
    assert reports.sales("2026-11-01", "2026-11-30") == SALES
    default = reports.sales()  # the last 90 days ending today
    assert (default["since"], default["until"], default["won"], default["lost"]) == ("2026-08-26", "2026-11-23", 4, 1)
    assert reports.sales("2026-12-01", "2026-12-31")["win_rate"] is None


def test_sales_cli_json_and_bad_period(sales_book, crm):
    want = {**SALES, "won_total": [{"currency": "GBP", "total": "1500.00"}, {"currency": "USD", "total": "80.00"}]}
    assert crm.json("report", "sales", "--since", "2026-11-01", "--until", "2026-11-30") == want
    bad = crm("report", "sales", "--since", "2026-12-01", "--until", "2026-11-01", code=1)
    assert bad.stderr == "error: since: 2026-12-01 is after until 2026-11-01\n"
    assert "75.0%" in crm("report", "sales", "--since", "2026-11-01", "--until", "2026-11-30").stdout


# -- customers -------------------------------------------------------------------

@pytest.fixture
def customer_book(clock):
    def firm(name):
        return companies.create({"name": name})["id"]

    def won(company, amount, days_ago, currency="GBP", contact=None):
        closed = on(2026, 11, 23) - timedelta(days=days_ago)
        return deal(clock, [(closed - timedelta(days=10), "lead"), (closed, "won")], amount=amount, currency=currency,
                    company=company, contact=contact)

    alpha, beta, gamma, delta, eps, zeta, multi = (firm(n) for n in ("Alpha", "Beta", "Gamma", "Delta", "Eps",
                                                                      "Zeta", "Multi"))
    for amount in ("1000", "2000", "3000"):
        won(alpha, amount, 10)
    won(beta, "100", 30), won(beta, "100", 40)
    won(gamma, "500", 20)
    won(delta, "400", 100)
    clock(2026, 11, 18, 9, 0)
    activities.add("Called about a repeat order", kind="call", company=delta)  # still in touch
    clock(*NOW)
    won(eps, "300", 200), won(eps, "300", 210)
    won(zeta, "800", 400)
    won(multi, "40", 15, "USD"), won(multi, "60", 16, "USD"), won(multi, "90000", 3, "JPY")
    solo = contacts.create({"first_name": "Sol", "last_name": "Oakes"})["id"]  # no company: counts alone
    deal(clock, [(on(2026, 11, 13), "lead")], amount="250", contact=solo)
    lost_only = firm("Omega")
    deal(clock, [(on(2026, 11, 1), "lead"), (on(2026, 11, 2), "lost")], company=lost_only)
    gone = firm("Trashed")
    won(gone, "99999", 5)
    companies.delete(gone)


def test_customers_rfm_table(customer_book):
    got = [(r["name"], r["kind"], r["segment"], r["won_deals"], r["won_total"], r["currency"], r["open_pipeline"],
            r["recency_days"]) for r in reports.customers()]
    # GBP won totals 6000, 800, 600, 500, 400, 200: the top quarter starts at 800 (nearest rank)
    assert got == [
        ("Alpha", "company", "champion", 3, 600000, "GBP", 0, 10),
        ("Zeta", "company", "dormant", 1, 80000, "GBP", 0, 400),
        ("Eps", "company", "at_risk", 2, 60000, "GBP", 0, 200),
        ("Gamma", "company", "new", 1, 50000, "GBP", 0, 20),
        ("Delta", "company", "promising", 1, 40000, "GBP", 0, 5),
        ("Beta", "company", "loyal", 2, 20000, "GBP", 0, 30),
        ("Multi", "company", "champion", 3, 10000, "USD", 0, 3),  # main currency: most won deals (2 USD, 1 JPY)
        ("Sol Oakes", "contact", "prospect", 0, 0, "GBP", 25000, 10),  # buyers first, whatever the currency
    ]
    assert [r["name"] for r in reports.customers(segment="at_risk")] == ["Eps"]
    assert [r["name"] for r in reports.customers(limit=2)] == ["Alpha", "Zeta"]


def test_customers_cli_json(customer_book, crm):
    rows = crm.json("report", "customers", "--segment", "champion")
    assert rows == [
        {"id": 1, "kind": "company", "name": "Alpha", "won_deals": 3, "won_total": "6000.00", "currency": "GBP",
         "open_pipeline": "0.00", "last_won": "2026-11-13T09:00:00Z", "last_touch": "2026-11-13T09:00:00Z",
         "recency_days": 10, "segment": "champion"},
        {"id": 7, "kind": "company", "name": "Multi", "won_deals": 3, "won_total": "100.00", "currency": "USD",
         "open_pipeline": "0.00", "last_won": "2026-11-20T09:00:00Z", "last_touch": "2026-11-20T09:00:00Z",
         "recency_days": 3, "segment": "champion"},
    ]
    assert crm("report", "customers", "--segment", "vip", code=1).stderr.startswith("error: segment: 'vip' is not one of")


# -- the demo and PostgreSQL -------------------------------------------------------

def test_demo_tells_a_story(clock):
    clock(*NOW)
    demo.load()
    assert {r["month"] for r in reports.forecast()} >= {"overdue", "2026-12", "2027-01", "unscheduled"}
    s = reports.sales()
    assert (s["won"], s["lost"]) == (4, 3)
    assert {r["segment"] for r in reports.customers()} == {"champion", "loyal", "new", "promising", "at_risk",
                                                           "dormant", "prospect"}


def test_reports_on_postgres(pg_url, clock):
    clock(*NOW)
    demo.load()
    assert reports.sales()["win_rate"] == 0.5714
    assert [(r["name"], r["segment"]) for r in reports.customers(segment="at_risk")] == [("Café Lumière", "at_risk")]
    assert reports.forecast(3)[0]["month"] == "overdue"
