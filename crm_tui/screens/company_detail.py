"""One company, all of it: details, people, open deals, tickets, follow-ups, timeline."""
from __future__ import annotations

from textual.widgets import DataTable

from crm_tui.screens.base import fill
from crm_tui.screens.companies import CompanyForm
from crm_tui.screens.record_page import RecordPage
from db.services import companies

EDITABLE = ("name", "domain", "industry", "phone", "city", "country")


class CompanyDetailScreen(RecordPage):
    KIND = "company"
    SECTIONS = [("people", "People (Enter opens)", ("Name", "Email", "Phone", "Title", "Stage"))]

    def fetch(self) -> dict:
        return companies.show(self.record_id)

    def card(self, c: dict) -> str:
        place = ", ".join(x for x in (c["city"], c["country"]) if x)
        lines = [f"[b]{c['name']}[/b]  {c['industry'] or ''}" + (f" · {place}" if place else ""),
                 f"Website: {c['domain'] or '-'} · Phone: {c['phone'] or '-'} · Email: {c['email'] or '-'}",
                 f"Owner: {c['owner'] or '-'} · Tags: {', '.join(c['tags']) or '-'} · People: {c['contacts']}"]
        if c["notes"]:
            lines.append(f"Notes: {c['notes']}")
        return "\n".join(lines)

    def show(self, c: dict) -> None:
        super().show(c)
        fill(self.query_one("#people", DataTable),
             [(p["id"], (p["name"], p["email"] or "", p["phone"] or "", p["title"] or "", p["stage"]))
              for p in c["people"]])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "people":
            self.app.open_contact(int(event.row_key.value))

    def action_edit(self) -> None:
        values = {k: self.record.get(k) for k in EDITABLE}
        self.form(CompanyForm(lambda v: companies.update(self.record_id, {k: v[k] for k in EDITABLE}), values,
                              title="Edit company"), "Saved")
