"""crm followup: things to do and people to call back."""
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
    table_limit,
    with_contact,
)
from cli.remind import show_ranked
from cli.user import MineOption, owner_or_mine
from db.services import followups, urgency

app = sub_app("Follow-ups: add, list, edit, done, snooze, reschedule, cancel, delete, restore, history.")

COLUMNS = ["id", "due", "subject", "priority", "contact", "deal_id", "ticket_id", "every", "status"]


@app.command("add")
def add(
    subject: str = typer.Argument(...),
    due: str = typer.Option(..., "--due", help="When: 2026-11-24 09:00, tomorrow 9:30, friday, +3d ..."),
    contact: str = typer.Option(None, "--contact", help="Contact id or email."),
    company: str = typer.Option(None, "--company"),
    deal: str = typer.Option(None, "--deal"),
    ticket: str = typer.Option(None, "--ticket"),
    every: str = typer.Option(None, "--every", help="Repeat: 3d, 2w, 1m, 1y or weekdays."),
    priority: str = typer.Option("normal", "--priority", help="low, normal, high or urgent."),
    owner: str = typer.Option(None, "--owner"),
    notes: str = typer.Option(None, "--notes"),
    fmt: Format = FormatOption,
):
    """Add a follow-up."""
    print_record(followups.create(subject, due, contact=contact, company=company, deal=deal, ticket=ticket,
                                  every=every, priority=priority, owner=owner, notes=notes), fmt)


@app.command("list")
def list_cmd(
    overdue: bool = typer.Option(False, "--overdue", help="Past their due time."),
    today: bool = typer.Option(False, "--today", help="Due today."),
    week: bool = typer.Option(False, "--week", help="Due in the next 7 days."),
    status: str = typer.Option("open", "--status", help="open, done, cancelled or all."),
    contact: str = typer.Option(None, "--contact", help="Contact id or email."),
    owner: str = typer.Option(None, "--owner", help="Only follow-ups this user owns."),
    mine: bool = MineOption,
    sort: str = typer.Option("due", "--sort", help="due or urgency (same as crm next)."),
    explain: bool = typer.Option(False, "--explain", help="With --sort urgency: show the score's parts."),
    limit: int = LimitOption,
    fmt: Format = FormatOption,
):
    """List follow-ups by due time (snoozed ones hide from --overdue/--today/--week)."""
    owner = owner_or_mine(owner, mine)
    if sort == "urgency":
        show_ranked(urgency.ranked(table_limit(fmt, limit), owner), fmt, explain)
        return
    if sort != "due":
        raise typer.BadParameter("choose due or urgency", param_hint="--sort")
    windows = [w for w, on in (("overdue", overdue), ("today", today), ("week", week)) if on]
    if len(windows) > 1:
        raise typer.BadParameter("choose one of --overdue, --today, --week")
    page = followups.list_(when=windows[0] if windows else None, status=status, contact=contact, owner=owner,
                           limit=table_limit(fmt, limit))
    print_rows(page.rows if fmt != Format.table else with_contact(page.rows), fmt, COLUMNS, page.total)


@app.command("show")
def show(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """One follow-up."""
    print_record(followups.show(ref), fmt)


@app.command("done")
def done(ref: str = typer.Argument(...), note: str = typer.Option(None, "--note"),
         from_done: bool = typer.Option(False, "--from-done", help="Schedule the next occurrence from today."),
         fmt: Format = FormatOption):
    """Complete a follow-up (a recurring one schedules its next occurrence)."""
    print_record(followups.done(ref, note=note, from_done=from_done), fmt)


@app.command("snooze")
def snooze(ref: str = typer.Argument(...), for_: str = typer.Option(None, "--for", help="2h, 1d, 1w ..."),
           until: str = typer.Option(None, "--until", help="A date and time."), fmt: Format = FormatOption):
    """Hide a follow-up until later."""
    print_record(followups.snooze(ref, for_=for_, until=until), fmt)


@app.command("reschedule")
def reschedule(ref: str = typer.Argument(...), due: str = typer.Argument(...),
               expect_version: int = ExpectVersionOption, fmt: Format = FormatOption):
    """Give a follow-up a new due time."""
    print_record(followups.reschedule(ref, due, expected_version=expect_version), fmt)


@app.command("edit")
def edit(
    ref: str = typer.Argument(...),
    subject: str = typer.Option(None, "--subject"),
    due: str = typer.Option(None, "--due", help="When: 2026-11-24 09:00, tomorrow 9:30, friday, +3d ..."),
    priority: str = typer.Option(None, "--priority", help="low, normal, high or urgent."),
    every: str = typer.Option(None, "--every", help="Repeat: 3d, 2w, 1m, 1y or weekdays; '' stops it."),
    owner: str = typer.Option(None, "--owner"),
    notes: str = typer.Option(None, "--notes", help="'' clears them."),
    expect_version: int = ExpectVersionOption,
    fmt: Format = FormatOption,
):
    """Change a follow-up."""
    values = given(subject=subject, due=due, priority=priority, every=every, owner=owner, notes=notes)
    print_record(followups.update(ref, values, expected_version=expect_version), fmt)


@app.command("cancel")
def cancel(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Cancel a follow-up (kept, marked cancelled)."""
    print_record(followups.cancel(ref), fmt)


@app.command("delete")
def delete(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Move a follow-up to the trash."""
    print_record(followups.delete(ref), fmt)


@app.command("restore")
def restore(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Bring a follow-up back from the trash."""
    print_record(followups.restore(ref), fmt)
