"""crm deal: the sales pipeline."""
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
from db.services import deals

app = sub_app("Deals: add, list, show, edit, move, won, lost, delete, restore, history.")

# no currency column: the amount carries its symbol (£33,600.00)
COLUMNS = ["id", "title", "stage", "amount", "probability", "contact", "company", "expected_close"]


@app.command("add")
def add(
    title: str = typer.Argument(...),
    contact: str = typer.Option(None, "--contact", help="Contact id or email."),
    company: str = typer.Option(None, "--company", help="Company id or name."),
    amount: str = typer.Option(None, "--amount", help="e.g. 12500 or 12,500.50"),
    currency: str = typer.Option(None, "--currency", help="ISO 4217 code (default from config)."),
    stage: str = typer.Option(None, "--stage", help="Pipeline stage (default: the first)."),
    probability: int = typer.Option(None, "--probability", help="Percent (default from the stage)."),
    expected_close: str = typer.Option(None, "--close", help="Expected close date."),
    owner: str = typer.Option(None, "--owner"),
    notes: str = typer.Option(None, "--notes"),
    fmt: Format = FormatOption,
):
    """Add a deal."""
    print_record(deals.create(given(title=title, contact=contact, company=company, amount=amount, currency=currency,
                                    stage=stage, probability=probability, expected_close=expected_close,
                                    owner=owner, notes=notes)), fmt)


@app.command("list")
def list_cmd(
    query: str = typer.Option(None, "--search", "-s", help="Only deals matching this text."),
    stage: str = typer.Option(None, "--stage", help="A pipeline stage (see crm report pipeline)."),
    status: str = typer.Option(None, "--status", help="open, won or lost."),
    owner: str = typer.Option(None, "--owner", help="Only deals this user owns."),
    mine: bool = MineOption,
    contact: str = typer.Option(None, "--contact", help="Contact id or email."),
    company: str = typer.Option(None, "--company", help="Company id or name."),
    limit: int = LimitOption,
    fmt: Format = FormatOption,
):
    """List deals in pipeline order."""
    owner = owner_or_mine(owner, mine)
    page = deals.list_(query=query, stage=stage, status=status, owner=owner, contact=contact, company=company,
                       limit=table_limit(fmt, limit))
    print_rows(page.rows, fmt, COLUMNS, page.total)


@app.command("show")
def show(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """One deal with its stage history and timeline."""
    record = deals.show(ref)
    print_record(record, fmt)
    if fmt == Format.table:
        print_section("Stage history", record["history"], ["stage", "entered_at", "left_at"])
        print_section("Timeline", record["timeline"], ["occurred_at", "kind", "body", "author"])


@app.command("edit")
def edit(
    ref: str = typer.Argument(...),
    title: str = typer.Option(None, "--title"),
    contact: str = typer.Option(None, "--contact"),
    company: str = typer.Option(None, "--company"),
    amount: str = typer.Option(None, "--amount"),
    currency: str = typer.Option(None, "--currency"),
    probability: int = typer.Option(None, "--probability"),
    expected_close: str = typer.Option(None, "--close"),
    owner: str = typer.Option(None, "--owner"),
    notes: str = typer.Option(None, "--notes"),
    expect_version: int = ExpectVersionOption,
    fmt: Format = FormatOption,
):
    """Change a deal (use move/won/lost for its stage)."""
    print_record(deals.update(ref, given(title=title, contact=contact, company=company, amount=amount,
                                         currency=currency, probability=probability,
                                         expected_close=expected_close, owner=owner, notes=notes),
                                 expected_version=expect_version), fmt)


@app.command("move")
def move(ref: str = typer.Argument(...), stage: str = typer.Argument(..., help="The new stage."),
         probability: int = typer.Option(None, "--probability"), fmt: Format = FormatOption):
    """Move a deal to another stage (recorded in its history)."""
    print_record(deals.move(ref, stage, probability=probability), fmt)


@app.command("won")
def won(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Mark a deal won."""
    print_record(deals.won(ref), fmt)


@app.command("lost")
def lost(ref: str = typer.Argument(...), reason: str = typer.Option(None, "--reason", help="Why it was lost."),
         fmt: Format = FormatOption):
    """Mark a deal lost."""
    print_record(deals.lost(ref, reason), fmt)


@app.command("delete")
def delete(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Move a deal to the trash."""
    print_record(deals.delete(ref), fmt)


@app.command("restore")
def restore(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Bring a deal back from the trash."""
    print_record(deals.restore(ref), fmt)
