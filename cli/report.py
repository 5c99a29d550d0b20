"""crm report: pipeline, follow-ups and tickets at a glance."""
from __future__ import annotations

from cli.app import sub_app
from cli.output import Format, FormatOption, print_json, print_record, print_rows
from db.services import deals, followups, tickets

app = sub_app("Reports: pipeline, followups, tickets.")


@app.command("pipeline")
def pipeline(fmt: Format = FormatOption):
    """Deals per stage and currency: count, total and probability-weighted value."""
    print_rows(deals.pipeline(), fmt, ["stage", "currency", "count", "total", "weighted"])


@app.command("followups")
def followups_report(fmt: Format = FormatOption):
    """Open follow-ups overdue, due today and due in the next 7 days."""
    print_record(followups.counts(), fmt)


@app.command("tickets")
def tickets_report(fmt: Format = FormatOption):
    """Open tickets by status and priority, and the oldest open one."""
    data = tickets.report()
    if fmt == Format.json:
        print_json(data)
        return
    rows = ([{"group": "status", "value": k, "count": v} for k, v in data["by_status"].items()]
            + [{"group": "priority", "value": k, "count": v} for k, v in data["by_priority"].items()])
    oldest = data["oldest_open"]
    rows.append({"group": "overdue", "value": "", "count": data["overdue"]})
    rows.append({"group": "oldest open", "value": f"#{oldest['id']} {oldest['subject']} ({oldest['age_days']} days)"
                 if oldest else "none", "count": ""})
    print_rows(rows, fmt, ["group", "value", "count"])
