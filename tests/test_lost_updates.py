"""No lost updates: an edit states the version it started from, and two real processes
editing one record cannot both win, on SQLite and on PostgreSQL."""
import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone

import pytest

from db.config import get_config
from db.errors import Conflict
from db.services import companies, contacts, deals, followups, tickets, views


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, crm_store):
    """The store the processes share: the test's SQLite file, or a fresh database on a
    real PostgreSQL server."""
    if request.param == "sqlite":
        return str(crm_store)
    return request.getfixturevalue("pg_url")


def crm(target, *args, user="kim"):
    return subprocess.run([sys.executable, "-m", "cli", "--db", target, *args], capture_output=True, text=True,
                          env={**os.environ, "CRM_USER": user}, timeout=120)


def local_minute(iso_utc: str) -> str:
    """A record's updated_at as the refusal names it: the owner's wall clock, to the minute."""
    when = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(get_config().tz)
    return when.strftime("%Y-%m-%d %H:%M")


def test_a_stale_edit_from_another_process_is_refused_and_writes_nothing(target):
    ann = contacts.create({"first_name": "Ann", "last_name": "Lee"}, emails=["ann@example.com"])
    opened = json.loads(crm(target, "contact", "show", str(ann["id"]), "--format", "json").stdout)
    assert (opened["version"], opened["updated_by"]) == (1, "sam")

    first = crm(target, "contact", "edit", str(ann["id"]), "--title", "Buyer", "--expect-version", "1",
                "--format", "json", user="kim")
    assert first.returncode == 0, first.stderr
    assert (json.loads(first.stdout)["version"], json.loads(first.stdout)["updated_by"]) == (2, "kim")

    second = crm(target, "contact", "edit", str(ann["id"]), "--title", "Owner", "--phone", "07700 900123",
                 "--expect-version", "1", user="lee")
    after = views.contact(ann["id"])
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr == (f"error: contact {ann['id']} was changed by kim at {local_minute(after['updated_at'])} "
                             "since you opened it; reload and edit again\n")
    assert (after["title"], after["phones"], after["version"], after["updated_by"]) == ("Buyer", [], 2, "kim")

    # stating the version now current goes through; without --expect-version the CLI edits as it always did
    assert crm(target, "contact", "edit", str(ann["id"]), "--title", "Owner", "--expect-version", "2").returncode == 0
    assert crm(target, "contact", "edit", str(ann["id"]), "--title", "Chair").returncode == 0
    assert views.contact(ann["id"])["version"] == 4


def test_the_check_and_the_write_are_one_transaction(target, tmp_path):
    """Process A has checked version 1 and not yet written; process B saves from version
    1 meanwhile. B must wait for A and then be refused: never both written."""
    ann = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    script = textwrap.dedent(f"""
        import sys
        from db import store
        store.open_store({target!r})
        from db.services import contacts, versions
        checked = versions.check
        def check_then_wait(*args, **kwargs):
            checked(*args, **kwargs)
            print("checked", flush=True)
            sys.stdin.readline()  # the test says when to write
        versions.check = check_then_wait
        print(contacts.update({ann['id']}, {{"title": "from A"}}, expected_version=1)["version"], flush=True)
    """)
    a = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "CRM_USER": "kim"})
    assert a.stdout.readline() == "checked\n", a.stderr.read()
    b = subprocess.Popen([sys.executable, "-m", "cli", "--db", target, "contact", "edit", str(ann["id"]),
                          "--title", "from B", "--expect-version", "1"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "CRM_USER": "lee"})
    waiting_for_a(target, b)
    a.stdin.write("go\n")
    a.stdin.flush()
    a_out, a_err = a.communicate(timeout=60)
    b_out, b_err = b.communicate(timeout=60)
    assert (a.returncode, a_out) == (0, "2\n"), a_err
    assert b.returncode == 1 and "was changed by kim at" in b_err and b_err.count("\n") == 1, b_err
    after = views.contact(ann["id"])
    assert (after["title"], after["version"], after["updated_by"]) == ("from A", 2, "kim")


def waiting_for_a(target, b) -> None:
    """Until B is blocked behind A's transaction (PostgreSQL shows it waiting for a lock;
    on SQLite, B waits for the write lock A holds once it has started up)."""
    if "://" not in target:
        time.sleep(3)
        return
    import psycopg2

    conn = psycopg2.connect(target)
    conn.autocommit = True
    try:
        for _ in range(300):
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            " AND datname = current_database()")
                if cur.fetchone()[0]:
                    return
            assert b.poll() is None, b.communicate()
            time.sleep(0.1)
        raise AssertionError("B never waited for A")
    finally:
        conn.close()


def test_every_kind_bumps_its_version_and_names_who_changed_what(crm_store):
    ann = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    acme = companies.create({"name": "Acme"})
    deal = deals.create({"title": "Roof", "contact": ann["id"]})
    ticket = tickets.create({"subject": "Leak", "contact": ann["id"]})
    call = followups.create("Call", "2026-12-01 09:00", contact=ann["id"])
    assert {r["version"] for r in (ann, acme, deal, ticket, call)} == {1}

    assert companies.update(acme["id"], {"city": "Leeds"}, expected_version=1)["version"] == 2
    assert deals.move(deal["id"], "proposal")["version"] == 2
    assert deals.update(deal["id"], {"amount": "10"}, expected_version=2)["version"] == 3
    assert tickets.set_status(ticket["id"], "open")["version"] == 2
    assert tickets.update(ticket["id"], {"priority": "high"}, expected_version=2)["version"] == 3
    assert followups.snooze(call["id"], "1d")["version"] == 2
    assert followups.reschedule(call["id"], "2026-12-02 10:00", expected_version=2)["version"] == 3
    contacts.delete(ann["id"])
    assert contacts.restore(ann["id"])["version"] == 3
    assert deals.won(deal["id"])["version"] == 4
    assert views.contact(ann["id"])["version"] == 4  # winning the deal made Ann a customer

    with pytest.raises(Conflict) as refused:
        companies.update(acme["id"], {"name": "Acme Ltd"}, expected_version=1,
                         started_from={"name": "Acme", "city": None, "country": None})
    assert str(refused.value).startswith(f"company {acme['id']} was changed by sam at ")
    assert str(refused.value).endswith(" since you opened it (city); reload and edit again")
    assert views.company(acme["id"])["name"] == "Acme"
    for stale in (lambda: deals.update(deal["id"], {"title": "x"}, expected_version=3),
                  lambda: tickets.update(ticket["id"], {"subject": "x"}, expected_version=1),
                  lambda: followups.reschedule(call["id"], "2026-12-03", expected_version=2)):
        with pytest.raises(Conflict):
            stale()


def test_merge_and_import_bump_versions_set_based(crm_store, tmp_path):
    from importers.pipeline import import_file

    keep = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    other = contacts.create({"first_name": "Annie"}, emails=["annie@example.com"])
    deal = deals.create({"title": "Roof", "contact": other["id"]})
    merged = contacts.merge(keep["id"], other["id"])
    assert merged["version"] == 2 and deals.show(deal["id"])["version"] == 2

    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Title\nAnn Lee,ann@example.com,Buyer\nBo Diaz,bo@example.com,\n")
    result = import_file(str(path), on_duplicate="update")
    assert (result.created, result.updated) == (1, 1)
    ann = views.contact(keep["id"])
    assert (ann["title"], ann["version"], ann["updated_by"]) == ("Buyer", 3, "sam")
    bo = views.contact("bo@example.com")
    assert bo["version"] == 1


def test_a_version_that_is_no_number_is_refused_before_anything_is_written(crm_store, crm):
    ann = contacts.create({"first_name": "Ann"})
    with pytest.raises(Exception) as bad:
        contacts.update(ann["id"], {"title": "x"}, expected_version="two")
    assert str(bad.value) == "version: 'two' is not a version number"
    crm("contact", "edit", str(ann["id"]), "--title", "x", "--expect-version", "0", code=2)
    assert views.contact(ann["id"])["title"] is None
