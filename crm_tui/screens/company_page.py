"""One company, all of it: details, people, open deals, tickets, follow-ups, timeline."""
from __future__ import annotations

from textual.content import Content
from textual.widgets import DataTable

from crm_tui.screens.base import fill
from crm_tui.forms import CompanyForm
from crm_tui.screens.record_page import RecordPage
from db import display, taglist
from db.services import companies, views

EDITABLE = ("name", "domain", "industry", "phone", "city", "country")


class CompanyPage(RecordPage):
    KIND = "company"
    SECTIONS = [("people", "People (Enter opens)", ("Name", "Email", "Phone", "Title", "Stage"))]

    def fetch(self) -> dict:
        return views.company(self.record_id)

    def card(self, c: dict) -> Content:
        # $variables are filled in as plain text: a name like "[/]" is not markup
        place = ", ".join(x for x in (c["city"], c["country"]) if x)
        template = ("[b]$name[/b]  $industry" + (" · $place" if place else "")
                    + "\nWebsite: $domain · Phone: $phone · Email: $email"
                    + "\nOwner: $owner · Tags: $tags · People: $people" + ("\nNotes: $notes" if c["notes"] else ""))
        return Content.from_markup(
            template, name=c["name"], industry=c["industry"] or "", place=place, domain=c["domain"] or "-",
            phone=display.phone(c["phone"]) or "-", email=c["email"] or "-", owner=c["owner"] or "-",
            tags=taglist.join(c["tags"]) or "-", people=c["contacts"], notes=c["notes"] or "")

    def show(self, c: dict) -> None:
        super().show(c)
        fill(self.query_one("#people", DataTable),
             [(p["id"], (p["name"], p["email"] or "", display.phone(p["phone"]), p["title"] or "", p["stage"]))
              for p in c["people"]])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "people":
            self.app.open_contact(int(event.row_key.value))

    def action_edit(self) -> None:
        def values(c: dict) -> dict:  # and the version the form started from
            return {**{k: c.get(k) for k in EDITABLE}, "version": c.get("version")}

        self.form(CompanyForm(lambda v: companies.update(self.record_id, {k: v[k] for k in EDITABLE},
                                                         expected_version=v.get("version"), started_from=v.get("loaded")),
                              values(self.record), title="Edit company",
                              reload=lambda: values(views.company(self.record_id))), "Saved")
