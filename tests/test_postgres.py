"""The same services on PostgreSQL: schema, CRUD, search, imports and exactly-once reminders."""
import json
import subprocess
import sys

from db import store
from db.services import companies, contacts, deals, find, followups, tickets
from db.services import views


def test_schema_and_everyday_work(pg_url):
    scripts = sorted(p.stem for p in store.MIGRATIONS_DIR.glob("0*.py"))
    assert store.applied_migrations() == scripts and store.pending_migrations() == []
    ann = contacts.create({"first_name": "Zoë", "last_name": "Åström", "company": "Café Lumière"},
                          emails=["zoe@example.com"], phones=["07700 900123"], tags=["vip"])
    assert views.contact("ZOE@example.com")["phones"] == ["+447700900123"]
    d = deals.create({"title": "Website", "contact": ann["id"], "amount": "4,800.50"})
    deals.move(d["id"], "proposal")
    assert [h["stage"] for h in deals.show(d["id"])["history"]] == ["lead", "proposal"]
    t = tickets.create({"subject": "Oven broken", "contact": ann["id"], "priority": "urgent"})
    tickets.set_status(t["id"], "closed")
    assert tickets.report()["open"] == 0
    assert [r["title"] for r in find.search_all("strö")] == ["Zoë Åström", "Website", "Oven broken"]
    assert [r["title"] for r in find.search_all("zoe")][0] == "Zoë Åström"
    assert contacts.list_(query="lumiere").total == 1
    contacts.delete(ann["id"])
    assert find.search_all("zoe", kinds=("contact",)) == []
    contacts.restore(ann["id"])
    assert deals.pipeline()[0]["total"] == "4800.50"
    bo = contacts.create({"first_name": "Bo", "last_name": "Able"})  # no company: sorts last
    assert [c["id"] for c in contacts.list_(sort="company").rows] == [ann["id"], bo["id"]]
    assert [c["id"] for c in contacts.list_(sort="-company").rows] == [ann["id"], bo["id"]]
    assert [c["id"] for c in contacts.list_(query="o", limit=1, count_up_to=1).rows] == [bo["id"]]
    cafe = views.company("Café Lumière")  # the company's 360
    assert ([p["id"] for p in cafe["people"]], [x["id"] for x in cafe["deals"]]) == ([ann["id"]], [d["id"]])
    assert {a["about"].split(":")[0] for a in cafe["timeline"]} == {f"deal {d['id']}", f"ticket {t['id']}"}


def test_import_on_postgres(pg_url, tmp_path):
    from openpyxl import Workbook

    from importers.pipeline import import_file

    contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    path = tmp_path / "p.xlsx"
    wb = Workbook()
    wb.active.append(["Name", "Email", "Company"])
    wb.active.append(["Ann Lee", "ann@example.com", "Acme"])
    for i in range(30):
        wb.active.append([f"P {i}", f"p{i}@example.com", "Acme"])
    wb.save(path)
    result = import_file(str(path))
    assert (result.created, result.updated) == (30, 1)
    assert import_file(str(path)).created == 0
    later = contacts.create({"first_name": "New"}, emails=["new@example.com"])  # the sequence moved on
    assert later["id"] == 32


def test_ten_overlapping_reminder_runs_on_postgres(pg_url):
    ann = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    for n in range(300):
        followups.create(f"Call {n}", "2026-11-24 09:00", contact=ann["id"])
    procs = [subprocess.Popen([sys.executable, "-m", "cli", "--db", pg_url, "remind", "--now", "2026-11-24T09:00",
                               "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(10)]
    delivered = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        delivered += [item["id"] for item in json.loads(out)]
    assert sorted(delivered) == list(range(1, 301))


def test_postgres_substring_search_reads_a_trigram_index(pg_url):
    from db import search
    from db.models import database

    for i in range(50):
        contacts.create({"first_name": f"Person{i}", "last_name": "Okafor" if i % 10 else "Dubois"})
    db = database.obj
    db.execute_sql("INSERT INTO search_doc (kind, ref_id, text, grams) "  # enough documents for an index to pay
                   "SELECT 'contact', g, 'person' || g || E'\\nokafor', '' FROM generate_series(1000, 30000) g")
    db.execute_sql("VACUUM ANALYZE search_doc")  # what autovacuum does on a live server
    source, params, _ = search.index().matching(["dubo"], ["contact"])
    plan = "\n".join(r[0] for r in db.execute_sql(f"EXPLAIN SELECT d.ref_id {source}", params).fetchall())
    assert "Bitmap Index Scan on search_doc_text_trgm" in plan
    assert contacts.list_(query="dubo").total == 5
    assert contacts.list_(query="kafo").total == 45


def test_a_whole_workbook_of_our_own_export_imports_on_postgres(pg_url, tmp_path):
    """The batch names every kind the file held, longer than the 20 characters the
    column once had (SQLite never minded; PostgreSQL refused the import)."""
    import json

    from typer.testing import CliRunner

    from cli.main import app
    from db.services import demo

    demo.load()
    book = tmp_path / "all.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", pg_url, "export", str(book)]).exit_code == 0
    again = runner.invoke(app, ["--db", pg_url, "import", str(book), "--format", "json"])
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["created"] == 0
    batches = json.loads(runner.invoke(app, ["--db", pg_url, "import", "list", "--format", "json"]).stdout)
    assert [(b["entity"], b["status"]) for b in batches] == [("company, contact, deal, ticket, followup", "done")]
