"""The app under pressure: another process holding the write lock while a form saves,
and the Follow-ups page agreeing with the CLI about snoozed follow-ups."""
import asyncio
import sqlite3

import pytest

from crm_tui.app import CrmApp
from crm_tui.forms import Form
from db.services import contacts, followups
from db.services import views
from tests.pilot import settle

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"



def agenda_rows(app) -> list[tuple[str, str]]:
    """(group, subject) of each row on the Follow-ups page."""
    table = app.screen.query_one("#agenda")
    return [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[2])) for i in range(table.row_count)]


async def test_snoozing_an_overdue_followup_takes_it_out_of_overdue(crm_store, clock):
    clock(2026, 11, 23, 10, 0)
    ann = contacts.create({"first_name": "Ann"})
    followups.create("Chase invoice", "2026-11-22 15:00", contact=ann["id"])
    followups.create("Call at 4", "2026-11-23 16:00", contact=ann["id"])
    followups.create("Review", "2026-11-27", contact=ann["id"])
    followups.create("Renewal", "2027-01-10", contact=ann["id"])
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await settle(pilot, app)
        assert agenda_rows(app) == [("Overdue", "Chase invoice"), ("Today", "Call at 4"),
                                    ("This week", "Review"), ("Later", "Renewal")]
        app.screen.query_one("#agenda").focus()
        await pilot.press("s")  # the cursor is on the overdue one
        await settle(pilot, app)
        assert agenda_rows(app) == [("Today", "Call at 4"), ("This week", "Review"), ("Later", "Renewal"),
                                    ("Snoozed", "Chase invoice")]
    assert [f["subject"] for f in followups.list_(when="overdue").rows] == []  # what the CLI and Today say too


async def test_a_save_waiting_for_the_write_lock_leaves_the_app_responding(crm_store):
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot, app)
        app.screen.query_one("#contacts-table").focus()
        await pilot.press("a")
        await pilot.pause()
        holder = sqlite3.connect(crm_store, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process writing
        try:
            await pilot.press(*"Nia", "tab", *"Long", "ctrl+s")
            await asyncio.sleep(0.5)  # the save is now waiting for the lock
            form = app.screen
            assert isinstance(form, Form) and str(form.query_one("#form-hint").render()) == "Saving…"
            await pilot.press("escape")  # processed (not queued behind the save): the form says it is busy
            await pilot.press("tab", *"Boss", "ctrl+s")  # typing still works; a second save is not started
            await pilot.pause()
            assert app.screen is form and form.query_one("#f-email").value == "Boss"
            assert contacts.list_().total == 0
        finally:
            holder.rollback()
            holder.close()
        await settle(pilot, app)
        assert not isinstance(app.screen, Form)
    assert [c["name"] for c in contacts.list_().rows] == ["Nia Long"]


async def test_a_refused_save_in_the_worker_still_puts_the_reason_beside_the_field(crm_store):
    contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot, app)
        app.screen.query_one("#contacts-table").focus()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Nia", "tab", "tab", *"not-an-email", "ctrl+s")
        await settle(pilot, app)
        form = app.screen
        assert str(form.query_one("#e-email").render()) == "'not-an-email' is not a valid email address"
        assert app.focused is form.query_one("#f-email")
        form.query_one("#f-email").value = "ann@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.screen is form and str(form.query_one("#form-hint").render()).startswith("Ctrl+S")
        form.query_one("#f-email").value = "nia@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, Form)
    assert views.contact("nia@example.com")["name"] == "Nia"
