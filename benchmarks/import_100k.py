"""Import and export speed on a 100k-row x 12-column contacts workbook.

    python benchmarks/import_100k.py [--rows 100000] [--pg]

Prints, for the same file, each crm figure beside its floor, measured in the same run:
- import: the bare floor (python-calamine read + sqlite3 executemany into one bare
  table) and the crm-tables floor (the same read written into crm's own tables,
  indexes and search documents by plain sqlite3, no Python validation);
- a --dry-run into the empty store, the import itself and a re-import (all duplicates);
- export csv: floor = one sqlite3 SELECT of the exported columns (company joined,
  emails/phones/tags grouped) through csv.writer; export xlsx: the same rows through
  XlsxWriter constant_memory.
Each with peak memory (the PSS of crm and its row checker together). Each crm figure
is a fresh `crm` process, as a user would run it. --pg adds the same import and
exports into a throwaway local PostgreSQL server (started as tests/postgres.py does)
beside the SQLite figures, and search p50 on that store.
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


def _read(path: Path) -> list[tuple]:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.iter_rows()
    next(rows)
    return [tuple(str(v) for v in r) for r in rows]


class Clock:
    """Wall and CPU seconds since it was made: on a machine others share, the CPU time
    is the steadier figure (a busy neighbour stretches the wall time, not the work)."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def floor(path: Path) -> tuple[float, float]:
    t = Clock()
    data = _read(path)
    db = Path(tempfile.mkdtemp()) / "floor.db"
    con = sqlite3.connect(db)
    con.execute(f"CREATE TABLE t ({', '.join(f'c{i} TEXT' for i in range(len(HEADERS)))})")
    with con:
        con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(HEADERS))})", data)
    con.close()
    return t.read()


def crm_tables_floor(path: Path, db: Path) -> tuple[float, float]:
    """The read written into crm's own tables of an initialised store (db), with their
    indexes and search documents, by plain sqlite3: no validation, no matching."""
    from db.search import grams

    t = Clock()
    data = _read(path)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA synchronous=normal")
    now = "2026-11-25 00:00:00"
    con.execute("BEGIN IMMEDIATE")
    companies = {name: i for i, name in enumerate(dict.fromkeys(r[4] for r in data if r[4]), 1)}
    con.executemany("INSERT INTO company (id, name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    [(i, name, name.lower(), now, now) for name, i in companies.items()])
    con.executemany("INSERT INTO contact (id, first_name, last_name, title, company_id, stage, source, owner, "
                    "do_not_contact, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', 0, ?, ?, ?)",
                    [(i, r[0], r[1], r[5] or None, companies.get(r[4]), r[10].lower(), r[11] or None,
                      f"{r[9]}\nCity: {r[6]}\nCountry: {r[7]}", now, now) for i, r in enumerate(data, 1)])
    con.executemany("INSERT INTO contact_email (contact_id, email, email_key, position) VALUES (?, ?, ?, 0)",
                    [(i, r[2], r[2].lower()) for i, r in enumerate(data, 1) if r[2]])
    con.executemany("INSERT INTO contact_phone (contact_id, raw, number, position) VALUES (?, ?, ?, 0)",
                    [(i, r[3], r[3]) for i, r in enumerate(data, 1) if r[3]])
    tags = {t: i for i, t in enumerate(sorted({t.strip() for r in data for t in r[8].split(",") if t.strip()}), 1)}
    con.executemany("INSERT INTO tag (id, name) VALUES (?, ?)", [(i, t) for t, i in tags.items()])
    con.executemany("INSERT INTO contact_tag (contact_id, tag_id) VALUES (?, ?)",
                    [(i, tags[t.strip()]) for i, r in enumerate(data, 1) for t in r[8].split(",") if t.strip()])
    con.executemany("INSERT INTO search_doc (kind, ref_id, text, grams) VALUES ('company', ?, lower(?), ?)",
                    [(i, name, grams(name)) for name, i in companies.items()])
    con.executemany("INSERT INTO search_doc (kind, ref_id, text, grams) VALUES ('contact', ?, lower(?), ?)",
                    [(i, "\n".join(filter(None, (f"{r[0]} {r[1]}", r[2], r[3], r[4], r[5], r[9]))),
                      grams(f"{r[0]} {r[1]} {r[4]}")) for i, r in enumerate(data, 1)])
    for table, column in (("search_trigram", "text"), ("search_bigram", "grams")):
        con.execute(f"INSERT INTO {table}(rowid, {column}) SELECT id, {column} FROM search_doc")
    con.execute("COMMIT")
    con.close()
    return t.read()


_EXPORT_SQL = """
SELECT c.id, c.first_name, c.last_name,
       (SELECT group_concat(email, '; ') FROM contact_email WHERE contact_id = c.id),
       (SELECT group_concat(raw, '; ') FROM contact_phone WHERE contact_id = c.id),
       co.name, c.title, c.stage, c.source, c.owner,
       (SELECT group_concat(t.name, '; ') FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id
         WHERE ct.contact_id = c.id),
       c.do_not_contact, c.notes, c.external_id
FROM contact c LEFT JOIN company co ON co.id = c.company_id
WHERE c.deleted_at IS NULL ORDER BY c.id"""


def export_floors(db: Path, folder: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """(csv, xlsx) (wall, CPU) seconds: the exported columns straight from sqlite3 into csv.writer,
    and into XlsxWriter in constant_memory mode."""
    import csv

    import xlsxwriter

    t = Clock()
    con = sqlite3.connect(db)
    with open(folder / "floor.csv", "w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(["id"] * 14)
        out.writerows(con.execute(_EXPORT_SQL))
    con.close()
    csv_s = t.read()
    t = Clock()
    con = sqlite3.connect(db)
    book = xlsxwriter.Workbook(str(folder / "floor.xlsx"), {"constant_memory": True, "strings_to_formulas": False,
                                                            "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("contacts")
    for r, row in enumerate(con.execute(_EXPORT_SQL), 1):
        sheet.write_row(r, 0, row)
    book.close()
    con.close()
    return csv_s, t.read()


def _pg_server():
    """A throwaway PostgreSQL server, as the tests start theirs."""
    sys.path.insert(0, str(ROOT))
    from tests.postgres import _bindir, throwaway_server

    bindir = _bindir()
    if not bindir:
        raise SystemExit("--pg: PostgreSQL is not installed")
    return throwaway_server(bindir)


def _pg_database(server: str, name: str) -> str:
    import psycopg2

    admin = psycopg2.connect(server + "postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    admin.close()
    return server + name


# Runs one crm command and reports the peak memory of it and its own child processes
# together (a big import forks a row checker), sampled every 20 ms from /proc: the
# proportional set size, which counts pages a forked child still shares with its
# parent once rather than twice (adding up two RSS figures would count them twice).
_WRAPPER = """
import os, resource, subprocess, sys, time

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
cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(f"\\nCPU {cpu.ru_utime + cpu.ru_stime}\\n")
sys.stderr.write(f"\\nRSS {peak}\\n")
sys.exit(proc.returncode)
"""


def crm_rss(db, *args) -> tuple[tuple[float, float], float, str]:
    """((wall, CPU seconds), peak memory MB, crm's last stderr line); CPU counts crm and
    its row checker"""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, "--db", str(db), *args], cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    rss = int(lines[-1].split()[1]) / 1024
    cpu = float(lines[-2].split()[1])
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crm {' '.join(args)} failed: {proc.stderr}")
    return (seconds, cpu), rss, lines[-3] if len(lines) > 2 else ""


def _fig(t: tuple[float, float]) -> str:
    return f"{t[0]:6.2f} s wall {t[1]:6.2f} s CPU"


def _ratio(t: tuple[float, float], base: tuple[float, float]) -> str:
    return f"{t[0] / base[0]:5.2f}x wall {t[1] / base[1]:5.2f}x CPU"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--pg", action="store_true", help="also import/export/search on a throwaway PostgreSQL")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    cfg = folder / "config.toml"
    cfg.write_text('timezone = "UTC"\nphone_region = "GB"\nowner = "bench"\n')
    os.environ["CRM_CONFIG"] = str(cfg)
    book = folder / "contacts.xlsx"
    t = time.perf_counter()
    make_workbook(book, args.rows)
    print(f"wrote {args.rows} x {len(HEADERS)} workbook in {time.perf_counter() - t:.1f}s "
          f"({book.stat().st_size / 1e6:.1f} MB); load average {os.getloadavg()[0]:.1f}")
    base = floor(book)
    print(f"floor, bare (calamine read + sqlite3 executemany, one table):   {_fig(base)}")
    tables_db = folder / "floor-tables.db"
    subprocess.run([sys.executable, "-m", "cli", "--db", str(tables_db), "init"], cwd=ROOT, check=True,
                   capture_output=True)
    tables = crm_tables_floor(book, tables_db)
    print(f"floor, crm tables (+ indexes, search docs; sqlite3, no checks): {_fig(tables)}  {_ratio(tables, base)} bare")
    db = folder / "crm.db"
    subprocess.run([sys.executable, "-m", "cli", "--db", str(db), "init"], cwd=ROOT, check=True, capture_output=True)
    took, rss, line = crm_rss(db, "import", str(book), "--dry-run")  # a preview, into the empty store
    print(f"crm import --dry-run (empty): {_fig(took)}  peak memory {rss:.0f} MB   [{line}]")
    took, rss, line = crm_rss(db, "import", str(book))
    sqlite_import = took
    print(f"crm import (empty store):     {_fig(took)}  {args.rows / took[0]:6.0f} rows/s  peak memory (PSS) "
          f"{rss:.0f} MB   [{line}]\n"
          f"  vs bare floor (target 5x):         {_ratio(took, base)}\n"
          f"  vs crm-tables floor (target 1.5x): {_ratio(took, tables)}")
    took, rss, line = crm_rss(db, "import", str(book))
    print(f"crm re-import (all dups):     {_fig(took)}  peak memory {rss:.0f} MB   [{line}]")
    startup, _, _ = crm_rss(db, "--version")
    print(f"crm start-up alone (`crm --version`): {_fig(startup)}  (in every crm figure, in no floor)")
    floors = dict(zip(("csv", "xlsx"), export_floors(db, folder)))
    exported = {}
    for suffix, target in (("csv", 1.5), ("xlsx", 1.2)):
        took, rss, line = crm_rss(db, "export", str(folder / f"out.{suffix}"), "--entity", "contact")
        exported[suffix] = took
        print(f"crm export {suffix:<4}:              {_fig(took)}  peak memory {rss:.0f} MB   [{line}]\n"
              f"  floor {_fig(floors[suffix])};  {_ratio(took, floors[suffix])} (target {target}x); "
              f"less start-up {(took[0] - startup[0]) / floors[suffix][0]:.2f}x wall "
              f"{(took[1] - startup[1]) / floors[suffix][1]:.2f}x CPU")
    if args.pg:
        with _pg_server() as server:
            url = _pg_database(server, "crm_bench")
            subprocess.run([sys.executable, "-m", "cli", "--db", url, "init"], cwd=ROOT, check=True,
                           capture_output=True)
            took, rss, line = crm_rss(url, "import", str(book))
            print(f"PostgreSQL crm import:        {_fig(took)}  {_ratio(took, sqlite_import)} SQLite's (target 2x; "
                  f"CPU: crm's own processes, not the server's)  peak memory {rss:.0f} MB   [{line}]")
            for suffix in ("csv", "xlsx"):
                took, rss, line = crm_rss(url, "export", str(folder / f"pg.{suffix}"), "--entity", "contact")
                print(f"PostgreSQL crm export {suffix:<4}:   {_fig(took)}  {_ratio(took, exported[suffix])} SQLite's "
                      f"(target 1.5x)  peak memory {rss:.0f} MB")
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "search_100k.py"), "--db", url], check=True)


if __name__ == "__main__":
    main()
