"""Import and export: pick a file, see the proposed mapping and a dry run, then run it
with a progress line, the UI staying responsive throughout."""
from __future__ import annotations

import glob
import os

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import Suggester
from textual.widgets import DataTable, Input, Label, Static

from crm_tui.screens.base import Page, fill
from importers.export import export
from importers.pipeline import import_file


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


def parse_mapping(text: str) -> dict | None:
    """'E-mail=email, Notes2=ignore' -> a mapping that overrides the proposal."""
    pairs = [p.split("=", 1) for p in text.split(",") if "=" in p]
    return {"columns": {h.strip(): f.strip() for h, f in pairs}} if pairs else None


class TransferScreen(Page):
    TITLE = "Import & export"
    BINDINGS = [
        Binding("ctrl+d", "preview", "Dry run", id="transfer.preview"),
        Binding("ctrl+g", "run_import", "Import", id="transfer.import"),
        Binding("ctrl+e", "run_export", "Export", id="transfer.export"),
    ]

    def compose_page(self) -> ComposeResult:
        with VerticalScroll():
            yield Label("Import a spreadsheet (.xlsx or .csv)", classes="section")
            yield Input(placeholder="file path (→ completes)", id="import-path", suggester=PathSuggester())
            with Horizontal(classes="row"):
                yield Input(placeholder="entity: contact, company, deal, ticket, followup (default: detect)", id="entity")
                yield Input(placeholder="sheet (default: all)", id="sheet")
            yield Input(placeholder="change the mapping: Header=field, Other=ignore", id="mapping")
            yield Label("ctrl+d dry run · ctrl+g import · ctrl+e export", classes="hint")
            yield Static("", id="status")
            columns = DataTable(id="columns", cursor_type="row")
            columns.add_columns("Sheet", "Column", "Field")
            yield columns
            errors = DataTable(id="errors", cursor_type="row")
            errors.add_columns("Sheet", "Row", "Column", "Why rejected")
            yield errors
            yield Label("Export", classes="section")
            with Horizontal(classes="row"):
                yield Input(placeholder="export to: everything.xlsx, contacts.csv, deals.json", id="export-path",
                            suggester=PathSuggester())
                yield Input(placeholder="entity (default: all; csv needs one)", id="export-entity")

    def _options(self) -> dict:
        value = lambda i: self.query_one(f"#{i}", Input).value.strip() or None  # noqa: E731
        return {"path": os.path.expanduser(value("import-path") or ""), "entity": value("entity"),
                "sheet": value("sheet"), "mapping": parse_mapping(value("mapping") or "")}

    def _status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def show_result(self, result, label: str) -> None:
        rows = [(n, (sheet, header, field))
                for n, (sheet, header, field) in enumerate(
                    (sheet, h, f) for sheet, m in result.mappings.items() for h, f in m["columns"].items())]
        rows += [(len(rows) + n, (sheet, h, "(kept in notes)")) for n, (sheet, h) in enumerate(
            (sheet, h) for sheet, m in result.mappings.items() for h in m["kept_in_notes"])]
        fill(self.query_one("#columns", DataTable), rows)
        fill(self.query_one("#errors", DataTable),
             [(n, (e.sheet, e.row, e.column or "", e.reason)) for n, e in enumerate(result.errors)])
        self._status(f"{label}: {result.created} created, {result.updated} updated, {result.skipped} skipped, "
                     f"{result.rejected} rejected in {result.seconds:.1f} s" + ("" if result.batch is None
                                                                                 else f" · batch {result.batch}"))

    def _import(self, dry_run: bool) -> None:
        options = self._options()
        if not options["path"]:
            self._status("[red]give a file to import[/red]")
            return
        self._status("dry run…" if dry_run else "importing…")

        def progress(sheet, done, total=None):
            self.app.call_from_thread(self._status, f"{'checking' if dry_run else 'importing'} {sheet}: {done:,} rows")

        self.work(lambda: import_file(**options, dry_run=dry_run, progress=progress),
                  lambda r: self.show_result(r, "would be" if dry_run else "imported"), group="import")

    def action_preview(self) -> None:
        self._import(dry_run=True)

    def action_run_import(self) -> None:
        self._import(dry_run=False)

    def action_run_export(self) -> None:
        path = os.path.expanduser(self.query_one("#export-path", Input).value.strip())
        entity = self.query_one("#export-entity", Input).value.strip()
        if not path:
            self._status("[red]give a file to export to[/red]")
            return
        self._status("exporting…")
        self.work(lambda: export(path, [entity.rstrip("s")] if entity else None),
                  lambda counts: self._status(f"exported to {path}: " + ", ".join(f"{n} {k}" for k, n in counts.items())),
                  group="export")
