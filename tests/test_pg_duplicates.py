"""The duplicate rule under concurrency: six `crm` processes racing to add the same email
(or company name) leave one, on PostgreSQL as on SQLite.

Left to themselves the racers rarely overlap (starting Python takes longer than their
transaction), so the test lines them up: it holds a lock every racer needs before its
duplicate check, waits until all six are queued on it, and lets go. On PostgreSQL that
is an exclusive lock on the table the check reads; without a claim on the key all six
would then check at once, find the address free, and insert it."""
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from db import store
from db.services import companies, contacts

RACERS = 6


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, crm_store):
    """The test's SQLite file, or a fresh database on the throwaway PostgreSQL server."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return str(crm_store)


def _waiting_on_locks(admin, db_name: str) -> int:
    cur = admin.cursor()
    cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", (db_name,))
    return cur.fetchone()[0]


def _has_opened(pid: int, path: str) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == path for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


@contextmanager
def _lined_up(db: str, table: str):
    """Hold a lock the racers queue on; on leaving, wait for all of them to queue, then
    release it. Yields the list the caller puts its processes in."""
    procs: list[subprocess.Popen] = []
    deadline = time.monotonic() + 60
    if "://" in db:
        import psycopg2

        conn = psycopg2.connect(db)
        admin = psycopg2.connect(db)
        admin.autocommit = True
        conn.cursor().execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield procs
        while _waiting_on_locks(admin, db.rsplit("/", 1)[1]) < RACERS and time.monotonic() < deadline:
            time.sleep(0.05)
        conn.rollback()
        conn.close()
        admin.close()
    else:
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")  # what every writer starts with
        yield procs
        path = os.path.realpath(db)
        while not all(_has_opened(p.pid, path) for p in procs) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # from opening the file to asking for the write lock
        conn.rollback()
        conn.close()


def _crm(db: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "--db", db, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(procs) -> list[subprocess.CompletedProcess]:
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def _one_winner(results, message: str) -> None:
    assert sorted(r.returncode for r in results) == [0] + [1] * (RACERS - 1), [r.stderr for r in results]
    for r in results:
        if r.returncode == 1:
            assert r.stdout == ""
            lines = r.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], r.stderr


def test_racing_adds_of_one_email_leave_one_contact(any_store):
    with _lined_up(any_store, "contact_email") as procs:
        procs += [_crm(any_store, "contact", "add", "--first-name", f"P{i}", "--email", "Same@x.example")
                  for i in range(RACERS)]
    _one_winner(_finish(procs), "email Same@x.example already belongs to contact")
    store.open_store(any_store)
    assert [c["emails"] for c in contacts.list_().rows] == [["Same@x.example"]]


def test_racing_edits_adding_one_email_leave_it_on_one_contact(any_store):
    ids = [contacts.create({"first_name": f"P{i}"}, phones=[f"07700 90012{i}"])["id"] for i in range(RACERS)]
    with _lined_up(any_store, "contact_email") as procs:
        procs += [_crm(any_store, "contact", "edit", str(i), "--add-email", "same@x.example") for i in ids]
    _one_winner(_finish(procs), "email same@x.example already belongs to contact")
    store.open_store(any_store)
    assert [c["emails"] for c in contacts.list_().rows].count(["same@x.example"]) == 1


def test_racing_adds_naming_a_new_company_create_it_once(any_store):
    with _lined_up(any_store, "company") as procs:
        procs += [_crm(any_store, "contact", "add", "--first-name", f"P{i}", "--company", "Acme Ltd")
                  for i in range(RACERS)]
    assert [r.returncode for r in _finish(procs)] == [0] * RACERS
    store.open_store(any_store)
    assert [(c["name"], c["contacts"]) for c in companies.list_().rows] == [("Acme Ltd", RACERS)]


def test_racing_company_adds_of_one_name_leave_one_company(any_store):
    with _lined_up(any_store, "company") as procs:
        procs += [_crm(any_store, "company", "add", "Acme Ltd") for _ in range(RACERS)]
    _one_winner(_finish(procs), "is already named 'Acme Ltd'")
    store.open_store(any_store)
    assert [c["name"] for c in companies.list_().rows] == ["Acme Ltd"]
