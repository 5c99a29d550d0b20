"""A contact's or a company's own page (the 360° view): the sections it lists and the
keys that log, add, edit and delete things on it."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Label, Static

from crm_tui.forms import DealForm, FollowupForm, NoteForm, TicketForm
from crm_tui.screens.base import Page, fill, local_time
from db import display
from db.services import activities, deals, followups, history, tickets


HISTORY_COLUMNS = ("When", "Who", "What", "Old", "New")


def _short(value: str | None, width: int = 60) -> str:
    """One line of a value for a table cell (a long note, cut)."""
    text = " / ".join((value or "").splitlines())
    return text if len(text) <= width else text[:width - 1] + "…"


def history_rows(changes: list[dict]) -> list[tuple[int, tuple]]:
    """A record's field history (newest first, as the service gives it) as table rows:
    when, who, what (action and field), old value, new value. Cells are plain text."""
    return [(n, (local_time(h["at"]), h["user"] or "",
                 h["action"] + (f" {h['field']}" if h["field"] else "") + (f" (import {h['batch']})" if h["batch"] else ""),
                 _short(h["old"]), _short(h["new"])))
            for n, h in enumerate(changes)]


class RecordPage(Page):
    KIND = ""  # "contact" or "company": what this page shows, and what things made here link to
    SECTIONS: list[tuple[str, str, tuple[str, ...]]] = []  # (table id, title, columns) above the shared ones
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="record.back"),
        Binding("n", "log('note')", "Note", id="record.note"),
        Binding("c", "log('call')", "Call", id="record.call"),
        Binding("m", "log('meeting')", "Meeting", id="record.meeting"),
        Binding("at", "log('email')", "Email", id="record.email"),
        Binding("f", "followup", "Follow-up", id="record.followup"),
        Binding("d", "deal", "Deal", id="record.deal"),
        Binding("t", "ticket", "Ticket", id="record.ticket"),
        Binding("e", "edit", "Edit", id="record.edit"),
        Binding("x", "delete", "Delete", id="record.delete"),
    ]

    def __init__(self, record_id: int):
        super().__init__()
        self.record_id = record_id
        self.record: dict = {}

    def compose_page(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("", id="card")
            for key, title, columns in (
                *self.SECTIONS,
                ("deals", "Open deals", ("Title", "Contact", "Stage", "Amount", "Close")),
                ("tickets", "Open tickets", ("Subject", "Status", "Priority", "Opened")),
                ("followups", "Follow-ups", ("Due", "Subject", "Priority", "Repeat")),
                ("timeline", "Timeline", ("When", "Kind", "What", "About")),
                ("changes", "History", HISTORY_COLUMNS),
            ):
                yield Label(title, classes="section")
                table = DataTable(id=key, cursor_type="row")
                table.add_columns(*columns)
                yield table

    def fetch(self) -> dict:
        """The 360° view from the service (runs in a worker thread)."""
        raise NotImplementedError

    def card(self, record: dict) -> Content:
        raise NotImplementedError

    def reload(self) -> None:
        self.work(lambda: {**self.fetch(), "changes": history.of(self.KIND, self.record_id)}, self.show)

    def show(self, r: dict) -> None:
        self.record = r
        self.sub_title = r["name"] or r.get("email") or ""
        self.query_one("#card", Static).update(self.card(r))
        fill(self.query_one("#deals", DataTable),
             [(d["id"], (d["title"], d["contact"] or "", d["stage"], display.amount(d["amount"], d["currency"]),
                         display.day(d["expected_close"]))) for d in r["deals"]])
        fill(self.query_one("#tickets", DataTable),
             [(t["id"], (t["subject"], t["status"], t["priority"], display.day(t["created_at"]))) for t in r["tickets"]])
        fill(self.query_one("#followups", DataTable),
             [(f["id"], (display.when(f["due"]), f["subject"], f["priority"], f["every"] or ""))
              for f in r["followups"]])
        fill(self.query_one("#timeline", DataTable),
             [(a["id"], (local_time(a["occurred_at"]), a["kind"], a["body"], a["about"] or ""))
              for a in r["timeline"]])
        fill(self.query_one("#changes", DataTable), history_rows(r["changes"]))

    def form(self, form, message: str) -> None:
        """A modal form; when it saves, a note saying so and a reload."""
        def saved(result):
            if result:
                self.app.notify(message, markup=False)
                self.reload()
        self.app.push_screen(form, saved)

    def action_log(self, kind: str) -> None:
        self.form(NoteForm(lambda v: activities.add(v["body"], kind=kind, **{self.KIND: self.record_id}),
                           title=f"Log a {kind}"), f"{kind.capitalize()} logged")

    def action_followup(self) -> None:
        self.form(FollowupForm(lambda v: followups.create(v["subject"], v["due"], priority=v["priority"] or "normal",
                                                          every=v["every"] or None, **{self.KIND: self.record_id})),
                  "Follow-up added")

    def action_deal(self) -> None:
        self.form(DealForm(lambda v: deals.create({**{k: x for k, x in v.items() if x}, self.KIND: self.record_id})),
                  "Deal added")

    def action_ticket(self) -> None:
        self.form(TicketForm(lambda v: tickets.create({**{k: x for k, x in v.items() if x}, self.KIND: self.record_id})),
                  "Ticket opened")

    def action_delete(self) -> None:
        self.app.delete_with_undo(self.KIND, self.record_id, self.app.pop_screen)
