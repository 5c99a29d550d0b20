"""Field history (issue 13): every write path leaves who, when, which field, old and new
value, in the same transaction; `crm <noun> history REF` shows it newest first; the
record pages show it; imports and their revert carry the batch."""
import csv
import io
import threading

import pytest
from openpyxl import Workbook

from crm_tui.app import CrmApp
from crm_tui.screens.ticket_page import TicketPage
from db.errors import Duplicate
from db.models import FieldHistory
from db.services import companies, contacts, deals, followups, history, imports, tickets, trash
from tests.pilot import settle, table_text


def rows(kind, ref):
    """(action, field, old, new) newest first, as the service gives them."""
    return [(h["action"], h["field"], h["old"], h["new"]) for h in history.of(kind, ref)]


def test_contact_add_and_edit_through_the_cli_record_each_changed_field(crm):
    crm("--user", "ann", "contact", "add", "--first-name", "Bo", "--email", "bo@example.com", "--phone", "07700 900123")
    crm("--user", "kim", "contact", "edit", "1", "--title", "Buyer", "--company", "Acme", "--add-email",
        "bo@work.example", "--tag", "vip", "--stage", "customer", "--owner", "kim", "--do-not-contact")
    crm("contact", "edit", "1", "--title", "Buyer")  # changes nothing: no rows
    got = crm.json("contact", "history", "1")
    assert [set(h) for h in got] == [{"at", "user", "action", "field", "old", "new", "batch"}] * len(got)
    assert [(h["user"], h["action"], h["field"], h["old"], h["new"]) for h in got] == [  # newest first
        ("kim", "updated", "do_not_contact", "no", "yes"),  # fields in db/fields.py's order, last first
        ("kim", "updated", "tags", None, "vip"),
        ("kim", "updated", "owner", "ann", "kim"),
        ("kim", "updated", "stage", "lead", "customer"),
        ("kim", "updated", "title", None, "Buyer"),
        ("kim", "updated", "company", None, "Acme"),
        ("kim", "updated", "emails", "bo@example.com", "bo@example.com, bo@work.example"),
        ("ann", "created", None, None, None)]
    assert got[0]["at"].endswith("Z") and got[0]["batch"] is None
    assert crm.json("company", "history", "Acme")[0]["action"] == "created"  # made by the edit


def test_phones_and_removals_read_as_the_cli_shows_them(crm):
    c = contacts.create({"first_name": "Bo"}, phones=["07700 900123"], tags=["vip", "trade"])
    contacts.update(c["id"], {}, add_phones=["07700 900456"], remove=["vip"])
    assert set(rows("contact", c["id"])[:2]) == {
        ("updated", "phones", "+447700900123", "+447700900123, +447700900456"),
        ("updated", "tags", "trade, vip", "trade")}


def test_a_refused_edit_leaves_no_history(crm):
    contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    bo = contacts.create({"first_name": "Bo"}, emails=["bo@example.com"])
    with pytest.raises(Duplicate):
        contacts.update(bo["id"], {"title": "Chef"}, add_emails=["ann@example.com"])
    assert rows("contact", bo["id"]) == [("created", None, None, None)]


def test_company_edit_delete_restore_and_purge(crm):
    acme = companies.create({"name": "Acme", "city": "Leeds"}, tags=["supplier"])
    companies.update(acme["id"], {"city": "York", "name": "Acme Ltd"}, add=["vip"])
    companies.delete(acme["id"])
    assert crm.json("company", "history", str(acme["id"]))[0]["action"] == "deleted"  # in the trash: still there
    companies.restore(acme["id"])
    companies.delete(acme["id"])
    trash.purge()
    assert rows("company", acme["id"]) == [
        ("purged", None, None, None), ("deleted", None, None, None), ("restored", None, None, None),
        ("deleted", None, None, None),
        ("updated", "tags", "supplier", "supplier, vip"), ("updated", "city", "Leeds", "York"),
        ("updated", "name", "Acme", "Acme Ltd"), ("created", None, None, None)]


def test_deal_amount_stage_won_lost_and_the_contact_a_win_makes_a_customer(crm):
    ann = contacts.create({"first_name": "Ann"})
    d = deals.create({"title": "Ovens", "contact": ann["id"], "amount": "4,800.5", "currency": "EUR"})
    crm("deal", "edit", str(d["id"]), "--amount", "5000", "--currency", "JPY", "--close", "2026-12-31")
    deals.move(d["id"], "proposal")
    deals.won(d["id"])
    got = rows("deal", d["id"])
    assert ("updated", "amount", "4800.50 EUR", "5000 JPY") in got
    assert ("updated", "expected_close", None, "2026-12-31") in got
    assert ("updated", "stage", "proposal", "won") in got and ("updated", "stage", "lead", "proposal") in got
    assert rows("contact", ann["id"])[0] == ("updated", "stage", "lead", "customer")
    other = deals.create({"title": "Mixers"})
    deals.lost(other["id"], "price")
    assert {("updated", "stage", "lead", "lost"), ("updated", "lost_reason", None, "price")} <= set(
        rows("deal", other["id"]))
    deals.delete(other["id"])
    deals.restore(other["id"])
    assert [r[0] for r in rows("deal", other["id"])[:2]] == ["restored", "deleted"]


def test_ticket_edit_status_assign_and_the_reply_that_opens_it(crm):
    t = tickets.create({"subject": "Oven broken"})
    tickets.comment(t["id"], "On it")  # a reply takes a new ticket to open
    tickets.update(t["id"], {"priority": "urgent", "subject": "Oven on fire"})
    tickets.assign(t["id"], "kim")
    crm("ticket", "status", str(t["id"]), "resolved")
    tickets.delete(t["id"])
    assert rows("ticket", t["id"]) == [
        ("deleted", None, None, None),
        ("updated", "status", "open", "resolved"),
        ("updated", "assignee", None, "kim"),
        ("updated", "priority", "normal", "urgent"),
        ("updated", "subject", "Oven broken", "Oven on fire"),
        ("updated", "status", "new", "open"),
        ("created", None, None, None)]


def test_followup_snooze_reschedule_done_with_its_next_occurrence_and_cancel(crm, clock):
    clock(2026, 11, 23, 10, 0)
    f = followups.create("Call Ann", "2026-11-24 09:00", every="1w")
    followups.snooze(f["id"], until="2026-11-24 15:00")
    followups.reschedule(f["id"], "2026-11-25")
    nxt = followups.done(f["id"])["next"]
    assert rows("followup", f["id"]) == [
        ("updated", "status", "open", "done"),
        ("updated", "snoozed_until", "2026-11-24T15:00", None),
        ("updated", "due", "2026-11-24T09:00", "2026-11-25"),
        ("updated", "snoozed_until", None, "2026-11-24T15:00"),
        ("created", None, None, None)]
    followups.cancel(nxt["id"])
    followups.delete(nxt["id"])
    followups.restore(nxt["id"])
    assert [r[0] for r in rows("followup", nxt["id"])] == ["restored", "deleted", "updated", "created"]


def test_merge_shows_on_both_contacts_and_on_what_moved_over(crm):
    keep = contacts.create({"first_name": "Ann", "last_name": "Lee"}, emails=["ann@example.com"])
    other = contacts.create({"first_name": "Annie", "title": "Chef"}, emails=["ann@home.example"])
    d = deals.create({"title": "Ovens", "contact": other["id"]})
    contacts.merge(keep["id"], other["id"])
    kept = rows("contact", keep["id"])
    assert kept[0] == ("merged", None, f"contact {other['id']}", None)
    assert {("merged", "title", None, "Chef"),
            ("merged", "emails", "ann@example.com", "ann@example.com, ann@home.example")} <= set(kept)
    assert rows("contact", other["id"])[0] == ("merged", None, None, f"contact {keep['id']}")
    assert rows("deal", d["id"])[0] == ("merged", "contact", "Annie", "Ann Lee")


def contacts_file(path, rows_):
    book = Workbook()
    ws = book.active
    ws.append(["First Name", "Last Name", "Email", "Job Title"])
    for r in rows_:
        ws.append(r)
    book.save(path)
    return path


def test_an_import_and_its_revert_show_in_the_history_with_the_batch(tmp_path, crm):
    ann = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    path = contacts_file(tmp_path / "people.xlsx", [("Ann", "Lee", "ann@example.com", "Chef"),
                                                     ("Bo", "Stone", "bo@example.com", None)])
    out = crm.json("import", str(path))
    batch = out["batch"]
    bo = contacts.resolve("bo@example.com").id
    assert crm.json("contact", "history", "bo@example.com") == [
        {"at": crm.json("contact", "history", "bo@example.com")[0]["at"], "user": "sam", "action": "imported",
         "field": None, "old": None, "new": None, "batch": batch}]
    assert {(h["action"], h["field"], h["old"], h["new"], h["batch"]) for h in crm.json("contact", "history", "1")} \
        >= {("imported", "title", None, "Chef", batch), ("imported", "last_name", None, "Lee", batch)}
    crm("import", "revert", str(batch))
    assert rows("contact", bo)[0] == ("reverted", None, None, None)
    assert history.of("contact", bo)[0]["batch"] == batch
    undone = {(h["action"], h["field"], h["old"], h["new"], h["batch"]) for h in history.of("contact", ann["id"])}
    assert {("reverted", "title", "Chef", None, batch), ("reverted", "last_name", "Lee", None, batch)} <= undone
    assert crm.json("contact", "history", "bo@example.com")[0]["action"] == "reverted"  # in the trash


def test_an_import_writes_its_history_once_per_chunk(tmp_path, crm, monkeypatch):
    path = contacts_file(tmp_path / "many.xlsx", [("P", str(i), f"p{i}@example.com", None) for i in range(50)])
    inserts = []
    real = history._insert
    monkeypatch.setattr(history, "_insert", lambda r: (inserts.append(len(r)), real(r)))
    crm("import", str(path))
    assert inserts == [50]  # one statement for the whole chunk
    assert FieldHistory.select().where(FieldHistory.action == "imported").count() == 50


def test_companies_and_deals_sheets_record_imported_rows_with_the_batch(tmp_path, crm):
    book = Workbook()
    ws = book.active
    ws.title = "deals"
    ws.append(["Title", "Amount", "Currency", "Stage", "Company"])
    ws.append(["Ovens", "4800", "GBP", "proposal", "Acme"])
    ws.append(["Mixers", "100", "GBP", "lead", "Acme"])
    book.save(tmp_path / "deals.xlsx")
    batch = crm.json("import", str(tmp_path / "deals.xlsx"), "--entity", "deal")["batch"]
    for d in deals.list_().rows:
        assert rows("deal", d["id"]) == [("imported", None, None, None)]
        assert history.of("deal", d["id"])[0]["batch"] == batch
    assert history.of("company", "Acme")[0]["batch"] == batch


def test_a_companies_sheet_that_fills_a_stored_company_and_its_revert(tmp_path, crm):
    acme = companies.create({"name": "Acme"})
    book = Workbook()
    ws = book.active
    ws.append(["Name", "City", "Industry"])
    ws.append(["Acme", "Leeds", "Baking"])
    ws.append(["Bolt", "York", None])
    book.save(tmp_path / "companies.xlsx")
    batch = crm.json("import", str(tmp_path / "companies.xlsx"), "--entity", "company")["batch"]
    got = [(h["action"], h["field"], h["old"], h["new"], h["batch"]) for h in history.of("company", acme["id"])]
    assert set(got[:2]) == {("imported", "city", None, "Leeds", batch), ("imported", "industry", None, "Baking", batch)}
    assert rows("company", "Bolt") == [("imported", None, None, None)]
    imports.revert(batch)
    got = [(h["action"], h["field"], h["old"], h["new"], h["batch"]) for h in history.of("company", acme["id"])]
    assert set(got[:2]) == {("reverted", "city", "Leeds", None, batch), ("reverted", "industry", "Baking", None, batch)}
    assert rows("company", "Bolt")[0] == ("reverted", None, None, None)


def test_an_import_in_another_thread_does_not_take_over_this_threads_history(crm):
    """The app imports in a worker thread while its pages keep saving edits."""
    ann = contacts.create({"first_name": "Ann"})
    started, finish = threading.Event(), threading.Event()

    def importer():
        with history.importing(99):
            started.set()
            finish.wait(5)
    worker = threading.Thread(target=importer)
    worker.start()
    started.wait(5)
    contacts.update(ann["id"], {"title": "Chef"})
    finish.set()
    worker.join()
    assert rows("contact", ann["id"])[0] == ("updated", "title", None, "Chef")
    assert history.of("contact", ann["id"])[0]["batch"] is None


def test_a_failed_import_leaves_no_history(tmp_path, crm):
    path = contacts_file(tmp_path / "bad.xlsx", [("Ann", "Lee", "ann@example.com", None),
                                                  ("Bo", "Stone", "not an email", None)])
    crm("import", str(path), "--strict", code=1)
    assert FieldHistory.select().count() == 0


def test_unknown_ref_is_one_line_exit_1_and_csv_has_the_columns(crm):
    out = crm("contact", "history", "42", code=1)
    assert out.stderr.strip() == "error: contact 42 not found" and out.stdout == ""
    assert crm("deal", "history", "nope", code=1).stderr.strip().count("\n") == 0
    t = tickets.create({"subject": "[b]Oven[/b]"})
    tickets.update(t["id"], {"subject": "[red]x"})
    got = list(csv.reader(io.StringIO(crm("ticket", "history", str(t["id"]), "--format", "csv").stdout)))
    assert got[0] == ["at", "user", "action", "field", "old", "new", "batch"]
    assert got[1][2:6] == ["updated", "subject", "[b]Oven[/b]", "[red]x"]
    table = crm("ticket", "history", str(t["id"])).stdout
    assert "[b]Oven[/b]" in table and "[red]x" in table  # customer text, not markup


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_the_contact_page_shows_its_history(crm):
    c = contacts.create({"first_name": "[b]Ann", "title": "Chef"}, emails=["ann@example.com"])
    contacts.update(c["id"], {"title": "[red]Head chef"})
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_contact(c["id"])
        await settle(pilot, app)
        shown = table_text(app, "#changes")
        assert shown[0][1:] == ["sam", "updated title", "Chef", "[red]Head chef"]
        assert shown[-1][2] == "created"


@pytest.mark.anyio
async def test_the_ticket_page_shows_its_history(crm):
    t = tickets.create({"subject": "Oven broken"})
    tickets.assign(t["id"], "kim")
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(TicketPage(t["id"]))
        await settle(pilot, app)
        assert table_text(app, "#changes")[0][2:] == ["updated assignee", "", "kim"]


def test_history_on_postgresql(pg_url):
    ann = contacts.create({"first_name": "Zoë"}, emails=["zoe@example.com"], tags=["vip"])
    contacts.update(ann["id"], {"title": "Chef"}, add=["trade"])
    d = deals.create({"title": "Ovens", "contact": ann["id"], "amount": "12.5", "currency": "USD"})
    deals.update(d["id"], {"amount": "13"})
    contacts.delete(ann["id"])
    assert rows("contact", "zoe@example.com") == [
        ("deleted", None, None, None), ("updated", "tags", "vip", "trade, vip"), ("updated", "title", None, "Chef"),
        ("created", None, None, None)]
    assert rows("deal", d["id"])[0] == ("updated", "amount", "12.50 USD", "13.00 USD")
    trash.purge()
    assert rows("contact", ann["id"])[0] == ("purged", None, None, None)
    assert imports.list_batches() == []
