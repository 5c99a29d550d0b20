"""A small workbook of many one-row sheets, imported into a store that already holds
contacts: the cost that grows with sheets x stored contacts (each sheet used to reload
every contact key; now the keys are loaded once per import).

    python benchmarks/import_many_sheets.py [--sheets 1000] [--contacts 10000]

Prints the seconds of one `crm import` process, as a user would run it.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", type=int, default=1000)
    parser.add_argument("--contacts", type=int, default=10000)
    args = parser.parse_args()
    import xlsxwriter

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db, stored, book_path = tmp / "crm.db", tmp / "stored.csv", tmp / "sheets.xlsx"
        stored.write_text("First Name,Last Name,Email,Company\n" + "".join(
            f"P{i},Stored,p{i}@example.com,Co{i % 500}\n" for i in range(args.contacts)))
        book = xlsxwriter.Workbook(str(book_path))
        for i in range(args.sheets):
            ws = book.add_worksheet(f"S{i}")
            ws.write_row(0, 0, ["Name", "Email"])
            ws.write_row(1, 0, [f"Person {i}", f"s{i}@example.org"])
        book.close()
        crm = [sys.executable, "-m", "cli", "--db", str(db)]
        subprocess.run([*crm, "init"], check=True, capture_output=True)
        subprocess.run([*crm, "import", str(stored)], check=True, capture_output=True)
        started = time.perf_counter()
        subprocess.run([*crm, "import", str(book_path)], check=True, capture_output=True)
        print(f"{args.sheets} sheets ({book_path.stat().st_size // 1024} KB) into a store of {args.contacts:,} "
              f"contacts: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
