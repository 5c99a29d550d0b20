"""The dry run shows where every column goes (a field, notes, or nowhere) and why: in
`crm import --dry-run` (a table; a `mapping` key in JSON) and on the app's Import page."""
import json

import pytest

from crm_tui.app import CrmApp
from db.services import contacts
from tests.pilot import dry_run_in_app, table_text

# A name, an email, a second company column, a column of no field, one with no header
# and a second email column.
SHEET = ("Name,E-mail Address,Company,Organization,Fav colour,,Email\n"
         "Ada Lovelace,ada@example.com,Analytical Engines,AE Ltd,blue,x,ada2@example.com\n")


@pytest.fixture
def people_csv(crm, tmp_path):
    crm("init")
    path = tmp_path / "people.csv"
    path.write_text(SHEET, encoding="utf-8")
    return path


def _lines(text):
    return [line.rstrip() for line in text.splitlines()]


def test_dry_run_table_says_where_each_column_goes(crm, people_csv):
    result = crm("import", str(people_csv), "--dry-run")
    assert _lines(result.stdout) == [
        " batch ┃ created ┃ updated ┃ skipped ┃ rejected",
        "━━━━━━━╇━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━",
        "       │ 1       │ 0       │ 0       │ 0",
        "",
        "sheet 'people' (contact): where each column goes",
        " column         ┃ goes to   ┃ why",
        "━" * 16 + "╇" + "━" * 11 + "╇" + "━" * 45,
        " Name           │ full_name │ recognised header",
        " E-mail Address │ email     │ recognised header",
        " Company        │ company   │ recognised header",
        " Organization   │ notes     │ company already comes from column 'Company'",
        " Fav colour     │ notes     │ no contact field for it",
        " column 6       │ notes     │ no header (kept as 'column 6: …')",
        " Email          │ email     │ recognised header",
    ]
    assert result.stderr.endswith("dry run (nothing written): would have 1 created, 0 updated, 0 skipped, "
                                  "0 rejected in 0.0 s\n")
    assert contacts.list_(query="ada@example.com").total == 0


def test_dry_run_json_has_a_mapping_per_sheet_and_a_real_import_has_none(crm, people_csv, tmp_path):
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"columns": {"Fav colour": "ignore", "Organization": "title"}}))
    summary = crm.json("import", str(people_csv), "--dry-run", "--mapping", str(mapping))
    assert summary["mapping"] == {"people": {"entity": "contact", "columns": [
        {"column": "Name", "to": "full_name", "why": "recognised header"},
        {"column": "E-mail Address", "to": "email", "why": "recognised header"},
        {"column": "Company", "to": "company", "why": "recognised header"},
        {"column": "Organization", "to": "title", "why": "your mapping"},
        {"column": "Fav colour", "to": "ignored", "why": "your mapping leaves it out"},
        {"column": "column 6", "to": "notes", "why": "no header (kept as 'column 6: …')"},
        {"column": "Email", "to": "email", "why": "recognised header"},
    ]}}
    assert "mapping" not in crm.json("import", str(people_csv))  # the real run reports what it did


def test_dry_run_of_our_own_export_explains_the_columns_it_leaves_out(crm, tmp_path):
    crm("init", "--demo")
    book = tmp_path / "all.xlsx"
    crm("export", str(book))
    result = crm("import", str(book), "--dry-run", "--format", "json")
    mapping = json.loads(result.stdout)["mapping"]
    assert list(mapping) == ["companies", "contacts", "deals", "tickets", "followups"]
    assert mapping["contacts"]["columns"][0] == {"column": "id", "to": "id",
                                                 "why": "this store's contact id (our own export)"}
    assert mapping["contacts"]["columns"][-1] == {"column": "external_id", "to": "external_id",
                                                  "why": "recognised header"}
    assert "note: sheet 'activities': skipped (exported for you to keep; an import does not read it)" in result.stderr


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_import_page_shows_the_mapping_after_a_dry_run(crm, tmp_path, anyio_backend):
    crm("init")
    path = tmp_path / "people.csv"  # our own export's columns, edited in a spreadsheet
    path.write_text("id,first_name,emails,Shoe size,external_id\n7,Ada,ada@example.com,38,HS-9\n", encoding="utf-8")
    app = CrmApp()
    async with app.run_test(size=(140, 40)) as pilot:
        await dry_run_in_app(pilot, app, path)
        status = str(app.screen.query_one("#status").render())
        assert status.startswith("would be: 1 created, 0 updated, 0 skipped, 0 rejected")
        assert status.endswith("· columns: 4 to fields, 1 to notes, 0 ignored")
        assert table_text(app, "#columns") == [
            ["people", "id", "id", "this store's contact id (our own export)"],
            ["people", "first_name", "first_name", "recognised header"],
            ["people", "emails", "email", "recognised header"],
            ["people", "Shoe size", "notes", "no contact field for it"],
            ["people", "external_id", "external_id", "recognised header"],
        ]
        assert contacts.list_(query="ada@example.com").total == 0  # a dry run writes nothing


def test_a_dry_run_that_would_import_nothing_still_shows_the_mapping(crm, tmp_path):
    crm("init")
    path = tmp_path / "bad.csv"
    path.write_text("Nickname,E-mail Address\nAda,not-an-email\n", encoding="utf-8")
    result = crm("import", str(path), "--dry-run", "--format", "json", code=1)
    assert json.loads(result.stdout)["mapping"]["bad"]["columns"] == [
        {"column": "Nickname", "to": "notes", "why": "no contact field for it"},
        {"column": "E-mail Address", "to": "email", "why": "recognised header"}]
    assert result.stderr.endswith(f"error: {path}: 1 row(s) rejected; no row could be imported\n")

