"""A ticket's own page (its details, the conversation and its history), and TicketKeys:
what one key does to the ticket in front of you, on the queue and on a ticket's page
alike (status, priority, a comment)."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Label, Static

from crm_tui.forms import CommentForm
from crm_tui.screens.base import Page, fill, local_time
from crm_tui.screens.record_page import HISTORY_COLUMNS, history_rows
from db.services import history, tickets

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


class TicketKeys(Page):
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


class TicketPage(TicketKeys):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="ticket.back"),
        Binding("enter", "contact", "Contact", id="ticket.contact", show=False),
    ]

    def __init__(self, ticket_id: int):
        super().__init__()
        self.ticket_id = ticket_id
        self.record: dict = {}

    def compose_page(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("", id="card")
            yield Label("Comments", classes="section")
            comments = DataTable(id="comments", cursor_type="row")
            comments.add_columns("When", "Who", "Comment", "To")
            yield comments
            yield Label("Timeline", classes="section")
            timeline = DataTable(id="history", cursor_type="row")  # (its id from when it was titled History)
            timeline.add_columns("When", "Kind", "What")
            yield timeline
            yield Label("History", classes="section")  # who changed what
            changes = DataTable(id="changes", cursor_type="row")
            changes.add_columns(*HISTORY_COLUMNS)
            yield changes

    def reload(self) -> None:
        self.work(lambda: {**tickets.show(self.ticket_id), "changes": history.of("ticket", self.ticket_id)}, self.show)

    def show(self, t: dict) -> None:
        self.record = t
        self.sub_title = f"#{t['id']} {t['subject']}"
        due = local_time(t["resolution_due"])
        # $variables are filled in as plain text: a subject like "[/]" is not markup
        template = ("[b]#$id $subject[/b]\nStatus: $status · Priority: $priority · Channel: $channel · "
                    "Assignee: $assignee\nContact: $contact · Company: $company · Opened: $opened"
                    + (" · Resolve by: $due" if due else "") + (" · [red]OVERDUE[/red]" if t["overdue"] else "")
                    + (" · [b red]$sla[/b red]" if t["breached"] else "")
                    + ("\n\n$description" if t["description"] else ""))
        self.query_one("#card", Static).update(Content.from_markup(
            template, id=t["id"], subject=t["subject"], status=t["status"], priority=t["priority"],
            channel=t["channel"], assignee=t["assignee"] or "-", contact=t["contact"] or "-",
            company=t["company"] or "-", opened=local_time(t["created_at"]), due=due,
            description=t["description"] or "", sla=sla_words(t)))
        fill(self.query_one("#comments", DataTable),
             [(a["id"], (local_time(a["occurred_at"]), a["author"] or "", a["body"],
                         "team only" if a["kind"] == tickets.INTERNAL else "customer")) for a in t["comments"]])
        fill(self.query_one("#history", DataTable),
             [(a["id"], (local_time(a["occurred_at"]), a["kind"], a["body"])) for a in t["timeline"]
              if a["kind"] not in (tickets.REPLY, tickets.INTERNAL)])
        fill(self.query_one("#changes", DataTable), history_rows(t["changes"]))

    def current_ticket(self) -> dict | None:
        return self.record or None

    def action_contact(self) -> None:
        if self.record.get("contact_id"):
            self.app.open_contact(self.record["contact_id"])
