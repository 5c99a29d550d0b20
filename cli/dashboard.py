"""Bare `crm` until the full-screen UI lands: the morning summary."""
from __future__ import annotations

from rich.markup import escape

from cli.output import _stdout
from db import display
from db.services import dashboard


def show_dashboard() -> None:
    data = dashboard.summary()
    console = _stdout()
    f = data["followups"]
    t = data["tickets"]
    console.print(f"[bold]{data['contacts']}[/] contacts · [bold]{data['companies']}[/] companies · "
                  f"[bold]{data['open_deals']}[/] open deals · [bold]{t['open']}[/] open tickets")
    console.print(f"Follow-ups: [red]{f['overdue']} overdue[/] · {f['today']} today · {f['week']} this week")
    for item in data["due_followups"][:10]:
        # escape(): a subject like "[/]" is the user's text, not rich markup
        console.print(f"  {display.when(item['due']):<17}  #{item['id']:<4} {escape(item['subject'])}  [dim]({item['priority']})[/]")
    if data["pipeline"]:
        console.print("Pipeline: " + " · ".join(
            escape(f"{p['stage']} {p['count']} ({display.amount(p['total'], p['currency'])})") for p in data["pipeline"]))
    console.print("[dim]crm --help lists every command[/]")
