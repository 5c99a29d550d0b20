"""The app keeps up with the team: another process's change shows on the page in view
(the cursor staying on its record), never in an open form; a form saved over someone
else's change is refused and reloads on request."""
import asyncio
import os
import subprocess
import sys
from datetime import datetime

import pytest

from crm_tui.app import CrmApp
from crm_tui.forms import ContactForm
from crm_tui.screens.base import selected_key
from db.config import get_config
from db.services import contacts, views
from tests.pilot import settle, table_text

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, crm_store):
    if request.param == "sqlite":
        return str(crm_store)
    return request.getfixturevalue("pg_url")


async def crm(target, *args, user="kim"):
    """`crm ...` in another process, off the app's event loop."""
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "cli", "--db", target, *args],
                                   capture_output=True, text=True, env={**os.environ, "CRM_USER": user}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


async def until(pilot, app, condition, seconds=15):
    for _ in range(int(seconds * 10)):
        if condition():
            await settle(pilot, app)
            return
        await pilot.pause(0.1)
    raise AssertionError("the page did not refresh")


async def test_a_list_refreshes_when_another_process_writes_and_keeps_the_cursor(target):
    ids = {last: contacts.create({"first_name": "Pat", "last_name": last})["id"]
           for last in ("Baker", "Cole", "Diaz", "Evans", "Ford")}
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot, app)
        table = app.screen.query_one("#contacts-table")
        table.focus()
        table.move_cursor(row=2)
        await settle(pilot, app)
        assert selected_key(table) == ids["Diaz"]

        await crm(target, "contact", "add", "--first-name", "Al", "--last-name", "Abbott")  # sorts first
        await until(pilot, app, lambda: table.row_count == 6)
        assert [row[0] for row in table_text(app, "#contacts-table")][:2] == ["Al Abbott", "Pat Baker"]
        assert (selected_key(table), table.cursor_row) == (ids["Diaz"], 3)

        await crm(target, "contact", "delete", str(ids["Baker"]))
        await crm(target, "contact", "edit", str(ids["Diaz"]), "--title", "Buyer")
        await until(pilot, app, lambda: table.row_count == 5 and "Buyer" in table_text(app, "#contacts-table")[2])
        assert (selected_key(table), table.cursor_row) == (ids["Diaz"], 2)


async def test_a_stale_form_is_refused_keeps_what_was_typed_and_reloads_on_request(crm_store):
    ann = contacts.create({"first_name": "Ann", "last_name": "Lee", "title": "Buyer"}, emails=["ann@example.com"])
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_contact(ann["id"])
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        form = app.screen
        assert isinstance(form, ContactForm)
        form.query_one("#f-title").value = "Head buyer"

        await crm(str(crm_store), "contact", "edit", str(ann["id"]), "--title", "Owner", "--phone", "07700 900123")
        await pilot.pause(2.5)  # the watcher has heard it by now: an open form is left alone
        assert app.screen is form and form.query_one("#f-title").value == "Head buyer"

        await pilot.press("ctrl+s")
        await settle(pilot, app)
        stored = views.contact(ann["id"])
        when = datetime.fromisoformat(stored["updated_at"].replace("Z", "+00:00")).astimezone(get_config().tz)
        line = form.query_one("#form-conflict")
        assert app.screen is form and line.display
        assert str(line.render()) == (f"contact {ann['id']} was changed by kim at {when:%Y-%m-%d %H:%M} since you "
                                      "opened it (phone, title); reload and edit again · Ctrl+R reloads (drops what you typed)")
        assert form.query_one("#f-title").value == "Head buyer"  # kept until the user chooses
        assert (stored["title"], stored["version"]) == ("Owner", 2)

        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert (form.query_one("#f-title").value, form.query_one("#f-phone").value) == ("Owner", "+447700900123")
        assert not line.display

        form.query_one("#f-title").value = "Head buyer"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.screen is not form
        saved = views.contact(ann["id"])
        assert (saved["title"], saved["phones"], saved["version"], saved["updated_by"]) == (
            "Head buyer", ["+447700900123"], 3, "sam")
