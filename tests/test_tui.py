"""The full-screen app driven by Pilot, on a real store; assertions on the store too."""
import pytest

from crm_tui.app import CrmApp
from db.services import companies, contacts, dashboard, deals, demo, followups, tickets
from db.services import views
from tests.pilot import dry_run_in_app, settle, table_text

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def shop(crm_store, clock):
    clock(2026, 11, 23, 10, 0)
    demo.load()
    return crm_store




async def test_today_shows_due_followups_and_completes_one(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        rows = table_text(app, "#due")
        assert len(rows) == len(dashboard.summary()["due_followups"]) > 0
        assert rows[0][0] == "20 Nov 2026 09:30"  # oldest first, as people write it
        first_id = int(app.screen.query_one("#due").coordinate_to_cell_key((0, 0)).row_key.value)
        await pilot.press("d")
        await settle(pilot, app)
        assert followups.show(first_id)["status"] == "done"
        await pilot.press("s")
        await settle(pilot, app)
        snoozed = [f for f in followups.list_(status="open").rows if f["snoozed_until"]]
        assert len(snoozed) == 1


async def test_contacts_search_as_you_type_and_open(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot, app)
        assert app.screen.query_one("#contacts-table").row_count == 50
        await pilot.press(*"小明")
        await settle(pilot, app)
        assert table_text(app, "#contacts-table") and table_text(app, "#contacts-table")[0][0] == "王小明"
        await pilot.press("enter")  # leave the search box
        await pilot.press("enter")  # open the row
        await settle(pilot, app)
        assert "王小明" in str(app.screen.query_one("#card").render())


async def test_add_contact_with_validation_beside_the_field(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot, app)
        app.screen.query_one("#contacts-table").focus()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Nia", "tab", *"Long", "tab", *"not-an-email", "ctrl+s")
        await pilot.pause()
        assert str(app.screen.query_one("#e-email").render()) == "'not-an-email' is not a valid email address"
        app.screen.query_one("#f-email").value = "nia@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert views.contact("nia@example.com")["name"] == "Nia Long"


async def test_log_a_call_and_add_a_followup_from_the_detail(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_contact(1)
        await settle(pilot, app)
        await pilot.press("c", *"Left a voicemail", "enter")
        await settle(pilot, app)
        assert views.contact(1)["timeline"][0]["body"] == "Left a voicemail"
        await pilot.press("at", *"Sent the quote", "enter")
        await settle(pilot, app)
        assert (views.contact(1)["timeline"][0]["kind"], views.contact(1)["timeline"][0]["body"]) == ("email", "Sent the quote")
        await pilot.press("f", *"Call back", "tab", *"2026-11-25 09:30", "ctrl+s")
        await settle(pilot, app)
        assert [f["due"] for f in views.contact(1)["followups"] if f["subject"] == "Call back"] == ["2026-11-25T09:30"]


async def test_move_a_deal_on_the_board_and_mark_one_lost(shop):
    app = CrmApp()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot, app)
        lead = app.screen.query_one("#stage-lead")
        lead.focus()
        deal_id = int(lead.coordinate_to_cell_key((0, 0)).row_key.value)
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        assert deals.show(deal_id)["stage"] == "qualified"
        app.screen.query_one("#stage-qualified").focus()
        app.screen.query_one("#stage-qualified").move_cursor(row=[
            i for i in range(app.screen.query_one("#stage-qualified").row_count)
            if app.screen.query_one("#stage-qualified").coordinate_to_cell_key((i, 0)).row_key.value == str(deal_id)][0])
        await pilot.press("l", *"budget cut", "enter")
        await settle(pilot, app)
        assert (deals.show(deal_id)["stage"], deals.show(deal_id)["lost_reason"]) == ("lost", "budget cut")


async def test_deals_as_a_list_take_the_same_keys(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot, app)
        await pilot.press("v")
        await pilot.pause()
        listing = app.screen.query_one("#deal-list")
        assert listing.display and app.focused is listing and not app.screen.query_one("#board").display
        assert listing.row_count == deals.list_().total
        row = next(i for i, r in enumerate(table_text(app, "#deal-list")) if r[2] == "lead")
        deal_id = int(table_text(app, "#deal-list")[row][0])
        listing.move_cursor(row=row)
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        assert deals.show(deal_id)["stage"] == "qualified"
        listing.move_cursor(row=next(i for i, r in enumerate(table_text(app, "#deal-list")) if r[0] == str(deal_id)))
        await pilot.press("w")
        await settle(pilot, app)
        assert deals.show(deal_id)["stage"] == "won"
        await pilot.press("v")
        await pilot.pause()
        assert app.screen.query_one("#board").display and not listing.display


async def test_close_a_ticket_and_raise_priority(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot, app)
        queue = app.screen.query_one("#queue")
        queue.focus()
        ticket_id = int(queue.coordinate_to_cell_key((queue.row_count - 1, 0)).row_key.value)
        queue.move_cursor(row=queue.row_count - 1)
        before = tickets.show(ticket_id)["priority"]
        await pilot.press("plus")
        await settle(pilot, app)
        assert tickets.show(ticket_id)["priority"] != before
        queue.move_cursor(row=0)
        top = int(queue.coordinate_to_cell_key((0, 0)).row_key.value)
        await pilot.press("c")
        await settle(pilot, app)
        assert tickets.show(top)["status"] == "closed"


async def test_a_ticket_page_shows_the_conversation_and_takes_the_same_keys(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot, app)
        queue = app.screen.query_one("#queue")
        queue.focus()
        ticket_id = int(queue.coordinate_to_cell_key((0, 0)).row_key.value)
        await pilot.press("enter")
        await settle(pilot, app)
        assert f"#{ticket_id} {tickets.show(ticket_id)['subject']}" in str(app.screen.query_one("#card").render())
        await pilot.press("m")
        await pilot.press(*"Replaced the toner", "enter")
        await settle(pilot, app)
        assert [c["body"] for c in tickets.show(ticket_id)["comments"]][-1] == "Replaced the toner"
        assert table_text(app, "#comments")[-1][2] == "Replaced the toner"
        await pilot.press("r")  # resolve, from the ticket's own page
        await settle(pilot, app)
        assert tickets.show(ticket_id)["status"] == "resolved"
        assert "Status: resolved" in str(app.screen.query_one("#card").render())
        assert any("resolved" in row[2] for row in table_text(app, "#history"))


async def test_errors_show_in_a_modal_not_a_crash(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_contact(9999)
        await settle(pilot, app)
        assert str(app.screen.query_one("#error-message").render()) == "contact 9999 not found"
        await pilot.press("escape")


async def test_help_lists_the_keys(shop):
    app = CrmApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-text").render())
        assert "Snooze 1 day" in text and "Contacts" in text and "ctrl+p" in text
        assert "page.contacts" in text and "[keys]" in text  # the names the config rebinds by


async def test_works_at_80x24(shop):
    app = CrmApp()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("1", "2", "enter", "3", "4", "enter", "5"):  # enter leaves a search box
            await pilot.press(key)
            await settle(pilot, app)
        assert app.screen.query_one("#agenda").row_count == followups.list_().total


async def test_import_from_the_ui_with_a_dry_run_first(shop, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "new.xlsx"
    wb = Workbook()
    wb.active.append(["Name", "E-mail Address", "Shoe size"])
    wb.active.append(["Ada Byron", "ada@example.com", "38"])
    wb.active.append(["Bad Row", "not-an-email", "40"])
    wb.save(path)
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await dry_run_in_app(pilot, app, path)
        status = str(app.screen.query_one("#status").render())
        assert status.startswith("would be: 1 created, 0 updated, 0 skipped, 1 rejected")
        assert table_text(app, "#columns") == [["Sheet", "Name", "full_name", "recognised header"],
                                               ["Sheet", "E-mail Address", "email", "recognised header"],
                                               ["Sheet", "Shoe size", "notes", "no contact field for it"]]
        assert table_text(app, "#errors") == [["Sheet", "3", "E-mail Address", "'not-an-email' is not a valid email address"]]
        assert contacts.list_(query="ada@example.com").total == 0  # the dry run wrote nothing
        columns = app.screen.query_one("#columns")
        columns.focus()
        columns.move_cursor(row=2)  # Shoe size: kept in notes unless told otherwise
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("end", "enter")  # the last choice: ignore (drop the column)
        await settle(pilot, app)
        assert table_text(app, "#columns")[2] == ["Sheet", "Shoe size", "ignored", "your mapping leaves it out"]
        await pilot.press("ctrl+g")
        await settle(pilot, app)
        assert str(app.screen.query_one("#status").render()).startswith("imported: 1 created")
        assert views.contact("ada@example.com")["notes"] is None  # the column was dropped as chosen


async def test_import_lists_the_sheets_and_imports_the_one_picked(shop, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "two.xlsx"
    wb = Workbook()
    wb.active.title = "Leads"
    wb.active.append(["Name", "Email"])
    wb.active.append(["Ada Byron", "ada@example.com"])
    other = wb.create_sheet("Suppliers")
    other.append(["Company Name", "City"])
    other.append(["Acme Bolts", "Leeds"])
    wb.save(path)
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        await settle(pilot, app)
        await pilot.press(*str(path), "enter")  # the path box has the focus; Enter lists the sheets
        await settle(pilot, app)
        assert "2 sheet(s): Leads, Suppliers" in str(app.screen.query_one("#status").render())
        app.screen.query_one("#sheet").value = "Suppliers"
        await pilot.press("ctrl+g")  # works from inside a text box too
        await settle(pilot, app)
        assert str(app.screen.query_one("#status").render()).startswith("imported: 1 created")
        assert [c["name"] for c in companies.list_(query="Acme Bolts").rows] == ["Acme Bolts"]
        assert contacts.list_(query="ada@example.com").total == 0
        assert app.screen.query_one("#progress").display is False  # shown while running, hidden after


async def test_trash_restores(shop):
    contacts.delete(1)
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        await settle(pilot, app)
        assert table_text(app, "#trash")[0][:2] == ["contact", "1"]
        app.screen.query_one("#trash").focus()
        await pilot.press("r")
        await settle(pilot, app)
        assert views.contact(1)["id"] == 1


async def test_the_trash_page_keeps_its_cursor_on_the_record_when_rows_come_above_it(shop, clock):
    for minute, cid in enumerate((1, 2, 3)):
        clock(2026, 11, 23, 10, minute)
        contacts.delete(cid)
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        await settle(pilot, app)
        assert [row[1] for row in table_text(app, "#trash")] == ["3", "2", "1"]  # newest first
        table = app.screen.query_one("#trash")
        table.focus()
        table.move_cursor(row=1)  # contact 2
        clock(2026, 11, 23, 10, 5)
        contacts.delete(4)  # comes in at the top
        app.screen.reload()
        await settle(pilot, app)
        assert [row[1] for row in table_text(app, "#trash")] == ["4", "3", "2", "1"]
        assert table.cursor_row == 2  # still on contact 2
        await pilot.press("r")
        await settle(pilot, app)
        assert views.contact(2)["id"] == 2


async def test_companies_search_open_the_360_and_show_their_people(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("8")
        await settle(pilot, app)
        assert app.screen.query_one("#companies-table").row_count == 15
        await pilot.press(*"bakery", "enter")
        await settle(pilot, app)
        assert table_text(app, "#companies-table")[0][0] == "Harbour Bakery"
        await pilot.press("enter")  # the company's own page
        await settle(pilot, app)
        bakery = views.company("Harbour Bakery")
        assert "Harbour Bakery" in str(app.screen.query_one("#card").render())
        assert [r[0] for r in table_text(app, "#people")] == [p["name"] for p in bakery["people"]] != []
        assert len(table_text(app, "#deals")) == len(bakery["deals"])
        await pilot.press("n")
        await pilot.press(*"Called the owner", "enter")
        await settle(pilot, app)
        assert views.company("Harbour Bakery")["timeline"][0]["body"] == "Called the owner"
        assert table_text(app, "#timeline")[0][2] == "Called the owner"
        app.screen.query_one("#people").focus()
        await pilot.press("enter")  # a person opens their own page
        await settle(pilot, app)
        assert bakery["people"][0]["name"] in str(app.screen.query_one("#card").render())
        await pilot.press("escape", "escape")
        await settle(pilot, app)
        await pilot.press("p")  # the people of the company under the cursor, on the Contacts page
        await settle(pilot, app)
        names = [r[0] for r in table_text(app, "#contacts-table")]
        assert sorted(names) == sorted(c["name"] for c in contacts.list_(query="Harbour Bakery").rows)


async def test_sort_by_column_with_keys_and_header_clicks(shop):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot, app)
        await pilot.press("enter")  # from the search box to the table
        await pilot.press("s")  # next sortable column: company
        await settle(pilot, app)
        shown = [r[3] for r in table_text(app, "#contacts-table")]
        assert shown == [c["company"] or "" for c in contacts.list_(sort="company", limit=60).rows]
        assert "sorted by company" in str(app.screen.query_one("#count").render())
        await pilot.press("r")
        await settle(pilot, app)
        assert [r[0] for r in table_text(app, "#contacts-table")] == \
            [c["name"] for c in contacts.list_(sort="-company", limit=60).rows]
        table = app.screen.query_one("#contacts-table")
        stage_x = sum(c.get_render_width(table) for c in list(table.columns.values())[:5]) + 2  # the "Stage" header
        await pilot.click("#contacts-table", offset=(stage_x, 0))
        await settle(pilot, app)
        assert "sorted by stage" in str(app.screen.query_one("#count").render())
        stages = [r[5] for r in table_text(app, "#contacts-table")]
        assert stages == sorted(stages, key=["lead", "prospect", "customer", "former"].index)


async def test_delete_offers_undo_right_away_and_merge_folds_a_duplicate(shop):
    app = CrmApp()
    keep, dup = contacts.list_(limit=2).rows
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_contact(keep["id"])
        await settle(pilot, app)
        await pilot.press("M")
        await pilot.press(*"nobody@nowhere.example", "enter")
        await pilot.pause()
        assert "nobody@nowhere.example" in str(app.screen.query_one("#e-other").render())  # beside the field
        app.screen.query_one("#f-other").value = dup["email"]
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        merged = views.contact(keep["id"])
        assert dup["email"] in merged["emails"] and contacts.list_(query=dup["email"]).total == 1
        await pilot.press("x")  # delete: back to the page it came from, undo offered
        await settle(pilot, app)
        assert contacts.list_(query=keep["email"]).total == 0
        await pilot.press("u")
        await settle(pilot, app)
        assert views.contact(keep["id"])["id"] == keep["id"]


async def test_keys_can_be_remapped_in_the_config(shop, crm_store):
    from db import config

    (crm_store.parent / "config.toml").write_text(
        'timezone = "Europe/London"\n[keys]\n"contacts.add" = "n"\n"page.deals" = "f3"\n"contacts.bogus" = "z"\n')
    config.reload_config()
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert any("contacts.bogus" in n.message for n in app._notifications)  # named, not ignored
        await pilot.press("f3")
        await settle(pilot, app)
        assert app.current_mode == "deals"
        await pilot.press("2")
        await settle(pilot, app)
        await pilot.press("enter", "n")
        await pilot.pause()
        assert app.screen.query_one("#f-first_name") is not None  # the new-contact form


def test_bad_keys_in_the_config_name_the_place(crm, crm_store):
    from db import config

    cfg = crm_store.parent / "config.toml"
    good = cfg.read_text()
    cfg.write_text('[keys]\n"contacts.add" = 3\n')
    config._load.cache_clear()
    try:
        result = crm("contact", "add", "--first-name", "Ann", code=3)
    finally:
        cfg.write_text(good)
        config.reload_config()
    assert result.stderr.strip() == f'error: {cfg}: [keys] contacts.add: expected the keys as text, like "n" or "ctrl+n,f2"'
