"""Today: what an owner looks at each morning."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from crm_tui.screens.base import Page, fill, local_time, selected_key
from db import display
from db.services import dashboard, followups

DUE_ROWS = 200  # follow-ups listed (the most overdue first; the line above counts them all)


class TodayScreen(Page):
    TITLE = "Today"
    BINDINGS = [
        Binding("d", "done", "Done", id="today.done"),
        Binding("s", "snooze", "Snooze 1 day", id="today.snooze"),
        Binding("enter", "open", "Open contact", id="today.open"),
    ]

    def compose_page(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("", id="summary")
            yield Label("Due now: overdue and today", classes="section")
            due = DataTable(id="due", cursor_type="row", zebra_stripes=True)
            due.add_columns("Due", "Follow-up", "Contact", "Priority")
            yield due
            yield Label("Open tickets", classes="section")
            queue = DataTable(id="tickets", cursor_type="row")
            queue.add_columns("Priority", "Subject", "Contact", "Status", "Opened")
            yield queue
            yield Label("Pipeline", classes="section")
            yield Static("", id="pipeline", markup=False)  # stage names and activity text as typed
            yield Label("Recent activity", classes="section")
            yield Static("", id="recent", markup=False)

    def reload(self) -> None:
        self.work(lambda: dashboard.summary(due_limit=DUE_ROWS), self.show)

    def show(self, data: dict) -> None:
        f = data["followups"]
        self.query_one("#summary", Static).update(
            f"[b]{data['contacts']}[/b] contacts · [b]{data['open_deals']}[/b] open deals · "
            f"[b]{data['tickets']['open']}[/b] open tickets · [red]{f['overdue']} overdue[/red] · "
            f"{f['today']} due today · {f['week']} this week")
        fill(self.query_one("#due", DataTable),
             [(x["id"], (display.when(x["due"]), x["subject"], x.get("contact") or "", x["priority"]))
              for x in data["due_followups"]])
        fill(self.query_one("#tickets", DataTable),
             [(t["id"], (t["priority"] + (" !" if t["overdue"] else ""), t["subject"], t["contact"] or "",
                         t["status"], display.day(t["created_at"]))) for t in data["ticket_queue"]])
        self.query_one("#pipeline", Static).update(
            "\n".join(f"{p['stage']:<12} {p['count']:>3} deals  {display.amount(p['total'], p['currency']):>14}  "
                      f"(weighted {display.amount(p['weighted'], p['currency'])})" for p in data["pipeline"])
            or "no deals yet")
        self.query_one("#recent", Static).update(
            "\n".join(f"{local_time(a['occurred_at'])}  {a['kind']:<8} {a['body']}" for a in data["recent"])
            or "nothing logged yet")
        self.due_contacts = {x["id"]: x["contact_id"] for x in data["due_followups"]}

    def _followup(self) -> int | None:
        return selected_key(self.query_one("#due", DataTable))

    def action_done(self) -> None:
        fid = self._followup()
        if fid:
            self.act(lambda: followups.done(fid), f"Follow-up {fid} done")

    def action_snooze(self) -> None:
        fid = self._followup()
        if fid:
            self.act(lambda: followups.snooze(fid, for_="1d"), f"Follow-up {fid} snoozed for a day")

    def action_open(self) -> None:
        fid = self._followup()
        contact = getattr(self, "due_contacts", {}).get(fid)
        if contact:
            self.app.open_contact(contact)
