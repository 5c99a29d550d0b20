"""crm user: who is acting (crm --user, $CRM_USER, config `user`) and the team; and
the --mine option the list commands share."""
from __future__ import annotations

import typer

from cli.app import fail, sub_app
from cli.output import Format, FormatOption, print_rows
from db.identity import current_user
from db.services import team

app = sub_app("The team: who is acting, and everyone who owns records or gets reminder mail.")

MineOption = typer.Option(False, "--mine", help="Only mine: the acting user's (crm --user, $CRM_USER, config user).")


def owner_or_mine(owner: str | None, mine: bool, flag: str = "--owner") -> str | None:
    """The owner filter a list command runs with: --mine is the acting user."""
    if not mine:
        return owner
    if owner is not None:
        fail(f"--mine and {flag}: choose one", 2)
    return current_user()


@app.command("list")
def list_cmd(fmt: Format = FormatOption):
    """The team: names in the config's [owners] and every owner in the store; * marks you."""
    rows = team.members()
    if fmt == Format.table:
        rows = [{**r, "current": "*" if r["current"] else ""} for r in rows]
    print_rows(rows, fmt, ["current", "name", "email", "records"])


@app.command("whoami")
def whoami():
    """The acting user's name."""
    typer.echo(current_user())
