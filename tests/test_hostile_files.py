"""Every hostile file (tests/hostile_files.py) through the real `crm import`, with and
without --dry-run: an exit code of 0, 1 or 3, never a traceback or a crash report, each
error one line naming the file, and a failed import leaves the store as it was.

Plus the forked row checker of a big import dies with a killed `crm import`.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db.services import contacts
from tests import hostile_files

CASES = sorted(hostile_files.cases())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    return hostile_files.build(tmp_path_factory.mktemp("hostile"))


def fingerprint(db_path: Path) -> dict[str, tuple[int, int | None]]:
    """Rows and the highest rowid of every table: cheap, and any write shows. The batch
    table is left out: a failed import may leave the record of its failure there."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {}
        for table in tables:
            if table in ("import_batch", "schema_migration"):
                continue
            try:
                out[table] = db.execute(f'SELECT count(*), max(rowid) FROM "{table}"').fetchone()
            except sqlite3.OperationalError:  # a virtual table without rowid
                out[table] = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return out


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_one_line_or_imported(case, dry_run, hostile, crm_store, tmp_path, monkeypatch):
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
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if result.exit_code:
        assert errors, f"exit {result.exit_code} without an error line: {result.stderr[-500:]}"
    for line in errors:
        assert str(path) in line or path.name in line, f"the error does not name the file: {line}"
    if result.exit_code or dry_run:
        assert fingerprint(crm_store) == before, f"the store changed (exit {result.exit_code}): {errors}"


def test_the_cases_cover_what_they_claim():
    names = " ".join(CASES)
    for kind in ("xlsx-flip-", "xlsx-cut-", "csv-flip-", "zip-method-", "zip-version-", "dimension-", "sparse-",
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
