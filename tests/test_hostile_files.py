"""Every hostile file (tests/hostile_files.py) through the real `crm import`, with and
without --dry-run: an exit code of 0, 1 or 3, never a traceback or a crash report, each
error one line naming the file, and a failed import leaves the store as it was.

Plus the forked row checker of a big import dies with a killed `crm import`.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db import config, store
from db.services import common, contacts
from tests import conftest, hostile_files

CASES = sorted(hostile_files.cases())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    return hostile_files.build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "crm.db"
    store.open_store(str(path))
    store.close_store()
    return path


@pytest.fixture
def crm_store(tmp_path, monkeypatch, migrated):
    """conftest's store, copied from one migrated once: 800 runs each get a fresh store
    without paying for the migrations 800 times (they were two thirds of the time)."""
    db_path = tmp_path / "crm.db"
    shutil.copy(migrated, db_path)
    cfg = tmp_path / "config.toml"
    cfg.write_text(conftest.CONFIG)
    monkeypatch.setenv("CRM_DB", str(db_path))
    monkeypatch.setenv("CRM_CONFIG", str(cfg))
    config.reload_config()
    store.open_store(str(db_path))
    yield db_path
    store.close_store()
    common.set_clock(None)
    config.reload_config()


def fingerprint(db_path: Path) -> dict[str, tuple]:
    """Rows and the highest rowid of every table: cheap, and any write shows. Left out:
    the batch table (a failed import may leave the record of its failure there) and the
    full-text index's own storage (it reshuffles itself; its row count is compared)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        tables = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
        virtual = [name for name, sql in tables if (sql or "").upper().startswith("CREATE VIRTUAL")]
        out = {}
        for table, _ in tables:
            if table in ("import_batch", "schema_migration") or any(table.startswith(v + "_") for v in virtual):
                continue
            rowid = "" if table in virtual else ", max(rowid)"
            out[table] = db.execute(f'SELECT count(*){rowid} FROM "{table}"').fetchone()
    return out


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_one_line_or_imported(case, dry_run, hostile, crm_store, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # a crash report would land here, not in ~
    contacts.create({"first_name": "Ann", "last_name": "Lee"}, emails=["ann@example.com"])
    before = fingerprint(crm_store)
    path = hostile[case]
    from cli.main import app

    result = CliRunner().invoke(app, ["--db", str(crm_store), "import", str(path), *(["--dry-run"] if dry_run else [])],
                                prog_name="crm")
    output = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 3), (result.exit_code, result.stderr[-2000:])
    assert "Traceback" not in output and "crm hit a bug" not in output, result.stderr[-2000:]
    assert not (tmp_path / "state").exists(), "a crash report was written"
    assert "panicked" not in capfd.readouterr().err  # a Rust panic prints past sys.stderr, on fd 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if result.exit_code:
        assert errors, f"exit {result.exit_code} without an error line: {result.stderr[-500:]}"
    for line in errors:
        assert str(path) in line or path.name in line, f"the error does not name the file: {line}"
    if result.exit_code or dry_run:
        assert fingerprint(crm_store) == before, f"the store changed (exit {result.exit_code}): {errors}"


def test_the_cases_cover_what_they_claim():
    names = " ".join(CASES)
    for kind in ("xlsx-flip-", "xlsx-cut-", "xml-", "csv-flip-", "zip-method-", "zip-version-", "dimension-", "sparse-",
                 "many-sheets", "entities-", "shared-strings-", "csv-utf-16", "csv-nul", "csv-giant-field",
                 "formulas", "values-contact-", "values-deal-", "values-followup-", "fifo", "dev-zero", "directory"):
        assert kind in names, kind
    assert len(CASES) > 300


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has let go of everything; its reaper may be slow


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the child through /proc")
def test_the_row_checker_dies_with_a_killed_import(tmp_path, crm_store):
    from importers import checker

    big = hostile_files.slow_to_check(tmp_path / "big.xlsx")
    assert big.stat().st_size >= checker.BIG  # so the import forks its row checker
    proc = subprocess.Popen([sys.executable, "-m", "cli", "--db", str(crm_store), "import", str(big)],
                            cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not (children := _children(proc.pid)) and time.monotonic() < deadline:
            assert proc.poll() is None, "the import ended before it forked"
            time.sleep(0.05)
        assert children, "no row checker was forked"
        time.sleep(0.3)  # let it get busy checking rows
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        while any(_alive(c) for c in children) and time.monotonic() - killed < 5:
            time.sleep(0.02)
        lived = time.monotonic() - killed
        assert not any(_alive(c) for c in children), "the row checker outlived its import by 5 s"
        # Without PR_SET_PDEATHSIG it carries on checking until the queue is full: 2 s and more here.
        assert lived < 1.0, f"the row checker lived {lived:.1f} s after its import was killed"
    finally:
        for pid in [proc.pid, *children]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()


REFUSED = {
    "fifo": "not a regular file (a FIFO)",
    "dev-zero": "not a regular file (a character device)",
    "symlink-to-dev-zero": "not a regular file (a character device)",
    "directory": "is a directory",
    "sparse-XFD1048576": "sheet 'Contacts': its cells reach XFD1048576, a grid of 17,179,869,184 cells",
    "sparse-ZZ200000-declared-small": "sheet 'Contacts': its cells reach ZZ200000, a grid of 140,400,000 cells",
    "sparse-row-attr-only": "sheet 'Contacts': its cells reach XFD1048576",
    "sparse-sheet-at-odd-path": "sheet 'Contacts': its cells reach XFD1048576",
    "sparse-A1048577": "sheet 'Contacts': a cell at A1048577 is beyond Excel's limits (1,048,576 rows, 16,384 columns)",
    "sparse-XFE1": "sheet 'Contacts': a cell at XFE2 is beyond Excel's limits",
    "dimension-A1_XFE1": "sheet 'Contacts': its declared size 'A1:XFE1' is beyond Excel's limits",
    "xlsx-zip-version-255": "a zip feature this reader does not support (zip file version",
    "xlsx-zip-flag-0x1": "an encrypted workbook; save it without a password",
    "shared-strings-count-huge": "xl/sharedStrings.xml: claims 2,147,483,648 shared strings, over the 50,000,000 limit",
    "entities-deep-in-sheet": "xl/worksheets/sheet1.xml declares XML entities",
    "values-deal-close-date-cells": "sheet 'deals': cell D4 holds -inf, too far out of range to read as a date",
    "csv-giant-field-line-3001": "line 3001: field larger than field limit (131072)",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_is_refused_says_why_in_one_line(case, hostile, crm):
    result = crm("import", str(hostile[case]), code=3)
    assert result.stderr.startswith(f"error: {hostile[case]}: {REFUSED[case]}")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("case", ["dimension-A1_XFD1048576", "dimension-missing", "sparse-A1048576", "cells-without-refs",
                                  "rows-out-of-order", "xlsx-stored", "refs-lowercase", "binary-members"])
def test_odd_but_honest_workbooks_import(case, hostile, crm):
    """A dimension that claims the whole sheet, none at all, a tall thin sheet (one
    column, a million rows: a grid of a million cells is allowed however empty), cells
    without references, 3 MB of zeros in an embedded object (no '>' in it: not XML):
    calamine reads them all within bounds."""
    out = crm.json("import", str(hostile[case]))
    assert out["created"] >= 1, out
    assert all(e["column"] == "Email" for e in out["errors"]), out  # only 'far away', not an email


def test_a_sparse_grid_costs_nothing_before_it_is_refused(tmp_path, crm):
    """A 2 KB file whose cells reach T1000000 (within every limit, 20M cells, 3 filled)
    took 662 MB; now it is refused before calamine allocates, and one a tenth full is read."""
    from tests.hostile_files import _huge_sparse, workbook_members, write_zip

    sparse = write_zip(tmp_path / "sparse.xlsx", workbook_members([("Contacts", _huge_sparse("T1000000"))]))
    result = crm("import", str(sparse), code=3)
    assert "a grid of 20,000,000 cells of which only 3 hold anything" in result.stderr
    rows = [["Email", "First name"] + [f"x{i}" for i in range(8)]] + [[f"d{i}@example.com", "D"] for i in range(300)]
    rows[150] += [None] * 7 + ["far right, but a tenth of the grid is full"]
    dense = hostile_files.xlsx(tmp_path / "dense.xlsx", rows)
    assert crm.json("import", str(dense))["created"] == 300


@pytest.mark.parametrize("when", ["at start", "later"])
def test_a_workbook_reads_with_stderr_closed(tmp_path, when):
    """With fd 2 closed (cron, `2>&-`), fd 2 is whatever file opens next, such as
    calamine's workbook: the reader must not point it at /dev/null to hush calamine."""
    path = hostile_files.xlsx(tmp_path / "ok.xlsx", hostile_files.CONTACT_ROWS)
    code = ("import os; from importers.read import open_sheets; "
            + ("os.close(2); " if when == "later" else "")
            + f"print(sum(1 for s in open_sheets({str(path)!r}) for _ in s.rows()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent, stdout=subprocess.PIPE,
                         preexec_fn=(lambda: os.close(2)) if when == "at start" else None, text=True, timeout=60)
    assert (out.returncode, out.stdout) == (0, "4\n")


def test_a_calamine_panic_is_one_line_and_nothing_else(tmp_path):
    """-inf in a date cell makes calamine panic in Rust (the guard refuses such a file
    first; here it is skipped): the panic is our one line naming sheet and row, and the
    lines Rust prints on fd 2 (a whole backtrace under RUST_BACKTRACE=1) go nowhere."""
    members = hostile_files.workbook_members([("Dates", hostile_files.sheet_xml(
        [], dimension=None, body='<row r="1"><c r="A1" s="1"><v>40000</v></c></row>'
                                 '<row r="2"><c r="A2" s="1"><v>-inf</v></c></row>'))])
    path = hostile_files.write_zip(tmp_path / "panic.xlsx", members)
    code = ("import importers.read as r; r.check_xlsx = lambda path: None\n"
            "try:\n"
            f"    [row for s in r.open_sheets({str(path)!r}) for row in s.rows()]\n"
            "except r.UnreadableFile as exc:\n"
            "    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent, capture_output=True, text=True,
                         env={**os.environ, "RUST_BACKTRACE": "1"}, timeout=60)
    assert out.stdout == f"{path}: sheet 'Dates': row 2: cannot read it (TimeDelta::milliseconds out of bounds)\n"
    assert out.stderr == ""
