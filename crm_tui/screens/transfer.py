"""Import and export: pick a file and a sheet, see the proposed mapping and change it,
see a dry run (where every column goes: a field, notes, or nowhere, and why), then run
it with a progress bar, the UI staying responsive throughout."""
from __future__ import annotations

import glob
import os

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.suggester import Suggester
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList, ProgressBar, Select, Static

from crm_tui.screens.base import Page, fill
from importers import headers as hdr
from importers.export import export
from importers.mapping_report import IGNORED, describe
from importers.pipeline import ImportRejected, import_file
from importers.read import open_sheets

IGNORE = "ignore"  # the column is dropped: not read, not kept in notes


class PathSuggester(Suggester):
    """Completes file paths as you type (→ accepts)."""

    def __init__(self):
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        matches = sorted(glob.glob(os.path.expanduser(value) + "*"))
        if not matches:
            return None
        match = matches[0] + ("/" if os.path.isdir(matches[0]) else "")
        return value + match[len(os.path.expanduser(value)):]


class FieldPicker(ModalScreen[str | None]):
    """Which field a spreadsheet column fills."""

    BINDINGS = [("escape", "dismiss", "Cancel")]

    def __init__(self, header: str, entity: str, current: str):
        super().__init__()
        self.header, self.choices = header, [*sorted(hdr.SYNONYMS[entity]), IGNORE]
        self.current = current

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(id="dialog"):
            yield Label(f"Column {self.header!r} fills:", classes="title", markup=False)  # the file's text
            picker = OptionList(*[f"{c}  (drop the column)" if c == IGNORE else c for c in self.choices], id="fields")
            yield picker
            yield Label("Enter picks · Esc cancels", classes="hint")

    def on_mount(self) -> None:
        picker = self.query_one("#fields", OptionList)
        if self.current in self.choices:
            picker.highlighted = self.choices.index(self.current)
        picker.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])


class TransferScreen(Page):
    TITLE = "Import & export"
    BINDINGS = [
        # priority: the inputs here have their own ctrl+d (delete right) and ctrl+e (line end)
        Binding("ctrl+d", "preview", "Dry run", id="transfer.preview", priority=True),
        Binding("ctrl+g", "run_import", "Import", id="transfer.import", priority=True),
        Binding("ctrl+e", "run_export", "Export", id="transfer.export", priority=True),
    ]

    def compose_page(self) -> ComposeResult:
        with VerticalScroll():
            yield Label("Import a spreadsheet (.xlsx or .csv)", classes="section")
            yield Input(placeholder="file path (→ completes, Enter lists its sheets)", id="import-path",
                        suggester=PathSuggester())
            with Horizontal(classes="row"):
                yield Input(placeholder="entity: contact, company, deal, ticket, followup (default: detect)", id="entity")
                yield Select([], prompt="every sheet", id="sheet")
            yield Label("ctrl+d dry run · ctrl+g import · ctrl+e export · Enter on a column changes its field",
                        classes="hint")
            yield Static("", id="status")
            yield ProgressBar(id="progress", show_eta=False)
            columns = DataTable(id="columns", cursor_type="row")
            columns.add_columns("Sheet", "Column", "Goes to", "Why")
            yield columns
            errors = DataTable(id="errors", cursor_type="row")
            errors.add_columns("Sheet", "Row", "Column", "Why rejected")
            yield errors
            yield Label("Export", classes="section")
            with Horizontal(classes="row"):
                yield Input(placeholder="export to: everything.xlsx, contacts.csv, deals.json", id="export-path",
                            suggester=PathSuggester())
                yield Input(placeholder="entity (default: all; csv needs one)", id="export-entity")
                yield Select([("Google Contacts CSV", "google"), ("Outlook CSV", "outlook")],
                             prompt="layout: our own columns", id="export-layout")

    def on_mount(self) -> None:
        self.overrides: dict[str, str] = {}  # header -> field, chosen in the columns table
        self.entities: dict[str, str] = {}  # sheet -> what its rows are, from the last run
        self.query_one("#progress", ProgressBar).display = False
        super().on_mount()
        self.query_one("#import-path", Input).focus()

    def _options(self) -> dict:
        value = lambda i: self.query_one(f"#{i}", Input).value.strip() or None  # noqa: E731
        sheet = self.query_one("#sheet", Select)
        return {"path": os.path.expanduser(value("import-path") or ""), "entity": value("entity"),
                "sheet": None if sheet.is_blank() else str(sheet.value),
                "mapping": {"columns": dict(self.overrides)} if self.overrides else None}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "import-path" and event.value.strip():
            path = os.path.expanduser(event.value.strip())
            self.overrides.clear()
            self.work(lambda: [s.name for s in open_sheets(path)], self.show_sheets, group="sheets")

    def show_sheets(self, names: list[str]) -> None:
        select = self.query_one("#sheet", Select)
        select.set_options([(n, n) for n in names])
        self._status(f"{len(names)} sheet(s): {', '.join(names)} · ctrl+d for a dry run")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "columns":
            return
        sheet, header, current = (str(c) for c in event.data_table.get_row_at(event.cursor_row)[:3])
        current = IGNORE if current == IGNORED else current
        entity = self.entities.get(sheet)
        if not entity:
            return

        def chosen(field: str | None) -> None:
            if field:
                self.overrides[header] = field
                self.action_preview()  # show what the new mapping does
        self.app.push_screen(FieldPicker(header, entity, current), chosen)

    def _status(self, text: str, error: bool = False) -> None:
        # Paths, headers and errors are the file's and the user's text: never read as markup.
        self.query_one("#status", Static).update(Content.styled(text, "red") if error else Content(text))

    def show_result(self, result, label: str, failure: str | None = None) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self.entities = {sheet: m["entity"] for sheet, m in result.mappings.items()}
        where = describe(result, {"columns": dict(self.overrides)})
        columns = [(sheet, c["column"], c["to"], c["why"]) for sheet, m in where.items() for c in m["columns"]]
        fill(self.query_one("#columns", DataTable), list(enumerate(columns)))
        # Rejected rows and rows kept with a value only in notes ("kept, but ..."), in row order.
        listed = sorted(result.errors + result.kept, key=lambda e: (e.sheet, e.row))
        fill(self.query_one("#errors", DataTable),
             [(n, (e.sheet, e.row, e.column or "", e.reason)) for n, e in enumerate(listed)])
        if failure:  # rows were rejected and nothing was imported: the table lists them
            self._status(failure, error=True)
            return
        goes = [c[2] for c in columns]
        tally = (f" · columns: {len(goes) - goes.count('notes') - goes.count(IGNORED)} to fields, "
                 f"{goes.count('notes')} to notes, {goes.count(IGNORED)} ignored") if result.dry_run else ""
        self._status(f"{label}: {result.created} created, {result.updated} updated, {result.skipped} skipped, "
                     f"{result.rejected} rejected in {result.seconds:.1f} s" + ("" if result.batch is None
                                                                                 else f" · batch {result.batch}")
                     + tally)

    def _import(self, dry_run: bool) -> None:
        options = self._options()
        if not options["path"]:
            self._status("give a file to import", error=True)
            return
        self._status("dry run…" if dry_run else "importing…")
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True

        def show_progress(sheet, done, total):
            bar.update(total=total, progress=done)
            self._status(f"{'checking' if dry_run else 'importing'} {sheet}: {done:,} rows")

        def progress(sheet, done, total=None):
            self.app.call_from_thread(show_progress, sheet, done, total)

        def job():
            try:
                return import_file(**options, dry_run=dry_run, progress=progress), None
            except ImportRejected as exc:
                return exc.result, str(exc)
            finally:
                self.app.call_from_thread(setattr, bar, "display", False)

        self.work(job, lambda done: self.show_result(done[0], "would be" if dry_run else "imported", done[1]),
                  group="import")

    def action_preview(self) -> None:
        self._import(dry_run=True)

    def action_run_import(self) -> None:
        self._import(dry_run=False)

    def action_run_export(self) -> None:
        path = os.path.expanduser(self.query_one("#export-path", Input).value.strip())
        entity = self.query_one("#export-entity", Input).value.strip()
        picked = self.query_one("#export-layout", Select)
        layout = None if picked.is_blank() else str(picked.value)  # contacts as Google or Outlook import them
        if not path:
            self._status("give a file to export to", error=True)
            return
        self._status("exporting…")
        self.work(lambda: export(path, [entity] if entity else None, layout=layout),
                  lambda counts: self._status(f"exported to {path}: " + ", ".join(f"{n} {k}" for k, n in counts.items())),
                  group="export")
