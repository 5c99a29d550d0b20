"""How long `crm report customers` takes on 100k contacts and 20k deals (target under 1 s).

    python benchmarks/report_customers.py [--contacts 100000] [--deals 20000] [--db /tmp/bench.db]

Seeds a throwaway store with bulk inserts (5k companies, 80% of the contacts at one of
them, deals over two years: won, lost and open, each with its stage history, and an
activity per contact and per deal), then times reports.customers(), forecast() and
sales() (median and worst of several runs) and the whole `crm report customers`
command in a fresh process.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import store  # noqa: E402
from db.models import Activity, Company, Contact, Deal, DealStage, database  # noqa: E402
from db.services import reports  # noqa: E402

STAGES = ["lead", "qualified", "proposal", "negotiation"]


def seed(n_contacts: int, n_deals: int) -> None:
    rnd = random.Random(1)
    now = datetime.utcnow().replace(microsecond=0)
    n_companies = max(1, n_contacts // 20)

    def insert(model, rows, chunk=2000):
        for i in range(0, len(rows), chunk):
            model.insert_many(rows[i:i + chunk]).execute()

    with database.atomic():
        insert(Company, [{"name": f"Company {i}"} for i in range(n_companies)])
        people = [{"first_name": f"P{i}", "last_name": "Seed",
                   "company": rnd.randint(1, n_companies) if rnd.random() < 0.8 else None} for i in range(n_contacts)]
        insert(Contact, people)
        deals, history, talk = [], [], []
        for i in range(1, n_deals + 1):
            contact = rnd.randint(1, n_contacts)
            created = now - timedelta(days=rnd.randint(1, 730), hours=rnd.randint(0, 23))
            outcome = rnd.choices(["won", "lost", "open"], [4, 2, 4])[0]
            steps = STAGES[:rnd.randint(1, 4)]
            closed = created + timedelta(days=rnd.randint(5, 120)) if outcome != "open" else None
            if closed and closed > now:
                closed = now
            deals.append({"title": f"Deal {i}", "contact": contact, "company": people[contact - 1]["company"],
                          "amount": rnd.choice([80000, 150000, 480000, 960000, 2500000]),
                          "currency": rnd.choices(["GBP", "USD", "EUR"], [6, 3, 1])[0],
                          "stage": outcome if outcome != "open" else steps[-1], "probability": 50,
                          "expected_close": (now + timedelta(days=rnd.randint(-30, 240))).date() if not closed else None,
                          "closed_at": closed, "created_at": created, "updated_at": closed or created,
                          "lost_reason": rnd.choice(["budget cut", "no reply", None]) if outcome == "lost" else None})
            for k, stage in enumerate(steps + ([outcome] if closed else [])):
                history.append({"deal": i, "stage": stage, "entered_at": created + timedelta(days=k * 3)})
            talk.append({"kind": "call", "body": "Spoke", "contact": contact, "deal": i,
                         "occurred_at": created + timedelta(days=1)})
        insert(Deal, deals)
        insert(DealStage, history)
        talk += [{"kind": "note", "body": "Met", "contact": i, "occurred_at": now - timedelta(days=rnd.randint(0, 900))}
                 for i in range(1, n_contacts + 1)]
        insert(Activity, talk)


def timed(fn, runs: int = 5):
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=100_000)
    ap.add_argument("--deals", type=int, default=20_000)
    ap.add_argument("--db")
    args = ap.parse_args()
    path = args.db or str(Path(tempfile.mkdtemp()) / "bench.db")
    store.open_store(path)
    if not Contact.select().exists():
        t = time.perf_counter()
        seed(args.contacts, args.deals)
        print(f"seeded {args.contacts} contacts, {args.deals} deals in {time.perf_counter() - t:.1f}s ({path})")
    for name, fn in (("customers", reports.customers), ("forecast", reports.forecast), ("sales", reports.sales)):
        median, worst, result = timed(fn)
        size = len(result) if isinstance(result, list) else result["won"] + result["lost"]
        print(f"reports.{name:<10} median {median * 1000:7.0f} ms   worst {worst * 1000:7.0f} ms   ({size} rows/deals)")
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "cli", "--db", path, "report", "customers"], capture_output=True,
                         text=True, env={**os.environ, "COLUMNS": "160"})
    print(f"`crm report customers` (a new process, table) {time.perf_counter() - t:.2f} s, exit {out.returncode}")


if __name__ == "__main__":
    main()
