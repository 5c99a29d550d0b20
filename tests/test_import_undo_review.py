"""What an import changes beyond the record itself is taken back with it: a deal's stage
history, the timeline entries the services log, and the contact a won deal makes a
customer, whether the import fails (--strict) or is reverted. And a file with no data
rows at all fails like any import that writes nothing."""
import json

import pytest
from openpyxl import Workbook, load_workbook

from db.models import Activity, Contact, Deal, DealStage
from db.services import contacts, deals, followups
from db.services import views


def fill_store():
    ann = contacts.create({"first_name": "Ann", "last_name": "Lee", "stage": "lead"}, emails=["ann@example.com"])
    ovens = deals.create({"title": "Ovens", "contact": ann["id"], "amount": "4800"})
    followups.create("Call Ann", "2026-12-01 09:00", contact=ann["id"], deal=ovens["id"])
    return ann["id"], ovens["id"]


def snapshot():
    """Everything these side effects touch, as rows."""
    return {"history": list(DealStage.select().order_by(DealStage.id).tuples()),
            "timeline": list(Activity.select().order_by(Activity.id).tuples()),
            "contacts": list(Contact.select(Contact.id, Contact.stage, Contact.updated_at).tuples()),
            "deals": list(Deal.select(Deal.id, Deal.stage, Deal.closed_at, Deal.deleted_at).tuples())}


def edited_export(crm, path, stage="won", bad_due=False):
    crm("export", str(path))
    book = load_workbook(path)
    ws = book["deals"]
    heads = [c.value for c in ws[1]]
    ws.cell(2, heads.index("stage") + 1).value = stage
    if bad_due:
        ws = book["followups"]
        heads = [c.value for c in ws[1]]
        ws.cell(ws.max_row, heads.index("due") + 1).value = "not a date"
    book.save(path)
    return path


def test_a_strict_import_that_fails_leaves_history_timeline_and_contact_as_they_were(tmp_path, crm):
    ann, _ = fill_store()
    before = snapshot()
    path = edited_export(crm, tmp_path / "x.xlsx", bad_due=True)
    failed = crm("import", str(path), "--overwrite", "--strict", code=1)
    assert failed.stderr.splitlines()[-1] == f"error: {path}: 1 row(s) rejected; nothing imported (strict)"
    assert snapshot() == before
    assert views.contact(ann)["stage"] == "lead"


def test_an_import_that_wins_a_deal_records_it_and_its_revert_takes_it_all_back(tmp_path, crm):
    ann, ovens = fill_store()
    before = snapshot()
    path = edited_export(crm, tmp_path / "x.xlsx")
    batch = crm.json("import", str(path), "--overwrite")["batch"]
    # Done as the services do it: a history row, a timeline entry, the contact a customer.
    shown = deals.show(ovens)
    assert [h["stage"] for h in shown["history"]] == ["lead", "won"] and shown["history"][0]["left_at"]
    assert "Stage lead -> won" in [a.body for a in Activity.select()]
    assert views.contact(ann)["stage"] == "customer"

    crm("import", "revert", str(batch))
    after = snapshot()
    assert after["history"] == before["history"] and after["timeline"] == before["timeline"]
    assert [(c[0], c[1]) for c in after["contacts"]] == [(c[0], c[1]) for c in before["contacts"]]
    assert after["deals"] == before["deals"]
    assert [h["stage"] for h in deals.show(ovens)["history"]] == ["lead"]


def test_a_new_won_deal_in_a_failed_import_leaves_its_contact_a_lead(tmp_path, crm):
    ann, _ = fill_store()
    before = snapshot()
    path = tmp_path / "deals.csv"
    path.write_text("title,contact,stage,amount\nBread,ann@example.com,won,100\nCakes,ann@example.com,lead,lots\n")
    crm("import", str(path), "--entity", "deal", "--strict", code=1)
    assert snapshot() == before and views.contact(ann)["stage"] == "lead"


def test_reverting_a_new_won_deal_puts_its_contact_back_and_trashes_the_deal_with_its_entries(tmp_path, crm):
    ann, _ = fill_store()
    path = tmp_path / "deals.csv"
    path.write_text("title,contact,stage,amount\nBread,ann@example.com,won,100\n")
    batch = crm.json("import", str(path), "--entity", "deal")["batch"]
    bread = Deal.get(Deal.title == "Bread").id
    assert views.contact(ann)["stage"] == "customer"
    lifecycle = [a.body for a in Activity.select().where(Activity.contact == ann, Activity.deal.is_null())]
    assert lifecycle == [f"Lifecycle stage lead -> customer (deal {bread} won)"]

    crm("import", "revert", str(batch))
    assert views.contact(ann)["stage"] == "lead"
    assert not Activity.select().where(Activity.contact == ann, Activity.deal.is_null()).exists()
    # The deal is in the trash with its own entry ("Deal created"), to come back whole if restored.
    assert Deal.get_by_id(bread).deleted_at is not None
    assert [a.body for a in Activity.select().where(Activity.deal == bread)] == ["Deal created in stage won"]


def _workbook(path, sheets):
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)


EMPTY_FILES = {
    "empty.vcf": b"",
    "empty.ics": b"",
    "headers.csv": b"first_name,last_name,email\n",
    "headers-and-blank-lines.csv": b"first_name,email\n,\n,\n",
    "events-only.ics": b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
                       b"DTSTART:20260101T100000Z\r\nSUMMARY:Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
}


@pytest.mark.parametrize("name", sorted(EMPTY_FILES))
@pytest.mark.parametrize("dry", [False, True], ids=["import", "dry-run"])
def test_a_file_without_data_rows_is_one_line_exit_1_and_no_done_batch(tmp_path, crm, name, dry):
    path = tmp_path / name
    path.write_bytes(EMPTY_FILES[name])
    result = crm("import", str(path), *(["--dry-run"] if dry else []), code=1)
    assert result.stderr == f"error: {path}: no rows to import\n" and result.stdout == ""
    batches = crm.json("import", "list")
    assert [b["status"] for b in batches] == ([] if dry else ["failed"])


def test_a_workbook_without_data_rows_names_its_sheets(tmp_path, crm):
    path = tmp_path / "e.xlsx"
    _workbook(path, {"Empty": [], "Headers": [["Name", "Email"]]})
    result = crm("import", str(path), code=1)
    assert result.stderr == f"error: {path}: sheets 'Empty', 'Headers': no rows to import\n"
    assert [b["status"] for b in crm.json("import", "list")] == ["failed"]


def test_a_rerun_that_changes_nothing_is_not_an_empty_file(tmp_path, crm):
    """Its rows were there and matched what the store has: nothing written because nothing
    changed, which is success (exit 0, a done batch of skipped rows)."""
    path = tmp_path / "people.csv"
    path.write_text("first_name,last_name,email\nAnn,Lee,ann@example.com\n")
    crm("import", str(path))
    again = crm.json("import", str(path))
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 1)
    assert [b["status"] for b in crm.json("import", "list")] == ["done", "done"]
