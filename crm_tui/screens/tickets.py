"""Tickets: the queue, most urgent and oldest first; status and priority with one key."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input

from crm_tui.modals import CommentForm, TicketForm
from crm_tui.screens.base import Page, fill, selected_key, split_filters
from db.services import tickets

PRIORITIES = list(tickets.PRIORITIES)


class TicketsScreen(Page):
    TITLE = "Tickets"
    BINDINGS = [
        Binding("o", "status('open')", "Open", id="tickets.open"),
        Binding("p", "status('pending')", "Pending", id="tickets.pending"),
        Binding("r", "status('resolved')", "Resolve", id="tickets.resolve"),
        Binding("c", "status('closed')", "Close", id="tickets.close"),
        Binding("plus", "priority(1)", "Priority +", id="tickets.up"),
        Binding("minus", "priority(-1)", "Priority -", id="tickets.down"),
        Binding("m", "comment", "Comment", id="tickets.comment"),
        Binding("a", "add", "New", id="tickets.add"),
        Binding("slash", "filter", "Filter", id="tickets.filter"),
    ]

    def compose_page(self) -> ComposeResult:
        yield Input(placeholder="filter: status:pending priority:urgent assignee:jo or words", id="search")
        table = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        table.add_columns("#", "Priority", "Subject", "Contact", "Status", "Assignee", "Opened", "Due")
        yield table

    def reload(self) -> None:
        filters = split_filters(self.query_one("#search", Input).value, ("status", "priority", "assignee"))
        self.work(lambda: tickets.list_(**filters).rows, self.show)

    def show(self, rows) -> None:
        self.rows = {t["id"]: t for t in rows}
        fill(self.query_one("#queue", DataTable),
             [(t["id"], (t["id"], t["priority"], t["subject"], t["contact"] or "", t["status"], t["assignee"] or "",
                         t["created_at"][:10], ("OVERDUE " if t["overdue"] else "") + (t["resolution_due"] or "")[:16]))
              for t in rows])

    def on_input_changed(self, event: Input.Changed) -> None:
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#queue", DataTable).focus()

    def _ticket(self) -> int | None:
        return selected_key(self.query_one("#queue", DataTable))

    def action_filter(self) -> None:
        self.query_one("#search", Input).focus()

    def action_status(self, status: str) -> None:
        tid = self._ticket()
        if tid:
            self.act(lambda: tickets.set_status(tid, status), f"Ticket {tid} is {status}")

    def action_priority(self, step: int) -> None:
        tid = self._ticket()
        if tid and tid in self.rows:
            index = PRIORITIES.index(self.rows[tid]["priority"]) + step
            if 0 <= index < len(PRIORITIES):
                self.act(lambda: tickets.update(tid, {"priority": PRIORITIES[index]}),
                         f"Ticket {tid} priority {PRIORITIES[index]}")

    def action_comment(self) -> None:
        tid = self._ticket()
        if tid:
            self.app.push_screen(CommentForm(lambda v: tickets.comment(tid, v["body"])),
                                 lambda r: r and self.reload())

    def action_add(self) -> None:
        self.app.push_screen(TicketForm(lambda v: tickets.create({k: x for k, x in v.items() if x})),
                             lambda r: r and self.reload())
