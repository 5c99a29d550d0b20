"""A page about tickets: what one key does to the ticket in front of you, on the queue
and on a ticket's own page alike (status, priority, a comment)."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from crm_tui.forms import CommentForm
from crm_tui.screens.base import Page
from db.services import tickets

PRIORITIES = list(tickets.PRIORITIES)


def sla_words(t: dict) -> str:
    """Which service level a ticket broke, in words: 'response overdue', 'resolved late'..."""
    words = []
    if "response" in t["breached"]:
        words.append("answered late" if t["first_response_at"] else "response overdue")
    if "resolution" in t["breached"]:
        words.append("resolved late" if t["status"] in tickets.DONE_STATUSES else "resolution overdue")
    return ", ".join(words)


def sla_cell(t: dict) -> Text:
    return Text(sla_words(t), style="bold red")


class TicketPage(Page):
    BINDINGS = [
        Binding("o", "status('open')", "Open", id="tickets.open"),
        Binding("p", "status('pending')", "Pending", id="tickets.pending"),
        Binding("r", "status('resolved')", "Resolve", id="tickets.resolve"),
        Binding("c", "status('closed')", "Close", id="tickets.close"),
        Binding("plus", "priority(1)", "Priority +", id="tickets.up"),
        Binding("minus", "priority(-1)", "Priority -", id="tickets.down"),
        Binding("m", "comment", "Comment", id="tickets.comment"),
        Binding("i", "comment(True)", "Internal note", id="tickets.internal"),
    ]

    def current_ticket(self) -> dict | None:
        """The ticket the keys act on (its dict as the service gives it)."""
        raise NotImplementedError

    def action_status(self, status: str) -> None:
        t = self.current_ticket()
        if t:
            self.act(lambda: tickets.set_status(t["id"], status), f"Ticket {t['id']} is {status}")

    def action_priority(self, step: int) -> None:
        t = self.current_ticket()
        if t:
            index = PRIORITIES.index(t["priority"]) + step
            if 0 <= index < len(PRIORITIES):
                self.act(lambda: tickets.update(t["id"], {"priority": PRIORITIES[index]}),
                         f"Ticket {t['id']} priority {PRIORITIES[index]}")

    def action_comment(self, internal: bool = False) -> None:
        """A reply to the customer, or an internal note for the team (no response)."""
        t = self.current_ticket()
        if t:
            self.app.push_screen(CommentForm(lambda v: tickets.comment(t["id"], v["body"], internal=internal),
                                             title="Internal note" if internal else None),
                                 lambda r: r and self.reload())
