"""iCalendar to-dos in and out: crm import tasks.ics, crm export followups.ics, todoman reading what we write."""
import json
import os
import shutil
import stat
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from db import store
from db.services import contacts, followups
from importers import ical

FIXTURE = Path(__file__).parent / "fixtures" / "ical" / "tasks.ics"


def ics(path, *todos, head="", extra=""):
    """A calendar file of VTODO bodies (property lines), CRLF as the RFC writes it."""
    body = "".join(f"BEGIN:VTODO\r\n{t.strip()}\r\nEND:VTODO\r\n" for t in todos)
    path.write_text(f"{head}BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}{extra}END:VCALENDAR\r\n",
                    encoding="utf-8", newline="")
    return path


def todo(uid, summary="Call back", due="DUE:20261203T100000Z", more=""):
    return f"UID:{uid}\r\nSUMMARY:{summary}\r\n{due}\r\n{more}".strip()


def all_followups():
    return {f["subject"]: f for f in followups.list_(status="all").rows}


def notes_of(subject):
    from db.models import FollowUp

    return FollowUp.get(FollowUp.subject == subject).notes


def test_sample_file_imports_every_todo_with_its_fields(crm):
    lukasz = contacts.create({"first_name": "Łukasz", "last_name": "Żółkiewski"},
                             emails=["lukasz.zolkiewski@zabka.example.com"])
    soren = contacts.create({"first_name": "Søren"}, emails=["soren@norrebro.example.com"])
    out = crm.json("import", str(FIXTURE))
    assert out == {"batch": 1, "created": 6, "updated": 0, "skipped": 0, "rejected": 0, "errors": []}
    got = all_followups()
    # Europe/London is the owner's timezone (tests/conftest.py): Warsaw 10:00 is 09:00 there
    assert {s: (f["due"], f["priority"], f["status"], f["every"], f["contact_id"]) for s, f in got.items()} == {
        "Zadzwonić do Łukasza w sprawie umowy ramowej": ("2026-12-03T09:00", "urgent", "open", None, lukasz["id"]),
        "Wyślij ofertę do İstanbul Lojistik": ("2026-12-10", "normal", "open", None, None),
        "Weekly check-in with Nørrebro Bryghus": ("2026-12-07T08:30", "high", "open", "1w", soren["id"]),
        "Monthly invoice reminder — 北京星河贸易": ("2026-12-15T17:00", "low", "open", "1m", None),
        "Submit Quebec Income Tax Return for 2006": ("2007-05-01", "normal", "done", None, None),
        "Follow up with Jürgen (UTC due, no priority)": ("2026-11-30T15:00", "normal", "open", None, None),
    }
    assert notes_of("Zadzwonić do Łukasza w sprawie umowy ramowej") == (
        "Omówić rabat 5 %, termin dostaw i kary umowne.\n"
        "Organizer: Ola Nowak <ola.nowak@crm.example.com>\nCategories: Dostawcy, Umowy")
    assert notes_of("Wyślij ofertę do İstanbul Lojistik") == (
        "Attendee: Ayşe Yılmaz <ayse.yilmaz@istanbul-lojistik.example.com>\nPercent complete: 40")
    assert notes_of("Weekly check-in with Nørrebro Bryghus") == "RRULE: FREQ=WEEKLY;COUNT=6;BYDAY=MO"
    assert notes_of("Follow up with Jürgen (UTC due, no priority)") == (
        "RRULE: FREQ=DAILY;UNTIL=20261231T000000Z;INTERVAL=2;BYHOUR=9")
    result = crm("import", str(FIXTURE))  # the same file again: matched on UID, nothing doubled
    assert "0 created, 0 updated, 6 skipped, 0 rejected" in result.stderr
    assert len(all_followups()) == 6
    assert ("note: to-do 6: RRULE FREQ=DAILY;UNTIL=20261231T000000Z;INTERVAL=2;BYHOUR=9 is not a recurrence "
            "crm can repeat; kept in notes") in result.stderr
    assert "note: to-do 3: repeats every 1w until cancelled" in result.stderr


def test_due_becomes_the_owners_wall_clock(tmp_path, crm, set_config):
    set_config('timezone = "America/New_York"\nowner = "sam"\n')
    path = ics(tmp_path / "t.ics",
               todo("a", "Warsaw", "DUE;TZID=Europe/Warsaw:20260703T100000"),  # summer: UTC+2 -> New York UTC-4
               todo("b", "UTC", "DUE:20261130T150000Z"),
               todo("c", "Floating", "DUE:20261215T170000"),
               todo("d", "A day", "DUE;VALUE=DATE:20261210"),
               todo("e", "Start and duration", "DTSTART;VALUE=DATE:20261201\r\nDURATION:P2D"),
               todo("f", "Midnight", "DUE:20261201T000000"))
    crm("import", str(path))
    assert {s: f["due"] for s, f in all_followups().items()} == {
        "Warsaw": "2026-07-03T04:00", "UTC": "2026-11-30T10:00", "Floating": "2026-12-15T17:00",
        "A day": "2026-12-10", "Start and duration": "2026-12-03", "Midnight": "2026-12-01T00:00"}


@pytest.mark.parametrize("line, ours", [
    ("", "normal"), ("PRIORITY:0", "normal"), ("PRIORITY:1", "urgent"), ("PRIORITY:2", "high"),
    ("PRIORITY:4", "high"), ("PRIORITY:5", "normal"), ("PRIORITY:6", "low"), ("PRIORITY:9", "low"),
])
def test_priority(tmp_path, crm, line, ours):
    crm("import", str(ics(tmp_path / "p.ics", todo("p", more=line))))
    assert all_followups()["Call back"]["priority"] == ours


@pytest.mark.parametrize("due, rule, every", [
    ("DUE:20261203T100000Z", "FREQ=DAILY", "1d"),
    ("DUE:20261203T100000Z", "FREQ=DAILY;INTERVAL=3", "3d"),
    ("DUE;VALUE=DATE:20261207", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=MO", "2w"),  # the 7th is a Monday
    ("DUE;VALUE=DATE:20261215", "FREQ=MONTHLY;BYMONTHDAY=15", "1m"),
    ("DUE;VALUE=DATE:20261215", "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", "1y"),
    ("DUE;VALUE=DATE:20261207", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "weekdays"),
    ("DUE;VALUE=DATE:20261207", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "weekdays"),
    ("DUE;VALUE=DATE:20261208", "FREQ=WEEKLY;BYDAY=MO", None),  # a Tuesday: not its own weekday
    ("DUE;VALUE=DATE:20261207", "FREQ=WEEKLY;BYDAY=MO,TH", None),
    ("DUE;VALUE=DATE:20261207", "FREQ=MONTHLY;BYDAY=1MO", None),
    ("DUE;VALUE=DATE:20261207", "FREQ=HOURLY", None),
    ("DUE;VALUE=DATE:20261207", "FREQ=DAILY;INTERVAL=99999999", None),  # no step that long
])
def test_rrule_to_every(tmp_path, crm, due, rule, every):
    result = crm("import", str(ics(tmp_path / "r.ics", todo("r", "Repeat", due, f"RRULE:{rule}"))))
    got = all_followups()["Repeat"]
    assert got["every"] == every
    if every is None:
        assert notes_of("Repeat").startswith("RRULE: FREQ=")
        assert "is not a recurrence crm can repeat; kept in notes" in result.stderr
    else:
        assert notes_of("Repeat") is None


def test_cancelled_and_completed(tmp_path, crm):
    crm("import", str(ics(tmp_path / "s.ics", todo("1", "Cancelled", more="STATUS:CANCELLED"),
                          todo("2", "Completed time", more="COMPLETED:20261101T100000Z"),
                          todo("3", "In process", more="STATUS:IN-PROCESS"))))
    assert {s: f["status"] for s, f in all_followups().items()} == {
        "Cancelled": "cancelled", "Completed time": "done", "In process": "open"}


def test_first_known_address_links_the_contact(tmp_path, crm):
    ann = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    crm("import", str(ics(tmp_path / "a.ics", todo("1", more=(
        "ORGANIZER;CN=Me:mailto:me@example.com\r\n"
        "ATTENDEE;CN=Nobody:mailto:nobody@example.com\r\n"
        "ATTENDEE;CN=Ann:MAILTO:ANN@example.com")))))
    assert all_followups()["Call back"]["contact_id"] == ann["id"]
    assert notes_of("Call back") == "Attendee: Nobody <nobody@example.com>\nOrganizer: Me <me@example.com>"


def test_a_broken_todo_is_a_rejected_row_and_the_others_import(tmp_path, crm):
    path = ics(tmp_path / "b.ics",
               todo("1", "Good one"),
               todo("2", "Bad due", "DUE:notadate"),
               todo("3", "Bad priority", more="PRIORITY:high-ish"),
               todo("4", "", "DUE:20261203T100000Z"),
               todo("5", "Mars time", "DUE;TZID=Mars/Olympus:20261203T100000"),
               todo("6", "Also good", more="RRULE:FREQ=SOMETIMES\r\nthis line has no colon"))
    errors = tmp_path / "rejected.csv"
    result = crm("import", str(path), "--errors", str(errors))
    assert "2 created, 0 updated, 0 skipped, 4 rejected" in result.stderr
    assert sorted(all_followups()) == ["Also good", "Good one"]
    assert notes_of("Also good") == "RRULE: FREQ=SOMETIMES"
    lines = [x for x in result.stderr.splitlines() if x.startswith("rejected:")]
    assert [x.split(": ", 3)[2] for x in lines] == [
        "sheet 'to-dos', row 2, column 'due'", "sheet 'to-dos', row 3, column 'priority'",
        "sheet 'to-dos', row 4, column 'subject'", "sheet 'to-dos', row 5, column 'due'"]
    assert "'notadate (not an iCalendar date)' is not a date" in lines[0]
    assert "'PRIORITY high-ish' is not one of: low, normal, high, urgent" in lines[1]
    assert "Mars/Olympus, which is unknown" in lines[3]
    assert stat.S_IMODE(errors.stat().st_mode) == 0o600
    assert len(errors.read_text(encoding="utf-8-sig").splitlines()) == 5


def test_events_are_not_imported_and_say_so(tmp_path, crm):
    event = "BEGIN:VEVENT\r\nUID:e\r\nSUMMARY:Meeting\r\nDTSTART:20261203T100000Z\r\nEND:VEVENT\r\n"
    result = crm("import", str(ics(tmp_path / "e.ics", todo("1"), extra=event * 2)))
    assert "note: e.ics: 2 events (VEVENT) not imported: crm imports to-dos (VTODO) as follow-ups" in result.stderr
    assert sorted(all_followups()) == ["Call back"]


def test_no_due_date_is_due_on_the_day_of_import(tmp_path, crm, clock):
    clock(2026, 11, 23, 10, 0)
    result = crm("import", str(ics(tmp_path / "n.ics", "UID:n\r\nSUMMARY:Someday")))
    assert all_followups()["Someday"]["due"] == "2026-11-23"
    assert "note: to-do 1: no due date; due on the day of the import" in result.stderr


def _hostile(tmp_path):
    """Generated files that are no calendar we can read: name -> bytes."""
    cal = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
    return {
        "truncated": cal + b"BEGIN:VTODO\r\nSUMMARY:x\r\n",
        "bom and blank lines, then cut": b"\xef\xbb\xbf\r\n\r\n" + cal + b"BEGIN:VTODO\r\n",
        "garbage line in the calendar": cal + b"\x00\x01\x02 not a content line\r\nEND:VCALENDAR\r\n",
        "end without begin": cal + b"END:VTODO\r\nEND:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "nested 50,000 deep": cal + b"BEGIN:X\r\n" * 50_000 + b"END:X\r\n" * 50_000 + b"END:VCALENDAR\r\n",
        "binary after the header": cal + os.urandom(4096),
        "escape codes in a broken line": cal + b"\x1b]0;owned\x07\x1b[31mred\r\nEND:VCALENDAR\r\n",
        "only a VCALENDAR line": b"BEGIN:VCALENDAR",
        "latin-1 bytes and no END": cal + b"SUMMARY:caf\xe9\r\n",
    }


@pytest.mark.parametrize("name", list(_hostile(Path("."))))
def test_hostile_files_are_one_line_exit_3_and_change_nothing(tmp_path, crm, name):
    path = tmp_path / "hostile.ics"
    path.write_bytes(_hostile(tmp_path)[name])
    followups.create("Before", "2026-12-01")
    result = crm("import", str(path), code=3)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {path}: ")
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert sorted(all_followups()) == ["Before"]


def test_size_cap(tmp_path, crm, monkeypatch):
    monkeypatch.setattr(ical, "MAX_ICS_BYTES", 1000)
    path = ics(tmp_path / "big.ics", *[todo(str(i)) for i in range(30)])
    result = crm("import", str(path), code=3)
    assert result.stderr == f"error: {path}: an iCalendar file over 0 MB; split it\n"
    monkeypatch.setattr(ical, "MAX_ICS_BYTES", 10**6)
    monkeypatch.setattr(ical, "MAX_TODOS", 20)
    result = crm("import", str(path), code=3)
    assert result.stderr == f"error: {path}: 30 to-dos is over the 20 a file may hold; split it\n"
    assert all_followups() == {}


# -- export ------------------------------------------------------------------

@pytest.fixture
def some_followups():
    ann = contacts.create({"first_name": "Ann", "last_name": "Lee"}, emails=["ann@example.com"])
    bob = contacts.create({"first_name": "Bob"})  # no email: no ATTENDEE
    made = [
        followups.create("Call Ann", "2026-12-03 09:30", contact=ann["id"], priority="urgent", every="2w",
                         notes="About the order\nCategories: VIP, Blog"),
        followups.create("Send quote", "2026-12-10", contact=bob["id"], priority="low", every="weekdays"),
        followups.create("Chase invoice — 北京", "2026-07-01 17:00", priority="high", every="1m"),
        followups.create("Plain", "2026-12-11 08:00"),
    ]
    done = followups.create("Already done", "2026-11-01")
    followups.done(done["id"])
    return made, ann


def read_todos(path):
    return Calendar.from_ical(Path(path).read_bytes()).todos


def test_export_writes_open_followups_as_vtodos(tmp_path, crm, some_followups):
    made, ann = some_followups
    out = tmp_path / "followups.ics"
    result = crm("export", str(out))
    assert "exported to" in result.stderr and "4 followup" in result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    cal = Calendar.from_ical(out.read_bytes())
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]
    todos = {str(t["SUMMARY"]): t for t in cal.todos}
    assert sorted(todos) == ["Call Ann", "Chase invoice — 北京", "Plain", "Send quote"]
    call = todos["Call Ann"]
    assert str(call["UID"]) == f"crm-followup-{made[0]['id']}@" + __import__("socket").gethostname()
    assert call["DUE"].params["TZID"] == "Europe/London"
    assert call["DUE"].dt == datetime(2026, 12, 3, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    assert (call["PRIORITY"], str(call["STATUS"])) == (1, "NEEDS-ACTION")
    assert call["RRULE"].to_ical() == b"FREQ=WEEKLY;INTERVAL=2"
    assert str(call["DESCRIPTION"]) == "About the order"
    assert call.categories == ["VIP", "Blog"]
    assert str(call["ATTENDEE"]) == "mailto:ann@example.com" and call["ATTENDEE"].params["CN"] == "Ann Lee"
    quote = todos["Send quote"]
    assert quote["DUE"].dt == date(2026, 12, 10) and "ATTENDEE" not in quote
    assert quote["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert (quote["PRIORITY"], todos["Chase invoice — 北京"]["PRIORITY"], todos["Plain"]["PRIORITY"]) == (7, 3, 5)
    crm("export", str(tmp_path / "again.ics"))
    assert sorted(str(t["UID"]) for t in read_todos(tmp_path / "again.ics")) == sorted(str(t["UID"]) for t in todos.values())
    crm("export", str(tmp_path / "done.ics"), "--status", "done")
    [done] = read_todos(tmp_path / "done.ics")
    assert (str(done["SUMMARY"]), str(done["STATUS"])) == ("Already done", "COMPLETED")
    result = crm("export", str(tmp_path / "x.ics"), "--entity", "contact", code=3)
    assert "an .ics file holds follow-ups only" in result.stderr


def test_round_trip_into_a_fresh_store(tmp_path, crm, some_followups):
    out = tmp_path / "followups.ics"
    crm("export", str(out))
    before = {s: f for s, f in all_followups().items() if f["status"] == "open"}
    before_notes = {s: notes_of(s) for s in before}
    store.close_store()
    store.open_store(str(tmp_path / "fresh.db"))
    ann = contacts.create({"first_name": "Ann", "last_name": "Lee"}, emails=["ann@example.com"])
    crm.db_path = tmp_path / "fresh.db"
    assert crm.json("import", str(out))["created"] == 4
    after = all_followups()
    keys = ("due", "priority", "every", "status")
    assert {s: [f[k] for k in keys] for s, f in after.items()} == {s: [f[k] for k in keys] for s, f in before.items()}
    assert after["Call Ann"]["contact_id"] == ann["id"]
    assert {s: notes_of(s) for s in after} == before_notes
    assert "created 0" not in crm("import", str(out)).stderr  # again: matched on UID
    assert len(all_followups()) == 4


# -- what a real client makes of it --------------------------------------------

def _todoman():
    found = shutil.which("todo", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if not found:
        pytest.skip("todoman is not installed (pip install todoman)")
    return found


def _todoman_list(tmp_path, folder):
    config = tmp_path / "todoman.py"
    config.write_text(f"path = {str(folder)!r}\ncache_path = {str(tmp_path / 'cache.sqlite3')!r}\n"
                      'date_format = "%Y-%m-%d"\ntime_format = "%H:%M"\n')
    done = subprocess.run([_todoman(), "--config", str(config), "--porcelain", "list"], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "TZ": "UTC"})
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr.lower(), done.stderr
    return json.loads(done.stdout)


def test_todoman_lists_every_open_followup_of_the_vdir(tmp_path, crm, some_followups):
    result = crm("export", str(tmp_path / "vdir"), "--vdir")
    assert "4 followup" in result.stderr
    folder = tmp_path / "vdir" / "followups"
    assert len(list(folder.iterdir())) == 4 and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    listed = {t["summary"]: t for t in _todoman_list(tmp_path, folder)}
    opened = {f["subject"]: f for f in followups.list_().rows}
    assert sorted(listed) == sorted(opened) and len(listed) == 4
    london = ZoneInfo("Europe/London")
    assert datetime.fromtimestamp(listed["Call Ann"]["due"], london) == datetime(2026, 12, 3, 9, 30, tzinfo=london)
    assert datetime.fromtimestamp(listed["Chase invoice — 北京"]["due"], london).hour == 17  # summer time kept
    assert {s: (t["priority"], t["recurring"]) for s, t in listed.items()} == {
        "Call Ann": (1, True), "Send quote": (7, True), "Chase invoice — 北京": (3, True), "Plain": (5, False)}
    assert sorted(listed["Call Ann"]["categories"]) == ["Blog", "VIP"]
    followups.done(opened["Plain"]["id"])  # the next export drops its file: the phone's list follows
    (folder / "not-ours.ics").write_bytes((folder / f"crm-followup-{opened['Plain']['id']}.ics").read_bytes())
    crm("export", str(tmp_path / "vdir"), "--vdir", "--entity", "followup")
    assert not (folder / f"crm-followup-{opened['Plain']['id']}.ics").exists()
    assert (folder / "not-ours.ics").exists()  # a file we did not write is left alone
    (folder / "not-ours.ics").unlink()
    assert "Plain" not in {t["summary"] for t in _todoman_list(tmp_path, folder)}


def test_todoman_reads_the_single_file_export(tmp_path, crm, some_followups):
    folder = tmp_path / "list"
    folder.mkdir()
    crm("export", str(folder / "followups.ics"))
    done = subprocess.run([_todoman(), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    config = tmp_path / "todoman.py"
    config.write_text(f"path = {str(folder)!r}\ncache_path = {str(tmp_path / 'cache.sqlite3')!r}\n")
    listed = subprocess.run([_todoman(), "--config", str(config), "--porcelain", "list"], capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert sorted(t["summary"] for t in json.loads(listed.stdout)) == sorted(
        f["subject"] for f in followups.list_().rows)


def test_todos_the_library_reads_but_crm_cannot_use_are_rejected_rows(tmp_path, crm):
    path = ics(tmp_path / "odd.ics",
               todo("1", "Far future", "DUE:99991231T230000Z"),  # past the last day east of UTC
               todo("2", "Year one", "DUE:00010101T000000Z"),
               todo("3", "A period", "DUE;VALUE=PERIOD:20261203T100000Z/PT1H"),
               todo("4", "Huge priority", more="PRIORITY:99999999999999999999"),
               todo("5", "Windows zone", "DUE;TZID=W. Europe Standard Time:20261203T100000"),
               todo("6", "Two dues", "DUE:20261203T100000Z\r\nDUE:20261204T100000Z"),
               todo("7", "Long step", "DTSTART:20261203T100000Z\r\nDURATION:P99999999W", ))
    result = crm("import", str(path))
    assert "3 created, 0 updated, 0 skipped, 4 rejected" in result.stderr
    assert {s: f["due"] for s, f in all_followups().items()} == {
        "Windows zone": "2026-12-03T09:00", "Two dues": "2026-12-03T10:00", "Long step": "2026-12-03T10:00"}
    assert [x.split(": ", 3)[2] for x in result.stderr.splitlines() if x.startswith("rejected:")] == [
        "sheet 'to-dos', row 1, column 'due'", "sheet 'to-dos', row 2, column 'due'",
        "sheet 'to-dos', row 3, column 'due'", "sheet 'to-dos', row 4, column 'priority'"]


def _mutants(count=30, seed=10):
    """The sample file with a few tokens inserted, bytes cut or overwritten (seeded)."""
    import random

    rng = random.Random(seed)
    tokens = [b"BEGIN:VTODO\r\n", b"END:VTODO\r\n", b";TZID=", b":", b";", b"\r\n ", b"\x00", b"DUE:", b"RRULE:FREQ=",
              b"99999999T999999Z", b"PRIORITY:", b"VALUE=DATE", b"ATTENDEE:", b"COUNT=-1", b"BYDAY=", b"\x1b[2J"]
    source = FIXTURE.read_bytes()
    for _ in range(count):
        data = bytearray(source)
        for _ in range(rng.randint(1, 4)):
            at, op = rng.randrange(len(data)), rng.random()
            if op < 0.5:
                data[at:at] = rng.choice(tokens)
            elif op < 0.75:
                del data[at:at + rng.randint(1, 40)]
            else:
                data[at:at + 1] = bytes([rng.randrange(256)])
        yield bytes(data)


@pytest.mark.parametrize("number", range(30))
def test_mutated_sample_imports_or_fails_in_one_line(tmp_path, crm, number):
    path = tmp_path / "mutant.ics"
    path.write_bytes(list(_mutants())[number])
    result = crm.runner.invoke(__import__("cli.main", fromlist=["app"]).app, ["--db", str(crm.db_path), "import", str(path)])
    assert result.exit_code in (0, 1, 3), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "bug" not in result.stderr and "\x1b" not in result.stderr
    if result.exit_code == 3:
        assert result.stderr.count("\n") == 1 and all_followups() == {}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns", "Etc/GMT+5"])
def test_export_due_is_the_same_instant_in_any_configured_zone(tmp_path, crm, set_config, zone):
    set_config(f'timezone = "{zone}"\nowner = "sam"\n')
    followups.create("Timed", "2026-07-03 09:30")
    crm("export", str(tmp_path / "z.ics"))
    [got] = read_todos(tmp_path / "z.ics")
    assert got["DUE"].dt == datetime(2026, 7, 3, 9, 30, tzinfo=ZoneInfo(zone))
    assert got["DUE"].dt.tzinfo is not None  # never floating: todoman would read that as UTC
