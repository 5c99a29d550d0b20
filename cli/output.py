"""Printing records: one shared --format option, data on stdout, messages on stderr."""
from __future__ import annotations

import csv
import enum
import json
import shutil
import sys

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from db import display


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = typer.Option(Format.table, "--format", "-f", help="Output format: table, json or csv.")
# min/max: a negative or beyond-64-bit limit is a usage error (exit 2), not a database error.
LimitOption = typer.Option(None, "--limit", "-n", min=0, max=2 ** 63 - 1,
                           help="Show at most N rows (0 = all). Tables default to one screenful.")
# A script states the version it read (show --format json): someone else's change since is refused (exit 1).
ExpectVersionOption = typer.Option(None, "--expect-version", min=1, metavar="N",
                                   help="Refuse the edit if the record is no longer at version N.")


def _stdout() -> Console:
    # Piped tables keep their full width instead of wrapping at 80 columns.
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 200, highlight=False)


def say(message: str) -> None:
    """A message for the person, never mixed into the data on stdout."""
    typer.echo(message, err=True)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# Tables are for people: money with its symbol, phones spaced, times in the owner's
# timezone (db/display.py). JSON and CSV keep the machine forms: decimal strings, E.164, ISO.
_MONEY_KEYS = {"amount", "total", "weighted", "won_total", "open_pipeline", "value"}
_TIME_KEYS = {"due", "expected_close", "last_touch", "last_won", "birthday"}


def _is_time(key: str) -> bool:
    return key in _TIME_KEYS or key.endswith(("_at", "_until", "_due"))


def _for_people(key: str, value, row: dict):
    if isinstance(value, str) and key in _MONEY_KEYS and isinstance(row.get("currency"), str):
        return display.amount(value, row["currency"])
    if key in ("phone", "phones"):
        return [display.phone(v) for v in value] if isinstance(value, list) else display.phone(value)
    if isinstance(value, str) and _is_time(key):
        return display.when(value)
    return value


def _people_row(row: dict) -> dict:
    return {k: _for_people(k, v, row) for k, v in row.items()}


def _flat(record: dict, prefix: str = "") -> dict:
    """A nested record (done's "next" follow-up) as plain columns: next_id, next_due ...
    A CSV cell holds a value, never a JSON object."""
    out = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}_"))
        else:
            out[prefix + key] = value
    return out


def _text(value) -> Text:
    # Text, not str: rich reads a str cell as markup, and a name like "[/]" or
    # "[link=file:///etc/passwd]" is the customer's text, not formatting.
    return Text(_cell(value))


def _label(key: str) -> str:
    return key.replace("_", " ")


def print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def screenful() -> int:
    return max(10, shutil.get_terminal_size((100, 30)).lines - 6)


def table_limit(fmt: Format, limit: int | None) -> int | None:
    """The row limit to ask the service for (None = all)."""
    if limit is not None:
        return limit or None
    return screenful() if fmt == Format.table else None


def print_rows(rows: list[dict], fmt: Format, columns: list[str], total: int | None = None,
               title: str | None = None) -> None:
    """A list: a table of the chosen columns, a JSON array of whole records, or CSV."""
    if fmt == Format.json:
        print_json(rows)
    elif fmt == Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        rows = [_flat(r) for r in rows]
        keys = list(rows[0].keys()) if rows else columns
        writer.writerow(keys)
        for row in rows:
            writer.writerow([_cell(row.get(k)) for k in keys])
    else:
        if not rows:
            say("nothing found")
        else:
            table = Table(title=Text(title) if title else None, show_edge=False, header_style="bold")
            for col in columns:
                table.add_column(_label(col), overflow="fold")
            for row in rows:
                shown = _people_row(row)
                table.add_row(*(_text(shown.get(c)) for c in columns))
            _stdout().print(table)
    if total is not None and total > len(rows):
        say(f"{total - len(rows)} more not shown; use --limit 0 to see all")


def print_record(record: dict, fmt: Format, fields: list[str] | None = None) -> None:
    """One record: key/value lines, a JSON object, or a one-row CSV."""
    if fmt == Format.json:
        print_json(record)
    elif fmt == Format.csv:
        flat = {k: v for k, v in _flat(record).items() if not (isinstance(v, list) and v and isinstance(v[0], dict))}
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(flat.keys())
        writer.writerow([_cell(v) for v in flat.values()])
    else:
        table = Table(show_header=False, show_edge=False, box=None, padding=(0, 2, 0, 0))
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        shown = _people_row(_flat(record))
        for key in fields or shown.keys():
            value = shown.get(key)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                continue
            table.add_row(Text(_label(key)), _text(value))
        _stdout().print(table)


def print_section(title: str, rows: list[dict], columns: list[str]) -> None:
    """A titled sub-table inside a table-format `show`."""
    console = _stdout()
    console.print()
    if not rows:
        console.print(Text.assemble((title, "bold"), ": none"))
        return
    table = Table(title=Text(title), title_justify="left", title_style="bold", show_edge=False, header_style="bold")
    for col in columns:
        table.add_column(_label(col), overflow="fold")
    for row in rows:
        shown = _people_row(row)
        table.add_row(*(_text(shown.get(c)) for c in columns))
    console.print(table)


def with_contact(rows: list[dict]) -> list[dict]:
    """Table rows name the contact ("Ann Lee"); one without a name shows its id (#4)."""
    return [{**r, "contact": r.get("contact_name") or (f"#{r['contact_id']}" if r.get("contact_id") else None)}
            for r in rows]
