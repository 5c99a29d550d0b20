"""One contact, all of it: details, company, deals, tickets, follow-ups, timeline."""
from __future__ import annotations

from textual.binding import Binding
from textual.content import Content

from crm_tui.forms import ContactForm, MergeForm, save_contact
from crm_tui.screens.record_page import RecordPage
from db import display, taglist
from db.errors import Invalid, NotFound
from db.services import contacts, views


def edit_values(c: dict) -> dict:
    """What the edit form shows, and the version it started from."""
    return {"first_name": c.get("first_name"), "last_name": c.get("last_name"), "email": c.get("email"),
            "phone": c.get("phone"), "company": c.get("company"), "title": c.get("title"), "stage": c.get("stage"),
            "birthday": c.get("birthday"), "address": c.get("address"),
            "tags": taglist.join(c.get("tags") or []),  # quoted where a tag holds a comma
            "version": c.get("version")}


class ContactPage(RecordPage):
    KIND = "contact"
    BINDINGS = [
        Binding("M", "merge", "Merge", id="contact.merge"),
        Binding("o", "company", "Company", id="contact.company"),
    ]

    def fetch(self) -> dict:
        return views.contact(self.record_id)

    def card(self, c: dict) -> Content:
        # $variables are filled in as plain text: a name like "[/]" is not markup
        company = c["company_detail"]
        template = ("[b]$name[/b]  $title" + (" at $company" if company else "")
                    + "\nEmail: $emails\nPhone: $phones\nStage: $stage · Owner: $owner · Tags: $tags"
                    + (" · [red]do not contact[/red]" if c["do_not_contact"] else "")
                    + ("\nBirthday: $birthday" if c.get("birthday") else "")
                    + ("\nAddress: $address" if c.get("address") else "")
                    + ("\nNotes: $notes" if c["notes"] else ""))
        return Content.from_markup(
            template, name=c["name"] or c["email"] or "", title=c["title"] or "",
            company=company["name"] if company else "", emails=", ".join(c["emails"]) or "-",
            phones=", ".join(map(display.phone, c["phones"])) or "-", stage=c["stage"], owner=c["owner"] or "-",
            tags=taglist.join(c["tags"]) or "-", notes=c["notes"] or "", birthday=display.day(c.get("birthday")),
            address=(c.get("address") or "").replace("\n", ", "))

    def action_edit(self) -> None:
        self.form(ContactForm(lambda v: save_contact(v, self.record_id), edit_values(self.record), title="Edit contact",
                              reload=lambda: edit_values(views.contact(self.record_id))), "Saved")

    def action_merge(self) -> None:
        def merge(values: dict) -> dict:
            if not values["other"]:
                raise Invalid("other", "name the contact to merge in: its id or email")
            try:
                return contacts.merge(self.record_id, values["other"])
            except (NotFound, Invalid) as exc:  # beside the field, not a toast
                raise Invalid("other", getattr(exc, "reason", str(exc))) from None
        self.form(MergeForm(merge, title=f"Merge another contact into {self.record.get('name') or 'this one'}"),
                  "Merged: the other contact's emails, phones, deals, tickets and history are here now")

    def action_company(self) -> None:
        if self.record.get("company_id"):
            self.app.open_company(self.record["company_id"])
