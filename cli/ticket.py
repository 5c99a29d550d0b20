"""crm ticket: service requests."""
from __future__ import annotations

import typer

from cli.app import given, sub_app
from cli.output import (
    ExpectVersionOption,
    Format,
    FormatOption,
    LimitOption,
    print_record,
    print_rows,
    print_section,
    table_limit,
)
from cli.user import MineOption, owner_or_mine
from db.services import tickets

app = sub_app("Tickets: add, list, show, edit, status, comment, assign, delete, restore, history.")

COLUMNS = ["id", "subject", "status", "priority", "contact", "company", "assignee", "created_at", "overdue", "breached"]


@app.command("add")
def add(
    subject: str = typer.Argument(...),
    description: str = typer.Option(None, "--description", "-d"),
    contact: str = typer.Option(None, "--contact", help="Contact id or email."),
    company: str = typer.Option(None, "--company"),
    priority: str = typer.Option(None, "--priority", help="low, normal, high or urgent."),
    channel: str = typer.Option(None, "--channel", help="phone, email, walk-in, web or other."),
    assignee: str = typer.Option(None, "--assignee"),
    fmt: Format = FormatOption,
):
    """Open a ticket."""
    print_record(tickets.create(given(subject=subject, description=description, contact=contact, company=company,
                                      priority=priority, channel=channel, assignee=assignee)), fmt)


@app.command("list")
def list_cmd(
    query: str = typer.Option(None, "--search", "-s", help="Only tickets matching this text."),
    status: str = typer.Option(None, "--status", help="new, open, pending, resolved, closed or all (default: not yet resolved)."),
    priority: str = typer.Option(None, "--priority", help="low, normal, high or urgent."),
    assignee: str = typer.Option(None, "--assignee", help="Only tickets assigned to this user."),
    contact: str = typer.Option(None, "--contact", help="Contact id or email."),
    overdue: bool = typer.Option(False, "--overdue", help="Past their resolution time."),
    breached: bool = typer.Option(False, "--breached",
                                  help="Answered or resolved late, or still waiting past the due time "
                                       "(with --status all: closed ones too)."),
    mine: bool = MineOption,
    limit: int = LimitOption,
    fmt: Format = FormatOption,
):
    """The ticket queue: most urgent, then oldest first."""
    assignee = owner_or_mine(assignee, mine, "--assignee")  # a ticket is mine when it is assigned to me
    page = tickets.list_(query=query, status=status, priority=priority, assignee=assignee, contact=contact,
                         overdue=overdue, limit=table_limit(fmt, limit), breached=breached)
    print_rows(page.rows, fmt, COLUMNS, page.total)


@app.command("show")
def show(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """One ticket with its comments and history."""
    record = tickets.show(ref)
    print_record(record, fmt)
    if fmt == Format.table:
        print_section("Timeline", record["timeline"], ["occurred_at", "kind", "body", "author"])


@app.command("edit")
def edit(
    ref: str = typer.Argument(...),
    subject: str = typer.Option(None, "--subject"),
    description: str = typer.Option(None, "--description", "-d"),
    contact: str = typer.Option(None, "--contact"),
    company: str = typer.Option(None, "--company"),
    priority: str = typer.Option(None, "--priority"),
    channel: str = typer.Option(None, "--channel"),
    expect_version: int = ExpectVersionOption,
    fmt: Format = FormatOption,
):
    """Change a ticket."""
    print_record(tickets.update(ref, given(subject=subject, description=description, contact=contact,
                                           company=company, priority=priority, channel=channel),
                                 expected_version=expect_version), fmt)


@app.command("status")
def status(ref: str = typer.Argument(...), new_status: str = typer.Argument(..., metavar="STATUS"),
           note: str = typer.Option(None, "--note"), fmt: Format = FormatOption):
    """Set a ticket's status: new, open, pending, resolved or closed."""
    print_record(tickets.set_status(ref, new_status, note), fmt)


@app.command("comment")
def comment(ref: str = typer.Argument(...), body: str = typer.Argument(...),
            author: str = typer.Option(None, "--author"),
            internal: bool = typer.Option(False, "--internal",
                                          help="A note for the team, not a reply: it is not a response."),
            fmt: Format = FormatOption):
    """Reply on a ticket (the first reply is its first response), or note with --internal."""
    print_record(tickets.comment(ref, body, author, internal), fmt)


@app.command("assign")
def assign(ref: str = typer.Argument(...), assignee: str = typer.Argument(..., help="Who; '' to unassign."),
           fmt: Format = FormatOption):
    """Assign a ticket."""
    print_record(tickets.assign(ref, assignee), fmt)


@app.command("delete")
def delete(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Move a ticket to the trash."""
    print_record(tickets.delete(ref), fmt)


@app.command("restore")
def restore(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Bring a ticket back from the trash."""
    print_record(tickets.restore(ref), fmt)
