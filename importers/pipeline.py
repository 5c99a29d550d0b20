"""`crm import`: read, map, validate and write a spreadsheet, one batch per run.

Bad rows never stop good ones: each is rejected with its sheet, row, column and
reason. Writes go in chunks, each its own transaction (the write lock is never held
for minutes), inside the batch's context (imports.importing): an import that fails
takes its own chunks back out, and one that is killed leaves whole chunks that a
re-run (which matches what is already there) or `crm import revert` finishes.
A dry run does all of it inside one transaction that is rolled back.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from db.config import get_config
from db.errors import CrmError, Invalid, StoreError
from db.identity import current_user
from db.services import imports, kinds
from db.services.bulk_contacts import ContactImporter
from db.services.exports import EXPORT_ONLY_SHEETS
from db.store import refresh_statistics, write
from importers import checker
from importers import headers as hdr
from importers import values as cell
from importers.files import private_file, safe_text, unsafe_text
from importers.rows import Mapped as _Mapped
from importers.rows import Plan as _Plan
from importers.rows import Reject as _Reject
from importers.rows import contact_row as _contact_row
from importers.rows import record_values as _record_values
from importers.read import Sheet, UnreadableFile, open_sheets, pick_sheet

CHUNK = 2000
STATISTICS_AFTER = 1000  # records created: then the planner's statistics are refreshed (a sample: < 1 s at 1M)
ORDER = ["company", "contact", "deal", "ticket", "followup"]  # parents before children
@dataclass
class RowError:
    sheet: str
    row: int
    column: str | None
    reason: str
    values: list = field(default_factory=list)
    kept: bool = False  # the row was imported; a value of it was not ("kept, but ...")

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class Result:
    batch: int | None = None
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    kept: list[RowError] = field(default_factory=list)  # imported rows with a value only kept in notes
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    headers: dict[str, list[str]] = field(default_factory=dict)  # per sheet, for the errors file
    mappings: dict[str, dict] = field(default_factory=dict)  # per sheet: entity and header -> field

    def summary(self) -> dict:
        out = {"batch": self.batch, "created": self.created, "updated": self.updated, "skipped": self.skipped,
               "rejected": self.rejected, "errors": [e.as_dict() for e in self.errors]}
        if self.kept:  # imported rows with a value only in notes ("kept, but ...")
            out["kept_with_warnings"] = [e.as_dict() for e in self.kept]
        return out


def _header_row(sheet: Sheet):
    """The first non-empty row in the first 20 is the header."""
    rows = sheet.rows()
    for number, values in rows:
        if any(v not in (None, "") for v in values):
            return number, [cell.text(v) or "" for v in values], rows
        if number > 20:
            break
    return None, [], iter(())


class ImportRejected(CrmError):
    """Rows were rejected and nothing was imported: --strict, or no row was good. The
    result carries the rejected rows (for the message list and the errors file)."""

    def __init__(self, path, result: Result, strict: bool):
        why = "nothing imported (strict)" if strict else "no row could be imported"
        super().__init__(f"{path}: {result.rejected} row(s) rejected; {why}")
        self.result = result


class NothingToImport(CrmError):
    """The file has no data rows at all (empty, a header alone, a calendar without
    to-dos): it fails like any import that writes nothing, its batch marked failed. A
    re-run whose rows all match what is there is not this: they count as skipped."""

    def __init__(self, path, sheets: list[str]):
        where = f"sheets {', '.join(map(repr, sheets))}: " if len(sheets) > 1 else ""
        super().__init__(f"{path}: {where}no rows to import")


def import_file(path: str, entity: str | None = None, sheet: str | None = None, mapping: str | dict | None = None,
                save_mapping: str | None = None, dry_run: bool = False, on_duplicate: str = "update",
                match: list[str] | None = None, overwrite: bool = False, strict: bool = False,
                progress: Callable[[str, int, int | None], None] | None = None) -> Result:
    """Import one file; returns counts, rejected rows and warnings.

    All or nothing when it fails: any exception (a file that turns out unreadable at
    row 2500, the database, Ctrl-C) takes what this import wrote back out before it
    propagates; so does ImportRejected, raised when rows were rejected and either
    strict is set or no row got in. Otherwise rejected rows are counted and listed and
    the good ones stay."""
    started = time.perf_counter()
    if on_duplicate not in ("update", "skip", "create"):
        raise Invalid("on-duplicate", f"{on_duplicate!r} is not one of: update, skip, create")
    if match:
        bad = [k for k in match if k not in ("email", "phone", "external_id", "name")]
        if bad:
            raise Invalid("match", f"{bad[0]!r} is not one of: email, phone, external_id, name")
    user_mapping = hdr.load_mapping(mapping) if isinstance(mapping, str) else mapping
    entity = entity or (user_mapping or {}).get("entity")
    if entity:
        entity = hdr.entity_name(entity)
    sheets = pick_sheet(open_sheets(path), sheet, path)
    plans = []
    ours: set[str] = set()
    result = Result(dry_run=dry_run)
    for sh in sheets:
        result.warnings.extend(getattr(sh, "notes", ()))  # what a reader itself has to say (importers.ical)
        number, heads, rows = _header_row(sh)
        if number is None:
            result.warnings.append(f"{Path(path).name}: sheet {sh.name!r} is empty; nothing imported from it")
            continue
        if sh.name in EXPORT_ONLY_SHEETS and not sheet:  # our export's timeline / stage history
            result.warnings.append(f"sheet {sh.name!r}: skipped (exported for you to keep; an import does not read it)")
            continue
        kind = entity or hdr.detect_entity(heads, sh.name if len(sheets) > 1 or kinds.known(sh.name) else None)
        if kind is None:
            raise UnreadableFile(f"{path}: sheet {sh.name!r}: cannot tell what the columns hold; use --entity or --mapping")
        columns = hdr.apply_mapping(kind, heads, user_mapping)
        why = _our_external_id(heads, columns, kind)
        if why:  # our own export: its ids are the store's own (imports.RecordImporter)
            ours.add(kind)
        if not columns:
            raise UnreadableFile(f"{path}: sheet {sh.name!r}: no column matches a {kind} field; use --mapping")
        unmapped = [h for i, h in enumerate(heads) if i not in columns and h]
        if unmapped:
            where = "notes" if kind != "ticket" else "the description"
            result.warnings.append(f"sheet {sh.name!r}: columns kept in {where}: {', '.join(unmapped)}")
        if save_mapping:
            hdr.save_mapping(save_mapping, kind, heads, columns)
        result.headers[sh.name] = heads
        result.mappings[sh.name] = {"entity": kind, "columns": {heads[i]: f for i, f in sorted(columns.items())},
                                    "kept_in_notes": unmapped, "why": why,
                                    "fields": [columns.get(i) for i in range(len(heads))]}  # by position: headers repeat
        plans.append((ORDER.index(kind), sh, kind, heads, columns, rows))
    plans.sort(key=lambda p: p[0])
    mapping_text = json.dumps({p[1].name: {p[3][i]: f for i, f in p[4].items()} for p in plans}, ensure_ascii=False)
    try:
        with collect_per_chunk(), imports.importing(str(path), ", ".join(p[1].name for p in plans),
                               ", ".join(dict.fromkeys(p[2] for p in plans)), mapping_text, current_user(),
                               dry_run=dry_run) as batch_id:
            result.batch = batch_id
            writers = _Writers(batch_id, on_duplicate, match, overwrite, ours)
            for _, sh, kind, heads, columns, rows in plans:
                chunks = _checked_chunks(rows, kind, _Plan(columns, heads), sh)
                if checker.can_fork(path):
                    # The forked checker carries on from this very row iterator (its copy
                    # of this process has the sheet loaded and the header read).
                    chunks = checker.in_worker(chunks, str(path), getattr(rows, "close", None))  # release
                with contextlib.closing(chunks):  # a failure stops the checker before the batch is taken back
                    _import_sheet(result, sh, kind, heads, columns, chunks, writers(kind), strict, progress)
            if not (result.created or result.updated or result.skipped or result.rejected):
                raise NothingToImport(path, [sh.name for sh in sheets])
            with write():
                imports.finish_batch(batch_id, result.created, result.updated, result.skipped, result.rejected)
            if result.rejected and (strict or not (result.created or result.updated or result.skipped)):
                raise ImportRejected(path, result, strict)  # the batch keeps its count of rejected rows
    except ImportRejected:
        result.batch, result.created, result.updated, result.skipped = None, 0, 0, 0
        result.seconds = time.perf_counter() - started
        raise
    if dry_run:
        result.batch = None
    elif result.created >= STATISTICS_AFTER:
        refresh_statistics()
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def collect_per_chunk():
    """The collector off for the import, run once per chunk instead (in the row checker
    too, which inherits this): left to itself it walks the young objects every 700
    allocations, and a chunk of rows is hundreds of thousands of them (measured: 16% of
    the import's CPU). Per chunk, the same cycles are still freed; memory stays as it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _our_external_id(heads: list[str], columns: dict[int, str], kind: str) -> dict[str, str]:
    """Our own export has both `id` and `external_id`: the id is what this file's rows
    refer to each other by, so it stays the key; the external_id column is left out
    (not dumped into notes). A contact's id is read as such (bulk_contacts' matching
    rule) and its external_id column is its external id. Returns {header: why} for the
    dry run's mapping."""
    at = {hdr.normalise(h): i for i, h in enumerate(heads)}
    key, ext = at.get("id"), at.get("external id")
    if key is None or ext is None or columns.get(key) != "external_id" or ext in columns:
        return {}
    if kind == "contact":
        columns[key], columns[ext] = "id", "external_id"
        return {heads[key]: "this store's contact id (our own export)"}
    columns[ext] = "ignore"
    return {heads[ext]: "the id column is this file's key"}


class _Writers:
    """One writer per kind of record for the whole import: the contact writer loads
    the store's keys once, however many sheets the workbook has (a workbook of 1,000
    small sheets used to reload them 1,000 times)."""

    def __init__(self, batch_id, on_duplicate, match, overwrite, ours=frozenset()):
        self.args = (batch_id, on_duplicate, match, overwrite)
        self.made: dict[str, object] = {}
        self.ours = ours  # kinds whose sheet is our own export
        self.file_ids: dict = {}  # (kind, the file's id) -> the record its row matched or made, across sheets

    def __call__(self, kind: str):
        if kind not in self.made:
            batch_id, on_duplicate, match, overwrite = self.args
            self.made[kind] = (ContactImporter(batch_id, on_duplicate, match, overwrite, self.file_ids,
                                               kind in self.ours) if kind == "contact"
                               else imports.RecordImporter(kind, batch_id, on_duplicate, overwrite,
                                                           self.file_ids, kind in self.ours))
        return self.made[kind]


def _import_sheet(result: Result, sh: Sheet, kind: str, heads, columns, chunks, writer, strict: bool, progress):
    done = 0
    for pending, rejects, size in chunks:
        sh.size = size
        kept = [r for r in rejects if r.kept]
        if kept:
            rejects = [r for r in rejects if not r.kept]
            if not (strict and result.rejected):
                result.kept.extend(kept)
                result.warnings.extend(f"sheet {k.sheet!r}, row {k.row}, column {k.column!r}: {k.reason}" for k in kept)
        result.errors.extend(rejects)
        result.rejected += len(rejects)
        if not pending or (strict and result.rejected):
            continue  # strict: after the first rejected row, only check the rest (to list them all)
        with write():
            if kind == "contact":
                outcomes = writer.add_chunk([p[2] for p in pending])
                result.warnings.extend(f"sheet {sh.name!r}, row {pending[at][0]}: {text}"
                                       for at, text in writer.take_notes())
            else:
                outcomes = []
                for number, values, record in pending:
                    try:
                        outcomes.append(writer.add(record))
                    except CrmError as exc:
                        col = _column_of(exc, columns, heads)
                        reason = exc.reason if isinstance(exc, Invalid) else str(exc)
                        result.errors.append(RowError(sh.name, number, col, reason, values))
                        outcomes.append("rejected")
            imports.count_batch(result.batch, outcomes)
        for outcome in outcomes:
            if outcome == "rejected":
                result.rejected += 1
            else:
                setattr(result, outcome, getattr(result, outcome) + 1)
        done += len(pending)
        gc.collect(1)  # collect_per_chunk
        if progress:
            progress(sh.name, done, sh.size)


def _checked_chunks(rows, kind: str, plan: _Plan, sheet: Sheet):
    """(rows ready to write as (number, original values, record), rejected rows, the
    sheet's size in rows when known), a chunk at a time."""
    pending: list[tuple[int, list, object]] = []
    rejects: list[RowError] = []
    make = _contact_row if kind == "contact" else functools.partial(_record_values, kind)
    for number, original in rows:
        if not any(v is not None and v != "" for v in original):
            continue
        values = [unsafe_text(v) if type(v) is str else v for v in original]
        try:
            record = make(_Mapped(values, plan))
            # a contact chunk is written as a whole and never needs the row's values
            # again: not sent from the checker, not held
            pending.append((number, None if kind == "contact" else original, record))
            for column, reason in getattr(record, "warnings", None) or ():
                rejects.append(RowError(sheet.name, number, column, reason, original, kept=True))
        except _Reject as exc:
            rejects.append(RowError(sheet.name, number, exc.column, exc.reason, original))
        if len(pending) >= CHUNK:
            yield pending, rejects, sheet.size
            pending, rejects = [], []
    if pending or rejects:
        yield pending, rejects, sheet.size


def _column_of(exc: CrmError, columns: dict[int, str], heads: list[str]) -> str | None:
    field_name = getattr(exc, "field", None)
    for i, f in columns.items():
        if f == field_name or (field_name == "contact" and f == "contact_ref"):
            return heads[i]
    return None


def errors_target(path: str) -> Path:
    """--errors FILE, checked before anything is imported, so that a path we cannot
    write never leaves a finished import without its list of rejected rows."""
    out = Path(path).expanduser()
    if out.is_dir():
        raise StoreError(f"{out}: is a directory")
    if not out.parent.is_dir():
        raise StoreError(f"{out.parent}: no such directory")
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise Invalid("errors", f"{out}: the rejected-rows file must end in .xlsx or .csv")
    try:  # the one sure test, whoever runs this (root passes os.access) and however the folder is mounted
        fd, probe = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise StoreError(f"{out}: cannot write ({exc.strerror})") from None
    return out


def write_errors(result: Result, path: str) -> int:
    """The rejected rows as they were, plus a reason column, ready to fix and re-import.
    Rows imported with a value kept only in notes come in the same sheet, in row order,
    their reason starting "kept, but": one list to go through, and a fixed row re-imported
    updates its contact (matched by email or external id) instead of making another.
    Written mode 0600 (they are customer data) under the real name only when whole."""
    out = errors_target(path)
    by_sheet: dict[str, list[RowError]] = {}
    for e in result.errors + result.kept:
        by_sheet.setdefault(e.sheet, []).append(e)
    for rows in by_sheet.values():
        rows.sort(key=lambda e: e.row)
    try:
        with private_file(out) as tmp:
            if out.suffix.lower() == ".csv":
                import csv

                with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
                    w = csv.writer(fh)
                    for sheet, errors in by_sheet.items():
                        w.writerow([*result.headers.get(sheet, []), "error"])
                        for e in errors:
                            w.writerow([*(safe_text(cell.text(v) or "") for v in e.values), f"row {e.row}: {e.reason}"])
            else:
                from openpyxl import Workbook

                book = Workbook(write_only=True)
                for sheet, errors in by_sheet.items() or {"errors": []}.items():
                    ws = book.create_sheet(sheet[:31])
                    ws.append([*result.headers.get(sheet, []), "error"])
                    for e in errors:
                        ws.append([*(safe_text(v) if isinstance(v, str) else v for v in e.values),
                                   f"row {e.row}" + (f", {e.column}" if e.column else "") + f": {e.reason}"])
                book.save(tmp)
    except OSError as exc:
        raise StoreError(f"{out}: cannot write ({exc.strerror})") from None
    return len(result.errors)
