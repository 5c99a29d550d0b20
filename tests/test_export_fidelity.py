"""Exporting what a user owns: timeline and stage history sheets, external ids, and
contacts in the CSV layouts Google Contacts and Outlook import (read back as text and
imported again into a fresh store)."""
import csv
import json
import os

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.main import app
from crm_tui.app import CrmApp
from db.services import activities, contacts, deals
from tests.pilot import settle

# Verbatim first lines of the tools' own exports (sources: importers/export_layouts.py).
GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,"
    "Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,E-mail 3 - Label,E-mail 3 - Value,"
    "E-mail 4 - Label,E-mail 4 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Phone 3 - Label,Phone 3 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,"
    "Website 1 - Label,Website 1 - Value,Event 1 - Label,Event 1 - Value,Event 2 - Label,Event 2 - Value,"
    "Custom Field 1 - Label,Custom Field 1 - Value")
OUTLOOK_HEADER = (
    '"Title","First Name","Middle Name","Last Name","Suffix","Company","Department","Job Title","Business Street",'
    '"Business Street 2","Business Street 3","Business City","Business State","Business Postal Code",'
    '"Business Country/Region","Home Street","Home Street 2","Home Street 3","Home City","Home State",'
    '"Home Postal Code","Home Country/Region","Other Street","Other Street 2","Other Street 3","Other City",'
    '"Other State","Other Postal Code","Other Country/Region","Assistant\'s Phone","Business Fax","Business Phone",'
    '"Business Phone 2","Callback","Car Phone","Company Main Phone","Home Fax","Home Phone","Home Phone 2","ISDN",'
    '"Mobile Phone","Other Fax","Other Phone","Pager","Primary Phone","Radio Phone","TTY/TDD Phone","Telex","Account",'
    '"Anniversary","Assistant\'s Name","Billing Information","Birthday","Business Address PO Box","Categories",'
    '"Children","Directory Server","E-mail Address","E-mail Type","E-mail Display Name","E-mail 2 Address",'
    '"E-mail 2 Type","E-mail 2 Display Name","E-mail 3 Address","E-mail 3 Type","E-mail 3 Display Name","Gender",'
    '"Government ID Number","Hobby","Home Address PO Box","Initials","Internet Free Busy","Keywords","Language",'
    '"Location","Manager\'s Name","Mileage","Notes","Office Location","Organizational ID Number",'
    '"Other Address PO Box","Priority","Private","Profession","Referred By","Sensitivity","Spouse","User 1",'
    '"User 2","User 3","User 4","Web Page"')

PEOPLE = [
    # values, emails, email labels, phones, phone labels, tags
    ({"first_name": "Łukasz", "last_name": "Żółkiewski", "company": "Żabka Polska", "title": "Kierownik zakupów",
      "notes": "Met at Poznań"},
     ["lukasz@zabka.example.com", "lz@poczta.example.net"], ["work", "home"],
     ["+48 601 234 567", "+48 22 123 45 67"], ["cell", "work"], ["Dostawcy", "VIP"]),
    ({"first_name": "Søren", "last_name": "Kierkegård", "company": "Nørrebro Bryghus", "title": "Indkøbschef"},
     ["soren@norrebro.example.com"], [None], ["+45 20 12 34 56"], [None], ["Bryggerier"]),
    ({"first_name": "Ada", "last_name": "=cmd|' /C calc'!A0", "title": "@SUM(1)"},
     ["ada@example.com"], [None], [], [], []),
]


@pytest.fixture
def people(crm):
    crm("init")
    made = []
    for values, emails, elabels, phones, plabels, tags in PEOPLE:
        made.append(contacts.create(dict(values), emails=emails, phones=phones, tags=tags,
                                    email_labels=elabels, phone_labels=plabels))
    return made


def _lines(path, encoding):
    return path.read_text(encoding=encoding).splitlines()


def test_google_layout_header_and_values(crm, people, tmp_path):
    out = tmp_path / "google.csv"
    assert crm("export", str(out), "--layout", "google").stderr == f"exported to {out}: 3 contact\n"
    assert os.stat(out).st_mode & 0o777 == 0o600
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # Google's own export has no BOM
    assert _lines(out, "utf-8")[0] == GOOGLE_HEADER
    rows = list(csv.DictReader(open(out, encoding="utf-8", newline="")))
    lukasz, soren, ada = rows
    assert (lukasz["First Name"], lukasz["Last Name"], lukasz["Organization Name"], lukasz["Organization Title"]) == \
        ("Łukasz", "Żółkiewski", "Żabka Polska", "Kierownik zakupów")
    assert (lukasz["E-mail 1 - Label"], lukasz["E-mail 1 - Value"], lukasz["E-mail 2 - Label"],
            lukasz["E-mail 2 - Value"]) == ("Work", "lukasz@zabka.example.com", "Home", "lz@poczta.example.net")
    assert (lukasz["Phone 1 - Label"], lukasz["Phone 1 - Value"], lukasz["Phone 2 - Label"]) == \
        ("Mobile", "+48601234567", "Work")
    assert lukasz["Labels"] == "dostawcy ::: vip" and lukasz["Notes"] == "Met at Poznań"
    assert (soren["E-mail 1 - Label"], soren["Phone 1 - Value"]) == ("Other", "+4520123456")
    assert ada["Last Name"] == "'=cmd|' /C calc'!A0" and ada["Organization Title"] == "'@SUM(1)"  # inert


def test_outlook_layout_header_and_values(crm, people, tmp_path):
    out = tmp_path / "outlook.csv"
    crm("export", str(out), "--layout", "outlook", "--tag", "vip")
    assert _lines(out, "utf-8-sig")[0] == OUTLOOK_HEADER  # every cell quoted, like Outlook's own
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(open(out, encoding="utf-8-sig", newline="")))
    assert len(rows) == 1
    row = rows[0]
    assert (row["Title"], row["First Name"], row["Last Name"], row["Company"], row["Job Title"]) == \
        ("", "Łukasz", "Żółkiewski", "Żabka Polska", "Kierownik zakupów")  # Title is Outlook's honorific
    assert (row["E-mail Address"], row["E-mail Type"], row["E-mail 2 Address"]) == \
        ("lukasz@zabka.example.com", "SMTP", "lz@poczta.example.net")
    assert (row["Mobile Phone"], row["Business Phone"], row["Company Main Phone"]) == \
        ("+48601234567", "+48221234567", "")
    assert row["Categories"] == "dostawcy;vip" and row["Notes"] == "Met at Poznań"


def test_outlook_layout_keeps_what_has_no_column(crm, tmp_path):
    crm("init")
    emails = [f"many{i}@example.com" for i in range(5)]
    phones = [f"+44 7700 90010{i}" for i in range(9)]
    contacts.create({"first_name": "Many"}, emails=emails, phones=phones)
    out = tmp_path / "o.csv"
    crm("export", str(out), "--layout", "outlook")
    row = next(csv.DictReader(open(out, encoding="utf-8-sig", newline="")))
    assert [row["E-mail Address"], row["E-mail 2 Address"], row["E-mail 3 Address"]] == emails[:3]
    assert row["Notes"] == ("Other e-mail addresses: many3@example.com; many4@example.com\n"
                            "Other phone numbers: +447700900107; +447700900108")
    g = tmp_path / "g.csv"
    crm("export", str(g), "--layout", "google")
    row = next(csv.DictReader(open(g, encoding="utf-8", newline="")))
    assert row["E-mail 4 - Value"] == "many3@example.com ::: many4@example.com"  # Google's multi-value cell
    assert row["Phone 3 - Value"] == " ::: ".join(f"+44770090010{i}" for i in range(2, 9))


@pytest.mark.parametrize("args, code, message", [
    (["--layout", "yahoo"], 2, "'yahoo' is not one of: google, outlook"),
    (["--layout", "google", "--entity", "deal"], 1, "error: layout: the google layout holds contacts only, not deal\n"),
])
def test_layout_misuse_is_one_line(crm, tmp_path, args, code, message):
    crm("init")
    result = crm("export", str(tmp_path / "x.csv"), *args, code=code)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_layout_needs_a_csv_file(crm, tmp_path):
    crm("init")
    result = crm("export", str(tmp_path / "x.xlsx"), "--layout", "outlook", code=1)
    assert result.stderr == f"error: layout: {tmp_path / 'x.xlsx'}: the outlook layout is a CSV file; name it .csv\n"


@pytest.mark.parametrize("layout", ["google", "outlook"])
def test_layout_round_trip_into_a_fresh_store(crm, people, tmp_path, layout):
    """What the other tool would import, we import too: names, emails, phones, company,
    title and tags survive (needs the importer to know these layouts)."""
    out = tmp_path / f"{layout}.csv"
    crm("export", str(out), "--layout", layout)
    other = tmp_path / "other.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(other), "init"]).exit_code == 0
    got = runner.invoke(app, ["--db", str(other), "import", str(out), "--format", "json"])
    assert got.exit_code == 0, got.stderr
    assert json.loads(got.stdout)["created"] == 3
    listed = runner.invoke(app, ["--db", str(other), "contact", "list", "--format", "json", "--limit", "0"])
    back = {c["email"]: c for c in json.loads(listed.stdout)}
    for (values, emails, _, phones, _, tags), before in zip(PEOPLE, people):
        shown = json.loads(runner.invoke(app, ["--db", str(other), "contact", "show", emails[0],
                                               "--format", "json"]).stdout)
        assert (shown["first_name"], shown["last_name"]) == (values["first_name"], values["last_name"])
        assert shown["emails"] == emails
        # Outlook has a column per kind of phone, in its own order (Business before Mobile)
        assert shown["phones"] == before["phones"] if layout == "google" else sorted(shown["phones"]) == sorted(before["phones"])
        assert shown["company"] == values.get("company") and shown["title"] == values.get("title")
        assert sorted(shown["tags"]) == sorted(t.lower() for t in tags)
        assert emails[0] in back


def test_timeline_and_stage_history_sheets_keep_external_ids(crm, tmp_path):
    crm("init")
    c = contacts.create({"first_name": "Zoë", "external_id": "HS-501"}, emails=["zoe@example.com"])
    d = deals.create({"title": "Bakery ovens", "contact": c["id"], "amount": "900"})
    deals.move(d["id"], "proposal")
    activities.add("Called about ovens", kind="call", contact=c["id"])
    out = tmp_path / "all.xlsx"
    crm("export", str(out))
    wb = load_workbook(out)
    assert wb.sheetnames[-2:] == ["activities", "stage_history"]
    people = list(wb["contacts"].values)
    assert people[0][-1] == "external_id" and people[1][-1] == "HS-501"
    assert [r[-1] for r in wb["companies"].values][0] == "external_id"
    timeline = list(wb["activities"].values)
    assert timeline[0] == ("id", "kind", "occurred_at", "author", "contact_id", "company_id", "deal_id",
                           "ticket_id", "body")
    assert [(r[1], r[4], r[6], r[8]) for r in timeline[1:]] == [
        ("status", c["id"], d["id"], "Deal created in stage lead"), ("status", c["id"], d["id"], "Stage lead -> proposal"),
        ("call", c["id"], None, "Called about ovens")]
    assert all(r[3] == "sam" and r[2] is not None for r in timeline[1:])
    history = list(wb["stage_history"].values)
    assert history[0] == ("deal_id", "deal", "stage", "entered_at", "left_at")
    assert [(r[0], r[1], r[2], r[4] is None) for r in history[1:]] == [
        (d["id"], "Bakery ovens", "lead", False), (d["id"], "Bakery ovens", "proposal", True)]

    # one kind per CSV / JSON file
    act = tmp_path / "timeline.csv"
    assert crm("export", str(act), "--entity", "activities").stderr == f"exported to {act}: {len(timeline) - 1} activity\n"
    rows = list(csv.reader(open(act, encoding="utf-8-sig")))
    assert rows[0][1] == "kind" and ["call", "Called about ovens"] == [rows[-1][1], rows[-1][8]]
    js = tmp_path / "history.json"
    crm("export", str(js), "--entity", "stage history")
    assert [h["stage"] for h in json.loads(js.read_text())] == ["lead", "proposal"]

    # our own workbook comes back in: the two extra sheets are skipped with a note
    other = tmp_path / "other.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(other), "init"]).exit_code == 0
    got = runner.invoke(app, ["--db", str(other), "import", str(out), "--format", "json"])
    assert got.exit_code == 0, got.stderr
    assert "note: sheet 'activities': skipped (exported for you to keep; an import does not read it)\n" in got.stderr
    assert "note: sheet 'stage_history': skipped" in got.stderr
    assert json.loads(got.stdout)["rejected"] == 0
    shown = json.loads(runner.invoke(app, ["--db", str(other), "contact", "show", "zoe@example.com",
                                           "--format", "json"]).stdout)
    assert "HS-501" not in (shown["notes"] or "")  # the external_id column is not dumped into notes


def test_unknown_entity_names_the_new_ones(crm, tmp_path):
    crm("init")
    result = crm("export", str(tmp_path / "x.csv"), "--entity", "calls", code=1)
    assert result.stderr == ("error: entity: 'calls' is not one of: company, contact, deal, ticket, followup, "
                             "activity, stage_history\n")


def test_layouts_carry_birthday_and_address(crm, tmp_path):
    crm("init")
    contacts.create({"first_name": "Leap", "birthday": "1984-02-29", "address": "1 High St\nBristol"},
                    emails=["leap@example.com"])
    contacts.create({"first_name": "Noyear", "birthday": "--06-15"}, emails=["noyear@example.com"])
    g, o = tmp_path / "g.csv", tmp_path / "o.csv"
    crm("export", str(g), "--layout", "google")
    crm("export", str(o), "--layout", "outlook")
    google = list(csv.DictReader(open(g, encoding="utf-8", newline="")))
    assert [(r["Birthday"], r["Address 1 - Formatted"]) for r in google] == \
        [("1984-02-29", "1 High St\nBristol"), ("--06-15", "")]  # both are Google's own forms
    outlook = list(csv.DictReader(open(o, encoding="utf-8-sig", newline="")))
    assert [(r["Birthday"], r["Other Street"], r["Notes"]) for r in outlook] == \
        [("2/29/1984", "1 High St\nBristol", ""), ("", "", "Birthday: --06-15")]  # no year: kept in notes


def test_a_filtered_export_carries_only_the_picked_records_history(crm, tmp_path):
    crm("init")
    vip = contacts.create({"first_name": "Vera"}, emails=["vera@example.com"], tags=["vip"])
    other = contacts.create({"first_name": "Otto"}, emails=["otto@example.com"])
    activities.add("Vera's call", kind="call", contact=vip["id"])
    activities.add("Otto's secret", kind="note", contact=other["id"])
    out = tmp_path / "vip.json"
    crm("export", str(out), "--entity", "contact", "--entity", "activity", "--tag", "vip")
    data = json.loads(out.read_text())
    assert [c["first_name"] for c in data["contacts"]] == ["Vera"]
    assert [a["body"] for a in data["activities"]] == ["Vera's call"]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_export_page_writes_the_google_layout(crm, tmp_path, anyio_backend):
    crm("init")
    contacts.create({"first_name": "Ada", "title": "Analyst"}, emails=["ada@example.com"])
    out = tmp_path / "google.csv"
    tui = CrmApp()
    async with tui.run_test(size=(140, 40)) as pilot:
        await pilot.press("6")
        await settle(pilot, tui)
        tui.screen.query_one("#export-path").value = str(out)
        tui.screen.query_one("#export-layout").value = "google"
        await pilot.press("ctrl+e")
        await settle(pilot, tui)
        assert str(tui.screen.query_one("#status").render()) == f"exported to {out}: 1 contact"
    header, row = out.read_text(encoding="utf-8").splitlines()
    assert header.startswith("First Name,Middle Name,Last Name,") and row.startswith("Ada,,,")
    assert "Analyst" in row and "ada@example.com" in row
