"""crm company: organisations."""
from __future__ import annotations

from typing import List

import typer

from cli.app import TAG_HELP, given, sub_app, typed_tags
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
from db.services import companies, views

app = sub_app("Companies: add, list, show, edit, delete, restore, history.")

COLUMNS = ["id", "name", "domain", "industry", "city", "country", "contacts", "tags"]
FIELDS = ["id", "name", "domain", "industry", "phone", "email", "address", "city", "country", "owner", "tags",
          "contacts", "notes", "created_at", "updated_at"]


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Company name."),
    domain: str = typer.Option(None, "--domain", help="Website or domain."),
    industry: str = typer.Option(None, "--industry"),
    phone: str = typer.Option(None, "--phone"),
    email: str = typer.Option(None, "--email"),
    address: str = typer.Option(None, "--address"),
    city: str = typer.Option(None, "--city"),
    country: str = typer.Option(None, "--country"),
    notes: str = typer.Option(None, "--notes"),
    owner: str = typer.Option(None, "--owner"),
    tag: List[str] = typer.Option([], "--tag", help=TAG_HELP),
    allow_duplicate: bool = typer.Option(False, "--allow-duplicate", help="Add even if the name is taken."),
    fmt: Format = FormatOption,
):
    """Add a company."""
    values = given(name=name, domain=domain, industry=industry, phone=phone, email=email, address=address,
                      city=city, country=country, notes=notes, owner=owner)
    print_record(companies.create(values, tags=typed_tags(tag), allow_duplicate=allow_duplicate), fmt)


@app.command("list")
def list_cmd(
    query: str = typer.Option(None, "--search", "-s", help="Only companies matching this text."),
    tag: str = typer.Option(None, "--tag", help="Only companies with this tag."),
    owner: str = typer.Option(None, "--owner", help="Only companies this user owns."),
    mine: bool = MineOption,
    sort: str = typer.Option(None, "--sort", help=f"{', '.join(companies.SORTS)}; a leading - sorts descending (default name)."),
    limit: int = LimitOption,
    fmt: Format = FormatOption,
):
    """List companies by name unless --sort says otherwise."""
    owner = owner_or_mine(owner, mine)
    page = companies.list_(query=query, tag=tag, owner=owner, sort=sort, limit=table_limit(fmt, limit))
    print_rows(page.rows, fmt, COLUMNS, page.total)


@app.command("show")
def show(ref: str = typer.Argument(..., help="Company id or exact name."), fmt: Format = FormatOption):
    """Everything about one company: details, people, deals, tickets, follow-ups, timeline."""
    record = views.company(ref)
    print_record(record, fmt, FIELDS)
    if fmt == Format.table:
        print_section("People", record["people"], ["id", "name", "email", "phone", "title", "stage"])
        print_section("Open deals", record["deals"], ["id", "title", "contact", "stage", "amount", "currency"])
        print_section("Open tickets", record["tickets"], ["id", "subject", "status", "priority", "created_at"])
        print_section("Follow-ups", record["followups"], ["id", "due", "subject", "priority", "every"])
        print_section("Timeline", record["timeline"], ["occurred_at", "kind", "body", "about", "author"])


@app.command("edit")
def edit(
    ref: str = typer.Argument(..., help="Company id or exact name."),
    name: str = typer.Option(None, "--name"),
    domain: str = typer.Option(None, "--domain"),
    industry: str = typer.Option(None, "--industry"),
    phone: str = typer.Option(None, "--phone"),
    email: str = typer.Option(None, "--email"),
    address: str = typer.Option(None, "--address"),
    city: str = typer.Option(None, "--city"),
    country: str = typer.Option(None, "--country"),
    notes: str = typer.Option(None, "--notes"),
    owner: str = typer.Option(None, "--owner"),
    tag: List[str] = typer.Option([], "--tag", help="Add tags. " + TAG_HELP),
    untag: List[str] = typer.Option([], "--untag", help="Remove tags, written as for --tag."),
    expect_version: int = ExpectVersionOption,
    fmt: Format = FormatOption,
):
    """Change a company."""
    values = given(name=name, domain=domain, industry=industry, phone=phone, email=email, address=address,
                      city=city, country=country, notes=notes, owner=owner)
    print_record(companies.update(ref, values, add=typed_tags(tag), remove=typed_tags(untag),
                                  expected_version=expect_version), fmt)


@app.command("delete")
def delete(ref: str = typer.Argument(...), fmt: Format = FormatOption):
    """Move a company to the trash."""
    print_record(companies.delete(ref), fmt)


@app.command("restore")
def restore(ref: str = typer.Argument(..., help="Company id."), fmt: Format = FormatOption):
    """Bring a company back from the trash."""
    print_record(companies.restore(ref), fmt)
