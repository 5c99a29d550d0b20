"""crm segment: saved views of contacts (`crm contact list --segment NAME` uses one)."""
from __future__ import annotations

from typing import Optional

import typer

from cli.app import fail, sub_app
from cli.output import Format, FormatOption, print_record, print_rows, say
from db.errors import Duplicate
from db.services import segments

app = sub_app("Segments: saved contact views (save, list, show, delete).")

FIELDS = ["name", "description", "contacts", "created_at", "updated_at"]


def _people(record: dict) -> dict:
    """Tables and CSV show the filters as the app's search words; JSON keeps them whole."""
    return {"name": record["name"], "filters": record["description"], "contacts": record["contacts"],
            "created_at": record["created_at"], "updated_at": record["updated_at"]}


def _print(record: dict, fmt: Format) -> None:
    print_record(record if fmt == Format.json else _people(record), fmt,
                 ["name", "filters", "contacts", "created_at", "updated_at"])


@app.command("save")
def save(
    name: str = typer.Argument(..., help="The segment's name (case does not matter when it is used)."),
    query: str = typer.Option(None, "--search", "-s", help="Contacts matching this text."),
    tag: str = typer.Option(None, "--tag", help="Contacts with this tag."),
    stage: str = typer.Option(None, "--stage", help="lead, prospect, customer or former."),
    owner: str = typer.Option(None, "--owner", help="Contacts this user owns."),
    company: str = typer.Option(None, "--company", help="Company id or name."),
    do_not_contact: Optional[bool] = typer.Option(None, "--do-not-contact/--contactable",
                                                  help="Only people marked do-not-contact, or only the others."),
    replace: bool = typer.Option(False, "--replace", help="Give an existing segment these filters."),
    fmt: Format = FormatOption,
):
    """Save these contact filters as a segment."""
    try:
        record = segments.save(name, {"query": query, "tag": tag, "stage": stage, "owner": owner, "company": company,
                                      "do_not_contact": do_not_contact}, replace=replace)
    except Duplicate as exc:
        fail(f"{exc}; add --replace to give it these filters", 1)
    if record["replaced"]:
        say(f"segment {record['name']!r} replaced")
    _print(record, fmt)


@app.command("list")
def list_cmd(fmt: Format = FormatOption):
    """The saved segments, with how many contacts each holds today."""
    rows = segments.list_()
    print_rows(rows if fmt == Format.json else [_people(r) for r in rows], fmt, ["name", "filters", "contacts"])


@app.command("show")
def show(name: str = typer.Argument(..., help="Segment name."), fmt: Format = FormatOption):
    """One segment: its filters and how many contacts it holds (crm contact list --segment NAME lists them)."""
    _print(segments.show(name), fmt)


@app.command("delete")
def delete(name: str = typer.Argument(..., help="Segment name."), fmt: Format = FormatOption):
    """Forget a segment (its contacts are not touched)."""
    _print(segments.delete(name), fmt)
