"""crm import on real files: xlsx from openpyxl, CSVs in each encoding, broken and hostile files."""
import csv
import hashlib
import json
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from db.services import contacts, imports
from db.services import views


def xlsx(path, rows, sheet="Sheet1", more=None):
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for name, extra in (more or {}).items():
        other = book.create_sheet(name)
        for row in extra:
            other.append(row)
    book.save(path)
    return path


def names():
    return sorted(c["name"] for c in contacts.list_().rows)


def test_other_tools_headers_and_values(tmp_path, crm):
    from datetime import datetime

    path = xlsx(tmp_path / "hubspot.xlsx", [
        ["Name", "E-mail Address", "Email 2", "Mobile Phone", "Company Name", "Job Title", "Lead Owner",
         "Subscription Date", "Favourite colour"],
        ["Ann Lee", "Ann@Example.com", "ann@home.example", 7700900123.0, "Harbour Bakery", "Owner", "jo",
         datetime(2024, 5, 1), "blue"],
        ["  Bob   Stone ", "bob@example.com", None, "+1 (415) 555-0100", "harbour bakery", None, None, None, None],
    ])
    out = crm.json("import", str(path))
    assert out == {"batch": 1, "created": 2, "updated": 0, "skipped": 0, "rejected": 0, "errors": []}
    ann = views.contact("ann@example.com")
    assert (ann["first_name"], ann["last_name"], ann["title"], ann["owner"]) == ("Ann", "Lee", "Owner", "jo")
    assert ann["emails"] == ["Ann@example.com", "ann@home.example"]
    assert ann["phones"] == ["+447700900123"]  # a number cell keeps its digits (GB region from config)
    assert ann["notes"] == "Subscription Date: 2024-05-01\nFavourite colour: blue"  # kept, not dropped
    bob = views.contact("bob@example.com")
    assert (bob["first_name"], bob["last_name"], bob["company_id"]) == ("Bob", "Stone", ann["company_id"])
    result = crm("import", str(path))
    assert "columns kept in notes: Subscription Date, Favourite colour" in result.stderr


def test_chinese_headers_and_names(tmp_path, crm):
    path = xlsx(tmp_path / "cn.xlsx", [["姓名", "手机", "邮箱", "公司", "职位", "城市", "备注"],
                                       ["张伟", "13912345678", "zw@example.cn", "明辉贸易", "经理", "上海", "老客户"]])
    crm("import", str(path), "--entity", "contact")
    c = views.contact("zw@example.cn")
    assert (c["name"], c["last_name"], c["first_name"], c["company"], c["title"]) == ("张伟", "张", "伟", "明辉贸易", "经理")
    assert c["notes"] == "老客户\n城市: 上海"
    assert crm.json("search", "张伟")[0]["title"] == "张伟"


@pytest.mark.parametrize("encoding,delimiter", [
    ("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1252", ";"), ("gb18030", ","), ("utf-16-le", ","),
])
def test_csv_encodings_and_delimiters(tmp_path, crm, encoding, delimiter):
    rows = [["First Name", "Last Name", "Email", "Phone"],
            ["Zoë", "Müller", "zoe@example.com", "07700 900123"],
            ["小明", "王", "xm@example.com", "+86 139 1234 5678"] if encoding != "cp1252"
            else ["José", "Peña", "xm@example.com", "+86 139 1234 5678"]]
    path = tmp_path / "people.csv"
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    assert crm.json("import", str(path))["created"] == 2
    assert views.contact("zoe@example.com")["name"] == "Zoë Müller"
    assert views.contact("xm@example.com")["first_name"] == rows[2][0]


def test_duplicates_merge_in_file_and_with_the_store(tmp_path, crm):
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com", "--title", "Owner")
    path = xlsx(tmp_path / "dups.xlsx", [
        ["First Name", "Last Name", "Email", "Phone", "Title", "Tags"],
        ["Ann", "Lee", "ANN@example.com", "07700 900123", "Chef", "vip"],    # matches the stored Ann by email
        ["Annie", None, "annie@work.example", "+44 7700 900123", None, "trade"],  # same phone, another email: another person
        ["Carl", "Ray", "carl@example.com", None, None, None],
        ["Carl", "Ray", "carl@example.com", None, "Boss", None],              # in-file duplicate
    ])
    out = crm.json("import", str(path))
    assert (out["created"], out["updated"], out["skipped"]) == (2, 2, 0)
    ann = views.contact(1)
    assert ann["emails"] == ["ann@example.com"]
    assert ann["title"] == "Owner"  # never overwritten without --overwrite
    assert ann["last_name"] == "Lee" and ann["tags"] == ["vip"]
    assert views.contact("carl@example.com")["title"] == "Boss"
    assert names() == ["Ann Lee", "Annie", "Carl Ray"]
    again = crm.json("import", str(path))  # idempotent
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 4)
    crm.json("import", str(path), "--overwrite")
    assert views.contact(1)["title"] == "Chef"


def test_on_duplicate_skip_and_create_and_match(tmp_path, crm):
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com")
    path = xlsx(tmp_path / "d.xlsx", [["First Name", "Email", "Title"], ["Ann", "ann@example.com", "Chef"]])
    assert crm.json("import", str(path), "--on-duplicate", "skip")["skipped"] == 1
    assert views.contact(1)["title"] is None
    assert crm.json("import", str(path), "--match", "phone")["created"] == 1  # emails no longer match
    assert crm.json("import", str(path), "--on-duplicate", "create")["created"] == 1
    assert len(names()) == 3
    assert crm("import", str(path), "--match", "shoe", code=1).stderr == \
        "error: match: 'shoe' is not one of: email, phone, external_id, name\n"


def test_rows_without_email_or_phone_match_by_name_on_reimport(tmp_path, crm):
    path = xlsx(tmp_path / "n.xlsx", [["First Name", "Last Name", "Company"], ["Dee", "Ode", "Acme"], ["Eve", "Ray", None]])
    assert crm.json("import", str(path))["created"] == 2
    assert crm.json("import", str(path))["created"] == 0


def test_bad_rows_are_rejected_with_their_place_and_good_ones_land(tmp_path, crm):
    path = xlsx(tmp_path / "bad.xlsx", [
        ["First Name", "Email", "Phone", "Stage"],
        ["Ann", "ann@example.com", None, "Customer"],
        ["Bob", "bob@", None, None],
        ["Cy", "cy@example.com", "call me", None],
        [None, None, "07700 900123", None],
        ["Di", "di@example.com", None, "hot lead"],
    ], sheet="People")
    result = crm("import", str(path), "--errors", str(tmp_path / "errors.xlsx"))
    assert result.stderr.splitlines()[:4] == [
        "note: sheet 'People', row 4, column 'Phone': kept, but 'call me' is not a phone number (it is in the contact's notes)",
        f"rejected: {path}: sheet 'People', row 3, column 'Email': 'bob@' is not a valid email address",
        f"rejected: {path}: sheet 'People', row 5: no name and no email: nothing to call this contact",
        f"rejected: {path}: sheet 'People', row 6, column 'Stage': 'hot lead' is not one of: lead, prospect, customer, former",
    ]
    assert names() == ["Ann", "Cy"] and views.contact("ann@example.com")["stage"] == "customer"
    assert views.contact("cy@example.com")["notes"] == "Phone: call me"
    fix = load_workbook(tmp_path / "errors.xlsx")["People"]
    rows = list(fix.values)
    assert rows[0] == ("First Name", "Email", "Phone", "Stage", "error")
    assert rows[1] == ("Bob", "bob@", None, None, "row 3, Email: 'bob@' is not a valid email address")
    assert len(rows) == 5
    out = crm.json("import", str(path))
    assert out["errors"][0] == {"sheet": "People", "row": 3, "column": "Email", "reason": "'bob@' is not a valid email address"}


def test_dry_run_changes_nothing(tmp_path, crm):
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com")
    path = xlsx(tmp_path / "x.xlsx", [["Name", "Email"], ["Ann Lee", "ann@example.com"], ["Bob", "bob@example.com"]])
    before = hashlib.sha256(json.dumps(crm.json("contact", "list"), sort_keys=True).encode()).hexdigest()
    out = crm.json("import", str(path), "--dry-run")
    assert (out["batch"], out["created"], out["updated"]) == (None, 1, 1)
    assert hashlib.sha256(json.dumps(crm.json("contact", "list"), sort_keys=True).encode()).hexdigest() == before
    assert crm.json("import", "list") == []


def test_revert_undoes_a_batch_but_not_later_edits(tmp_path, crm):
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com")
    path = xlsx(tmp_path / "r.xlsx", [["Name", "Email", "Title", "Company"],
                                      ["Ann Lee", "ann@example.com", "Owner", None],
                                      ["Bob Ray", "bob@example.com", None, "Acme"],
                                      ["Cy Po", "cy@example.com", None, None]])
    crm("import", str(path))
    crm("contact", "edit", "cy@example.com", "--title", "Changed later")
    batches = crm.json("import", "list")
    assert [(b["batch"], b["created"], b["updated"]) for b in batches] == [(1, 2, 1)]  # Bob, Cy; Ann
    out = crm.json("import", "revert", "1")
    # Acme (made for Bob), Bob and Ann's update are undone; Cy was edited since, so stays
    assert out == {"batch": 1, "reverted": 3, "left": [{"type": "contact", "id": 3, "reason": "edited since the import"}]}
    ann = views.contact(1)
    assert (ann["last_name"], ann["title"]) == ("", None)
    assert names() == ["Ann", "Cy Po"]
    assert crm("import", "revert", "1", code=1).stderr.startswith("error: batch: import batch 1 was already reverted")
    assert crm("import", "revert", "9", code=1).stderr == "error: import batch 9 not found\n"


def test_unreadable_files_exit_3_with_one_line_and_write_nothing(tmp_path, crm):
    corrupt = tmp_path / "corrupt.xlsx"
    good = xlsx(tmp_path / "good.xlsx", [["Name", "Email"], ["A", "a@example.com"]])
    corrupt.write_bytes(good.read_bytes()[:300])
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_text("Name,Email\nA,a@example.com\n")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 20)
    encrypted = tmp_path / "locked.xlsx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' + body)
            dst.writestr(item, data)
    cases = {
        corrupt: "corrupt or truncated workbook (bad zip data)",
        renamed: "not a valid .xlsx file (it is not a zip archive)",
        binary: "a binary file, not a spreadsheet or CSV",
        encrypted: "an encrypted workbook or an old .xls file; save it as an unprotected .xlsx or .csv",
        bomb: "xl/worksheets/sheet1.xml declares XML entities; refusing a likely XML bomb",
        tmp_path / "missing.xlsx": "no such file",
    }
    for path, reason in cases.items():
        result = crm("import", str(path), code=3)
        assert result.stderr == f"error: {path}: {reason}\n"
    assert names() == [] and crm.json("import", "list") == []


def test_empty_and_header_only_sheets(tmp_path, crm):
    path = xlsx(tmp_path / "e.xlsx", [], sheet="Empty", more={"Headers": [["Name", "Email"]]})
    result = crm("import", str(path), code=1)  # nothing to import is no success a script should count on
    assert result.stderr.endswith(f"error: {path}: sheets 'Empty', 'Headers': no rows to import\n"), result.stderr
    assert [b["status"] for b in crm.json("import", "list")] == ["failed"]


def test_long_cells_formulas_and_merged_cells(tmp_path, crm):
    path = tmp_path / "odd.xlsx"
    book = Workbook()
    ws = book.active
    ws.append(["Name", "Email", "Notes", "Company"])
    ws.append(["Ann", "ann@example.com", "x" * 2000, "Merged Co"])
    ws.append(["Bob", "bob@example.com", "=1+1", None])
    ws.merge_cells("D2:D3")
    book.save(path)
    crm("import", str(path))
    assert views.contact("ann@example.com")["notes"] == "x" * 2000
    bob = views.contact("bob@example.com")
    assert bob["notes"] is None  # a formula is never evaluated, and openpyxl stored no cached value
    assert bob["company"] is None and views.contact("ann@example.com")["company"] == "Merged Co"


def test_mapping_file_and_save_mapping(tmp_path, crm):
    path = xlsx(tmp_path / "m.xlsx", [["Nom", "Courriel", "Ignore me"], ["Ann", "ann@example.com", "secret"]])
    mapping = tmp_path / "map.toml"
    mapping.write_text('entity = "contact"\n[columns]\nNom = "first_name"\nCourriel = "email"\n"Ignore me" = "ignore"\n')
    crm("import", str(path), "--mapping", str(mapping), "--save-mapping", str(tmp_path / "used.json"))
    assert views.contact("ann@example.com")["notes"] is None
    assert json.loads((tmp_path / "used.json").read_text()) == {
        "entity": "contact", "columns": {"Nom": "first_name", "Courriel": "email", "Ignore me": "ignore"}}
    mapping.write_text('entity = "contact"\n[columns]\nNom = "shoe_size"\n')
    assert crm("import", str(path), "--mapping", str(mapping), code=3).stderr.startswith(
        "error: mapping: 'Nom' -> 'shoe_size': unknown contact field")


def test_deals_tickets_followups_from_other_tools(tmp_path, crm):
    crm("contact", "add", "--first-name", "Ann", "--last-name", "Lee", "--email", "ann@example.com")
    deals = xlsx(tmp_path / "deals.xlsx", [["Deal Name", "Contact", "Deal Stage", "Amount", "Close Date"],
                                           ["Website", "Ann Lee", "Closed Won", "$12,500.50", 46000],
                                           ["Logo", "ann@example.com", "proposal", "€900", "2026-12-24"],
                                           ["Ghost", "Nobody Here", "lead", "1", None]])
    out = crm.json("import", str(deals), "--entity", "deals")
    assert (out["created"], out["rejected"]) == (2, 1)
    assert out["errors"] == [{"sheet": "Sheet1", "row": 4, "column": "Contact", "reason": "no contact named 'Nobody Here'"}]
    rows = crm.json("deal", "list", "--status", "won")
    assert [(d["title"], d["amount"], d["currency"], d["expected_close"]) for d in rows] == \
        [("Website", "12500.50", "USD", "2025-12-09")]  # Excel serial 46000
    logo = crm.json("deal", "list", "--stage", "proposal")[0]
    assert (logo["amount"], logo["currency"], logo["contact"]) == ("900.00", "EUR", "Ann Lee")
    tasks = xlsx(tmp_path / "tasks.csv.xlsx", [["Task", "Due Date", "Contact", "Priority"],
                                               ["Call back", "2026-12-01 09:30", "ann@example.com", "High"]])
    assert crm.json("import", str(tasks))["created"] == 1
    f = crm.json("followup", "list")[0]
    assert (f["subject"], f["due"], f["priority"], f["contact_id"]) == ("Call back", "2026-12-01T09:30", "high", 1)
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("Subject,Description,Requester,Priority,Status\nPrinter jam,Tray 2,ann@example.com,Urgent,Open\n")
    assert crm.json("import", str(tickets), "--entity", "ticket")["created"] == 1
    assert crm.json("ticket", "list")[0]["priority"] == "urgent"
    assert crm.json("import", str(tickets), "--entity", "ticket")["created"] == 0  # re-import: matched


def test_batches_are_listed(tmp_path, crm):
    path = xlsx(tmp_path / "l.xlsx", [["Name", "Email"], ["A", "a@example.com"]])
    crm("import", str(path))
    [batch] = crm.json("import", "list")
    assert (batch["batch"], batch["file"], batch["entity"], batch["created"]) == (1, str(path), "contact", 1)
    assert imports.list_batches()[0]["sheet"] == "Sheet1"


def test_killed_import_leaves_a_consistent_store_and_a_rerun_completes_it(tmp_path, crm_store):
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from openpyxl import Workbook

    import random

    from importers import checker

    path = tmp_path / "big.xlsx"
    book = Workbook(write_only=True)
    ws = book.create_sheet("Contacts")
    ws.append(["First Name", "Last Name", "Email", "Phone", "Notes"])
    rnd = random.Random(1)
    for i in range(12000):  # notes that do not compress: big enough for the second-process checker
        ws.append([f"P{i}", "Test", f"p{i}@example.com", f"+1 415 {i // 10000:03d} {i % 10000:04d}",
                   "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(260))])
    book.save(path)
    assert path.stat().st_size > checker.BIG

    def checkers_left():
        """Processes still working on this file (a forked checker has its parent's command line)."""
        left = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if str(path).encode() in fh.read():
                        left.append(pid)
            except OSError:
                pass
        return left

    def count(sql):
        con = sqlite3.connect(crm_store)  # fresh each time: a held connection reads an old snapshot
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()

    proc = subprocess.Popen([sys.executable, "-m", "cli", "--db", str(crm_store), "import", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if count("SELECT count(*) FROM contact") > 0:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(50):  # the checker notices its parent is gone and leaves
        if not checkers_left():
            break
        time.sleep(0.1)
    assert checkers_left() == []
    partial = count("SELECT count(*) FROM contact")
    assert 0 < partial < 12000 and partial % 2000 == 0  # whole chunks only
    check = subprocess.run([sys.executable, "-m", "cli", "--db", str(crm_store), "db", "check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    rerun = subprocess.run([sys.executable, "-m", "cli", "--db", str(crm_store), "import", str(path), "--format", "json"],
                           capture_output=True, text=True)
    summary = json.loads(rerun.stdout)
    assert (summary["created"], summary["skipped"]) == (12000 - partial, partial)
    assert count("SELECT count(*) FROM contact") == 12000
    assert count("SELECT count(DISTINCT email_key) FROM contact_email") == 12000


def test_a_second_process_checks_big_files_with_the_same_outcome(tmp_path, crm, monkeypatch):
    from importers import checker

    rows = [["First Name", "Email", "Phone", "Tags"]]
    rows += [[f"P{i}", f"p{i}@example.com" if i % 7 else "broken@", f"07700 9{i:05d}", "vip; trade"]
             for i in range(4500)]
    rows += [["P1 again", "p1@example.com", "07700 999999", "new"]]  # a duplicate, merged
    path = xlsx(tmp_path / "many.xlsx", rows, sheet="People")
    in_process = crm.json("import", str(path), "--dry-run")
    used = []
    monkeypatch.setattr(checker, "BIG", 0)
    monkeypatch.setattr(checker.threading, "active_count", lambda: 1)  # other tests may have left threads
    real = checker.in_worker
    monkeypatch.setattr(checker, "in_worker", lambda *a: used.append(1) or real(*a))
    forked = crm.json("import", str(path))
    assert used and forked["errors"] == in_process["errors"] and len(forked["errors"]) == 643
    assert (forked["created"], forked["updated"], forked["rejected"]) == (3857, 1, 643)
    assert views.contact("p1@example.com")["phones"] == ["+447700900001", "+447700999999"]
    assert views.contact("p1@example.com")["tags"] == ["new", "trade", "vip"]


def test_a_failure_in_the_checker_process_is_one_line_and_exit_3(tmp_path, crm, monkeypatch):
    from importers import checker

    path = tmp_path / "broken.csv"
    path.write_text("Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(3000)) + "X," + "y" * 200_000 + "\n")
    monkeypatch.setattr(checker, "BIG", 0)
    monkeypatch.setattr(checker.threading, "active_count", lambda: 1)
    result = crm("import", str(path), code=3)
    assert result.stderr.strip().splitlines()[-1] == f"error: {path}: line 3002: field larger than field limit (131072)"
    assert contacts.list_().total == 0  # the chunk before the bad line was taken back out


def test_cells_beyond_the_header_row_are_kept_in_notes(tmp_path, crm):
    path = xlsx(tmp_path / "wide.xlsx", [["Name", "Email"], ["Ann Lee", "ann@example.com", "left of nowhere"]])
    crm("import", str(path))
    assert views.contact("ann@example.com")["notes"] == "column 3: left of nowhere"


def test_remembered_phone_shapes_agree_with_a_full_parse():
    """validate.phone parses a national number once per (region, leading digits,
    length) and reuses the shape: it must give what a full parse gives."""
    import random

    from db import validate

    rnd = random.Random(5)
    for region in ("GB", "US", "FR", "DE", "CN", "AR", "BR", "IN", "JP", "AU", "MX", "KR"):
        prefixes = ["".join(rnd.choice("0123456789") for _ in range(6)) for _ in range(40)]
        for _ in range(600):
            digits = rnd.choice(prefixes) + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 7)))
            typed = rnd.choice([digits, f"{digits[:3]} {digits[3:]}", f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"])
            assert validate.phone(typed, region)[1] == validate._parse(typed, digits, region), (region, typed)
    assert validate.phone("07700 900123", "GB") == ("07700 900123", "+447700900123")
    assert validate.phone("07700 900124", "GB") == ("07700 900124", "+447700900124")  # from the shape


def test_the_terminal_progress_bar_runs_no_thread(monkeypatch):
    """A thread would rule out the forked row checker (see importers/checker.py)."""
    import sys
    import threading

    from cli.transfer import _progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    before = threading.active_count()
    bar, update = _progress()
    bar.start()
    try:
        update("Contacts", 2000, 10000)
        assert threading.active_count() == before
    finally:
        bar.stop()
