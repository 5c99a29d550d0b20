"""Editing a follow-up: `crm followup edit` and the Follow-ups page's Edit form, with its
history and the lost-update check like every other record."""
import pytest

from crm_tui.app import CrmApp
from crm_tui.forms import FollowupForm
from db.services import contacts, followups, history
from tests.pilot import settle


@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_followup_edit_changes_what_was_given_and_records_it(crm, clock):
    clock(2026, 11, 23, 10, 0)
    ann = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    f = crm.json("followup", "add", "Call about the quote", "--due", "2026-11-24 09:00", "--contact", str(ann["id"]))
    edited = crm.json("--user", "kim", "followup", "edit", str(f["id"]), "--subject", "Call about the new quote",
                      "--due", "2026-11-26 14:30", "--priority", "high", "--every", "2w")
    assert (edited["subject"], edited["due"], edited["priority"], edited["every"], edited["contact_id"]) == (
        "Call about the new quote", "2026-11-26T14:30", "high", "2w", ann["id"])
    assert edited["version"] == f["version"] + 1 and edited["updated_by"] == "kim"
    changed = {(h["field"], h["old"], h["new"]) for h in history.of("followup", f["id"]) if h["action"] == "updated"}
    assert ("subject", "Call about the quote", "Call about the new quote") in changed
    assert ("priority", "normal", "high") in changed
    assert ("every", None, "2w") in changed
    stopped = crm.json("followup", "edit", str(f["id"]), "--every", "")
    assert stopped["every"] is None and stopped["subject"] == "Call about the new quote"


def test_followup_edit_refuses_bad_values_and_stale_versions_in_one_line(crm):
    f = followups.create("Send the invoice", "2026-11-24 09:00")
    for args, message in ((["--priority", "soon"], "priority"), (["--subject", " "], "a follow-up needs a subject"),
                          (["--due", "the day after never"], "due"), (["--every", "sometimes"], "every")):
        result = crm("followup", "edit", str(f["id"]), *args, code=1)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    followups.update(f["id"], {"subject": "Send the invoice today"})  # someone else, meanwhile
    result = crm("followup", "edit", str(f["id"]), "--priority", "high", "--expect-version", str(f["version"]), code=1)
    assert "was changed by" in result.stderr and "reload and edit again" in result.stderr
    assert followups.show(f["id"])["priority"] == "normal"  # nothing written
    assert crm("followup", "edit", "999", "--subject", "x", code=1).stderr.startswith("error: ")


@pytest.mark.anyio
async def test_the_followups_page_edits_the_one_under_the_cursor(crm_store, clock):
    clock(2026, 11, 23, 10, 0)
    ann = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    f = followups.create("Call about the quote", "2026-11-23 15:00", contact=ann["id"])
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await settle(pilot, app)
        app.screen.query_one("#agenda").focus()
        await pilot.press("e")
        await settle(pilot, app)
        form = app.screen
        assert isinstance(form, FollowupForm)
        assert form.query_one("#f-subject").value == "Call about the quote"
        form.query_one("#f-subject").value = "Call about the [b]new[/b] quote"  # typed text, not markup
        form.query_one("#f-priority").value = "urgent"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, FollowupForm)
    stored = followups.show(f["id"])
    assert (stored["subject"], stored["priority"], stored["due"]) == (
        "Call about the [b]new[/b] quote", "urgent", "2026-11-23T15:00")
