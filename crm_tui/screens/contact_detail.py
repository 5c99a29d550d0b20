"""One contact, all of it: details, company, deals, tickets, follow-ups, timeline."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from crm_tui.modals import ContactForm, DealForm, FollowupForm, Form, NoteForm, TicketForm
from crm_tui.screens.base import Page, fill, local_time
from crm_tui.screens.contacts import save_contact
from db.errors import Invalid, NotFound
from db.services import activities, contacts, deals, followups, tickets


class ContactDetailScreen(Page):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="detail.back"),
        Binding("n", "log('note')", "Note", id="detail.note"),
        Binding("c", "log('call')", "Call", id="detail.call"),
        Binding("m", "log('meeting')", "Meeting", id="detail.meeting"),
        Binding("f", "followup", "Follow-up", id="detail.followup"),
        Binding("d", "deal", "Deal", id="detail.deal"),
        Binding("t", "ticket", "Ticket", id="detail.ticket"),
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("M", "merge", "Merge", id="detail.merge"),
        Binding("x", "delete", "Delete", id="detail.delete"),
        Binding("o", "company", "Company", id="detail.company"),
    ]

    def __init__(self, contact_id: int):
        super().__init__()
        self.contact_id = contact_id
        self.record: dict = {}

    def compose_page(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("", id="card")
            for key, title, columns in (
                ("deals", "Open deals", ("Title", "Stage", "Amount", "Close")),
                ("tickets", "Open tickets", ("Subject", "Status", "Priority", "Opened")),
                ("followups", "Follow-ups", ("Due", "Subject", "Priority", "Repeat")),
                ("timeline", "Timeline", ("When", "Kind", "What", "About")),
            ):
                yield Label(title, classes="section")
                table = DataTable(id=key, cursor_type="row")
                table.add_columns(*columns)
                yield table

    def reload(self) -> None:
        self.work(lambda: contacts.show(self.contact_id), self.show)

    def show(self, c: dict) -> None:
        self.record = c
        self.sub_title = c["name"]
        company = c["company_detail"]
        lines = [f"[b]{c['name'] or c['email']}[/b]  {c['title'] or ''}" + (f" at {company['name']}" if company else ""),
                 f"Email: {', '.join(c['emails']) or '-'}", f"Phone: {', '.join(c['phones']) or '-'}",
                 f"Stage: {c['stage']} · Owner: {c['owner'] or '-'} · Tags: {', '.join(c['tags']) or '-'}"
                 + (" · [red]do not contact[/red]" if c["do_not_contact"] else "")]
        if c["notes"]:
            lines.append(f"Notes: {c['notes']}")
        self.query_one("#card", Static).update("\n".join(lines))
        fill(self.query_one("#deals", DataTable),
             [(d["id"], (d["title"], d["stage"], f"{d['amount']} {d['currency']}", d["expected_close"] or ""))
              for d in c["deals"]])
        fill(self.query_one("#tickets", DataTable),
             [(t["id"], (t["subject"], t["status"], t["priority"], t["created_at"][:10])) for t in c["tickets"]])
        fill(self.query_one("#followups", DataTable),
             [(f["id"], (f["due"].replace("T", " "), f["subject"], f["priority"], f["every"] or ""))
              for f in c["followups"]])
        fill(self.query_one("#timeline", DataTable),
             [(a["id"], (local_time(a["occurred_at"]), a["kind"], a["body"], a["about"] or ""))
              for a in c["timeline"]])

    def _form(self, form, message: str) -> None:
        def saved(result):
            if result:
                self.app.notify(message)
                self.reload()
        self.app.push_screen(form, saved)

    def action_log(self, kind: str) -> None:
        self._form(NoteForm(lambda v: activities.add(v["body"], kind=kind, contact=self.contact_id),
                            title=f"Log a {kind}"), f"{kind.capitalize()} logged")

    def action_followup(self) -> None:
        self._form(FollowupForm(lambda v: followups.create(v["subject"], v["due"], contact=self.contact_id,
                                                           priority=v["priority"] or "normal", every=v["every"] or None)),
                   "Follow-up added")

    def action_deal(self) -> None:
        self._form(DealForm(lambda v: deals.create({**{k: x for k, x in v.items() if x}, "contact": self.contact_id})),
                   "Deal added")

    def action_ticket(self) -> None:
        self._form(TicketForm(lambda v: tickets.create({**{k: x for k, x in v.items() if x}, "contact": self.contact_id})),
                   "Ticket opened")

    def action_edit(self) -> None:
        c = self.record
        values = {"first_name": c.get("first_name"), "last_name": c.get("last_name"), "email": c.get("email"),
                  "phone": c.get("phone"), "company": c.get("company"), "title": c.get("title"), "stage": c.get("stage")}
        self._form(ContactForm(lambda v: save_contact(v, self.contact_id), values, title="Edit contact"), "Saved")

    def action_merge(self) -> None:
        def merge(values: dict) -> dict:
            if not values["other"]:
                raise Invalid("other", "name the contact to merge in: its id or email")
            try:
                return contacts.merge(self.contact_id, values["other"])
            except (NotFound, Invalid) as exc:  # beside the field, not a toast
                raise Invalid("other", getattr(exc, "reason", str(exc))) from None
        self._form(MergeForm(merge, title=f"Merge another contact into {self.record.get('name') or 'this one'}"),
                   "Merged: the other contact's emails, phones, deals, tickets and history are here now")

    def action_company(self) -> None:
        if self.record.get("company_id"):
            self.app.open_company(self.record["company_id"])

    def action_delete(self) -> None:
        self.app.delete_with_undo("contact", self.contact_id, self.app.pop_screen)


class MergeForm(Form):
    FIELDS = [("other", "Merge in", "id or email of the duplicate (it goes to the trash)")]
