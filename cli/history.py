"""crm contact|company|deal|ticket|followup history REF: who changed what, newest first."""
from __future__ import annotations

import typer

from cli.output import Format, FormatOption, print_rows
from db import display
from db.services import history

COLUMNS = ["at", "user", "action", "field", "old", "new", "batch"]
REF_HELP = {"contact": "Contact id or email.", "company": "Company id or name.", "deal": "Deal id.",
            "ticket": "Ticket id.", "followup": "Follow-up id."}


def add_command(app: typer.Typer, kind: str) -> None:
    """Give a noun's sub-app its `history` command."""

    @app.command("history")
    def show_history(ref: str = typer.Argument(..., help=REF_HELP[kind]), fmt: Format = FormatOption):
        """Who changed what and when, newest first (a record in the trash keeps its history)."""
        rows = history.of(kind, ref)
        if fmt == Format.table:  # times in the owner's timezone; JSON and CSV keep ISO UTC
            rows = [{**r, "at": display.when(r["at"])} for r in rows]
        print_rows(rows, fmt, COLUMNS)
