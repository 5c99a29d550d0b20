"""Search speed on 100k contacts: the FTS5 path against a plain LIKE scan.

    python benchmarks/search_100k.py [--contacts 100000] [--db /tmp/bench.db]

Seeds a throwaway store (bulk inserts, then the search documents in chunks), then
times each query: the index lookup alone, and the whole service the CLI's `crm search`
uses (lookup plus loading the 50 records shown); median and worst milliseconds over
several runs, the hit count, and a LIKE scan of the same documents for comparison.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import search, store  # noqa: E402
from db.models import Company, Contact, ContactEmail, ContactPhone, database  # noqa: E402
from db.services import contacts, find  # noqa: E402

FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
         "Zoë", "Chloé", "José", "Søren", "Łukasz", "伟", "芳", "小明", "秀英", "Anaïs", "Björn", "Ngozi", "Aarav"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Müller", "Åström", "Núñez", "王", "李", "张", "刘", "Okafor", "Patel", "Kowalski", "O'Brien", "Nguyen"]
WORDS = ["bakery", "plumbing", "dental", "consulting", "logistics", "florist", "studio", "garage", "law", "café"]


def seed(n: int) -> None:
    rnd = random.Random(1)
    with database.atomic():
        Company.insert_many([{"name": f"{rnd.choice(LAST)} {rnd.choice(WORDS).title()} {i}"}
                             for i in range(n // 20)]).execute()
    companies = n // 20
    batch = 5000
    for start in range(0, n, batch):
        with store.write():
            rows = []
            for i in range(start, min(n, start + batch)):
                rows.append({"first_name": rnd.choice(FIRST), "last_name": rnd.choice(LAST),
                             "title": rnd.choice(["Owner", "Manager", "Director", None]),
                             "company": rnd.randint(1, companies), "notes": f"met at {rnd.choice(WORDS)} fair"})
            Contact.insert_many(rows).execute()
            ids = list(range(start + 1, start + len(rows) + 1))
            ContactEmail.insert_many([{"contact": i, "email": f"user{i}@example{i % 97}.com",
                                       "email_key": f"user{i}@example{i % 97}.com", "position": 0} for i in ids]).execute()
            ContactPhone.insert_many([{"contact": i, "raw": f"+1 415 {i // 10000:03d} {i % 10000:04d}",
                                       "number": f"+1415{i // 10000:03d}{i % 10000:04d}", "position": 0}
                                      for i in ids]).execute()
            docs, _ = contacts.documents(ids)
            search.index().put_many(docs)


def timed(fn, runs: int = 7):
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=100_000)
    ap.add_argument("--db")
    args = ap.parse_args()
    path = args.db or str(Path(tempfile.mkdtemp()) / "bench.db")
    store.open_store(path)
    if not Contact.select().exists():
        t = time.perf_counter()
        seed(args.contacts)
        print(f"seeded {args.contacts} contacts in {time.perf_counter() - t:.1f}s ({path})")
    size = Path(path).stat().st_size / 1e6
    print(f"store size {size:.0f} MB")
    print(f"{'query':<16} {'index ms':>9} {'search_all ms':>14} {'worst':>8} {'hits':>6}   {'LIKE scan ms':>12}")
    plain = search.PlainIndex()
    for query in ["smith", "Müller", "muller", "zoe", "小明", "张", "o'brien", "jo", "a", "example42",
                  "415 001", "bakery fair", "james smith", "nomatchatall"]:
        index_ms, _, _ = timed(lambda: search.find(query, kinds=["contact"], limit=50))
        med, worst, hits = timed(lambda: find.search_all(query, kinds=["contact"], limit=50))
        terms = search.query_terms(query)
        scan, _, _ = timed(lambda: plain.find(terms, ["contact"], 50), runs=3)
        print(f"{query:<16} {index_ms:>9.2f} {med:>14.2f} {worst:>8.2f} {len(hits):>6}   {scan:>12.2f}")
    med, worst, page = timed(lambda: contacts.list_(query="smith", limit=30))
    print(f"contact list --search smith (30 of {page.total}): {med:.2f} ms median")


if __name__ == "__main__":
    main()
