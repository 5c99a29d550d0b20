"""An import that fails, is stopped or is killed: the store as it was, the batch list
saying what happened, one exit-code rule, and the files an import or export writes."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import pytest
from openpyxl import Workbook, load_workbook

from db import store
from db.services import contacts, imports
from db.services import views

HEADER = "First Name,Last Name,Email,Phone,Title,Company,Tags\n"


def snapshot(db_path) -> dict:
    """Every row of every table but the batch list (a failed import may leave its
    record there) and FTS5's own shadow tables (checked by fts_consistent instead)."""
    con = sqlite3.connect(db_path)
    try:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                 if n != "import_batch" and not n.startswith(("search_trigram", "search_bigram"))]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()


def fts_consistent(db_path) -> None:
    """FTS5 checks its indexes against the search documents (raises if they differ)."""
    con = sqlite3.connect(db_path)
    try:
        for table in ("search_trigram", "search_bigram"):
            con.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
    finally:
        con.close()


def count(db_path, sql: str) -> int:
    con = sqlite3.connect(db_path)  # fresh each time: a held connection reads an old snapshot
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def known(crm):
    """A store with people the import will update (Ann, Cy) and one it will not."""
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com", "--tag", "old")
    crm("contact", "add", "--first-name", "Cy", "--last-name", "Po", "--phone", "07700 900001", "--company", "Acme")
    crm("contact", "add", "--first-name", "Di", "--email", "di@example.com")
    return crm


def people(n: int, start: int = 0) -> str:
    return "".join(f"P{i},Test,p{i}@example.com,,,Firm {i % 7},t{i % 3}\n" for i in range(start, start + n))


def updates() -> str:
    """Rows that change Ann and Cy: a title, a second email, a phone, a new company, a new tag."""
    return ("Ann,Lee,ann@example.com,07700 900123,Owner,NewCo,vip\n"
            "Cy,Po,cy@example.com,07700 900001,Boss,,vip; new\n")


# -- a failure part-way takes everything back out ---------------------------

def _field_too_big(tmp_path, monkeypatch):
    path = tmp_path / "big-field.csv"
    path.write_text(HEADER + updates() + people(2997) + "X,Y," + "y" * 200_000 + "\n")
    return path, 3, f"error: {path}: line 3001: field larger than field limit (131072)\n"


def _unreadable_row(tmp_path, monkeypatch):
    """The reader fails at row 2500 (as a damaged sheet does, part-way through)."""
    from importers import pipeline
    from importers.read import UnreadableFile

    path = tmp_path / "damaged.csv"
    path.write_text(HEADER + updates() + people(3000))
    real = pipeline.open_sheets

    def damaged(p):
        sheets = real(p)
        rows = sheets[0].rows

        def failing():
            for number, values in rows():
                if number == 2500:
                    raise UnreadableFile(f"{p}: row 2500: cannot read this row")
                yield number, values
        sheets[0].rows = failing
        return sheets
    monkeypatch.setattr(pipeline, "open_sheets", damaged)
    return path, 3, f"error: {path}: row 2500: cannot read this row\n"


def _database_error(tmp_path, monkeypatch):
    """The database refuses a write in the second chunk (a real SQLite error)."""
    con = sqlite3.connect(tmp_path / "crm.db")  # the test's store (conftest)
    con.execute("CREATE TRIGGER full_disk BEFORE INSERT ON contact_email WHEN NEW.email = 'p2500@example.com' "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    con.commit()
    con.close()
    path = tmp_path / "db-error.csv"
    path.write_text(HEADER + updates() + people(3000))
    return path, 3, f"error: {store.describe()}: database or disk is full\n"


def _interrupted(tmp_path, monkeypatch):
    """Ctrl+C while the second chunk is being written."""
    calls = []
    real = imports.count_batch

    def count_then_stop(batch_id, outcomes):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(batch_id, outcomes)
    monkeypatch.setattr(imports, "count_batch", count_then_stop)
    path = tmp_path / "stopped.csv"
    path.write_text(HEADER + updates() + people(3000))
    return path, 130, "error: interrupted; nothing imported\n"


@pytest.mark.parametrize("make", [_field_too_big, _unreadable_row, _database_error, _interrupted],
                         ids=["field-over-limit", "unreadable-row", "database-error", "ctrl-c"])
def test_a_failure_part_way_leaves_the_store_exactly_as_it_was(tmp_path, known, crm_store, monkeypatch, make):
    before_batches = known.json("import", "list")
    path, code, message = make(tmp_path, monkeypatch)
    before = snapshot(crm_store)
    result = known("import", str(path), code=code)
    assert result.stderr == message and result.stdout == ""
    after = snapshot(crm_store)
    assert after == before  # the first chunk (2,000 rows, Ann's and Cy's updates) was taken back out
    fts_consistent(crm_store)
    [failed, *older] = known.json("import", "list")
    assert older == before_batches
    assert (failed["status"], failed["created"], failed["updated"]) == ("failed", 0, 0)
    assert known("import", "revert", str(failed["batch"]), code=1).stderr == \
        f"error: batch: import batch {failed['batch']} failed and was taken back out; nothing to revert\n"
    assert known.json("search", "newco") == [] and views.contact("ann@example.com")["title"] is None


def test_the_same_file_imports_once_the_failure_is_fixed(tmp_path, known):
    path = tmp_path / "fixed.csv"
    path.write_text(HEADER + updates() + people(2998) + "X,Y," + "y" * 200_000 + "\n")
    known("import", str(path), code=3)
    path.write_text(HEADER + updates() + people(2998))
    out = known.json("import", str(path))
    assert (out["created"], out["updated"], out["rejected"]) == (2998, 2, 0)
    ann = views.contact("ann@example.com")
    assert (ann["title"], ann["company"], ann["tags"]) == ("Owner", "NewCo", ["old", "vip"])
    assert [b["status"] for b in known.json("import", "list")] == ["done", "failed"]


# -- one exit-code rule ----------------------------------------------------

def test_exit_codes_of_an_import_with_rejected_rows(tmp_path, crm, crm_store):
    path = tmp_path / "mixed.csv"
    path.write_text("Name,Email\nAnn Lee,ann@example.com\nBob,bob@\n")
    rejected = f"rejected: {path}: sheet 'mixed', row 3, column 'Email': 'bob@' is not a valid email address"

    dry = crm("import", str(path), "--dry-run")  # would commit: 0
    assert rejected in dry.stderr.splitlines()
    strict_dry = crm("import", str(path), "--dry-run", "--strict", code=1)
    assert strict_dry.stderr.splitlines()[-1] == f"error: {path}: 1 row(s) rejected; nothing imported (strict)"

    before = snapshot(crm_store)
    errors = tmp_path / "fix.csv"
    strict = crm("import", str(path), "--strict", "--errors", str(errors), code=1)
    assert strict.stderr.splitlines() == [rejected, f"rejected rows written to {errors}",
                                          f"error: {path}: 1 row(s) rejected; nothing imported (strict)"]
    assert snapshot(crm_store) == before and errors.read_text("utf-8-sig").splitlines()[1] == \
        "Bob,bob@,row 3: 'bob@' is not a valid email address"
    [failed] = crm.json("import", "list")
    assert (failed["status"], failed["rejected"]) == ("failed", 1)

    committed = crm.json("import", str(path))  # committed the good row: 0, rejected counted
    assert (committed["batch"], committed["created"], committed["rejected"]) == (2, 1, 1)
    assert [c["name"] for c in contacts.list_().rows] == ["Ann Lee"]

    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Email\nBob,bob@\nCy,cy@\n")
    out = crm("import", str(bad), code=1)  # nothing got in: a failure, not a success with 0 created
    assert out.stderr.splitlines()[-1] == f"error: {bad}: 2 row(s) rejected; no row could be imported"
    assert [b["status"] for b in crm.json("import", "list")] == ["failed", "done", "failed"]


def test_strict_writes_nothing_even_when_the_bad_row_comes_after_a_committed_chunk(tmp_path, crm, crm_store):
    path = tmp_path / "late.csv"
    path.write_text(HEADER + people(2400) + "Bad,Row,bad@,,,,\n" + people(100, start=2400))
    before = snapshot(crm_store)
    out = crm("import", str(path), "--strict", "--format", "json", code=1)
    summary = json.loads(out.stdout)
    assert (summary["batch"], summary["created"], summary["rejected"]) == (None, 0, 1)
    assert summary["errors"] == [{"sheet": "late", "row": 2402, "column": "Email",
                                  "reason": "'bad@' is not a valid email address"}]
    assert snapshot(crm_store) == before
    fts_consistent(crm_store)


# -- revert puts updated records back ---------------------------------------

def test_revert_gives_updated_contacts_their_old_values_and_search_follows(tmp_path, known, crm_store):
    path = tmp_path / "u.csv"
    # p0 is created in the first chunk and updated in the second: it is the batch's own
    path.write_text(HEADER + updates() + people(1998) + "P0,Test,p0@example.com,,Late title,,\n")
    out = known.json("import", str(path))
    assert (out["created"], out["updated"]) == (1998, 3)
    assert known.json("search", "newco")[0]["title"] == "NewCo"
    reverted = known.json("import", "revert", str(out["batch"]))
    assert reverted["left"] == [] and reverted["reverted"] == 1998 + 2 + 7 + 1  # people, Ann and Cy, 7 firms, NewCo
    ann, cy = views.contact("ann@example.com"), views.contact(2)
    assert (ann["last_name"], ann["title"], ann["company"], ann["phones"], ann["tags"]) == ("", None, None, [], ["old"])
    assert (cy["title"], cy["emails"], cy["company"], cy["tags"]) == (None, [], "Acme", [])
    assert known.json("search", "newco") == [] and known.json("search", "p1@example") == []
    assert [r["title"] for r in known.json("search", "ann")] == ["Ann"]
    fts_consistent(crm_store)
    assert known.json("import", "list")[0]["status"] == "reverted"


# -- killed: incomplete, then finished by a re-run or a revert ---------------

ROWS = 12000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """Big enough (over importers.checker.BIG) for the real path: the forked row checker."""
    from importers import checker

    path = tmp_path_factory.mktemp("big") / "big.csv"
    with open(path, "w") as fh:
        fh.write("First Name,Last Name,Email,Phone,Notes\n")
        for i in range(ROWS):
            fh.write(f"P{i},Test,p{i}@example.com,+1 415 {i // 10000:03d} {i % 10000:04d},{'note %d ' % i * 20}\n")
    assert path.stat().st_size > checker.BIG
    return path


def _start_and_stop(db_path, path, sig):
    """Run `crm import` in a real process and send it sig once its first chunk is in."""
    already = count(db_path, "SELECT count(*) FROM contact")
    proc = subprocess.Popen([sys.executable, "-m", "cli", "--db", str(db_path), "import", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(1000):
        if count(db_path, "SELECT count(*) FROM contact") > already:
            break
        time.sleep(0.01)
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, err


def _checkers_left(path) -> list[str]:
    """Processes still working on this file (a forked checker has its parent's command line)."""
    for _ in range(50):  # the checker notices its parent is gone and leaves
        left = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if str(path).encode() in fh.read():
                        left.append(pid)
            except OSError:
                pass
        if not left:
            return []
        time.sleep(0.1)
    return left


def _run(db_path, *args):
    done = subprocess.run([sys.executable, "-m", "cli", "--db", str(db_path), *args], capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def test_a_killed_import_is_incomplete_and_a_rerun_finishes_it_without_duplicates(big_csv, crm_store):
    code, _ = _start_and_stop(crm_store, big_csv, signal.SIGKILL)
    assert code == -signal.SIGKILL and _checkers_left(big_csv) == []
    partial = count(crm_store, "SELECT count(*) FROM contact")
    assert 0 < partial < ROWS and partial % 2000 == 0  # whole chunks only
    code, out, err = _run(crm_store, "import", "list", "--format", "json")
    [batch] = json.loads(out)
    assert (code, batch["status"], batch["created"]) == (0, "incomplete", partial)
    code, out, err = _run(crm_store, "import", str(big_csv), "--format", "json")
    summary = json.loads(out)
    assert (code, summary["created"], summary["skipped"], summary["rejected"]) == (0, ROWS - partial, partial, 0)
    assert count(crm_store, "SELECT count(*) FROM contact") == ROWS
    assert count(crm_store, "SELECT count(DISTINCT email_key) FROM contact_email") == ROWS
    assert count(crm_store, "SELECT count(*) FROM search_doc WHERE kind = 'contact'") == ROWS
    code, out, err = _run(crm_store, "import", "list", "--format", "json")
    assert [(b["batch"], b["status"]) for b in json.loads(out)] == [(2, "done"), (1, "done")]
    fts_consistent(crm_store)


def test_a_killed_import_is_taken_back_out_by_revert(big_csv, crm, crm_store):
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com")
    before = snapshot(crm_store)
    code, _ = _start_and_stop(crm_store, big_csv, signal.SIGKILL)
    assert code == -signal.SIGKILL and _checkers_left(big_csv) == []
    partial = count(crm_store, "SELECT count(*) FROM contact") - 1
    assert partial > 0
    code, out, err = _run(crm_store, "import", "revert", "1", "--format", "json")
    assert (code, json.loads(out)) == (0, {"batch": 1, "reverted": partial, "left": []}), err
    assert snapshot(crm_store) == before  # taken out exactly: not into the trash
    fts_consistent(crm_store)
    code, out, err = _run(crm_store, "import", "list", "--format", "json")
    assert json.loads(out)[0]["status"] == "reverted"


def test_ctrl_c_on_a_real_import_exits_130_with_nothing_written(big_csv, crm, crm_store):
    before = snapshot(crm_store)
    code, err = _start_and_stop(crm_store, big_csv, signal.SIGINT)
    assert (code, err) == (130, "error: interrupted; nothing imported\n")
    assert _checkers_left(big_csv) == []
    assert snapshot(crm_store) == before
    assert [b["status"] for b in crm.json("import", "list")] == ["failed"]


def test_a_running_batch_cannot_be_reverted_and_a_dead_one_lists_as_incomplete(crm):
    with store.write():
        alive = imports.start_batch("a.csv", "a", "contact", "{}", "sam")  # this process: running
        dead = imports.start_batch("b.csv", "b", "contact", "{}", "sam")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    from db.models import ImportBatch

    ImportBatch.update(pid=int(gone.stdout)).where(ImportBatch.id == dead).execute()
    assert [(b["batch"], b["status"]) for b in crm.json("import", "list")] == [(dead, "incomplete"), (alive, "running")]
    assert crm("import", "revert", str(alive), code=1).stderr == \
        f"error: batch: import batch {alive} is still running (process {os.getpid()} on {os.uname().nodename})\n"
    assert crm.json("import", "revert", str(dead)) == {"batch": dead, "reverted": 0, "left": []}


# -- a workbook of many sheets reads the store's keys once -------------------

def test_many_sheets_load_the_store_keys_once(tmp_path, crm, monkeypatch):
    from db.services.bulk_contacts import ContactImporter

    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com")
    book = Workbook()
    book.remove(book.active)
    for i in range(40):
        ws = book.create_sheet(f"S{i}")
        ws.append(["Name", "Email"])
        ws.append([f"Person {i}", f"s{i}@example.org"])
        ws.append(["Ann Lee", "ann@example.com"])  # the same person on every sheet: matched, not duplicated
    path = tmp_path / "sheets.xlsx"
    book.save(path)
    loads = []
    real = ContactImporter._load_keys
    monkeypatch.setattr(ContactImporter, "_load_keys", lambda self: loads.append(1) or real(self))
    out = crm.json("import", str(path))
    assert (out["created"], out["updated"], out["skipped"], len(loads)) == (40, 1, 39, 1)


# -- the rejected-rows file: checked first, one line ------------------------

def test_an_unwritable_errors_file_is_refused_before_anything_is_imported(tmp_path, crm):
    path = tmp_path / "x.csv"
    path.write_text("Name,Email\nAnn,ann@example.com\nBob,bob@\n")
    cases = [(tmp_path, 3, f"error: {tmp_path}: is a directory\n"),
             (tmp_path / "nope" / "e.xlsx", 3, f"error: {tmp_path / 'nope'}: no such directory\n"),
             (tmp_path / "e.txt", 1, f"error: errors: {tmp_path / 'e.txt'}: the rejected-rows file must end in .xlsx or .csv\n")]
    for target, code, message in cases:
        result = crm("import", str(path), "--errors", str(target), code=code)
        assert (result.stderr, result.stdout) == (message, "")
    assert contacts.list_().total == 0 and crm.json("import", "list") == []


# -- files we write are 0600 -------------------------------------------------

@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_exports_and_errors_files_are_private_under_umask_022(tmp_path, crm, umask_022):
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com")
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "old.csv"
    existing.write_text("old")
    os.chmod(existing, 0o644)
    made = []
    for name, extra in (("all.xlsx", []), ("c.csv", ["--entity", "contact"]), ("all.json", []),
                        ("old.csv", ["--entity", "contacts"])):
        crm("export", str(out / name), *extra)
        made.append(out / name)
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Email\nAnn,ann@example.com\nBob,bob@\n")
    for name in ("e.xlsx", "e.csv"):
        crm("import", str(bad), "--errors", str(out / name))
        made.append(out / name)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made} == {p.name: 0o600 for p in made}
    assert sorted(os.listdir(out)) == sorted(p.name for p in made)  # no temporary file left behind
    assert load_workbook(out / "e.xlsx")["bad"]["C2"].value == "row 3, Email: 'bob@' is not a valid email address"
    assert (out / "old.csv").read_text("utf-8-sig").startswith("id,first_name")


# -- one spelling rule for entities ------------------------------------------

@pytest.mark.parametrize("spelling", ["companies", "company", "Companies", "COMPANY"])
def test_export_entity_in_any_spelling(tmp_path, crm, spelling):
    crm("company", "add", "Acme")
    out = tmp_path / "c.csv"
    crm("export", str(out), "--entity", spelling)
    assert out.read_text("utf-8-sig").splitlines()[1].startswith("1,Acme,")


def test_entity_spellings_for_import_and_unknown_ones(tmp_path, crm):
    path = tmp_path / "f.csv"
    path.write_text("Subject,Due\nCall Ann,2026-12-01\n")
    assert crm.json("import", str(path), "--entity", "Follow-ups")["created"] == 1
    assert crm("import", str(path), "--entity", "people", code=1).stderr == \
        "error: entity: 'people' is not one of: contact, company, deal, ticket, followup\n"
    assert crm("export", str(tmp_path / "x.csv"), "--entity", "people", code=1).stderr == \
        "error: entity: 'people' is not one of: company, contact, deal, ticket, followup, activity, stage_history\n"


# -- migration 0009 -----------------------------------------------------------

def _old_batches(db):
    db.execute_sql("INSERT INTO import_batch (file, sheet, entity, mapping, created, updated, skipped, rejected, "
                   "\"user\", created_at, reverted_at) VALUES ('a.csv', 'a', 'contact', '{}', 3, 0, 0, 0, 'sam', "
                   "'2026-01-01 10:00:00', NULL), ('b.csv', 'b', 'contact', '{}', 1, 0, 0, 0, 'sam', "
                   "'2026-01-02 10:00:00', '2026-01-03 10:00:00')")


def test_migration_0009_marks_existing_batches_done_or_reverted_on_sqlite(tmp_path):
    from peewee import SqliteDatabase
    from playhouse.migrations import Runner

    path = tmp_path / "old.db"
    old = SqliteDatabase(str(path))
    Runner(old, directory=str(store.MIGRATIONS_DIR)).up("0008_postgres_trigram_search")
    _old_batches(old)
    old.close()
    store.open_store(str(path))
    assert [(b["batch"], b["status"]) for b in imports.list_batches()] == [(2, "reverted"), (1, "done")]


def test_migration_0009_and_a_failed_import_on_postgres(pg_url, tmp_path):
    from importers.pipeline import import_file
    from importers.read import UnreadableFile

    runner = store._runner()
    while store.applied_migrations()[-1] != "0009_import_batch_status":  # the later scripts first
        runner.down()
    assert runner.down() == ["0009_import_batch_status"]
    _old_batches(store.database.obj)
    store.migrate()
    assert [(b["batch"], b["status"]) for b in imports.list_batches()] == [(2, "reverted"), (1, "done")]

    contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    path = tmp_path / "broken.csv"
    path.write_text(HEADER + updates() + people(2998) + "X,Y," + "y" * 200_000 + "\n")
    with pytest.raises(UnreadableFile):
        import_file(str(path))
    assert [c["name"] for c in contacts.list_().rows] == ["Ann"]
    assert views.contact("ann@example.com")["title"] is None
    assert imports.list_batches()[0]["status"] == "failed"
