"""crm trash: deleted records, and purging them for good."""
from __future__ import annotations

import typer

from cli.app import sub_app
from cli.output import Format, FormatOption, print_record, print_rows
from db.services import trash

app = sub_app("The trash: list, purge (each noun has its own restore).")


@app.command("list")
def list_cmd(fmt: Format = FormatOption):
    """What is in the trash, most recently deleted first."""
    print_rows(trash.list_(), fmt, ["type", "id", "title", "deleted_at"])


@app.command("purge")
def purge(
    older_than: int = typer.Option(None, "--older-than", help="Only what was deleted more than N days ago."),
    yes: bool = typer.Option(False, "--yes", help="Really delete (no undo)."),
    fmt: Format = FormatOption,
):
    """Delete trashed records for good."""
    if not yes:
        raise typer.BadParameter("purging cannot be undone; add --yes to confirm", param_hint="--yes")
    print_record(trash.purge(older_than), fmt)
