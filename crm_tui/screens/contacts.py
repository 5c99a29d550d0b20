"""Contacts: search as you type, filters in the same box, rows loaded a page at a time."""
from __future__ import annotations

from textual.binding import Binding

from crm_tui.forms import ContactForm, SegmentForm, save_contact
from crm_tui.screens.base import split_filters
from crm_tui.screens.listing import ListPage
from db import display, taglist
from db.services import segments


def parse_query(text: str) -> dict:
    """'tag:vip stage:customer lee' -> filters plus the words to search for."""
    out = split_filters(text, ("tag", "stage", "owner", "dnc"))
    if "dnc" in out:
        out["do_not_contact"] = out.pop("dnc").lower() in ("yes", "y", "true", "1")
    return out


class ContactsScreen(ListPage):
    KIND = "contact"
    TABLE_ID = "contacts-table"
    PLACEHOLDER = "search names, emails, phones, companies…  (filters: tag:vip stage:customer owner:sam dnc:yes)"
    COLUMNS = [("Name", "name"), ("Email", None), ("Phone", None), ("Company", "company"), ("Title", "title"),
               ("Stage", "stage"), ("Tags", None)]
    BINDINGS = [
        Binding("a", "add", "Add", id="contacts.add"),
        Binding("enter", "open", "Open", id="contacts.open", show=False),
        Binding("delete,x", "delete", "Delete", id="contacts.delete"),
        Binding("v", "next_view", "Saved views", id="contacts.views"),
        Binding("ctrl+s", "save_view", "Save view", id="contacts.save_view"),
    ]
    segment: str | None = None  # the saved view (crm segment) the list is narrowed to

    def fetch(self, filters: dict, offset: int, sort: str):
        return super().fetch({**filters, "segment": self.segment} if self.segment else filters, offset, sort)

    def count_prefix(self) -> str:
        return f"view {self.segment} · " if self.segment else ""

    def action_next_view(self) -> None:
        """The next saved segment, alphabetically; after the last, all contacts again."""
        def show(names: list[str]) -> None:
            if not names:
                self.app.notify("No saved views yet: Ctrl+S saves what the search box holds")
                self.segment = None
            else:
                keys = [n.casefold() for n in names]
                current = (self.segment or "").casefold()
                at = keys.index(current) + 1 if current in keys else 0
                self.segment = names[at] if at < len(names) else None
            self.reload()
        self.work(segments.names_, show, group="views")

    def action_save_view(self) -> None:
        """The search box's filters (within the current view, if any) saved under a name."""
        filters = {k: v for k, v in self.parse(self.query_one("#search").value).items() if v is not None}
        within = self.segment
        if not filters and not within:
            self.app.notify("Type what the view keeps in the search box first (tag:vip stage:customer …)")
            return

        def save(values: dict) -> dict:  # in a worker: the form's thread
            return segments.save(values["name"], {**(segments.filters_of(within) if within else {}), **filters})

        def saved(record):
            if record:
                self.segment = record["name"]
                self.query_one("#search").value = ""  # the view now holds what the box held
                self.app.notify(f"Saved view {record['name']}: {record['contacts']} contacts", markup=False)
                self.reload()
        self.app.push_screen(SegmentForm(save), saved)

    def parse(self, text: str) -> dict:
        return parse_query(text)

    def cells(self, c: dict) -> tuple:
        return (c["name"], c["email"] or "", display.phone(c["phone"]), c["company"] or "", c["title"] or "", c["stage"],
                taglist.join(c["tags"]))

    def action_add(self) -> None:
        def saved(record):
            if record:
                self.app.notify(f"Added {record['name'] or record['email']}", markup=False)
                self.reload()
        self.app.push_screen(ContactForm(save_contact, title="New contact"), saved)
