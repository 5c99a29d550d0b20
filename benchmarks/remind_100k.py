"""`crm remind` over 100k open follow-ups of which 1k are due.

    python benchmarks/remind_100k.py [--rows 100000] [--due 1000]

(--rows: open follow-ups; the 1M store's 10k-due figure is in search_100k.py --rows.)

Seeds a throwaway store, then times the real command in a fresh process (what cron
runs: interpreter start-up included) for the first run (delivers 1k) and a second run
(nothing left to deliver), and the in-process find-claim-deliver step alone.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import store  # noqa: E402
from db.models import Contact, FollowUp  # noqa: E402

NOW = datetime(2026, 11, 24, 9, 0)


def seed(total: int, due: int) -> None:
    with store.write():
        Contact.insert_many([{"first_name": f"C{i}"} for i in range(1000)]).execute()
    rows = []
    for i in range(total):
        if i < due:
            when = NOW - timedelta(minutes=i % 60)
        else:
            when = NOW + timedelta(hours=30 + (i % 8760))  # spread over the next year
        rows.append({"subject": f"Follow-up {i}", "due": when, "contact": 1 + i % 1000, "owner": "sam",
                     "chain_start": when})
    for start in range(0, total, 5000):
        with store.write():
            FollowUp.insert_many(rows[start:start + 5000]).execute()


def run_cli(db: str) -> tuple[float, int]:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "cli", "--db", db, "remind", "--now", NOW.isoformat(),
                          "--format", "json"], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout
    return time.perf_counter() - t, len(json.loads(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", "--followups", dest="followups", type=int, default=100_000)
    ap.add_argument("--due", type=int, default=1000)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    db = str(folder / "bench.db")
    cfg = folder / "config.toml"
    cfg.write_text('timezone = "UTC"\nowner = "sam"\n')
    os.environ["CRM_CONFIG"] = str(cfg)
    store.open_store(db)
    seed(args.followups, args.due)
    store.close_store()
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import cli.main"], check=True, cwd=Path(__file__).resolve().parent.parent)
    startup = time.perf_counter() - t
    first, delivered = run_cli(db)
    second, again = run_cli(db)
    print(f"{args.followups} open follow-ups, {args.due} due")
    print(f"python + crm import alone:          {startup:.3f} s")
    print(f"crm remind, first run (delivers):   {first:.3f} s wall, {delivered} reminders")
    print(f"crm remind, second run (none left): {second:.3f} s wall, {again} reminders")


if __name__ == "__main__":
    main()
