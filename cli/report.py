"""crm report: pipeline, forecast, sales, customers, follow-ups and tickets at a glance.

The report services return money as int minor units; here JSON and CSV get the same
decimal strings as the rest of the JSON ("33600.00"), and tables show them with their
symbol (cli.output formats every money column through db.display)."""
from __future__ import annotations

import typer

from cli.app import sub_app
from cli.output import (
    Format,
    FormatOption,
    LimitOption,
    print_json,
    print_record,
    print_rows,
    print_section,
    table_limit,
)
from db.services import deals, followups, reports, tickets
from db.services.deals import decimal_amount

app = sub_app("Reports: pipeline, forecast, sales, customers, followups, tickets.")

OwnerOption = typer.Option(None, "--owner", help="Only deals this user owns.")


def _money(row: dict, *keys: str) -> dict:
    """The row with these int minor-unit amounts as decimal strings."""
    return {k: decimal_amount(v, row["currency"]) if k in keys else v for k, v in row.items()}


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


@app.command("pipeline")
def pipeline(fmt: Format = FormatOption):
    """Deals per stage and currency: count, total and probability-weighted value."""
    print_rows(deals.pipeline(), fmt, ["stage", "currency", "count", "total", "weighted"])


@app.command("forecast")
def forecast(months: int = typer.Option(6, "--months", min=1, max=120, help="How many months from this one."),
             owner: str = OwnerOption, fmt: Format = FormatOption):
    """Open deals by expected close month and currency: count, total and weighted
    (amount x probability). Past-due deals are "overdue", undated ones "unscheduled"."""
    rows = reports.forecast(months, owner)
    if fmt == Format.table and rows:
        sums: dict[str, list[int]] = {}
        for r in rows:
            s = sums.setdefault(r["currency"], [0, 0, 0])
            s[0], s[1], s[2] = s[0] + r["count"], s[1] + r["total"], s[2] + r["weighted"]
        rows = rows + [{"month": "total", "currency": code, "count": c, "total": t, "weighted": w}
                       for code, (c, t, w) in sorted(sums.items())]
    print_rows([_money(r, "total", "weighted") for r in rows], fmt, ["month", "count", "total", "weighted"])


@app.command("sales")
def sales(since: str = typer.Option(None, "--since", help="First day of the period (default: 90 days ago)."),
          until: str = typer.Option(None, "--until", help="Last day of the period (default: today)."),
          owner: str = OwnerOption, fmt: Format = FormatOption):
    """Deals won and lost in the period: win rate, days to close, lost reasons and
    how many deals moved on from each pipeline stage."""
    data = reports.sales(since, until, owner)
    data["won_total"] = [_money(r, "total") for r in data["won_total"]]
    if fmt == Format.json:
        print_json(data)
    elif fmt == Format.csv:
        # One tidy table a spreadsheet can pivot: what, for which key, how much.
        rows = [{"metric": k, "key": "", "value": data[k]}
                for k in ("since", "until", "won", "lost", "win_rate", "avg_days_to_close")]
        rows += [{"metric": "won_total", "key": r["currency"], "value": r["total"]} for r in data["won_total"]]
        rows += [{"metric": "lost_reason", "key": r["reason"], "value": r["count"]} for r in data["lost_reasons"]]
        rows += [{"metric": f"stage_{k}", "key": s["stage"], "value": s[k]}
                 for s in data["stages"] for k in ("entered", "moved_on", "conversion")]
        print_rows(rows, fmt, ["metric", "key", "value"])
    else:
        summary = {"period": f"{data['since']} to {data['until']}", "won": data["won"], "lost": data["lost"],
                   "win_rate": _percent(data["win_rate"]),
                   "avg_days_to_close": "" if data["avg_days_to_close"] is None else f"{data['avg_days_to_close']} days"}
        print_record(summary, fmt)
        print_section("Won", data["won_total"], ["total"])
        print_section("Lost reasons", [{**r, "reason": r["reason"] or "(none given)"} for r in data["lost_reasons"]],
                      ["reason", "count"])
        print_section("Stage conversion", [{**s, "conversion": _percent(s["conversion"])} for s in data["stages"]],
                      ["stage", "entered", "moved_on", "conversion"])


@app.command("customers")
def customers(segment: str = typer.Option(None, "--segment",
                                          help="Only this segment: " + ", ".join(reports.SEGMENTS) + "."),
              limit: int = LimitOption, fmt: Format = FormatOption):
    """Customers (companies, and contacts without one) by value: won deals and total,
    open pipeline, last won and last touch, and an RFM-style segment."""
    rows = reports.customers(segment)
    shown = rows[:table_limit(fmt, limit)] if table_limit(fmt, limit) else rows
    print_rows([_money(r, "won_total", "open_pipeline") for r in shown], fmt,
               ["name", "kind", "segment", "won_deals", "won_total", "open_pipeline", "last_won", "last_touch",
                "recency_days"], total=len(rows))


@app.command("followups")
def followups_report(fmt: Format = FormatOption):
    """Open follow-ups overdue, due today and due in the next 7 days."""
    counts = followups.counts()
    if fmt == Format.table:  # a table with headers; JSON and CSV keep {overdue, today, week}
        print_rows([{"window": k, "open_followups": v} for k, v in counts.items()], fmt, ["window", "open_followups"])
        return
    print_record(counts, fmt)


@app.command("tickets")
def tickets_report(fmt: Format = FormatOption):
    """Open tickets by status and priority, and the oldest open one; of every ticket
    (any status): how many breached the response and resolution times, and the median
    hours to the first response."""
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
    rows.append({"group": "breached", "value": "response", "count": data["breached_response"]})
    rows.append({"group": "breached", "value": "resolution", "count": data["breached_resolution"]})
    median = data["median_response_hours"]
    rows.append({"group": "median response", "value": "none answered" if median is None else f"{median} hours",
                 "count": ""})
    print_rows(rows, fmt, ["group", "value", "count"])
