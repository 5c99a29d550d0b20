"""Customer text that looks like rich markup ("[/]", "[bold]x", "[link=...]") is shown
as typed, in the CLI's tables and in the app, and never crashes either.

rich and Textual read a plain str as markup: "[/]" raised MarkupError after the record
was saved, and "[bold]x" printed a bold "x" instead of what the customer wrote.
"""
from __future__ import annotations

import pytest

from db.services import companies, contacts, followups, tickets

MARKUP = ["[/]", "[bold red]Eve", "[link=file:///etc/passwd]click", "[/bold]", "ends with \\", "[i]x[/i] [b]"]
SUBJECT = "[link=x]y[/link]"


@pytest.mark.parametrize("name", MARKUP, ids=[n.encode("unicode_escape").decode() for n in MARKUP])
def test_cli_tables_show_markup_literally(crm, clock, name):
    clock(2026, 11, 23, 10, 0)
    companies.create({"name": name})
    added = crm("contact", "add", "--first-name", name, "--title", name, "--company", name,
                "--email", "eve@example.com")
    assert name in added.stdout, added.stdout  # printed back after the save, not a crash
    ref = str(contacts.show("eve@example.com")["id"])
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
