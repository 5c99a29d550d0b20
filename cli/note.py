"""crm note: log a note, call, email or meeting on a record's timeline."""
from __future__ import annotations

import typer

from cli.app import sub_app
from cli.output import Format, FormatOption, print_record
from db.services import activities

app = sub_app("Notes and logged calls, emails and meetings.")


@app.command("add")
def add(
    body: str = typer.Argument(..., help="What happened."),
    contact: str = typer.Option(None, "--contact", help="Contact id or email."),
    company: str = typer.Option(None, "--company", help="Company id."),
    deal: str = typer.Option(None, "--deal"),
    ticket: str = typer.Option(None, "--ticket"),
    kind: str = typer.Option("note", "--kind", help="note, call, email or meeting."),
    when: str = typer.Option(None, "--when", help="When it happened (default: now)."),
    fmt: Format = FormatOption,
):
    """Log an activity."""
    print_record(activities.add(body, kind=kind, contact=contact, company=company, deal=deal, ticket=ticket,
                                when=when), fmt)
