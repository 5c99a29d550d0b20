"""A page that lists many records: search as you type, filters in the same box, rows
loaded a page at a time as the cursor goes down, and sorting by column (click a
header, or `s` for the next sortable column and `r` to reverse)."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label
from textual.widgets.data_table import ColumnKey

from crm_tui.screens.base import Page, plain, selected_key, split_filters
from db.services import kinds

PAGE = 60  # a screenful or two; more load as the cursor nears the end
COUNT_UP_TO = 1000  # "1,000+ contacts": counting every match of a one-letter search costs more than its page


class ListPage(Page):
    KIND = ""  # "contact" or "company": what Enter opens and delete moves to the trash; names the page
    NOUN = "records"
    PLACEHOLDER = "search…"
    FILTERS: tuple[str, ...] = ()
    # (header, the service's sort name or None when the column does not sort)
    COLUMNS: list[tuple[str, str | None]] = []
    TABLE_ID = "list-table"

    BINDINGS = [
        Binding("slash", "search", "Search", id="list.search"),
        Binding("s", "sort", "Sort", id="list.sort"),
        Binding("r", "reverse", "Reverse", id="list.reverse"),
    ]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.KIND:  # the title and the noun of the count ("12 contacts") are the kind's
            cls.TITLE, cls.NOUN = kinds.KINDS[cls.KIND].title, kinds.KINDS[cls.KIND].plural

    def fetch(self, filters: dict, offset: int, sort: str):
        """One page from the service (runs in a worker thread). Counting stops at
        COUNT_UP_TO while searching; the whole list is cheap to count."""
        return kinds.KINDS[self.KIND].service.list_(limit=PAGE, offset=offset, sort=sort,
                                                    count_up_to=COUNT_UP_TO if filters.get("query") else None, **filters)

    def cells(self, record: dict) -> tuple:
        raise NotImplementedError

    def compose_page(self) -> ComposeResult:
        yield Input(placeholder=self.PLACEHOLDER, id="search")
        table = DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        for header, sort in self.COLUMNS:
            table.add_column(header, key=sort or header)
        yield table
        yield Label("", id="count", classes="muted")

    def on_mount(self) -> None:
        self.loaded = 0
        self.total, self.at_least = 0, False
        self.more = False
        self.sort_by = self.COLUMNS[0][1]
        self.descending = False
        super().on_mount()
        self.query_one("#search", Input).focus()

    @property
    def table(self) -> DataTable:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    @property
    def sort(self) -> str:
        return ("-" if self.descending else "") + self.sort_by

    def reload(self) -> None:
        self.keep = None  # a new search or sort starts at the top
        self.load(offset=0)

    def refresh_from_store(self) -> None:
        """The list again from the store, the cursor back on the record it was on
        (found by id: rows added or removed above it move it down or up)."""
        record_id = self.selected()
        self.keep = (record_id, self.table.cursor_row, self.loaded) if record_id else None
        self.load(offset=0)

    def load(self, offset: int) -> None:
        text = self.query_one("#search", Input).value
        sort = self.sort
        filters = self.parse(text)

        def fetch():
            return text, sort, offset, self.fetch(filters, offset, sort)
        self.work(fetch, self.show, group="search" if offset == 0 else "page")

    def parse(self, text: str) -> dict:
        return split_filters(text, self.FILTERS)

    def show(self, result) -> None:
        text, sort, offset, page = result
        if text != self.query_one("#search", Input).value or sort != self.sort:
            return  # a newer keystroke or sort has its own fetch on the way
        table = self.table
        if offset == 0:
            table.clear()
            self.loaded = 0
        elif offset != self.loaded:
            return  # a page for a list that has since been replaced
        for r in page.rows:
            table.add_row(*map(plain, self.cells(r)), key=str(r["id"]))
        self.loaded += len(page.rows)
        self.more = len(page.rows) == PAGE
        if offset == 0:
            self.total, self.at_least = page.total, page.at_least
            self.mark_sorted_column()
        self.update_count()
        self.restore_cursor()

    keep: tuple | None = None  # (record id, row, rows loaded) to put the cursor back after a refresh

    def restore_cursor(self) -> None:
        if not self.keep:
            return
        record_id, row, loaded = self.keep
        keys = [str(k.value) for k in self.table.rows]
        if str(record_id) in keys:
            self.table.move_cursor(row=keys.index(str(record_id)))
        elif self.more and self.loaded < loaded + PAGE:  # it was further down: load on towards it
            self.more = False
            self.load(offset=self.loaded)
            return
        elif self.table.row_count:  # gone (deleted, or filtered out): stay about where it was
            self.table.move_cursor(row=min(row, self.table.row_count - 1))
        self.keep = None

    def mark_sorted_column(self) -> None:
        """An arrow on the header of the column the list is sorted by."""
        table = self.table
        for header, sort in self.COLUMNS:
            arrow = (" ▼" if self.descending else " ▲") if sort == self.sort_by else ""
            table.columns[ColumnKey(sort or header)].label = Text(header + arrow)
        table.refresh()

    def update_count(self) -> None:
        total = f"{self.total:,}{'+' if self.at_least else ''} {self.NOUN}"
        shown = f" · showing {self.loaded:,}" if self.more else ""
        header = self.sortable.get(self.sort_by, self.sort_by)
        order = f" · sorted by {header.lower()}{' (reversed)' if self.descending else ''}"
        self.query_one("#count", Label).update(Text(self.count_prefix() + total + shown + order))  # may hold a view's name

    def count_prefix(self) -> str:
        """What goes before the count (the contacts page names its saved view there)."""
        return ""

    @property
    def sortable(self) -> dict[str, str]:
        """The service's sort name -> its column header."""
        return {sort: header for header, sort in self.COLUMNS if sort}

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Near the bottom of what is loaded: fetch the next page.
        if event.cursor_row >= self.loaded - 10 and self.more:
            self.more = False  # one page request at a time
            self.load(offset=self.loaded)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        if key in self.sortable:
            self.descending = not self.descending if key == self.sort_by else False
            self.sort_by = key
            self.reload()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        names = list(self.sortable)
        self.sort_by = names[(names.index(self.sort_by) + 1) % len(names)]
        self.descending = False
        self.reload()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.reload()

    def selected(self) -> int | None:
        return selected_key(self.table)

    def open_record(self, record_id: int) -> None:
        getattr(self.app, f"open_{self.KIND}")(record_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_record(int(event.row_key.value))

    def action_open(self) -> None:
        record_id = self.selected()
        if record_id:
            self.open_record(record_id)

    def action_delete(self) -> None:
        record_id = self.selected()
        if record_id:
            self.app.delete_with_undo(self.KIND, record_id, self.reload)
