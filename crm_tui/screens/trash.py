"""The trash: deleted records, restored with one key."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from crm_tui.screens.base import Page, fill, local_time
from db.services import trash


class TrashScreen(Page):
    TITLE = "Trash"
    BINDINGS = [Binding("r", "restore", "Restore", id="trash.restore")]

    def compose_page(self) -> ComposeResult:
        table = DataTable(id="trash", cursor_type="row", zebra_stripes=True)
        table.add_columns("Type", "#", "Title", "Deleted")
        yield table

    def reload(self) -> None:
        self.work(trash.list_, self.show)

    def show(self, rows) -> None:
        self.items = {f"{r['type']}:{r['id']}": r for r in rows}
        fill(self.query_one("#trash", DataTable),  # the cursor stays on its record
             [(key, (r["type"], r["id"], r["title"], local_time(r["deleted_at"]))) for key, r in self.items.items()])

    def action_restore(self) -> None:
        table = self.query_one("#trash", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        item = self.items[key]
        self.act(lambda: trash.RESTORE[item["type"]](item["id"]), f"{item['type']} {item['id']} restored")
