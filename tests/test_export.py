"""crm export: real files written and read back, formula safety, round trips, LibreOffice."""
import csv
import json
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from db.services import contacts, deals, followups, tickets
from db.services import views

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
EVIL = "=HYPERLINK(\"http://x.example\",\"click\")"


@pytest.fixture
def book(crm):
    crm("init", "--demo")
    c = contacts.create({"first_name": "Eve", "last_name": "@dmin", "notes": EVIL, "title": "-1+2"},
                        emails=["eve@example.com"], phones=["+44 7700 900999"], tags=["tricky"])
    d = deals.create({"title": "+cmd|' /C calc'!A0", "contact": c["id"], "amount": "1234.56"})
    followups.create("@Sam call back", "2026-12-01 09:30", contact=c["id"], deal=d["id"])
    tickets.create({"subject": "Broken", "contact": c["id"], "description": "\rstarts with CR"})
    return crm


def test_xlsx_layout_real_types_and_no_formulas(book, tmp_path):
    out = tmp_path / "all.xlsx"
    result = book("export", str(out))
    assert result.stderr == f"exported to {out}: 15 company, 51 contact, 25 deal, 17 ticket, 15 followup, 209 activity, 95 stage_history\n"
    wb = load_workbook(out)
    assert wb.sheetnames == ["companies", "contacts", "deals", "tickets", "followups", "activities", "stage_history"]
    ws = wb["contacts"]
    assert [c.value for c in ws[1]][:4] == ["id", "first_name", "last_name", "emails"]
    assert ws[1][0].font.b and ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:N52"
    assert ws.column_dimensions["D"].width > 20
    formulas = [c.coordinate for sheet in wb for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    eve = next(r for r in ws.iter_rows(values_only=True) if r[1] == "Eve")
    assert eve[2] == "'@dmin" and eve[12] == "'" + EVIL and eve[6] == "'-1+2"
    assert eve[4] == "+447700900999"  # a phone number cannot call anything: left as it is
    deal = next(r for r in wb["deals"].iter_rows(values_only=True) if r[1].startswith("'+cmd"))
    assert deal[4] == 1234.56 and isinstance(deal[4], float)
    follow = next(r for r in wb["followups"].iter_rows(values_only=True) if "Sam" in str(r[1]))
    assert follow[1] == "'@Sam call back" and follow[2].isoformat() == "2026-12-01T09:30:00"


def test_csv_and_json_exports(book, tmp_path):
    out = tmp_path / "contacts.csv"
    book("export", str(out), "--entity", "contact", "--tag", "tricky")
    rows = list(csv.reader(open(out, encoding="utf-8-sig")))
    assert rows[0][:3] == ["id", "first_name", "last_name"] and len(rows) == 2
    assert rows[1][2] == "'@dmin" and rows[1][12] == "'" + EVIL
    assert book("export", str(tmp_path / "all.csv"), code=3).stderr.startswith("error: ")
    js = tmp_path / "all.json"
    book("export", str(js))
    data = json.loads(js.read_text())
    assert list(data) == ["companies", "contacts", "deals", "tickets", "followups", "activities", "stage_history"]
    eve = next(c for c in data["contacts"] if c["first_name"] == "Eve")
    assert eve["notes"] == EVIL and eve["emails"] == ["eve@example.com"]  # JSON is not a spreadsheet: as it is
    one = tmp_path / "deals.json"
    book("export", str(one), "--entity", "deal", "--status", "won")
    assert {d["stage"] for d in json.loads(one.read_text())} == {"won"}


def test_round_trip_keeps_data_and_relations(book, tmp_path):
    first = tmp_path / "first.xlsx"
    book("export", str(first))
    other = tmp_path / "other.db"
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(other), "init"]).exit_code == 0
    imported = runner.invoke(app, ["--db", str(other), "import", str(first), "--format", "json"])
    assert imported.exit_code == 0, imported.stderr
    summary = json.loads(imported.stdout)
    assert (summary["created"], summary["rejected"]) == (123, 0)
    second = tmp_path / "second.xlsx"
    assert runner.invoke(app, ["--db", str(other), "export", str(second)]).exit_code == 0
    a, b = load_workbook(first), load_workbook(second)
    for name in ["companies", "contacts", "deals", "tickets", "followups"]:  # the timeline is the new store's own
        rows_a, rows_b = list(a[name].values), list(b[name].values)
        assert [r[:-1] for r in rows_a] == [r[:-1] for r in rows_b], name
        if name == "contacts":  # a contact's id in our own export names a contact, never an external id
            assert [r[-1] for r in rows_b[1:]] == [None] * (len(rows_b) - 1), name
        else:  # external_id: where it came from
            assert [r[-1] for r in rows_b[1:]] == [str(r[0]) for r in rows_a[1:]], name
    again = runner.invoke(app, ["--db", str(other), "import", str(first), "--format", "json"])
    assert json.loads(again.stdout)["created"] == 0  # idempotent
    view = json.loads(runner.invoke(app, ["--db", str(other), "contact", "show", "eve@example.com",
                                          "--format", "json"]).stdout)
    assert view["notes"] == EVIL and view["last_name"] == "@dmin" and view["title"] == "-1+2"
    assert [d["title"] for d in view["deals"]] == ["+cmd|' /C calc'!A0"]
    assert [f["subject"] for f in view["followups"]] == ["@Sam call back"]


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_export(book, tmp_path):
    out = tmp_path / "all.xlsx"
    book("export", str(out), "--entity", "contact")
    subprocess.run([SOFFICE, "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    rows = list(csv.reader(open(tmp_path / "all.csv", encoding="utf-8", errors="replace")))
    assert rows[0][:3] == ["id", "first_name", "last_name"] and len(rows) == 52
    eve = next(r for r in rows if r[1] == "Eve")
    assert eve[12] == "'" + EVIL  # shown as text, not run


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice is not installed")
def test_import_a_workbook_written_by_libreoffice(crm, tmp_path):
    from openpyxl import Workbook

    src = tmp_path / "people.xlsx"
    wb = Workbook()
    wb.active.append(["First Name", "Last Name", "E-mail Address", "Mobile Phone"])
    wb.active.append(["Zoë", "Åström", "zoe@example.com", 7700900123])
    wb.save(src)
    (tmp_path / "lo").mkdir()
    subprocess.run([SOFFICE, "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(src)],
                   check=True, capture_output=True, timeout=180)
    assert crm.json("import", str(tmp_path / "lo" / "people.xlsx"))["created"] == 1
    assert views.contact("zoe@example.com")["name"] == "Zoë Åström"
