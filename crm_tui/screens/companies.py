"""Companies: search as you type, sort by column; Enter opens the company."""
from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

from crm_tui.forms import CompanyForm
from crm_tui.screens.listing import ListPage
from db import taglist
from db.services import companies


class CompaniesScreen(ListPage):
    KIND = "company"
    TABLE_ID = "companies-table"
    PLACEHOLDER = "search companies… (tag:trade owner:sam)"
    FILTERS = ("tag", "owner")
    COLUMNS = [("Name", "name"), ("Website", None), ("Industry", "industry"), ("City", "city"),
               ("Country", "country"), ("People", None), ("Tags", None)]
    BINDINGS = [
        Binding("a", "add", "Add", id="companies.add"),
        Binding("enter", "open", "Open", id="companies.open", show=False),
        Binding("p", "people", "People", id="companies.people"),
        Binding("delete,x", "delete", "Delete", id="companies.delete"),
    ]

    def cells(self, c: dict) -> tuple:
        return (c["name"], c["domain"] or "", c["industry"] or "", c["city"] or "", c["country"] or "",
                c["contacts"], taglist.join(c["tags"]))

    async def action_people(self) -> None:
        """The contacts page, searching for this company's name."""
        if self.selected() is None:
            return
        name = str(self.table.get_row_at(self.table.cursor_row)[0])  # the cell is Text
        await self.app.switch_mode("contacts")
        self.app.screen.query_one("#search", Input).value = name

    def action_add(self) -> None:
        def saved(record):
            if record:
                self.app.notify(f"Added {record['name']}", markup=False)
                self.reload()
        self.app.push_screen(CompanyForm(lambda v: companies.create({k: x for k, x in v.items() if x})), saved)
