"""Hostile CLI arguments: every one ends in one error line and an exit code, never a
traceback, and leaves the store exactly as it was.

The cases are generated: each hostile value is tried in every place of its kind
(record ids, --limit, dates, amounts, currencies, choices), against real commands
on a real SQLite store seeded with one record of each kind.
"""
from __future__ import annotations

import shutil
import sqlite3

import pytest

HUGE = "99999999999999999999"  # over 2^64
OVER_I64 = "9223372036854775808"  # 2^63: one past the largest SQLite/PostgreSQL integer
MAX_I64 = "9223372036854775807"

BAD_IDS = [HUGE, OVER_I64, MAX_I64, "-1", "-" + HUGE, "0", "²", "1e3", "", "\x00"]
ID_COMMANDS = [
    ["contact", "show"], ["contact", "delete"], ["contact", "restore"], ["contact", "edit", "{}", "--title", "x"],
    ["company", "show"], ["company", "delete"], ["company", "restore"],
    ["deal", "show"], ["deal", "won"], ["deal", "move", "{}", "won"], ["deal", "delete"], ["deal", "restore"],
    ["deal", "edit", "{}", "--title", "x"],
    ["followup", "show"], ["followup", "done"], ["followup", "cancel"], ["followup", "delete"],
    ["followup", "snooze", "{}", "--for", "1d"], ["followup", "reschedule", "{}", "tomorrow"],
    ["ticket", "show"], ["ticket", "status", "{}", "closed"], ["ticket", "comment", "{}", "hi"],
    ["ticket", "assign", "{}", "sam"], ["ticket", "delete"],
    ["contact", "merge", "1", "{}"],
]
# Ids given in options of other commands (a link to a record).
LINK_COMMANDS = [
    ["deal", "add", "D", "--contact"], ["deal", "add", "D", "--company"],
    ["followup", "add", "F", "--due", "tomorrow", "--contact"],
    ["followup", "add", "F", "--due", "tomorrow", "--deal"],
    ["followup", "add", "F", "--due", "tomorrow", "--ticket"],
    ["ticket", "add", "T", "--contact"], ["ticket", "add", "T", "--company"],
    ["note", "add", "N", "--contact"], ["note", "add", "N", "--deal"], ["note", "add", "N", "--ticket"],
    ["note", "add", "N", "--company"],
    ["deal", "list", "--contact"], ["ticket", "list", "--contact"], ["followup", "list", "--contact"],
]
LINK_IDS = [HUGE, OVER_I64, "0"]

BAD_LIMITS = [HUGE, OVER_I64, "-1", "-" + HUGE, "nan", "1e3"]
LIMIT_COMMANDS = [["contact", "list"], ["company", "list"], ["deal", "list"], ["followup", "list"],
                  ["ticket", "list"], ["next"]]

BAD_DATES = ["+9000y", "+99999999999d", "+99999999999m", "+999999999999w", "+99999999999999999999y",
             "0000-00-00", "9999-12-31", "0001-01-01", "in 99999999999 days", "2026-13-45", "\x00", "nan", "-5",
             "2026-02-30", "tomorrow 99:99"]
DATE_COMMANDS = [
    ["followup", "add", "F", "--contact", "1", "--due"],
    ["followup", "reschedule", "1"],
    ["followup", "snooze", "1", "--until"],
    ["deal", "add", "D", "--close"],
    ["deal", "edit", "1", "--close"],
    ["note", "add", "N", "--contact", "1", "--when"],
    ["export", "{tmp}/out.csv", "--since"],
    ["remind", "--now"],
]
BAD_DURATIONS = ["99999999999d", "99999999999999999999w", "36526d", "-1d", "1y"]
DURATION_COMMANDS = [["followup", "snooze", "1", "--for"], ["remind", "--lead"]]
BAD_EVERY = ["99999999999999999999d", "99999999999m", "5000y", "0d", "-1w", "1.5d", "\x00"]

BAD_AMOUNTS = ["1e30", "0x10", "1,2,3", MAX_I64, "10000000000000", "-5", "nan", "inf", "-inf", "1e", "..",
               "1.2.3", "12,5,00", "1 2 3 4", "10.005", "$-5", "5 EUR 5", "5 USD", "1_000", "\x00", "5\x005"]
AMOUNT_COMMANDS = [["deal", "add", "D", "--amount"], ["deal", "edit", "1", "--amount"]]
BAD_CURRENCIES = ["XYZ", "ZZZ", "EURO", "eu", "€", "   ", "X\x00Z", "123"]
CURRENCY_COMMANDS = [["deal", "add", "D", "--amount", "5", "--currency"], ["deal", "edit", "1", "--currency"]]

BAD_CHOICES = [
    ["contact", "add", "--email", "c@x.com", "--stage", "boss"],
    ["contact", "list", "--stage", "boss"], ["contact", "list", "--sort", "shoe size"],
    ["company", "list", "--sort", "-"],
    ["deal", "add", "D", "--stage", "nirvana"], ["deal", "move", "1", "nirvana"], ["deal", "list", "--status", "x"],
    ["deal", "add", "D", "--probability", "101"], ["deal", "add", "D", "--probability", "-1"],
    ["deal", "add", "D", "--probability", HUGE], ["deal", "add", "D", "--probability", "nan"],
    ["followup", "add", "F", "--due", "tomorrow", "--priority", "meh"],
    ["followup", "list", "--status", "x"], ["followup", "list", "--sort", "x"],
    ["ticket", "add", "T", "--priority", "x"], ["ticket", "add", "T", "--channel", "pigeon"],
    ["ticket", "status", "1", "x"], ["ticket", "list", "--status", "x"],
    ["note", "add", "N", "--contact", "1", "--kind", "fax"],
    ["contact", "list", "--format", "xml"], ["report", "pipeline", "--format", "x"], ["remind", "--format", "x"],
    ["deal", "add", "", "--contact", "1"], ["followup", "add", " ", "--due", "tomorrow"],
    ["ticket", "add", ""], ["note", "add", "", "--contact", "1"], ["note", "add", "N"],
    ["contact", "add", "--email", "not an email"], ["contact", "add", "--email", "a@b.com\x00"],
    ["contact", "add", "--email", "ann@example.com"],  # a duplicate
    ["contact", "add", "--phone", "abc"], ["contact", "add", "--phone", "\x00\x00\x00"],
    ["company", "add", ""], ["company", "add", "Acme"],  # a duplicate
    ["export", "{tmp}/out.txt"], ["export", "{tmp}/out.csv", "--entity", "planets"],
]


def _spread(commands, values, always: int = 2, each: int = 2):
    """Every command with the first `always` values, plus `each` of the others in turn:
    each value still meets several commands, at a fraction of the full cross product."""
    rest = values[always:]
    for n, cmd in enumerate(commands):
        picks = values[:always] + [rest[(n * each + k) % len(rest)] for k in range(each)] if rest else values
        for bad in dict.fromkeys(picks):
            yield [bad if part == "{}" else part for part in cmd] if "{}" in cmd else [*cmd, bad]


def _cases():
    yield from _spread(ID_COMMANDS, BAD_IDS)
    yield from _spread(LINK_COMMANDS, LINK_IDS, always=3, each=0)
    yield from _spread([[*c, "--limit"] for c in LIMIT_COMMANDS], BAD_LIMITS)
    yield from _spread(DATE_COMMANDS, BAD_DATES, each=3)
    yield from _spread(DURATION_COMMANDS, BAD_DURATIONS, always=5, each=0)
    yield from _spread([["followup", "add", "F", "--contact", "1", "--due", "tomorrow", "--every"]], BAD_EVERY,
                       always=len(BAD_EVERY), each=0)
    yield from _spread(AMOUNT_COMMANDS[:1], BAD_AMOUNTS, always=len(BAD_AMOUNTS), each=0)
    yield from _spread(AMOUNT_COMMANDS[1:], BAD_AMOUNTS, always=3, each=4)
    yield from _spread(CURRENCY_COMMANDS[:1], BAD_CURRENCIES, always=len(BAD_CURRENCIES), each=0)
    yield from _spread(CURRENCY_COMMANDS[1:], BAD_CURRENCIES, always=3, each=0)
    yield from BAD_CHOICES


CASES = list(_cases())


def fingerprint(path) -> list[str]:
    """Every row of every table, read through a separate connection."""
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    """One store with a record of each kind (and a contact in the trash), built once;
    each case runs on a copy of it."""
    from db import config, store
    from tests.conftest import CONFIG

    folder = tmp_path_factory.mktemp("seed")
    (folder / "config.toml").write_text(CONFIG)
    path = folder / "seed.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_CONFIG", str(folder / "config.toml"))
        config.reload_config()
        store.open_store(str(path))
        from db.services import companies, contacts, deals, followups, tickets

        companies.create({"name": "Acme"})
        contacts.create({"first_name": "Ann", "company": "Acme"}, emails=["ann@example.com"])
        contacts.create({"first_name": "Bob"}, emails=["bob@example.com"])
        contacts.delete("2")
        deals.create({"title": "Big one", "contact": "1", "amount": "4800"})
        followups.create("Call Ann", "2026-11-24 09:00", contact="1", every="1w")
        tickets.create({"subject": "Broken", "contact": "1"})
        store.close_store()
    config.reload_config()
    return path


def test_enough_cases():
    assert len(CASES) >= 150


@pytest.fixture
def crm_store(seed, tmp_path, monkeypatch):
    """Replaces conftest's: a copy of the seeded store instead of a new one per case
    (creating and migrating a store costs more than the case itself)."""
    from db import config, store
    from db.services import common

    db_path = tmp_path / "crm.db"
    shutil.copy(seed, db_path)
    monkeypatch.setenv("CRM_DB", str(db_path))
    monkeypatch.setenv("CRM_CONFIG", str(seed.parent / "config.toml"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # crash reports, if any
    config.reload_config()
    yield db_path
    store.close_store()
    common.set_clock(None)
    config.reload_config()


@pytest.mark.parametrize("args", CASES, ids=[" ".join(a)[:80].encode("unicode_escape").decode() for a in CASES])
def test_hostile_argument(args, crm_store, tmp_path, clock):
    clock(2026, 11, 23, 10, 0)
    before = fingerprint(crm_store)
    from typer.testing import CliRunner

    from cli.main import app

    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(app, ["--db", str(crm_store), *args], prog_name="crm")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        "traceback", repr(result.exception))
    assert "Traceback" not in result.output
    assert "hit a bug" not in result.stderr, result.stderr  # the last-resort guard caught a crash
    assert result.exit_code in (1, 2, 3), (result.exit_code, result.stdout[:300])
    if result.exit_code != 2:  # click's usage errors are a usage line plus the error
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fingerprint(crm_store) == before


# Odd but valid text: taken as typed (trimmed), shown back unchanged, never a crash.
ODD_TEXT = ["Zoë Åström", "张伟", "עברית ומספרים 123", "🦄🚀", "a" * 10_000, "  padded  ",
            "O'Brien'); DROP TABLE contact;--", "=1+1", "%s %d {} {0}", "\\N", "\u202eevil", "tab\there",
            "line\nbreak", "-starts with a dash"]


@pytest.mark.parametrize("text", ODD_TEXT, ids=[t[:20].encode("unicode_escape").decode() for t in ODD_TEXT])
def test_odd_text_round_trips(text, crm_store, clock):
    import json

    from typer.testing import CliRunner

    from cli.main import app

    clock(2026, 11, 23, 10, 0)

    def run(*args, positional=()):
        result = CliRunner().invoke(app, ["--db", str(crm_store), *args, "--format", "json", "--", *positional],
                                    prog_name="crm")
        assert result.exit_code == 0 and result.exception is None, (result.stderr, repr(result.exception))
        return json.loads(result.stdout)

    made = run("contact", "add", "--first-name", text, "--title", text, "--email", "odd@example.com")
    assert run("contact", "show", str(made["id"]))["first_name"] == text.strip()
    deal = run("deal", "add", "--contact", str(made["id"]), "--amount", "1 234,56", "--currency", "EUR",
               positional=[text])
    assert (deal["title"], deal["amount"]) == (text.strip(), "1234.56")
    followup = run("followup", "add", "--contact", str(made["id"]), "--due", "tomorrow", positional=[text])
    assert followup["subject"] == text.strip()
    for args in (["contact", "show", str(made["id"])], ["contact", "list"], ["deal", "list"], ["followup", "list"],
                 ["next"], ["search", "odd"], []):  # tables, and bare crm's summary
        result = CliRunner().invoke(app, ["--db", str(crm_store), *args], prog_name="crm")
        assert result.exit_code == 0 and result.exception is None, (args, result.stderr, repr(result.exception))


# -- limits, batch ids, config values, crash reports ---------------------------

@pytest.mark.parametrize("args", [["search", "ann", "--limit", "-1"], ["search", "ann", "--limit", HUGE],
                                  ["search", "ann", "--limit", OVER_I64], ["contact", "list", "--limit", "-1"],
                                  ["ticket", "list", "--limit", HUGE]])
def test_a_limit_out_of_range_is_a_usage_error(args, crm_store):
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["--db", str(crm_store), *args], prog_name="crm")
    assert result.exit_code == 2 and "--limit" in result.stderr and "Traceback" not in result.output
    assert ("greater than or equal to 0" if "-1" in args else "less than or equal to 9223372036854775807") in (
        result.stderr)


@pytest.mark.parametrize("bad", [-1, 2 ** 64, 2 ** 63, "5", 1.5, True])
def test_the_search_service_checks_its_limit(bad, crm_store):
    """The app calls find.search_all directly: -1 returned everything, 2^64 was exit 3."""
    from db import store
    from db.errors import Invalid
    from db.services import find

    store.open_store(str(crm_store))
    with pytest.raises(Invalid, match="limit"):
        find.search_all("ann", limit=bad)
    assert len(find.search_all("ann", limit=0)) > len(find.search_all("ann", limit=1)) == 1  # 0 = all


@pytest.mark.parametrize("batch", [HUGE, OVER_I64, "-1", "0", "x", "\x00"])
def test_reverting_an_impossible_batch_is_not_found(batch, crm_store):
    from typer.testing import CliRunner

    from cli.main import app

    before = fingerprint(crm_store)
    result = CliRunner().invoke(app, ["--db", str(crm_store), "import", "revert", "--", batch], prog_name="crm")
    assert result.exit_code == 1, (result.stderr, repr(result.exception))
    assert result.stderr.startswith("error: import batch ") and result.stderr.endswith(" not found\n")
    assert fingerprint(crm_store) == before


BAD_CONFIG = [
    ('currency = "ZZZ"', "currency: 'ZZZ' is not an ISO 4217 currency code like EUR"),
    ("currency = 5", "currency: 5 is not an ISO 4217 currency code"),
    ('[sla]\nurgent = ["x", 8]', "[sla] urgent: expected priority = [response_hours, resolution_hours]"),
    ("[sla]\nhigh = [nan, 8]", "[sla] high: expected"),
    ("[sla]\nlow = [1.5, inf]", "[sla] low: expected"),
    ("[sla]\nnormal = [-1, 8]", "[sla] normal: expected"),
    ("sla = 5", "[sla]: expected a section"),
    ('[reminders]\nday_start = "nine"', "[reminders] day_start: 'nine' is not a time like 09:00"),
    ('[reminders]\nday_start = "25:00"', "[reminders] day_start: '25:00' is not a time"),
    ("reminders = 3", "[reminders]: expected a section"),
    ('smtp = "x"', "[smtp]: expected a section"),
    ("owners = [1]", "[owners]: expected a section"),
    ("timezone = 5", "timezone: unknown time zone 5"),
    ("[pipeline]\nlead = true", "[pipeline] lead: probability must be a whole number 0-100"),
]


@pytest.mark.parametrize("text, message", BAD_CONFIG, ids=[c[0][:30] for c in BAD_CONFIG])
def test_a_bad_config_value_is_one_line_naming_file_and_key(text, message, crm_store, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app
    from db import config

    cfg = tmp_path / "bad.toml"
    cfg.write_text(text + "\n")
    before = fingerprint(crm_store)
    good = config.config_path()
    monkeypatch.setenv("CRM_CONFIG", str(cfg))  # the config is cached per CRM_CONFIG value
    try:
        result = CliRunner().invoke(app, ["--db", str(crm_store), "next"], prog_name="crm")
    finally:
        monkeypatch.setenv("CRM_CONFIG", str(good))  # the fixture's teardown reloads it
    assert result.exit_code == 3, (result.stderr, repr(result.exception))
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {cfg}: {message}"), result.stderr
    assert fingerprint(crm_store) == before


def test_two_crashes_in_one_second_keep_both_reports(tmp_path, monkeypatch):
    """Named by second and pid only, the second report was lost to "File exists"."""
    import os
    import stat

    from cli import crash

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    lines = []
    for n in range(3):
        try:
            raise RuntimeError(f"bug {n}")
        except RuntimeError as exc:
            lines.append(crash.crash_line(exc))
    reports = sorted(crash.crash_dir().iterdir())
    assert len(reports) == 3 and all("details in " in line for line in lines), lines
    assert sorted(r.read_text().rsplit("RuntimeError: ", 1)[1] for r in reports) == ["bug 0\n", "bug 1\n", "bug 2\n"]
    assert all(stat.S_IMODE(os.stat(r).st_mode) == 0o600 for r in reports)


@pytest.mark.parametrize("text, suffix", [("[1, 2]", ".json"), ('{"columns": {"First": ["a"]}}', ".json"),
                                          ('"just a string"', ".json"), ('{"entity": 5}', ".json"),
                                          ('columns = ["a"]', ".toml"), ("columns.First = 1", ".toml")])
def test_a_malformed_mapping_file_is_one_line(crm, tmp_path, text, suffix):
    people = tmp_path / "people.csv"
    people.write_text("First,Email\nAda,ada@example.com\n")
    mapping = tmp_path / f"map{suffix}"
    mapping.write_text(text)
    result = crm("import", str(people), "--mapping", str(mapping), code=3)
    assert result.stderr.startswith(f"error: {mapping}: ") and result.stderr.count("\n") == 1, result.stderr
    assert "bug" not in result.stderr


def test_a_closed_pipe_ends_quietly(crm_store):
    """`crm contact list -f csv | head -1`: the reader went away; no 'error: Broken pipe'."""
    import subprocess
    import sys

    script = ("import subprocess, sys\n"
              f"p = subprocess.Popen([sys.executable, '-m', 'cli', '--db', {str(crm_store)!r}, 'search', 'a',"
              " '--format', 'csv'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
              "p.stdout.close()\n"
              "err = p.stderr.read().decode()\n"
              "print(p.wait(), repr(err))\n")
    from db.services import contacts
    for n in range(300):
        contacts.create({"first_name": f"Ann{n}"}, emails=[f"a{n}@example.com"])
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    code, err = out.split(" ", 1)
    assert err.strip() == "''" and code in ("0", "141"), out
