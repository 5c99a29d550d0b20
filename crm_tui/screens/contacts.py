"""Contacts: search as you type, filters in the same box, rows loaded a page at a time."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label

from crm_tui.modals import ContactForm
from crm_tui.screens.base import Page, selected_key, split_filters
from db.services import contacts

PAGE = 60  # a screenful or two; more load as the cursor nears the end
FILTERS = ("tag", "stage", "owner", "dnc")


def parse_query(text: str) -> dict:
    """'tag:vip stage:customer lee' -> filters plus the words to search for."""
    out = split_filters(text, FILTERS)
    if "dnc" in out:
        out["do_not_contact"] = out.pop("dnc").lower() in ("yes", "y", "true", "1")
    return out


def save_contact(values: dict, contact_id: int | None = None) -> dict:
    """A form's values through the same service (and rules) as the CLI."""
    fields = {k: values[k] for k in ("first_name", "last_name", "company", "title") if values.get(k) or contact_id}
    if values.get("stage"):
        fields["stage"] = values["stage"]
    emails = [values["email"]] if values.get("email") else []
    phones = [values["phone"]] if values.get("phone") else []
    tags = [values["tags"]] if values.get("tags") else []
    if contact_id is None:
        return contacts.create(fields, emails=emails, phones=phones, tags=tags)
    current = contacts.show(contact_id)
    keep_emails = [e for e in current["emails"] if e.lower() != (current["email"] or "").lower()]
    keep_phones = [p for p in current["phones"] if p != current["phone"]]
    return contacts.update(contact_id, fields, emails=emails + keep_emails if emails else keep_emails,
                           phones=phones + keep_phones if phones else keep_phones, add=tags)


class ContactsScreen(Page):
    TITLE = "Contacts"
    BINDINGS = [
        Binding("slash", "search", "Search", id="contacts.search"),
        Binding("a", "add", "Add", id="contacts.add"),
        Binding("enter", "open", "Open", id="contacts.open", show=False),
        Binding("delete,x", "delete", "Delete", id="contacts.delete"),
        Binding("u", "undo", "Undo delete", id="contacts.undo"),
    ]

    def compose_page(self) -> ComposeResult:
        yield Input(placeholder="search names, emails, phones, companies…  (filters: tag:vip stage:customer owner:sam dnc:yes)",
                    id="search")
        table = DataTable(id="contacts-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Email", "Phone", "Company", "Title", "Stage", "Tags")
        yield table
        yield Label("", id="count", classes="muted")

    def on_mount(self) -> None:
        self.loaded = 0
        self.total = 0
        self.query_text = ""
        self.deleted: int | None = None
        super().on_mount()
        self.query_one("#search", Input).focus()

    def reload(self) -> None:
        self.load(self.query_one("#search", Input).value, offset=0)

    def load(self, text: str, offset: int) -> None:
        filters = parse_query(text)

        def fetch():
            return text, offset, contacts.list_(limit=PAGE, offset=offset, **filters)
        self.work(fetch, self.show, group="search" if offset == 0 else "page")

    def show(self, result) -> None:
        text, offset, page = result
        if text != self.query_one("#search", Input).value:
            return  # a newer keystroke has its own search on the way
        table = self.query_one("#contacts-table", DataTable)
        if offset == 0:
            table.clear()
            self.loaded = 0
        for c in page.rows:
            table.add_row(c["name"], c["email"] or "", c["phone"] or "", c["company"] or "", c["title"] or "",
                          c["stage"], ", ".join(c["tags"]), key=str(c["id"]))
        self.loaded += len(page.rows)
        self.total = page.total
        self.query_one("#count", Label).update(
            f"{self.total:,} contacts" + (f" · showing {self.loaded:,}" if self.loaded < self.total else ""))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.load(event.value, offset=0)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#contacts-table", DataTable).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Near the bottom of what is loaded: fetch the next page.
        if event.cursor_row >= self.loaded - 10 and self.loaded < self.total:
            self.load(self.query_one("#search", Input).value, offset=self.loaded)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_contact(int(event.row_key.value))

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_open(self) -> None:
        cid = selected_key(self.query_one("#contacts-table", DataTable))
        if cid:
            self.app.open_contact(cid)

    def action_add(self) -> None:
        def saved(record):
            if record:
                self.app.notify(f"Added {record['name'] or record['email']}")
                self.reload()
        self.app.push_screen(ContactForm(save_contact, title="New contact"), saved)

    def action_delete(self) -> None:
        cid = selected_key(self.query_one("#contacts-table", DataTable))
        if cid:
            self.deleted = cid
            self.act(lambda: contacts.delete(cid), f"Contact {cid} moved to the trash · press u to undo")

    def action_undo(self) -> None:
        if self.deleted:
            cid, self.deleted = self.deleted, None
            self.act(lambda: contacts.restore(cid), f"Contact {cid} restored")
