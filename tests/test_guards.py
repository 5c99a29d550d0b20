"""The last guards: a bug we have not found yet, Ctrl-C, a mistyped --db, a loose file
mode, a half-loaded demo, an unreachable server, and help that names types."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from cli.main import app
from db import store
from db.services import contacts, tickets
from tests.terminal import run_in_terminal


def invoke(*args):
    return CliRunner().invoke(app, list(args), prog_name="crm")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Where crash reports go (the user state dir) for this test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "crm" / "crashes"


def one_report(state_dir, line: str):
    """The single crash report, named in the line, private, holding the traceback."""
    reports = list(state_dir.iterdir())
    assert len(reports) == 1, reports
    assert f"details in {reports[0]};" in line
    assert mode(reports[0]) == 0o600 and mode(state_dir) == 0o700
    return reports[0].read_text()


# -- a bug we have not found yet ---------------------------------------------

def test_an_unexpected_exception_in_a_command_is_one_line_and_a_crash_report(crm_store, state_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")
    monkeypatch.setattr(contacts, "list_", broken)
    result = invoke("--db", str(crm_store), "contact", "list")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: crm hit a bug (RuntimeError: boom); details in ")
    report = one_report(state_dir, result.stderr)
    assert "Traceback (most recent call last)" in report
    assert "in broken" in report and "RuntimeError: boom\nsecond line" in report
    assert "command: " in report


def test_ctrl_c_is_one_line_and_exit_130(crm_store, state_dir, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(contacts, "list_", interrupted)
    result = invoke("--db", str(crm_store), "contact", "list")
    assert (result.exit_code, result.stderr) == (130, "error: interrupted\n")
    assert not state_dir.exists()


def test_a_crash_report_that_cannot_be_written_still_gives_one_line(crm_store, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    monkeypatch.setattr(contacts, "list_", lambda *a, **k: 1 / 0)
    result = invoke("--db", str(crm_store), "contact", "list")
    assert result.exit_code == 3
    assert result.stderr.startswith("error: crm hit a bug (ZeroDivisionError: division by zero); no crash report (")
    assert result.stderr.count("\n") == 1


APP = """
import sys
{patch}
sys.argv = ["crm"]
from cli.main import main
main()
"""


def terminal_env(crm_store, tmp_path):
    return {**os.environ, "CRM_DB": str(crm_store), "XDG_STATE_HOME": str(tmp_path / "state")}


def test_a_crash_inside_the_app_exits_3_with_one_line_and_a_report(crm_store, tmp_path, state_dir):
    patch = ("import crm_tui.screens.today as today\n"
             "def broken(self):\n    raise RuntimeError('boom in the app')\n"
             "today.TodayScreen.compose = broken")
    code, lines = run_in_terminal(APP.format(patch=patch), terminal_env(crm_store, tmp_path))
    assert code == 3
    assert len(lines) == 1 and lines[0].startswith("error: crm hit a bug (RuntimeError: boom in the app); details in ")
    report = one_report(state_dir, lines[0])
    assert "in broken" in report and "RuntimeError: boom in the app" in report


def test_the_app_quits_cleanly_with_exit_0(crm_store, tmp_path, state_dir):
    code, lines = run_in_terminal(APP.format(patch=""), terminal_env(crm_store, tmp_path),
                                  keys=b"\x11", keys_after="Due now")  # ctrl+q once Today shows
    assert (code, lines) == (0, [])
    assert not state_dir.exists()


# -- only `crm init` creates a store -----------------------------------------

@pytest.mark.parametrize("args", [["contact", "list"], ["contact", "add", "--first-name", "Ann"], ["db", "check"],
                                  ["remind"], []])
def test_a_mistyped_db_is_an_error_not_a_new_empty_store(tmp_path, args):
    typo = tmp_path / "typo.db"
    result = invoke("--db", str(typo), *args)
    assert result.exit_code == 3
    assert result.stderr == f"error: {typo}: no store here; check the path, or create one with `crm init`\n"
    assert not typo.exists()


def test_crm_init_creates_the_store_private(tmp_path):
    new = tmp_path / "sub" / "new.db"
    result = invoke("--db", str(new), "init")
    assert (result.exit_code, result.stderr) == (0, f"store ready at {new}\n")
    assert mode(new) == 0o600
    assert invoke("--db", str(new), "contact", "list", "--format", "json").stdout == "[]\n"


def test_bare_crm_creates_the_default_store_on_first_use(tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = invoke()  # not a terminal: the morning summary instead of the app
    assert result.exit_code == 0, result.stderr
    assert mode(tmp_path / "data" / "crm" / "crm.db") == 0o600


def test_postgres_tables_are_made_by_any_command(pg_server):
    """On a server the database exists (someone created it); our schema is made on first use."""
    import psycopg2

    name = "crm_guard_fresh"
    admin = psycopg2.connect(pg_server + "postgres")
    admin.autocommit = True
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        result = invoke("--db", pg_server + name, "contact", "list", "--format", "json")
        assert (result.exit_code, result.stdout) == (0, "[]\n"), result.stderr
    finally:
        store.close_store()
        admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def test_an_unreachable_server_is_one_line():
    result = invoke("--db", "postgresql://x@127.0.0.1:1/crm", "contact", "list")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith('error: postgresql://x@127.0.0.1:1/crm: connection to server at "127.0.0.1", '
                                    "port 1 failed: Connection refused; ")


def test_postgres_without_its_driver_is_one_line(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "psycopg2" else real(name, *a))
    result = invoke("--db", "postgresql://x:secret@127.0.0.1:1/crm", "contact", "list")
    assert (result.exit_code, result.stderr) == (
        3, "error: postgresql://x:***@127.0.0.1:1/crm: PostgreSQL needs its driver; install crm[postgres] (psycopg2)\n")


# -- file modes --------------------------------------------------------------

def test_a_store_found_readable_by_others_is_made_private(crm_store):
    contacts.create({"first_name": "Ann"})
    store.close_store()
    wal, shm = f"{crm_store}-wal", f"{crm_store}-shm"
    for path in (wal, shm):  # as an older version or a loose umask left them
        open(path, "ab").close()
    for path in (crm_store, wal, shm):
        os.chmod(path, 0o644)
    result = invoke("--db", str(crm_store), "contact", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [mode(p) for p in (crm_store, wal, shm)] == [0o600] * 3


# -- the demo: all or nothing ------------------------------------------------

def test_demo_uses_the_configured_pipeline(tmp_path, set_config):
    set_config('timezone = "Europe/London"\n[pipeline]\nenquiry = 10\nquoted = 60\n')
    db = tmp_path / "demo.db"
    result = invoke("--db", str(db), "init", "--demo")
    assert result.exit_code == 0, result.stderr
    assert "50 contacts, 24 deals" in result.stderr
    stages = {d["stage"] for d in json.loads(invoke("--db", str(db), "deal", "list", "--format", "json").stdout)}
    assert stages == {"enquiry", "quoted", "won", "lost"}


def test_a_demo_that_fails_half_way_leaves_no_half_demo(tmp_path, monkeypatch):
    from db.errors import Invalid

    def broken(values):
        raise Invalid("subject", "refused for this test")
    monkeypatch.setattr(tickets, "create", broken)  # after companies, contacts and deals were written
    db = tmp_path / "demo.db"
    result = invoke("--db", str(db), "init", "--demo")
    assert result.exit_code == 1
    assert result.stderr == f"store ready at {db}\nerror: subject: refused for this test\n"
    assert invoke("--db", str(db), "contact", "list", "--format", "json").stdout == "[]\n"
    assert invoke("--db", str(db), "company", "list", "--format", "json").stdout == "[]\n"


# -- help in words -----------------------------------------------------------

def all_commands():
    def walk(command, path):
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])
    return list(walk(typer.main.get_command(app), []))


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "crm")
def test_help_names_words_not_types(path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    for bad in ("<str>", "<int>", "list[", "{", "<table"):
        assert bad not in result.stdout, (bad, result.stdout)


def test_help_examples():
    assert "--email EMAIL " in invoke("contact", "add", "--help").stdout
    assert "--db PATH|URL " in invoke("--help").stdout
    assert "-f, --format table|json|csv " in invoke("contact", "list", "--help").stdout
    usage = invoke("import", "--help").stdout.splitlines()[0]
    assert usage.startswith("Usage: crm import [OPTIONS] FILE|list|revert ")


def test_a_real_process_gets_the_same_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "cli", "--db", str(tmp_path / "none.db"), "contact", "list"],
                         capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout) == (3, "")
    assert out.stderr.count("\n") == 1 and "crm init" in out.stderr


def test_main_guards_what_runs_before_a_command(state_dir, monkeypatch, capsys):
    """--version runs while options are parsed, outside CrmGroup.invoke: main() catches it."""
    import cli.main

    def broken(name):
        raise RuntimeError("no version today")
    monkeypatch.setattr(cli.main, "version", broken)
    monkeypatch.setattr(sys, "argv", ["crm", "--version"])
    with pytest.raises(SystemExit) as exit_:
        cli.main.main()
    assert exit_.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("error: crm hit a bug (RuntimeError: no version today); details in ")
    assert "in broken" in one_report(state_dir, err)


@pytest.mark.parametrize("args, message", [
    (["contact", "add", "--foo"], "error: No such option: --foo"),
    (["contact", "list", "--limit", "abc"], "error: Invalid value for '--limit'"),
    (["nosuch"], "error: No such command 'nosuch'."),
    (["import"], "error: Missing argument 'FILE|list|revert'."),
])
def test_a_usage_error_is_one_line_and_exit_2(tmp_path, args, message):
    done = subprocess.run([sys.executable, "-m", "cli", "--db", str(tmp_path / "none.db"), *args],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr
    assert lines[0].endswith(" --help)")  # where to look next


def test_a_group_without_its_command_still_shows_its_help(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cli", "contact"], capture_output=True, text=True)
    assert "Contacts: add, list, show, edit, delete, restore, merge, history." in done.stdout + done.stderr
    assert "error:" not in done.stderr
