"""Reports: what the owner learns from the data. The forecast by month and the open
pipeline as bar charts, win rate and time to close, the top customers and the ones
drifting away. Enter on a customer opens its page; Tab moves between the panels."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from crm_tui.charts import Bar, BarChart
from crm_tui.screens.base import Page, fill
from db.display import day, money
from db.services import reports

FORECAST_MONTHS = 6
TOP = 10
AT_RISK = "at_risk"  # the segment reports.customers gives a customer who is drifting away


def gather() -> dict:
    """Everything the page shows, from the services (runs in a worker thread)."""
    customers = reports.customers()  # once: the at-risk list is a slice of the same ranking
    return {
        "forecast": reports.forecast(months=FORECAST_MONTHS),
        "pipeline": reports.pipeline_by_stage(),
        "sales": reports.sales(),  # the service's default period: the last 90 days
        "top": customers[:TOP],
        "at_risk": [c for c in customers if c["segment"] == AT_RISK][:TOP],
    }


def bars(rows: list[dict], label: str) -> list[Bar]:
    """One bar per row of the forecast (label "month") or the pipeline (label "stage"):
    weighted inside total, scaled per currency."""
    return [Bar(f"{r[label]} {r['currency']}", r["total"], r["weighted"],
                f"{money(r['weighted'], r['currency'])} of {money(r['total'], r['currency'])} · "
                f"{r['count']} deal{'s' * (r['count'] != 1)}", scale=r["currency"],
                short=money(r["total"], r["currency"]))
            for r in rows]


def sales_text(s: dict) -> Text:
    """Win rate, time to close, what was won and why deals were lost (reasons are
    customer text: appended as plain text, never read as markup)."""
    out = Text()
    out.append(f"{day(s['since'])} to {day(s['until'])}\n", style="dim")
    out.append("Win rate  ")
    out.append("—" if s["win_rate"] is None else f"{s['win_rate']:.0%}", style="bold")
    out.append(f"  ({s['won']} won, {s['lost']} lost)\n")
    out.append("To close  ")
    out.append("—" if s["avg_days_to_close"] is None else f"{s['avg_days_to_close']:.0f} days", style="bold")
    out.append(" on average\n")
    for w in s["won_total"]:
        out.append(f"Won       {money(w['total'], w['currency'])}\n")
    if s["lost_reasons"]:
        out.append("Lost because\n", style="dim")
        for r in s["lost_reasons"]:
            out.append(f"  {r['count']:>3}  ")
            out.append(r["reason"] or "(no reason given)")
            out.append("\n")
    if s["stages"]:
        out.append("Stage conversion\n", style="dim")
        for st in s["stages"]:
            rate = "—" if st["conversion"] is None else f"{st['conversion']:.0%}"
            out.append(f"  {st['stage']:<12} {rate:>5}  {st['moved_on']}/{st['entered']}\n")
    out.rstrip()
    return out


def quiet_for(days: int | None) -> str:
    return "" if days is None else "today" if days == 0 else f"{days} d"


def customer_rows(rows: list[dict]) -> list[tuple[str, tuple]]:
    return [(f"{c['kind']}:{c['id']}",
             (c["name"], (c["segment"] or "").replace("_", " "), c["won_deals"],
              money(c["won_total"], c["currency"]) if c["won_deals"] else "",
              quiet_for(c["recency_days"])))
            for c in rows]


class ReportsScreen(Page):
    TITLE = "Reports"
    BINDINGS = [
        Binding("r", "reload", "Reload", id="reports.reload"),
        Binding("enter", "open", "Open customer", id="reports.open", show=False),
    ]

    def compose_page(self) -> ComposeResult:
        with Horizontal(id="reports-top"):
            with VerticalScroll(id="forecast-panel", classes="panel") as panel:
                panel.border_title = "Forecast by expected close (weighted █ of total ░)"
                yield BarChart(empty=f"no open deals closing in the next {FORECAST_MONTHS} months", id="forecast")
            with VerticalScroll(id="sales-panel", classes="panel") as panel:
                panel.border_title = "Win rate and time to close"
                yield Static("", id="sales")
        with VerticalScroll(id="pipeline-panel", classes="panel") as panel:
            panel.border_title = "Open pipeline by stage"
            yield BarChart(empty="no open deals", id="pipeline")
        with Horizontal(id="reports-bottom"):
            for table_id, title in (("top-customers", "Top customers"), ("at-risk", "At risk")):
                with Vertical(classes="panel") as panel:
                    panel.border_title = title
                    table = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
                    table.add_columns("Customer", "Segment", "Won", "Won value", "Quiet for")
                    yield table

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#top-customers", DataTable).focus()  # Enter opens a customer straight away

    def reload(self) -> None:
        self.work(gather, self.show)

    def action_reload(self) -> None:
        self.reload()

    def show(self, data: dict) -> None:
        self.query_one("#forecast", BarChart).show(bars(data["forecast"], "month"))
        self.query_one("#pipeline", BarChart).show(bars(data["pipeline"], "stage"))
        self.query_one("#sales", Static).update(sales_text(data["sales"]))
        fill(self.query_one("#top-customers", DataTable), customer_rows(data["top"]))
        fill(self.query_one("#at-risk", DataTable), customer_rows(data["at_risk"]))

    def open_customer(self, key: str | None) -> None:
        kind, _, record_id = (key or "").partition(":")
        if kind in ("company", "contact") and record_id.isdigit():
            getattr(self.app, f"open_{kind}")(int(record_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_customer(event.row_key.value)

    def action_open(self) -> None:
        table = self.focused
        if isinstance(table, DataTable) and table.row_count:
            self.open_customer(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
