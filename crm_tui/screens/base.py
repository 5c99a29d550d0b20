"""What every page shares: header, footer, and reloading from the store."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from crm_tui.work import run_in_thread
from db import display
from db.identity import current_user


class Page(Screen):
    def compose_page(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_page()
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()  # another process may have changed things meanwhile

    def reload(self) -> None:
        """Fetch this page's data in a worker and show it."""

    def refresh_from_store(self) -> None:
        """Someone else changed the store: show it, the cursor staying on its record."""
        self.reload()

    def work(self, call, done=None, group: str = "db") -> None:
        run_in_thread(self, call, done, group)

    def act(self, call, message: str | None = None) -> None:
        """A change to the store, then a reload (and a note saying what happened)."""
        def done(_):
            if message:
                self.app.notify(message, markup=False)
            self.reload()
        run_in_thread(self, call, done, group="write", exclusive=False)


class MineFilter:
    """A page's `m`: only the acting user's records, or everyone's again. The header
    says which (a plain-text sub-title: a name is never markup)."""

    mine: str | None = None  # the owner the page is narrowed to

    def action_mine(self) -> None:
        self.mine = None if self.mine else current_user()
        self.sub_title = f"only {self.mine}'s" if self.mine else None
        self.reload()


def split_filters(text: str, keys) -> dict:
    """What a search box holds: 'tag:vip stage:customer lee' -> {'tag': 'vip',
    'stage': 'customer', 'query': 'lee'} (query None when only filters)."""
    out: dict = {}
    words = []
    for word in text.split():
        key, sep, value = word.partition(":")
        if sep and key in keys and value:
            out[key] = current_user() if (key, value.lower()) == ("owner", "me") else value
        else:
            words.append(word)
    out["query"] = " ".join(words) or None
    return out


def selected_key(table: DataTable) -> int | None:
    """The row key (a record id) under the cursor."""
    if table.row_count == 0:
        return None
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    return int(key) if key is not None and str(key).isdigit() else None


def plain(cell):
    """A cell as the text it is: DataTable reads a str as markup, so a name like "[/]"
    would crash the page and "[b]x" would show a bold x."""
    return Text(cell) if isinstance(cell, str) else cell


def fill(table: DataTable, rows: list[tuple[int, tuple]]) -> None:
    """Replace a table's rows, keeping the cursor on the record it was on (rows above
    it may have come or gone), else near where it was."""
    row = table.cursor_row
    key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value) if table.row_count else None
    table.clear()
    for each, cells in rows:
        table.add_row(*map(plain, cells), key=str(each))
    if table.row_count:
        keys = [str(each) for each, _ in rows]
        table.move_cursor(row=keys.index(key) if key in keys else min(row, table.row_count - 1))


def local_time(iso: str | None) -> str:
    """'2026-11-23T23:43:00Z' as the owner's wall-clock time: '23 Nov 2026 23:43' (db/display.py)."""
    return display.when(iso)
