"""Tickets: the queue, most urgent and oldest first; status and priority with one key."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input

from crm_tui.forms import TicketForm
from crm_tui.screens.base import fill, selected_key, split_filters
from crm_tui.screens.ticket_page import TicketKeys, TicketPage, sla_cell
from db import display
from db.services import tickets


class TicketsScreen(TicketKeys):
    TITLE = "Tickets"
    BINDINGS = [
        Binding("enter", "open_ticket", "Open ticket", id="tickets.view", show=False),
        Binding("a", "add", "New", id="tickets.add"),
        Binding("slash", "filter", "Filter", id="tickets.filter"),
    ]

    def compose_page(self) -> ComposeResult:
        yield Input(placeholder="filter: status:pending priority:urgent assignee:jo or words", id="search")
        table = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        table.add_columns("#", "Priority", "Subject", "Contact", "Status", "Assignee", "Opened", "Due", "SLA")
        yield table

    def reload(self) -> None:
        filters = split_filters(self.query_one("#search", Input).value, ("status", "priority", "assignee"))
        self.work(lambda: tickets.list_(**filters).rows, self.show)

    def show(self, rows) -> None:
        self.rows = {t["id"]: t for t in rows}
        fill(self.query_one("#queue", DataTable),
             [(t["id"], (t["id"], t["priority"], t["subject"], t["contact"] or "", t["status"], t["assignee"] or "",
                         display.day(t["created_at"]), ("OVERDUE " if t["overdue"] else "") + display.when(t["resolution_due"]), sla_cell(t)))
              for t in rows])

    def on_input_changed(self, event: Input.Changed) -> None:
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#queue", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_ticket()

    def current_ticket(self) -> dict | None:
        return getattr(self, "rows", {}).get(selected_key(self.query_one("#queue", DataTable)))

    def action_open_ticket(self) -> None:
        t = self.current_ticket()
        if t:
            self.app.push_screen(TicketPage(t["id"]))

    def action_filter(self) -> None:
        self.query_one("#search", Input).focus()

    def action_add(self) -> None:
        self.app.push_screen(TicketForm(lambda v: tickets.create({k: x for k, x in v.items() if x})),
                             lambda r: r and self.reload())
