"""Entry point: global options, top-level commands, and the noun sub-apps."""
from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

import typer

from cli import (  # noqa: F401 (remind and transfer register top-level commands)
    company,
    contact,
    dbcmd,
    deal,
    followup,
    note,
    remind,
    report,
    segment,
    ticket,
    transfer,
    trash,
    user,
)
from cli import history as history_cli
from cli.app import app, fail
from cli.crash import crash_line
from cli.output import Format, FormatOption, print_json, print_rows, say
from db import identity, store
from db.errors import Invalid
from db.services import demo, find


def _version(value: bool):
    if value:
        try:
            typer.echo(f"crm {version('crm')}")
        except PackageNotFoundError:
            typer.echo("crm (not installed)")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str = typer.Option(None, "--db", help="Database file or URL (default: $CRM_DB, else the user data dir)."),
    as_user: str = typer.Option(None, "--user", metavar="NAME",
                                help="Act as this user (default: $CRM_USER, else the config's user, else your login)."),
    _v: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
):
    """A terminal CRM: contacts, companies, deals, follow-ups and tickets."""
    try:
        identity.choose(as_user)  # once, for every command and the app: who owns what they make
    except Invalid as err:
        fail(str(err), 2)
    bare = ctx.invoked_subcommand is None
    # Only `crm init`, and bare `crm` on the default store (a new user's first run),
    # create a store: elsewhere a mistyped --db must not open a new empty one.
    store.configure(db, create=bare and store.is_default(db))
    if bare:
        if sys.stdin.isatty() and sys.stdout.isatty():
            store.connect()  # a broken store is one line here, not a crash inside the UI
            from crm_tui.app import run

            run()
        else:  # piped or from cron: the summary as text
            from cli.dashboard import show_dashboard

            show_dashboard()


@app.command()
def init(demo_data: bool = typer.Option(False, "--demo", help="Fill the new store with a sample business.")):
    """Create the store (and optionally load demo data)."""
    store.connect(create=True)
    say(f"store ready at {store.describe()}")
    if demo_data:
        counts = demo.load()
        say("demo data: " + ", ".join(f"{n} {k}" for k, n in counts.items()) if counts
            else "demo data skipped: the store already has contacts")


@app.command("search")
def search_cmd(
    query: str = typer.Argument(..., help="Any part of a name, email, phone, company, title, note or subject."),
    limit: int = typer.Option(50, "--limit", "-n", min=0, max=2 ** 63 - 1, help="At most N results (0 = all)."),
    fmt: Format = FormatOption,
):
    """Search contacts, companies, deals and tickets."""
    hits = find.search_all(query, limit=limit)
    if fmt == Format.json:
        print_json(hits)
    else:
        print_rows(hits, fmt, ["type", "id", "title", "detail"])


for sub, name in ((contact.app, "contact"), (company.app, "company"), (deal.app, "deal"),
                  (followup.app, "followup"), (ticket.app, "ticket"), (note.app, "note"),
                  (report.app, "report"), (segment.app, "segment"), (dbcmd.app, "db"), (trash.app, "trash"),
                  (user.app, "user")):
    app.add_typer(sub, name=name)
for sub, kind in ((contact.app, "contact"), (company.app, "company"), (deal.app, "deal"),
                  (ticket.app, "ticket"), (followup.app, "followup")):
    history_cli.add_command(sub, kind)


def main() -> None:
    """The `crm` command. CrmGroup guards every command; this guards what runs
    before one (option parsing, eager callbacks) the same way."""
    try:
        app(prog_name="crm")
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        typer.echo(f"error: {crash_line(exc)}", err=True)
        sys.exit(3)
