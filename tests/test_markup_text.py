"""Customer text that looks like rich markup ("[/]", "[bold]x", "[link=...]") is shown
as typed, in the CLI's tables and in the app, and never crashes either.

rich and Textual read a plain str as markup: "[/]" raised MarkupError after the record
was saved, and "[bold]x" printed a bold "x" instead of what the customer wrote.
"""
from __future__ import annotations

import pytest

from db.services import companies, contacts, followups, tickets
from db.services import views

MARKUP = ["[/]", "[bold red]Eve", "[link=file:///etc/passwd]click", "[/bold]", "ends with \\", "[i]x[/i] [b]"]
SUBJECT = "[link=x]y[/link]"


@pytest.mark.parametrize("name", MARKUP, ids=[n.encode("unicode_escape").decode() for n in MARKUP])
def test_cli_tables_show_markup_literally(crm, clock, name):
    clock(2026, 11, 23, 10, 0)
    companies.create({"name": name})
    added = crm("contact", "add", "--first-name", name, "--title", name, "--company", name,
                "--email", "eve@example.com")
    assert name in added.stdout, added.stdout  # printed back after the save, not a crash
    ref = str(views.contact("eve@example.com")["id"])
    tickets.create({"subject": name, "contact": ref})
    followups.create(name, "2026-11-23 09:00", contact=ref)
    for args in (["contact", "show", ref], ["contact", "list"], ["company", "show", "1"], ["company", "list"],
                 ["ticket", "list"], ["ticket", "show", "1"], ["followup", "list"], ["next"],
                 ["search", "eve"], []):
        out = crm(*args).stdout
        assert name in out, (args, out)


def test_section_titles_and_empty_sections_are_plain(crm, clock):
    clock(2026, 11, 23, 10, 0)
    crm("contact", "add", "--first-name", "[/]", "--email", "a@example.com")
    out = crm("contact", "show", "1").stdout
    assert "Open deals: none" in out and "name            [/]" in out


# -- the app -------------------------------------------------------------------

@pytest.fixture
def anyio_backend():
    return "asyncio"


def _cells(app, selector) -> list[str]:
    table = app.screen.query_one(selector)
    return [str(c) for i in range(table.row_count) for c in table.get_row_at(i)]


def _shown(app, selector) -> str:
    return str(app.screen.query_one(selector).render())


@pytest.mark.anyio
async def test_the_app_shows_markup_literally(crm_store, clock):
    from crm_tui.app import CrmApp
    from crm_tui.screens.ticket_page import TicketPage
    from db.services import activities

    clock(2026, 11, 23, 10, 0)
    company = companies.create({"name": "[i]Co[/i] [/]", "industry": "[b]"})
    slash = contacts.create({"first_name": "[/]", "title": "[link=x]", "company": str(company["id"])},
                            emails=["slash@example.com"])
    eve = contacts.create({"first_name": "[bold red]Eve", "notes": "[/b] notes"}, emails=["eve@example.com"])
    ticket = tickets.create({"subject": SUBJECT, "contact": str(eve["id"]), "description": "[/]"})
    followups.create(SUBJECT, "2026-11-23 09:00", contact=str(eve["id"]))
    activities.add("[red]said[/red] [/]", kind="call", contact=str(eve["id"]))

    async def settle(pilot):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()

    app = CrmApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)  # Today
        assert SUBJECT in _cells(app, "#due") and "[bold red]Eve" in _cells(app, "#due")
        assert SUBJECT in _cells(app, "#tickets")
        assert "[red]said[/red] [/]" in _shown(app, "#recent")
        await pilot.press("2")
        await settle(pilot)
        cells = _cells(app, "#contacts-table")
        assert {"[/]", "[bold red]Eve", "[link=x]", "[i]Co[/i] [/]"} <= set(cells), cells
        # a new contact named like markup: saved, listed and announced without a crash
        app.screen.query_one("#contacts-table").focus()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"[/b]", "tab", "tab", *"new@example.com", "ctrl+s")
        await settle(pilot)
        assert views.contact("new@example.com")["name"] == "[/b]"
        assert "[/b]" in _cells(app, "#contacts-table")
        assert any(n.message == "Added [/b]" for n in app._notifications)
        app.open_contact(slash["id"])
        await settle(pilot)
        card = _shown(app, "#card")
        assert "[/]  [link=x] at [i]Co[/i] [/]" in card, card
        app.open_contact(eve["id"])
        await settle(pilot)
        assert "[bold red]Eve" in _shown(app, "#card") and "Notes: [/b] notes" in _shown(app, "#card")
        assert SUBJECT in _cells(app, "#tickets") and SUBJECT in _cells(app, "#followups")
        assert "[red]said[/red] [/]" in _cells(app, "#timeline")
        app.open_company(company["id"])
        await settle(pilot)
        assert "[i]Co[/i] [/]  [b]" in _shown(app, "#card") and "[/]" in _cells(app, "#people")
        await pilot.press("4")
        await settle(pilot)
        assert SUBJECT in _cells(app, "#queue")
        app.push_screen(TicketPage(ticket["id"]))
        await settle(pilot)
        assert f"#{ticket['id']} {SUBJECT}" in _shown(app, "#card") and "\n[/]" in _shown(app, "#card")


@pytest.mark.anyio
async def test_help_shows_config_keys_that_look_like_markup(crm_store, set_config):
    from crm_tui.app import CrmApp

    set_config('timezone = "Europe/London"\n[keys]\n"page.deals" = "[/]"\n')
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-text").render())
        assert "[/]" in text and "page.deals" in text, text


@pytest.mark.anyio
async def test_the_command_palette_lists_a_markup_name_literally(crm_store):
    from textual.command import CommandPalette

    from crm_tui.app import CrmApp

    contacts.create({"first_name": "[/]", "last_name": "[bold]Eve"}, emails=["eve@example.com"])
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"eve")
        for _ in range(40):  # the search runs in a thread
            await pilot.pause(0.05)
            options = app.screen.query_one("CommandList")
            if options.option_count:
                break
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Open contact: [/] [bold]Eve" in p for p in prompts), prompts


@pytest.mark.anyio
async def test_the_import_page_shows_the_files_text_and_kept_rows_literally(crm_store, tmp_path):
    """A header like "[/]" and a phone cell that is no number: the page lists the kept
    row beside the rejected ones and shows every text as typed."""
    from crm_tui.app import CrmApp
    from tests.pilot import dry_run_in_app, table_text

    path = tmp_path / "[red]people.csv"
    path.write_text("First Name,Email,Phone,[/]\nAda,ada@example.com,call me,x\nBo,bo@,,y\n")
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await dry_run_in_app(pilot, app, path)
        assert [row[:3] for row in table_text(app, "#errors")] == [["[red]people", "2", "Phone"],
                                                                    ["[red]people", "3", "Email"]]
        assert ["[red]people", "[/]", "notes", "no contact field for it"] in table_text(app, "#columns")
        assert str(app.screen.query_one("#status").render()).startswith("would be: 1 created")


def test_an_errors_file_is_written_for_rows_kept_with_a_note(crm, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("First Name,Email,Phone\nAda,ada@example.com,call me\n")
    out = tmp_path / "fix.csv"
    result = crm("import", str(path), "--errors", str(out))
    assert f"rejected rows written to {out}" in result.stderr
    assert "kept, but 'call me' is not a phone number" in out.read_text(encoding="utf-8-sig")
