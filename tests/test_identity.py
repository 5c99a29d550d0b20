"""Who is acting: crm --user / $CRM_USER / config user (or owner) / the login; what they
make is theirs; --mine; the team; and a PostgreSQL role that may read and write but not
alter the schema."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from db import identity
from tests.conftest import CONFIG


@pytest.fixture(autouse=True)
def forget_user(monkeypatch):
    monkeypatch.delenv("CRM_USER", raising=False)
    yield
    monkeypatch.delenv("CRM_USER", raising=False)
    identity.choose(None)  # an in-process --user must not follow later tests


def test_the_acting_user_by_precedence(crm, set_config, monkeypatch):
    assert crm("user", "whoami").stdout == "sam\n"  # the test config's `owner` (the older name) still works
    set_config(CONFIG + 'user = "robin"\n')
    assert crm("user", "whoami").stdout == "robin\n"  # `user` wins over `owner`
    monkeypatch.setenv("CRM_USER", "kim")
    assert crm("user", "whoami").stdout == "kim\n"
    assert crm("--user", " lee ", "user", "whoami").stdout == "lee\n"
    monkeypatch.setenv("CRM_USER", "")  # empty is unset, like CRM_DB
    assert crm("user", "whoami").stdout == "robin\n"


def test_without_any_setting_the_login_acts(crm, set_config, monkeypatch):
    set_config('timezone = "UTC"\n')
    monkeypatch.setenv("LOGNAME", "ops")
    assert crm("user", "whoami").stdout == "ops\n"
    monkeypatch.setenv("LOGNAME", "bad\x1bname")  # a login that is no name: the old default
    set_config('timezone = "UTC"\n')  # (read again: the config, login included, is read once a process)
    assert crm("user", "whoami").stdout == "me\n"


@pytest.mark.parametrize("args, env, message", [
    (["--user", ""], None, "error: --user: a user name cannot be empty\n"),
    (["--user", "   "], None, "error: --user: a user name cannot be empty\n"),
    (["--user", "a\nb"], None, "error: --user: a user name cannot hold control characters or line breaks\n"),
    (["--user", "x" * 101], None, "error: --user: a user name is at most 100 characters, not 101\n"),
    ([], "sam\x07", "error: CRM_USER: a user name cannot hold control characters or line breaks\n"),
])
def test_a_bad_name_is_one_line_exit_2(crm, monkeypatch, args, env, message):
    if env:
        monkeypatch.setenv("CRM_USER", env)
    result = crm(*args, "contact", "add", "--first-name", "Ann", code=2)
    assert result.stderr == message and result.stdout == ""
    monkeypatch.delenv("CRM_USER", raising=False)
    assert crm.json("contact", "list") == []  # nothing was written


@pytest.mark.parametrize("line, message", [
    ('user = ""', "user: a user name cannot be empty"),
    ('user = 5', 'user: expected a name in quotes, like user = "sam"'),
    ('owner = "a\\u0000b"', "owner: a user name cannot hold control characters or line breaks"),
])
def test_a_bad_name_in_the_config_is_one_line_exit_3(crm, set_config, line, message):
    set_config('timezone = "UTC"\n' + line + "\n")
    result = crm("contact", "add", "--first-name", "Ann", code=3)
    assert result.stderr == f"error: {crm.db_path.parent / 'config.toml'}: {message}\n"


def test_new_records_are_the_acting_users(crm):
    crm("--user", "kim", "company", "add", "Acme")
    crm("--user", "kim", "contact", "add", "--first-name", "Ann", "--company", "Globex")  # Globex made on the way
    crm("--user", "kim", "deal", "add", "Roof")
    crm("--user", "kim", "followup", "add", "Call", "--due", "tomorrow")
    crm("--user", "kim", "note", "add", "Met at the fair", "--contact", "1")
    crm("--user", "kim", "contact", "add", "--first-name", "Bob", "--owner", "lee")  # --owner still wins
    assert {c["name"]: c["owner"] for c in crm.json("company", "list")} == {"Acme": "kim", "Globex": "kim"}
    assert {c["name"]: c["owner"] for c in crm.json("contact", "list")} == {"Ann": "kim", "Bob": "lee"}
    assert [d["owner"] for d in crm.json("deal", "list")] == ["kim"]
    assert [f["owner"] for f in crm.json("followup", "list")] == ["kim"]
    timeline = crm.json("contact", "show", "1")["timeline"]
    assert [(t["body"], t["author"]) for t in timeline] == [("Met at the fair", "kim")]


def test_an_import_batch_and_its_rows_are_the_acting_users(crm, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "people.xlsx"
    wb = Workbook()
    wb.active.append(["First name", "Email", "Company"])
    wb.active.append(["Ann", "ann@example.com", "Acme"])
    wb.save(path)
    crm("--user", "kim", "import", str(path))
    assert [c["owner"] for c in crm.json("contact", "list")] == ["kim"]
    assert [c["owner"] for c in crm.json("company", "list")] == ["kim"]
    from db.models import ImportBatch

    assert [b.user for b in ImportBatch.select()] == ["kim"]


def test_mine_narrows_every_list_and_combines_with_other_filters(crm):
    for user, first, stage in (("kim", "Ann", "lead"), ("kim", "Bea", "customer"), ("lee", "Cat", "lead")):
        crm("--user", user, "contact", "add", "--first-name", first, "--stage", stage)
        crm("--user", user, "company", "add", f"{first} Ltd")
        crm("--user", user, "deal", "add", f"{first} deal")
        crm("--user", user, "followup", "add", f"Call {first}", "--due", "tomorrow")
    names = lambda rows, key: sorted(r[key] for r in rows)  # noqa: E731
    assert names(crm.json("--user", "kim", "contact", "list", "--mine"), "name") == ["Ann", "Bea"]
    assert names(crm.json("--user", "kim", "contact", "list", "--mine", "--stage", "lead"), "name") == ["Ann"]
    assert names(crm.json("--user", "lee", "company", "list", "--mine"), "name") == ["Cat Ltd"]
    assert names(crm.json("--user", "lee", "deal", "list", "--mine"), "title") == ["Cat deal"]
    assert names(crm.json("--user", "kim", "followup", "list", "--mine"), "subject") == ["Call Ann", "Call Bea"]
    assert names(crm.json("--user", "kim", "next", "--mine"), "subject") == ["Call Ann", "Call Bea"]
    nobody = crm("--user", "nobody", "deal", "list", "--mine")
    assert (nobody.stdout, nobody.stderr) == ("", "nothing found\n")
    result = crm("contact", "list", "--mine", "--owner", "kim", code=2)
    assert result.stderr == "error: --mine and --owner: choose one\n"


def test_my_tickets_are_the_ones_assigned_to_me(crm):
    crm("ticket", "add", "Oven", "--assignee", "kim")
    crm("ticket", "add", "Door", "--assignee", "lee")
    crm("--user", "kim", "ticket", "add", "Fridge")  # logged by kim, assigned to nobody: not hers to do
    assert [t["subject"] for t in crm.json("--user", "kim", "ticket", "list", "--mine")] == ["Oven"]
    result = crm("ticket", "list", "--mine", "--assignee", "kim", code=2)
    assert result.stderr == "error: --mine and --assignee: choose one\n"


def test_the_team_is_the_config_owners_and_the_stores(crm, set_config):
    set_config(CONFIG + '[owners]\nsam = "sam@example.com"\nana = "ana@example.com"\n')
    crm("--user", "kim", "contact", "add", "--first-name", "Ann")
    crm("--user", "kim", "deal", "add", "Roof")
    crm("--user", "zoe", "contact", "add", "--first-name", "Bob")
    crm("contact", "delete", "2")  # in the trash: zoe owns nothing live, but is still no stranger to add
    assert crm.json("--user", "kim", "user", "list") == [
        {"name": "kim", "email": None, "records": 2, "current": True},
        {"name": "ana", "email": "ana@example.com", "records": 0, "current": False},
        {"name": "sam", "email": "sam@example.com", "records": 0, "current": False},
    ]
    assert crm("user", "list", "--format", "csv").stdout == (
        "name,email,records,current\nsam,sam@example.com,0,yes\nana,ana@example.com,0,no\nkim,,2,no\n")


def test_a_name_is_text_not_markup_in_the_table(crm):
    crm("--user", "[bold]x[/]", "contact", "add", "--first-name", "Ann")
    out = crm("--user", "[bold]x[/]", "user", "list").stdout
    assert "[bold]x[/]" in out


# -- PostgreSQL: each person a role that may read and write, not alter the schema --------

def _run(url: str, *args: str, user: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRM_USER": user or ""}
    return subprocess.run([sys.executable, "-m", "cli", "--db", url, *args], capture_output=True, text=True,
                          env=env, timeout=60)


def _restricted_role(pg_server: str, database: str) -> str:
    """A person's LOGIN role in a team role granted what the README tells an administrator
    to grant (run as the role that owns the tables); the person's URL."""
    import psycopg2

    team, person = f"crm_team_{uuid.uuid4().hex[:8]}", f"crm_person_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_server + database)
    admin.autocommit = True
    cur = admin.cursor()
    cur.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")  # PostgreSQL 15's default; older ones granted it
    for statement in (f"CREATE ROLE {team} NOLOGIN",
                      f"GRANT CONNECT ON DATABASE {database} TO {team}",
                      f"GRANT USAGE ON SCHEMA public TO {team}",
                      f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {team}",
                      f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {team}",
                      f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {team}",
                      f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {team}",
                      f"CREATE ROLE {person} LOGIN IN ROLE {team}"):
        cur.execute(statement)
    admin.close()
    return pg_server.replace("postgres@", f"{person}@", 1) + database


def test_a_read_write_role_works_when_the_schema_is_current(pg_server, pg_url, tmp_path):
    database = pg_url.rsplit("/", 1)[1]
    url = _restricted_role(pg_server, database)
    added = _run(url, "contact", "add", "--first-name", "Ann", "--email", "ann@example.com", "--format", "json",
                 user="kim")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["owner"] == "kim"
    assert _run(url, "deal", "add", "Roof", "--contact", "1", user="kim").returncode == 0
    assert _run(url, "note", "add", "Called", "--contact", "1", user="kim").returncode == 0
    mine = _run(url, "contact", "list", "--mine", "--format", "json", user="kim")
    assert [c["name"] for c in json.loads(mine.stdout)] == ["Ann"], mine.stderr
    found = _run(url, "search", "ann", "--format", "json", user="kim")  # writes nothing, reads search_doc
    assert found.returncode == 0 and "contact" in [h["type"] for h in json.loads(found.stdout)], found.stderr
    assert _run(url, "contact", "delete", "1", user="kim").returncode == 0
    assert _run(url, "contact", "restore", "1", user="kim").returncode == 0
    team = _run(url, "user", "list", "--format", "json", user="kim")
    assert json.loads(team.stdout)[0] == {"name": "kim", "email": None, "records": 2, "current": True}


def test_a_read_write_role_is_told_to_have_the_owner_upgrade_the_schema(pg_server, tmp_path):
    import psycopg2

    database = f"crm_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(pg_server + "postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {database}")  # the administrator made it; nobody ran crm db migrate
    try:
        url = _restricted_role(pg_server, database)
        for args in (["contact", "list"], ["db", "migrate"]):
            result = _run(url, *args)
            assert (result.returncode, result.stdout) == (3, "")
            assert result.stderr == (f"error: {url}: the schema needs upgrading: run `crm db migrate` as the "
                                     "store's owner role\n")
        owner = _run(pg_server + database, "db", "migrate")  # the owner can, and then the role works
        assert owner.returncode == 0, owner.stderr
        added = _run(url, "contact", "add", "--first-name", "Ann", "--format", "json", user="kim")
        assert added.returncode == 0 and json.loads(added.stdout)["owner"] == "kim", added.stderr
    finally:
        admin.cursor().execute(f"DROP DATABASE {database} WITH (FORCE)")
        admin.close()


# -- the app: `m` on Deals and Follow-ups, owner:me in the search boxes ------------------

@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_app_narrows_to_mine(crm_store, anyio_backend):
    from crm_tui.app import CrmApp
    from db.services import companies, contacts, deals, followups

    for user in ("kim", "lee", "kim"):
        identity.choose(user)
        contacts.create({"first_name": user.title()})
        companies.create({"name": f"{user} and sons"}, allow_duplicate=True)
        deals.create({"title": f"{user} deal"})
        followups.create(f"call for {user}", "tomorrow")
    identity.choose("kim")

    def rows(app, selector):
        table = app.screen.query_one(selector)
        return [str(table.get_row_at(i)[column]) for i in range(table.row_count)
                for column in [{"#deal-list": 1, "#agenda": 2}.get(selector, 0)]]

    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        async def settle():
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("3", "v")  # Deals, as a list
        await settle()
        assert sorted(rows(app, "#deal-list")) == ["kim deal", "kim deal", "lee deal"]
        await pilot.press("m")
        await settle()
        assert rows(app, "#deal-list") == ["kim deal", "kim deal"] and app.screen.sub_title == "only kim's"
        await pilot.press("m")
        await settle()
        assert len(rows(app, "#deal-list")) == 3 and not app.screen.sub_title
        await pilot.press("5", "m")  # Follow-ups
        await settle()
        assert rows(app, "#agenda") == ["call for kim", "call for kim"]
        await pilot.press("2", *"owner:me")  # Contacts
        await settle()
        assert rows(app, "#contacts-table") == ["Kim", "Kim"]
        await pilot.press("enter", "8", *"owner:lee")  # Enter leaves the search box; Companies
        await settle()
        assert rows(app, "#companies-table") == ["lee and sons"]
