"""Import and export speed on a 100k-row x 12-column contacts workbook.

    python benchmarks/import_100k.py [--rows 100000]

Prints, for the same file: the floor (the fastest raw read, python-calamine, plus
sqlite3 executemany of the same rows into a bare table); a --dry-run into the empty
store; the import itself (dedupe + search indexing) with its ratio to the floor;
a re-import (every row a duplicate); exports to xlsx and csv. Each with rows/s and
peak memory (the PSS of crm and its row checker together).
Each crm figure is a fresh `crm` process, as a user would run it.
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["First Name", "Last Name", "Email", "Phone", "Company", "Job Title", "City", "Country", "Tags",
           "Notes", "Lifecycle Stage", "Lead Source"]


def make_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    rnd = random.Random(3)
    first = ["Ann", "Bob", "Chloé", "Dan", "Eve", "Farah", "小明", "Zoë", "José", "Ngozi", "Kenji", "Priya"]
    last = ["Lee", "Stone", "Dubois", "Okafor", "Müller", "王", "Åström", "Núñez", "Patel", "Kowalski"]
    book = Workbook(write_only=True)
    ws = book.create_sheet("Contacts")
    ws.append(HEADERS)
    for i in range(rows):
        phone = 7700000000 + i if i % 2 else f"+1 415 {i // 10000:03d} {i % 10000:04d}"
        ws.append([rnd.choice(first), rnd.choice(last), f"person{i}@example{i % 50}.com", phone,
                   f"Company {i % 2000}", rnd.choice(["Owner", "Manager", "Buyer", None]),
                   rnd.choice(["Leeds", "Lyon", "上海", "Austin"]), rnd.choice(["GB", "FR", "CN", "US"]),
                   rnd.choice(["vip", "newsletter", "vip, trade", None]), f"met at fair {i % 97}",
                   rnd.choice(["Lead", "Customer", "Opportunity"]), rnd.choice(["web", "referral", None])])
    book.save(path)


def floor(path: Path) -> float:
    from python_calamine import CalamineWorkbook

    t = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.iter_rows()
    next(rows)
    data = [tuple(str(v) for v in r) for r in rows]
    db = Path(tempfile.mkdtemp()) / "floor.db"
    con = sqlite3.connect(db)
    con.execute(f"CREATE TABLE t ({', '.join(f'c{i} TEXT' for i in range(len(HEADERS)))})")
    with con:
        con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(HEADERS))})", data)
    con.close()
    return time.perf_counter() - t


# Runs one crm command and reports the peak memory of it and its own child processes
# together (a big import forks a row checker), sampled every 20 ms from /proc: the
# proportional set size, which counts pages a forked child still shares with its
# parent once rather than twice (adding up two RSS figures would count them twice).
_WRAPPER = """
import os, subprocess, sys, time

def tree_rss(root):
    kids, rss = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                kids.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(int(pid))
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                rss[int(pid)] = next((int(l.split()[1]) for l in fh if l.startswith("Pss:")), 0)
        except (OSError, StopIteration, IndexError, ValueError):
            pass
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += kids.get(pid, [])
    return total

proc = subprocess.Popen([sys.executable, "-m", "cli", *sys.argv[1:]], stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, text=True)
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss(proc.pid))
    time.sleep(0.02)
sys.stderr.write(proc.stderr.read())
sys.stderr.write(f"\\nRSS {peak}\\n")
sys.exit(proc.returncode)
"""


def crm_rss(db: Path, *args) -> tuple[float, float, str]:
    """(seconds, peak memory MB, crm's last stderr line)"""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, "--db", str(db), *args], cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    rss = int(lines[-1].split()[1]) / 1024
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crm {' '.join(args)} failed: {proc.stderr}")
    return seconds, rss, lines[-2] if len(lines) > 1 else ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    cfg = folder / "config.toml"
    cfg.write_text('timezone = "UTC"\nphone_region = "GB"\nowner = "bench"\n')
    os.environ["CRM_CONFIG"] = str(cfg)
    book = folder / "contacts.xlsx"
    t = time.perf_counter()
    make_workbook(book, args.rows)
    print(f"wrote {args.rows} x {len(HEADERS)} workbook in {time.perf_counter() - t:.1f}s "
          f"({book.stat().st_size / 1e6:.1f} MB)")
    base = floor(book)
    print(f"floor (calamine read + sqlite3 executemany): {base:.2f} s")
    db = folder / "crm.db"
    subprocess.run([sys.executable, "-m", "cli", "--db", str(db), "init"], cwd=ROOT, check=True, capture_output=True)
    seconds, rss, line = crm_rss(db, "import", str(book), "--dry-run")  # a preview, into the empty store
    print(f"crm import --dry-run (empty):{seconds:6.2f} s  {args.rows / seconds:8.0f} rows/s  "
          f"peak memory {rss:.0f} MB   [{line}]")
    seconds, rss, line = crm_rss(db, "import", str(book))
    print(f"crm import (empty store):   {seconds:6.2f} s  {args.rows / seconds:8.0f} rows/s  "
          f"{seconds / base:.2f}x floor  peak memory (PSS) {rss:.0f} MB   [{line}]")
    seconds, rss, line = crm_rss(db, "import", str(book))
    print(f"crm re-import (all dups):   {seconds:6.2f} s  {args.rows / seconds:8.0f} rows/s  "
          f"peak memory {rss:.0f} MB   [{line}]")
    for suffix in ("xlsx", "csv"):
        seconds, rss, line = crm_rss(db, "export", str(folder / f"out.{suffix}"), "--entity", "contact")
        print(f"crm export {suffix:<4} (100k):     {seconds:6.2f} s  peak memory {rss:.0f} MB   [{line}]")


if __name__ == "__main__":
    main()
