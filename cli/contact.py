"""crm contact: people."""
from __future__ import annotations

from typing import List, Optional

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
from db.services import contacts, views

app = sub_app("Contacts: add, list, show, edit, delete, restore, merge, history.")

COLUMNS = ["id", "name", "email", "phone", "company", "title", "stage", "tags"]
FIELDS = ["id", "name", "email", "emails", "phone", "phones", "company", "title", "stage", "tags",
          "birthday", "address", "do_not_contact", "owner", "source", "notes", "created_at", "updated_at"]
BIRTHDAY_HELP = "YYYY-MM-DD, or --MM-DD without a year."


@app.command("add")
def add(
    first_name: str = typer.Option(None, "--first-name"),
    last_name: str = typer.Option(None, "--last-name"),
    email: List[str] = typer.Option([], "--email", help="Repeat for more addresses; the first is primary."),
    phone: List[str] = typer.Option([], "--phone", help="Repeat for more numbers; the first is primary."),
    company: str = typer.Option(None, "--company", help="Company id or name (created if new)."),
    title: str = typer.Option(None, "--title"),
    tag: List[str] = typer.Option([], "--tag", help=TAG_HELP),
    stage: str = typer.Option(None, "--stage", help="lead, prospect, customer or former."),
    source: str = typer.Option(None, "--source"),
    owner: str = typer.Option(None, "--owner"),
    do_not_contact: bool = typer.Option(False, "--do-not-contact"),
    notes: str = typer.Option(None, "--notes"),
    birthday: str = typer.Option(None, "--birthday", help=BIRTHDAY_HELP),
    address: str = typer.Option(None, "--address", help="Postal address; lines may be separated by newlines."),
    allow_duplicate: bool = typer.Option(False, "--allow-duplicate", help="Add even if the email or phone is taken."),
    fmt: Format = FormatOption,
):
    """Add a contact. Refuses an email or phone another contact already has."""
    record = contacts.create(
        given(first_name=first_name, last_name=last_name, company=company, title=title, stage=stage,
                source=source, owner=owner, notes=notes, do_not_contact=do_not_contact or None,
                birthday=birthday, address=address),
        emails=email, phones=phone, tags=typed_tags(tag), allow_duplicate=allow_duplicate)
    print_record(record, fmt, FIELDS)


@app.command("list")
def list_cmd(
    query: str = typer.Option(None, "--search", "-s", help="Only contacts matching this text."),
    tag: str = typer.Option(None, "--tag", help="Only contacts with this tag."),
    stage: str = typer.Option(None, "--stage", help="lead, prospect, customer or former."),
    owner: str = typer.Option(None, "--owner", help="Only contacts this user owns."),
    mine: bool = MineOption,
    company: str = typer.Option(None, "--company", help="Company id or name."),
    do_not_contact: Optional[bool] = typer.Option(None, "--do-not-contact/--contactable"),
    segment: str = typer.Option(None, "--segment", help="A saved segment; other filters narrow it further."),
    sort: str = typer.Option(None, "--sort", help=f"{', '.join(contacts.SORTS)}; a leading - sorts descending (default name)."),
    limit: int = LimitOption,
    fmt: Format = FormatOption,
):
    """List contacts, by last name unless --sort says otherwise."""
    owner = owner_or_mine(owner, mine)
    page = contacts.list_(query=query, tag=tag, stage=stage, owner=owner, company=company,
                          do_not_contact=do_not_contact, segment=segment, sort=sort, limit=table_limit(fmt, limit))
    print_rows(page.rows, fmt, COLUMNS, page.total)


@app.command("show")
def show(ref: str = typer.Argument(..., help="Contact id or email."), fmt: Format = FormatOption):
    """Everything about one contact: details, company, deals, tickets, follow-ups, timeline."""
    record = views.contact(ref)
    print_record(record, fmt, FIELDS)
    if fmt == Format.table:
        print_section("Open deals", record["deals"], ["id", "title", "stage", "amount", "currency", "expected_close"])
        print_section("Open tickets", record["tickets"], ["id", "subject", "status", "priority", "created_at"])
        print_section("Follow-ups", record["followups"], ["id", "due", "subject", "priority", "every"])
        print_section("Timeline", record["timeline"], ["occurred_at", "kind", "body", "about", "author"])


@app.command("edit")
def edit(
    ref: str = typer.Argument(..., help="Contact id or email."),
    first_name: str = typer.Option(None, "--first-name"),
    last_name: str = typer.Option(None, "--last-name"),
    email: List[str] = typer.Option(None, "--email", help="Replace all addresses with these."),
    add_email: List[str] = typer.Option([], "--add-email"),
    remove_email: List[str] = typer.Option([], "--remove-email"),
    phone: List[str] = typer.Option(None, "--phone", help="Replace all numbers with these."),
    add_phone: List[str] = typer.Option([], "--add-phone"),
    remove_phone: List[str] = typer.Option([], "--remove-phone"),
    company: str = typer.Option(None, "--company", help="Company id or name; '' to clear."),
    title: str = typer.Option(None, "--title"),
    stage: str = typer.Option(None, "--stage"),
    source: str = typer.Option(None, "--source"),
    owner: str = typer.Option(None, "--owner"),
    notes: str = typer.Option(None, "--notes"),
    birthday: str = typer.Option(None, "--birthday", help=BIRTHDAY_HELP + " '' clears it."),
    address: str = typer.Option(None, "--address", help="Postal address; '' clears it."),
    do_not_contact: Optional[bool] = typer.Option(None, "--do-not-contact/--contactable"),
    tag: List[str] = typer.Option([], "--tag", help="Add tags. " + TAG_HELP),
    untag: List[str] = typer.Option([], "--untag", help="Remove tags, written as for --tag."),
    allow_duplicate: bool = typer.Option(False, "--allow-duplicate"),
    expect_version: int = ExpectVersionOption,
    fmt: Format = FormatOption,
):
    """Change a contact."""
    record = contacts.update(
        ref,
        given(first_name=first_name, last_name=last_name, company=company, title=title, stage=stage,
                source=source, owner=owner, notes=notes, do_not_contact=do_not_contact,
                birthday=birthday, address=address),
        emails=email or None, add_emails=add_email, remove_emails=remove_email,
        phones=phone or None, add_phones=add_phone, remove_phones=remove_phone,
        add=typed_tags(tag), remove=typed_tags(untag), allow_duplicate=allow_duplicate,
        expected_version=expect_version)
    print_record(record, fmt, FIELDS)


@app.command("delete")
def delete(ref: str = typer.Argument(..., help="Contact id or email."), fmt: Format = FormatOption):
    """Move a contact to the trash (crm contact restore brings it back)."""
    print_record(contacts.delete(ref), fmt, FIELDS)


@app.command("restore")
def restore(ref: str = typer.Argument(..., help="Contact id."), fmt: Format = FormatOption):
    """Bring a contact back from the trash."""
    print_record(contacts.restore(ref), fmt, FIELDS)


@app.command("merge")
def merge(
    keep: str = typer.Argument(..., help="The contact to keep (id or email)."),
    other: str = typer.Argument(..., help="The contact folded into it, then trashed."),
    fmt: Format = FormatOption,
):
    """Merge two contacts: KEEP gains OTHER's details, deals, follow-ups, tickets and timeline."""
    print_record(contacts.merge(keep, other), fmt, FIELDS)
