"""The CLI contract: exact JSON shapes, all three formats, exit codes, one-line errors."""
import csv
import io

import pytest

CONTACT_KEYS = ["id", "first_name", "last_name", "name", "email", "emails", "phone", "phones", "company",
                "company_id", "title", "stage", "tags", "do_not_contact", "owner", "created_at", "updated_at",
                "email_labels", "phone_labels", "birthday", "address", "external_id", "version", "updated_by"]
FOLLOWUP_KEYS = ["id", "subject", "due", "status", "priority", "contact_id", "company_id", "deal_id",
                 "ticket_id", "every", "snoozed_until", "owner", "version", "updated_by"]


def add_ann(crm, *extra):
    return crm.json("contact", "add", "--first-name", "Ann", "--last-name", "Lee", "--email", "ann@example.com",
                    "--email", "a.lee@home.example", "--phone", "07700 900123", "--company", "Harbour Bakery",
                    "--title", "Owner", "--tag", "vip", "--tag", "newsletter", "--stage", "prospect", *extra)


def test_contact_add_prints_the_record_in_the_stable_shape(crm):
    c = add_ann(crm)
    assert list(c) == CONTACT_KEYS
    assert {k: c[k] for k in CONTACT_KEYS if not k.endswith("_at")} == {
        "id": 1, "first_name": "Ann", "last_name": "Lee", "name": "Ann Lee", "email": "ann@example.com",
        "emails": ["ann@example.com", "a.lee@home.example"], "phone": "+447700900123", "phones": ["+447700900123"],
        "company": "Harbour Bakery", "company_id": 1, "title": "Owner", "stage": "prospect",
        "tags": ["newsletter", "vip"], "do_not_contact": False, "owner": "sam",
        "email_labels": [None, None], "phone_labels": [None], "birthday": None, "address": None, "external_id": None,
        "version": 1, "updated_by": "sam"}
    assert c["created_at"].endswith("Z")


def test_list_json_is_one_array_and_csv_has_a_header(crm):
    add_ann(crm)
    crm("contact", "add", "--first-name", "Bo", "--email", "bo@example.com")
    rows = crm.json("contact", "list")
    assert [r["name"] for r in rows] == ["Bo", "Ann Lee"]  # by last name, blank first
    assert all(list(r) == CONTACT_KEYS for r in rows)
    out = crm("contact", "list", "--format", "csv").stdout
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == CONTACT_KEYS
    assert table[2][CONTACT_KEYS.index("emails")] == "ann@example.com; a.lee@home.example"
    assert table[2][CONTACT_KEYS.index("tags")] == "newsletter; vip"


def test_table_output_and_the_more_line(crm):
    for n in range(3):
        crm("contact", "add", "--first-name", f"P{n}", "--email", f"p{n}@example.com")
    result = crm("contact", "list", "--limit", "2")
    assert "P0" in result.stdout and "P1" in result.stdout and "P2" not in result.stdout
    assert result.stderr == "1 more not shown; use --limit 0 to see all\n"
    assert len(crm.json("contact", "list", "--limit", "2")) == 2
    assert crm("contact", "list", "--limit", "0").stderr == ""


@pytest.mark.parametrize("args,code,line", [
    (["contact", "show", "99"], 1, "error: contact 99 not found"),
    (["contact", "show", "nobody@example.com"], 1, "error: contact with email nobody@example.com not found"),
    (["contact", "add", "--email", "not-an-email"], 1, "error: email: 'not-an-email' is not a valid email address"),
    (["contact", "add", "--first-name", "X", "--stage", "hot"], 1,
     "error: stage: 'hot' is not one of: lead, prospect, customer, former"),
    (["deal", "add", "Big", "--amount", "lots"], 1, "error: amount: 'lots' is not an amount"),
    (["ticket", "status", "7", "closed"], 1, "error: ticket 7 not found"),
    (["followup", "add", "Call", "--due", "someday"], 1,
     "error: due: 'someday' is not a date I understand (try 2026-11-24, 24 Nov, tomorrow 9:30, +3d)"),
])
def test_domain_errors_are_one_line_and_exit_1(crm, args, code, line):
    result = crm(*args, code=code)
    assert result.stderr == line + "\n"
    assert result.stdout == ""


def test_duplicate_contact_is_refused_unless_allowed(crm):
    add_ann(crm)
    result = crm("contact", "add", "--first-name", "Other", "--email", "ANN@example.com", code=1)
    assert result.stderr == "error: email ANN@example.com already belongs to contact 1 (Ann Lee)\n"
    result = crm("contact", "add", "--first-name", "Other", "--phone", "+44 7700 900123", code=1)
    assert result.stderr == "error: phone +44 7700 900123 already belongs to contact 1 (Ann Lee)\n"
    ok = crm.json("contact", "add", "--first-name", "Other", "--email", "ann@example.com", "--allow-duplicate")
    assert ok["id"] == 2


def test_usage_errors_exit_2(crm):
    assert crm("contact", "lst", code=2).stdout == ""
    assert "No such command 'lst'" in crm("contact", "lst", code=2).stderr
    assert crm("contact", "list", "--format", "xml", code=2).stdout == ""
    assert "choose one of --overdue" in crm("followup", "list", "--overdue", "--today", code=2).stderr


def test_store_errors_exit_3(crm, tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["--db", str(tmp_path), "contact", "list"])
    assert (result.exit_code, result.stderr) == (3, f"error: {tmp_path}: is a directory, not a database file\n")
    bogus = tmp_path / "x.db"
    bogus.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(app, ["--db", str(bogus), "contact", "list"])
    assert (result.exit_code, result.stderr) == (3, f"error: {bogus}: file is not a database\n")


def test_contact_show_edit_delete_restore_merge(crm):
    add_ann(crm)
    crm("contact", "add", "--first-name", "Annie", "--email", "annie@example.com", "--phone", "+1 415 555 0100")
    edited = crm.json("contact", "edit", "ann@example.com", "--title", "Director", "--add-email", "ann@work.example",
                      "--untag", "vip")
    assert (edited["title"], edited["tags"], edited["emails"][-1]) == ("Director", ["newsletter"], "ann@work.example")
    merged = crm.json("contact", "merge", "1", "annie@example.com")
    assert merged["emails"] == ["ann@example.com", "a.lee@home.example", "ann@work.example", "annie@example.com"]
    view = crm.json("contact", "show", "1")
    assert set(view) >= {"deals", "tickets", "followups", "timeline", "company_detail"}
    text = crm("contact", "show", "1").stdout
    for heading in ("Open deals", "Open tickets", "Follow-ups", "Timeline"):
        assert heading in text
    crm("contact", "delete", "1")
    crm("contact", "show", "1", code=1)
    trash = crm.json("trash", "list")
    assert sorted((t["type"], t["id"]) for t in trash) == [("contact", 1), ("contact", 2)]
    assert crm.json("contact", "restore", "1")["id"] == 1


def test_company_commands(crm):
    co = crm.json("company", "add", "Atlas Plumbing", "--domain", "atlas.example", "--city", "Denver", "--tag", "trade")
    assert list(co) == ["id", "name", "domain", "industry", "phone", "email", "address", "city", "country", "notes",
                        "owner", "tags", "contacts", "created_at", "updated_at", "version", "updated_by"]
    assert crm("company", "add", "atlas plumbing", code=1).stderr == \
        "error: company 1 is already named 'Atlas Plumbing'\n"
    assert crm.json("company", "edit", "Atlas Plumbing", "--city", "Boulder")["city"] == "Boulder"
    assert [c["name"] for c in crm.json("company", "list", "--tag", "trade")] == ["Atlas Plumbing"]
    assert "Boulder" in crm("company", "show", "1").stdout
    crm("company", "delete", "1")
    assert crm.json("company", "list") == []
    crm("company", "restore", "1")
    assert crm("company", "list", "--format", "csv").stdout.splitlines()[1].startswith("1,Atlas Plumbing,")


def test_deal_commands(crm):
    add_ann(crm)
    d = crm.json("deal", "add", "Website", "--contact", "ann@example.com", "--amount", "4,800", "--close", "2026-12-31")
    assert list(d) == ["id", "title", "contact_id", "contact", "company_id", "company", "amount", "amount_minor",
                       "currency", "stage", "probability", "status", "expected_close", "owner", "lost_reason",
                       "closed_at", "created_at", "updated_at", "version", "updated_by"]
    assert (d["amount"], d["currency"], d["stage"], d["expected_close"]) == ("4800.00", "GBP", "lead", "2026-12-31")
    assert crm.json("deal", "move", "1", "negotiation")["probability"] == 75
    assert crm.json("deal", "edit", "1", "--amount", "5000")["amount"] == "5000.00"
    assert [h["stage"] for h in crm.json("deal", "show", "1")["history"]] == ["lead", "negotiation"]
    assert crm.json("deal", "won", "1")["status"] == "won"
    crm.json("deal", "add", "Menu boards", "--amount", "300", "--stage", "proposal")
    assert crm.json("deal", "lost", "2", "--reason", "budget")["lost_reason"] == "budget"
    assert [r["title"] for r in crm.json("deal", "list", "--status", "won")] == ["Website"]
    assert crm.json("report", "pipeline") == [
        {"stage": "won", "currency": "GBP", "count": 1, "total": "5000.00", "weighted": "5000.00"},
        {"stage": "lost", "currency": "GBP", "count": 1, "total": "300.00", "weighted": "0.00"}]
    assert crm("report", "pipeline", "--format", "csv").stdout.splitlines()[0] == "stage,currency,count,total,weighted"
    crm("deal", "delete", "2")
    assert crm.json("deal", "restore", "2")["id"] == 2


def test_followup_commands(crm, clock):
    clock(2026, 11, 23, 10, 0)
    add_ann(crm)
    f = crm.json("followup", "add", "Call about quote", "--contact", "ann@example.com", "--due", "2026-11-23 09:00",
                 "--every", "1w", "--priority", "high")
    assert list(f) == FOLLOWUP_KEYS
    assert (f["due"], f["every"], f["priority"], f["contact_id"]) == ("2026-11-23T09:00", "1w", "high", 1)
    crm.json("followup", "add", "Send card", "--contact", "1", "--due", "2026-11-25")
    assert [x["id"] for x in crm.json("followup", "list", "--overdue")] == [1]
    assert [x["id"] for x in crm.json("followup", "list", "--today")] == [1]
    assert [x["id"] for x in crm.json("followup", "list", "--week")] == [1, 2]
    assert crm.json("report", "followups") == {"overdue": 1, "today": 1, "week": 2}
    done = crm.json("followup", "done", "1")
    assert done["status"] == "done" and done["next"]["due"] == "2026-11-30T09:00"
    snoozed = crm.json("followup", "snooze", "2", "--for", "1d")
    assert snoozed["snoozed_until"] == "2026-11-24T10:00"
    assert crm("followup", "snooze", "2", code=1).stderr == \
        "error: snooze: give either a duration (2h, 1d, 1w) or an until time\n"
    crm("followup", "delete", "2")
    assert [x["id"] for x in crm.json("followup", "list")] == [3]


def test_ticket_and_note_commands(crm):
    add_ann(crm)
    t = crm.json("ticket", "add", "Oven broken", "--contact", "1", "--priority", "urgent", "--channel", "phone")
    assert list(t) == ["id", "subject", "description", "contact_id", "contact", "company_id", "company", "status",
                       "priority", "channel", "assignee", "response_due", "resolution_due", "overdue",
                       "resolved_at", "closed_at", "created_at", "updated_at", "first_response_at", "sla",
                       "breached", "version", "updated_by"]
    assert crm.json("ticket", "comment", "1", "On my way")["kind"] == "comment"
    assert crm.json("ticket", "assign", "1", "jo")["assignee"] == "jo"
    assert crm.json("ticket", "edit", "1", "--priority", "high")["priority"] == "high"
    assert crm.json("ticket", "status", "1", "resolved")["status"] == "resolved"
    assert crm.json("ticket", "list") == []
    assert [x["id"] for x in crm.json("ticket", "list", "--status", "resolved")] == [1]
    report = crm.json("report", "tickets")
    assert report["open"] == 0 and report["oldest_open"] is None
    note = crm.json("note", "add", "Called back", "--ticket", "1", "--kind", "call")
    assert (note["kind"], note["ticket_id"], note["contact_id"]) == ("call", 1, 1)
    assert crm("note", "add", "x", code=1).stderr.startswith("error: record: say which record")
    crm("ticket", "delete", "1")
    crm("ticket", "show", "1", code=1)
    crm("ticket", "restore", "1")


def test_search_json(crm):
    crm("contact", "add", "--first-name", "小明", "--last-name", "王", "--email", "xm@example.cn")
    assert crm.json("search", "小明") == [
        {"type": "contact", "id": 1, "title": "王小明", "detail": "xm@example.cn"}]
    assert crm.json("search", "nothing-like-this") == []


def test_db_commands(crm, tmp_path):
    assert crm("db", "path").stdout == f"{crm.db_path.resolve()}\n"
    out = tmp_path / "b.db"
    assert crm("db", "backup", str(out)).stdout == f"{out}\n"
    assert out.exists()
    assert crm("db", "backup", str(out), code=3).stderr == f"error: {out}: already exists; choose a new file name\n"
    assert crm("db", "check").stderr.startswith("ok: ")
    assert "0002_search" in crm("db", "migrate").stderr


def test_db_check_fails_on_a_broken_reference(crm):
    import sqlite3

    crm("contact", "add", "--first-name", "A", "--email", "a@example.com")
    con = sqlite3.connect(crm.db_path)
    con.execute("PRAGMA foreign_keys=0")
    con.execute("UPDATE contact_email SET contact_id = 42")
    con.commit()
    con.close()
    result = crm("db", "check", code=3)
    assert result.stderr.splitlines()[0] == "contact_email row 1: points to a missing contact"


def test_init_demo_and_dashboard(crm):
    result = crm("init", "--demo")
    assert "demo data: 15 companies, 50 contacts" in result.stderr
    assert "skipped" in crm("init", "--demo").stderr
    assert len(crm.json("contact", "list")) == 50
    stages = {d["stage"] for d in crm.json("deal", "list")}
    assert stages == {"lead", "qualified", "proposal", "negotiation", "won", "lost"}
    assert {t["status"] for t in crm.json("ticket", "list", "--status", "all")} >= {"new", "open", "pending", "closed"}
    assert crm.json("followup", "list", "--overdue")
    summary = crm().stdout
    assert "50 contacts" in summary and "overdue" in summary


def test_version(crm):
    assert crm("--version").stdout.startswith("crm ")
