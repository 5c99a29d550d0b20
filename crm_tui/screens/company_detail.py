"""One company, all of it: details, people, open deals, tickets, follow-ups, timeline."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from crm_tui.modals import DealForm, FollowupForm, NoteForm, TicketForm
from crm_tui.screens.base import Page, fill, local_time
from crm_tui.screens.companies import CompanyForm
from db.services import activities, companies, deals, followups, tickets

EDITABLE = ("name", "domain", "industry", "phone", "city", "country")


class CompanyDetailScreen(Page):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="company.back"),
        Binding("n", "log('note')", "Note", id="company.note"),
        Binding("c", "log('call')", "Call", id="company.call"),
        Binding("m", "log('meeting')", "Meeting", id="company.meeting"),
        Binding("f", "followup", "Follow-up", id="company.followup"),
        Binding("d", "deal", "Deal", id="company.deal"),
        Binding("t", "ticket", "Ticket", id="company.ticket"),
        Binding("e", "edit", "Edit", id="company.edit"),
        Binding("x", "delete", "Delete", id="company.delete"),
    ]

    def __init__(self, company_id: int):
        super().__init__()
        self.company_id = company_id
        self.record: dict = {}

    def compose_page(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("", id="card")
            for key, title, columns in (
                ("people", "People (Enter opens)", ("Name", "Email", "Phone", "Title", "Stage")),
                ("deals", "Open deals", ("Title", "Contact", "Stage", "Amount", "Close")),
                ("tickets", "Open tickets", ("Subject", "Status", "Priority", "Opened")),
                ("followups", "Follow-ups", ("Due", "Subject", "Priority", "Repeat")),
                ("timeline", "Timeline", ("When", "Kind", "What", "About")),
            ):
                yield Label(title, classes="section")
                table = DataTable(id=key, cursor_type="row")
                table.add_columns(*columns)
                yield table

    def reload(self) -> None:
        self.work(lambda: companies.show(self.company_id), self.show)

    def show(self, c: dict) -> None:
        self.record = c
        self.sub_title = c["name"]
        place = ", ".join(x for x in (c["city"], c["country"]) if x)
        lines = [f"[b]{c['name']}[/b]  {c['industry'] or ''}" + (f" · {place}" if place else ""),
                 f"Website: {c['domain'] or '-'} · Phone: {c['phone'] or '-'} · Email: {c['email'] or '-'}",
                 f"Owner: {c['owner'] or '-'} · Tags: {', '.join(c['tags']) or '-'} · People: {c['contacts']}"]
        if c["notes"]:
            lines.append(f"Notes: {c['notes']}")
        self.query_one("#card", Static).update("\n".join(lines))
        fill(self.query_one("#people", DataTable),
             [(p["id"], (p["name"], p["email"] or "", p["phone"] or "", p["title"] or "", p["stage"]))
              for p in c["people"]])
        fill(self.query_one("#deals", DataTable),
             [(d["id"], (d["title"], d["contact"] or "", d["stage"], f"{d['amount']} {d['currency']}",
                         d["expected_close"] or "")) for d in c["deals"]])
        fill(self.query_one("#tickets", DataTable),
             [(t["id"], (t["subject"], t["status"], t["priority"], t["created_at"][:10])) for t in c["tickets"]])
        fill(self.query_one("#followups", DataTable),
             [(f["id"], (f["due"].replace("T", " "), f["subject"], f["priority"], f["every"] or ""))
              for f in c["followups"]])
        fill(self.query_one("#timeline", DataTable),
             [(a["id"], (local_time(a["occurred_at"]), a["kind"], a["body"], a["about"] or ""))
              for a in c["timeline"]])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "people":
            self.app.open_contact(int(event.row_key.value))

    def _form(self, form, message: str) -> None:
        def saved(result):
            if result:
                self.app.notify(message)
                self.reload()
        self.app.push_screen(form, saved)

    def action_log(self, kind: str) -> None:
        self._form(NoteForm(lambda v: activities.add(v["body"], kind=kind, company=self.company_id),
                            title=f"Log a {kind}"), f"{kind.capitalize()} logged")

    def action_followup(self) -> None:
        self._form(FollowupForm(lambda v: followups.create(v["subject"], v["due"], company=self.company_id,
                                                           priority=v["priority"] or "normal", every=v["every"] or None)),
                   "Follow-up added")

    def action_deal(self) -> None:
        self._form(DealForm(lambda v: deals.create({**{k: x for k, x in v.items() if x}, "company": self.company_id})),
                   "Deal added")

    def action_ticket(self) -> None:
        self._form(TicketForm(lambda v: tickets.create({**{k: x for k, x in v.items() if x}, "company": self.company_id})),
                   "Ticket opened")

    def action_edit(self) -> None:
        values = {k: self.record.get(k) for k in EDITABLE}
        self._form(CompanyForm(lambda v: companies.update(self.company_id, {k: v[k] for k in EDITABLE}), values,
                               title="Edit company"), "Saved")

    def action_delete(self) -> None:
        self.app.delete_with_undo("company", self.company_id, self.app.pop_screen)
