"""Companies: search as you type; Enter lists the company's people."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label

from crm_tui.modals import Form
from crm_tui.screens.base import Page, fill, selected_key, split_filters
from db.services import companies


class CompanyForm(Form):
    TITLE = "New company"
    FIELDS = [("name", "Name", "Harbour Bakery"), ("domain", "Website", "harbourbakery.co.uk"),
              ("industry", "Industry", ""), ("phone", "Phone", ""), ("city", "City", ""), ("country", "Country", "")]


class CompaniesScreen(Page):
    TITLE = "Companies"
    BINDINGS = [
        Binding("slash", "search", "Search", id="companies.search"),
        Binding("a", "add", "Add", id="companies.add"),
        Binding("enter", "people", "People", id="companies.people", show=False),
    ]

    def compose_page(self) -> ComposeResult:
        yield Input(placeholder="search companies… (tag:trade owner:sam)", id="search")
        table = DataTable(id="companies-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Website", "Industry", "City", "Country", "People", "Tags")
        yield table
        yield Label("", id="count", classes="muted")

    def reload(self) -> None:
        text = self.query_one("#search", Input).value
        filters = split_filters(text, ("tag", "owner"))

        def fetch():
            return text, companies.list_(limit=200, **filters)
        self.work(fetch, self.show, group="search")

    def show(self, result) -> None:
        text, page = result
        if text != self.query_one("#search", Input).value:
            return
        fill(self.query_one("#companies-table", DataTable),
             [(c["id"], (c["name"], c["domain"] or "", c["industry"] or "", c["city"] or "", c["country"] or "",
                         c["contacts"], ", ".join(c["tags"]))) for c in page.rows])
        self.query_one("#count", Label).update(f"{page.total:,} companies")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#companies-table", DataTable).focus()

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        await self.action_people()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    async def action_people(self) -> None:
        """The contacts page, searching for this company's name."""
        table = self.query_one("#companies-table", DataTable)
        if selected_key(table) is None:
            return
        name = table.get_row_at(table.cursor_row)[0]
        await self.app.switch_mode("contacts")
        self.app.screen.query_one("#search", Input).value = name

    def action_add(self) -> None:
        def saved(record):
            if record:
                self.app.notify(f"Added {record['name']}")
                self.reload()
        self.app.push_screen(CompanyForm(lambda v: companies.create({k: x for k, x in v.items() if x})), saved)
