"""Tags that hold a comma or a semicolon ('Webinar, Q3', Mailchimp's) survive typing in the
CLI and the app, every export, and the re-import of that export (issue 10)."""
from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.main import app
from crm_tui.app import CrmApp
from db import taglist
from db.services import contacts, views
from importers import rows
from tests.pilot import settle

ODD = ["plain", "webinar, q3", "a;b", 'say "hi"']


def test_split_keeps_a_quoted_part_whole_and_join_reads_back():
    assert taglist.split('VIP, "Webinar, Q3"') == ["VIP", "Webinar, Q3"]
    assert taglist.split('"VIP","Webinar, Q3"') == ["VIP", "Webinar, Q3"]
    assert taglist.split('"say ""hi""", x') == ['say "hi"', "x"]
    assert taglist.split('a 5" screen, vip') == ['a 5" screen', "vip"]  # a quote not opening a part is text
    assert taglist.split('"left open, b') == ['"left open', "b"]  # an unclosed quote is text too
    assert taglist.split(" , ,") == [] and taglist.split(None) == []
    assert taglist.join(["vip", "trade"]) == "vip, trade"  # plain tags look as they always did
    assert taglist.join(ODD, "; ") == 'plain; "webinar, q3"; "a;b"; "say ""hi"""'
    for sep in (", ", "; ", ";"):
        assert taglist.split(taglist.join(ODD, sep), sep.strip()) == ODD


def test_split_tags_reads_our_cells_and_each_tools_own():
    assert rows.split_tags('plain; "webinar, q3"; "a;b"') == ["plain", "webinar, q3", "a;b"]
    assert rows.split_tags('"webinar, q3"') == ["webinar, q3"]
    assert rows.split_tags("Webinar, Q3", "google") == ["Webinar, Q3"]  # Google separates with ' ::: ' only
    assert rows.split_tags("Webinar, Q3", "outlook") == ["Webinar, Q3"]  # Outlook with ';' only
    assert rows.split_tags("Webinar, Q3") == ["Webinar", "Q3"]  # Pipedrive, Zoho: commas separate


def test_services_take_tags_as_given():
    c = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"], tags=[" Webinar, Q3 ", "VIP", "vip", ""])
    assert c["tags"] == ["vip", "webinar, q3"]
    c = contacts.update(c["id"], {}, add=["a;b"], remove=["webinar, q3"])
    assert c["tags"] == ["a;b", "vip"]


def test_cli_tag_splits_on_commas_outside_quotes(crm):
    c = crm.json("contact", "add", "--first-name", "Ann", "--email", "ann@example.com",
                 "--tag", 'VIP, "Webinar, Q3"', "--tag", "a;b")
    assert c["tags"] == ["a;b", "vip", "webinar, q3"]
    c = crm.json("contact", "edit", "ann@example.com", "--untag", '"webinar, q3", a;b', "--tag", "trade, retail")
    assert c["tags"] == ["retail", "trade", "vip"]
    co = crm.json("company", "add", "Acme", "--tag", '"Webinar, Q3", trade')
    assert co["tags"] == ["trade", "webinar, q3"]
    assert crm.json("company", "edit", "Acme", "--untag", '"webinar, q3"')["tags"] == ["trade"]


def _fresh_import(tmp_path, path) -> dict[str, list[str]]:
    other = tmp_path / "other.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(other), "init"]).exit_code == 0
    got = runner.invoke(app, ["--db", str(other), "import", str(path), "--format", "json"])
    assert got.exit_code == 0, got.stderr
    listed = runner.invoke(app, ["--db", str(other), "contact", "list", "--format", "json", "--limit", "0"])
    return {c["email"]: c["tags"] for c in json.loads(listed.stdout)}


@pytest.mark.parametrize("target", ["contacts.csv", "contacts.xlsx", "contacts.vcf", "google", "outlook"])
def test_a_tag_with_a_comma_survives_export_and_reimport(crm, tmp_path, target):
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com", "--tag", 'VIP, "Webinar, Q3"')
    crm("contact", "add", "--first-name", "Bo", "--email", "bo@example.com", "--tag", '"Webinar, Q3"')  # alone
    crm("contact", "add", "--first-name", "Cy", "--email", "cy@example.com", "--tag", "a;b, trade")
    layout = target if "." not in target else None
    out = tmp_path / (f"{layout}.csv" if layout else target)
    crm("export", str(out), *(["--layout", layout] if layout else ["--entity", "contact"] * (out.suffix != ".vcf")))
    text = out.read_bytes().decode("utf-8-sig", errors="replace")
    if out.suffix == ".csv":  # the cell as written, in each file's own convention
        email, tags = {"contacts.csv": ("emails", "tags"), "google": ("E-mail 1 - Value", "Labels"),
                       "outlook": ("E-mail Address", "Categories")}[target]
        cells = {r[email]: r[tags] for r in csv.DictReader(text.splitlines())}
        assert cells == {
            "contacts.csv": {"ann@example.com": 'vip; "webinar, q3"', "bo@example.com": '"webinar, q3"',
                             "cy@example.com": '"a;b"; trade'},
            "google": {"ann@example.com": "vip ::: webinar, q3", "bo@example.com": "webinar, q3",
                       "cy@example.com": "a;b ::: trade"},
            "outlook": {"ann@example.com": 'vip;"webinar, q3"', "bo@example.com": '"webinar, q3"',
                        "cy@example.com": '"a;b";trade'}}[target]
    if out.suffix == ".xlsx":
        sheet = load_workbook(out, read_only=True).worksheets[0]
        got = [r for r in sheet.iter_rows(values_only=True)]
        assert got[1][got[0].index("tags")] == 'vip; "webinar, q3"'
    if out.suffix == ".vcf":  # vobject escapes the comma inside a category (RFC 6350 3.4)
        assert "CATEGORIES:vip,webinar\\, q3\r\n" in text and "CATEGORIES:webinar\\, q3\r\n" in text
    assert _fresh_import(tmp_path, out) == {
        "ann@example.com": ["vip", "webinar, q3"], "bo@example.com": ["webinar, q3"], "cy@example.com": ["a;b", "trade"]}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_the_app_form_shows_and_saves_such_tags_unchanged(crm):
    ann = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"], tags=["vip", "webinar, q3"])
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_contact(ann["id"])
        await settle(pilot, app)
        assert 'Tags: vip, "webinar, q3"' in str(app.screen.query_one("#card").render())
        await pilot.press("e")
        await pilot.pause()
        field = app.screen.query_one("#f-tags")
        assert field.value == 'vip, "webinar, q3"'
        await pilot.press("ctrl+s")  # saved as shown: nothing split, nothing lost
        await settle(pilot, app)
        assert views.contact(ann["id"])["tags"] == ["vip", "webinar, q3"]
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#f-tags").value = '"Webinar, Q3", "a;b", trade'  # vip taken out, two added
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert views.contact(ann["id"])["tags"] == ["a;b", "trade", "webinar, q3"]


def test_a_company_tag_with_a_comma_survives_its_sheet(crm, tmp_path):
    crm("company", "add", "Acme", "--tag", '"Webinar, Q3", trade')
    out = tmp_path / "companies.csv"
    crm("export", str(out), "--entity", "company")
    assert [r["tags"] for r in csv.DictReader(out.read_text("utf-8-sig").splitlines())] == ['trade; "webinar, q3"']
    other = tmp_path / "other.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(other), "init"]).exit_code == 0
    got = runner.invoke(app, ["--db", str(other), "import", str(out), "--format", "json"])
    assert got.exit_code == 0, got.stderr
    shown = runner.invoke(app, ["--db", str(other), "company", "show", "Acme", "--format", "json"])
    assert json.loads(shown.stdout)["tags"] == ["trade", "webinar, q3"]
