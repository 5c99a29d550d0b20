"""Our own export, edited in a spreadsheet and imported again: into the same store it
updates in place (every row matches, children keep their links, no duplicates); into a
fresh store it creates everything with the links the file gives."""
import pytest
from openpyxl import load_workbook

from db import store
from db.models import Company, Contact, Deal, FollowUp, Ticket
from db.services import companies, contacts, deals, followups, imports, tickets
from db.services import views

MODELS = (Company, Contact, Deal, Ticket, FollowUp)


def fill_store():
    z = companies.create({"name": "Żabka", "city": "Poznań"})
    hb = companies.create({"name": "Harbour Bakery"})
    ann = contacts.create({"first_name": "Ann", "last_name": "Lee", "company": "Harbour Bakery", "title": "Owner"},
                          emails=["ann@example.com"])
    contacts.create({"first_name": "Jan", "last_name": "Nowak", "company": "ŻABKA"}, emails=["jan@zabka.pl"])
    ovens = deals.create({"title": "Ovens", "contact": ann["id"], "amount": "4800"})
    deals.create({"title": "Shelves", "company": z["id"], "amount": "100"})
    oven = tickets.create({"subject": "Oven broken", "contact": ann["id"]})
    followups.create("Call Ann", "2026-12-01 09:00", contact=ann["id"], deal=ovens["id"])
    followups.create("Fix oven", "2026-12-02", ticket=oven["id"])
    return {"zabka": z["id"], "bakery": hb["id"], "ann": ann["id"], "ovens": ovens["id"]}


def counts():
    return [m.select().where(m.deleted_at.is_null()).count() for m in MODELS]


def export(crm, path):
    crm("export", str(path))
    return path


def edit(path, changes):
    """changes: {(sheet, id, column): value}"""
    book = load_workbook(path)
    for (sheet, record_id, column), value in changes.items():
        ws = book[sheet]
        heads = [c.value for c in ws[1]]
        row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == record_id)
        row[heads.index(column)].value = value
    book.save(path)


EDITS = {("deals", 1, "amount"): 5200, ("contacts", 1, "title"): "Head Baker",
         ("followups", 1, "subject"): "Call Ann about the ovens", ("companies", 2, "domain"): "harbour.example"}


def test_an_edited_export_updates_the_same_store_in_place_with_overwrite(tmp_path, crm):
    ids = fill_store()
    before = counts()
    path = export(crm, tmp_path / "x.xlsx")
    edit(path, EDITS)
    out = crm.json("import", str(path), "--overwrite")
    assert out["rejected"] == 0 and out["errors"] == [] and out["created"] == 0
    assert out["updated"] >= 4
    assert counts() == before  # no duplicates
    assert deals.show(ids["ovens"])["amount"] == "5200.00"
    assert views.contact(ids["ann"])["title"] == "Head Baker"
    assert [f["subject"] for f in followups.list_(status=None).rows] == ["Call Ann about the ovens", "Fix oven"]
    assert companies.resolve("Harbour Bakery").domain == "harbour.example"
    # children still link to the matched records
    assert {d["title"]: (d["contact_id"], d["company_id"]) for d in deals.list_().rows} == \
        {"Ovens": (ids["ann"], ids["bakery"]), "Shelves": (None, ids["zabka"])}
    call = FollowUp.get(FollowUp.subject == "Call Ann about the ovens")
    assert (call.contact_id, call.deal_id, call.due.isoformat()) == (ids["ann"], ids["ovens"], "2026-12-01T09:00:00")
    assert Ticket.get().contact_id == ids["ann"]
    # and the batch takes the edits back out
    imports.revert(out["batch"])
    assert deals.show(ids["ovens"])["amount"] == "4800.00"
    assert [f["subject"] for f in followups.list_(status=None).rows] == ["Call Ann", "Fix oven"]
    assert companies.resolve("Harbour Bakery").domain is None
    assert counts() == before


def test_without_overwrite_only_empty_fields_are_filled(tmp_path, crm):
    ids = fill_store()
    before = counts()
    path = export(crm, tmp_path / "x.xlsx")
    edit(path, {**EDITS, ("deals", 2, "notes"): "call before delivery"})
    out = crm.json("import", str(path))
    assert (out["created"], out["rejected"]) == (0, 0)
    assert counts() == before
    assert deals.show(ids["ovens"])["amount"] == "4800.00"  # set already: kept
    assert views.contact(ids["ann"])["title"] == "Owner"
    assert followups.show(1)["subject"] == "Call Ann"
    assert companies.resolve("Harbour Bakery").domain == "harbour.example"  # empty: filled
    assert deals.show(2)["notes"] == "call before delivery"


def test_an_unedited_export_changes_nothing(tmp_path, crm):
    fill_store()
    before = counts()
    path = export(crm, tmp_path / "x.xlsx")
    stamps = [m.select(m.updated_at).order_by(m.id).tuples()[:] for m in (Company, Deal, Ticket, FollowUp)]
    out = crm.json("import", str(path), "--overwrite")
    assert (out["created"], out["rejected"]) == (0, 0)
    assert counts() == before
    assert [m.select(m.updated_at).order_by(m.id).tuples()[:] for m in (Company, Deal, Ticket, FollowUp)] == stamps
    assert [d["amount"] for d in deals.list_().rows] == ["4800.00", "100.00"]


def test_the_export_goes_into_a_fresh_store_with_its_links_and_twice_without_duplicates(tmp_path, crm):
    fill_store()
    path = export(crm, tmp_path / "x.xlsx")
    edit(path, EDITS)
    store.close_store()
    fresh = tmp_path / "fresh.db"
    from tests.conftest import Cli

    other = Cli(fresh)
    other("init")
    out = other.json("import", str(path))
    assert (out["created"], out["rejected"]) == (9, 0)
    store.open_store(str(fresh))
    assert counts() == [2, 2, 2, 1, 2]
    ann = views.contact("ann@example.com")
    assert ann["title"] == "Head Baker" and ann["company"] == "Harbour Bakery"
    assert {d["title"]: (d["contact"], d["company"], d["amount"]) for d in deals.list_().rows} == \
        {"Ovens": ("Ann Lee", "Harbour Bakery", "5200.00"), "Shelves": (None, "Żabka", "100.00")}
    call = FollowUp.get(FollowUp.subject == "Call Ann about the ovens")
    assert (call.contact_id, Deal.get_by_id(call.deal_id).title) == (ann["id"], "Ovens")
    fix = FollowUp.get(FollowUp.subject == "Fix oven")
    assert Ticket.get_by_id(fix.ticket_id).subject == "Oven broken"
    store.close_store()
    again = other.json("import", str(path))
    assert (again["created"], again["rejected"]) == (0, 0)
    store.open_store(str(fresh))
    assert counts() == [2, 2, 2, 1, 2]


def test_a_store_whose_records_came_from_elsewhere_still_matches_its_own_export(tmp_path, crm):
    """Records with a foreign external id (a HubSpot import) are found by our id in our export."""
    ids = fill_store()
    for m in MODELS:
        for record_id in m.select(m.id).scalars():
            m.update(external_id=f"hs-{record_id}").where(m.id == record_id).execute()
    before = counts()
    path = export(crm, tmp_path / "x.xlsx")
    edit(path, EDITS)
    out = crm.json("import", str(path), "--overwrite")
    assert (out["created"], out["rejected"]) == (0, 0), out["errors"]
    assert counts() == before
    assert deals.show(ids["ovens"])["amount"] == "5200.00"
    assert Deal.get_by_id(ids["ovens"]).external_id == "hs-1"


def test_another_store_numbering_does_not_merge_distinct_records(tmp_path, crm):
    """A file from elsewhere whose ids collide with ours: matched by what it says, not by our ids."""
    fill_store()
    before = counts()
    path = tmp_path / "elsewhere.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "companies"
    ws.append(["id", "name", "city", "external_id"])
    ws.append([1, "Acme", "Leeds", None])
    ws = book.create_sheet("deals")
    ws.append(["id", "title", "company_id", "amount", "external_id"])
    ws.append([1, "Anvils", 1, 300, None])
    book.save(path)
    out = crm.json("import", str(path))
    assert (out["created"], out["rejected"]) == (2, 0)
    assert counts() == [before[0] + 1, before[1], before[2] + 1, before[3], before[4]]
    assert companies.resolve("Żabka").city == "Poznań"
    anvils = Deal.get(Deal.title == "Anvils")
    assert Company.get_by_id(anvils.company_id).name == "Acme"
    assert Deal.get(Deal.title == "Ovens").amount == 480000


def test_a_foreign_file_referring_to_ids_it_does_not_carry_is_rejected_naming_the_column(tmp_path, crm):
    """Not our export: its company_id 1 is not our company 1 (only a record it created, or
    one an earlier import gave that external id, is)."""
    companies.create({"name": "Żabka"})
    path = tmp_path / "deals.csv"
    path.write_text("title,company_id,amount\nAnvils,7,300\nShelves,1,100\n")
    err = crm("import", str(path), code=1).stderr
    assert "deals.csv: sheet 'deals', row 2, column 'company_id': no company with id 7 in this file or the store" in err
    assert "row 3, column 'company_id': no company with id 1 in this file or the store" in err
    assert Deal.select().count() == 0
    Company.update(external_id="1").execute()  # an earlier import from the same source
    assert crm.json("import", str(path))["created"] == 1
    assert Deal.get().company_id == 1


def test_a_stage_status_and_due_edited_in_the_export_are_applied_and_revertible(tmp_path, crm):
    ids = fill_store()
    path = export(crm, tmp_path / "x.xlsx")
    edit(path, {("deals", 1, "stage"): "won", ("tickets", 1, "status"): "closed",
                ("followups", 2, "due"): "2026-12-09", ("followups", 1, "priority"): "urgent"})
    out = crm.json("import", str(path), "--overwrite")
    assert (out["created"], out["rejected"]) == (0, 0)
    ovens = deals.show(ids["ovens"])
    assert (ovens["stage"], ovens["status"]) == ("won", "won") and ovens["closed_at"]
    assert [h["stage"] for h in ovens["history"]] == ["lead", "won"]
    assert tickets.show(1)["status"] == "closed"
    fix = FollowUp.get_by_id(2)
    assert (fix.due.isoformat(), fix.due_has_time, fix.chain_start.isoformat()) == \
        ("2026-12-09T00:00:00", False, "2026-12-09T00:00:00")
    assert FollowUp.get_by_id(1).priority == "urgent"
    imports.revert(out["batch"])
    assert deals.show(ids["ovens"])["stage"] == "lead" and deals.show(ids["ovens"])["closed_at"] is None
    assert tickets.show(1)["status"] == "new"
    assert FollowUp.get_by_id(2).due.isoformat() == "2026-12-02T00:00:00"


def test_a_bad_value_in_a_matched_row_rejects_that_row_only(tmp_path, crm):
    ids = fill_store()
    path = export(crm, tmp_path / "x.xlsx")
    edit(path, {("deals", 1, "amount"): "lots", ("deals", 2, "amount"): 150})
    out = crm.json("import", str(path), "--overwrite", code=0)
    assert out["rejected"] == 1
    assert out["errors"][0]["sheet"] == "deals" and out["errors"][0]["row"] == 2
    assert "'lots' is not an amount" in out["errors"][0]["reason"]
    assert deals.show(ids["ovens"])["amount"] == "4800.00"
    assert deals.show(2)["amount"] == "150.00"
