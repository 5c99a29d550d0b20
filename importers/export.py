"""Writing records out: .xlsx (a sheet per entity), .csv (one entity) or .json.

Formula safety: a text cell that starts with =, +, -, @, tab or CR is written with a
leading apostrophe (and never as a formula cell), so no spreadsheet runs it; phone
and number-like text is left alone since it cannot call anything. Importing our own
export strips the apostrophe again.
"""
from __future__ import annotations

import csv
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from db import taglist
from db.errors import Invalid, StoreError
from db.services import exports
from importers.files import DANGEROUS, private_file, safe_text
from importers.headers import entity_name

def _flat(value):
    """A list (emails, phones, tags) as one '; '-joined cell; a value holding ',' ';' or '"'
    (the tag 'webinar, q3') is quoted, so importers/rows.split_tags reads it back whole."""
    if isinstance(value, list):
        return taglist.join([str(v) for v in value], "; ")
    return value


def _cell_text(value) -> str:
    if isinstance(value, str):  # most cells: asked first (a million cells per 100k contacts)
        return safe_text(value)
    value = _flat(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ", timespec="minutes") if isinstance(value, datetime) else value.isoformat()
    return str(value)


_RISKY_FIRST = frozenset(DANGEROUS)  # safe_text's first characters, asked as one set lookup


def _cells(row) -> list[str]:
    """_cell_text of each value, the common cases inline: a call per cell was most of a
    csv export's time (1.4 million cells per 100k contacts). Text whose first character
    cannot start a formula is written as it is, the cheapest test first."""
    return [(v if v[:1] not in _RISKY_FIRST else safe_text(v)) if type(v) is str else
            _list_text(v) if type(v) is list else "" if v is None else
            ("yes" if v else "no") if type(v) is bool else str(v) if type(v) is int else _cell_text(v) for v in row]


def _list_text(values: list) -> str:
    """_cell_text of a list (emails, phones, tags); most hold one text or none."""
    if not values:
        return ""
    text = taglist.join(values, "; ") if len(values) == 1 and type(values[0]) is str else _flat(values)
    return text if text[:1] not in _RISKY_FIRST else safe_text(text)


def export(path: str, entities=None, progress=None, layout: str | None = None, vdir: bool = False,
           **filters) -> dict[str, int]:
    """Write the file; returns rows written per entity. Entities as a person types
    them: 'companies', 'Company' and 'company' are the same. layout 'google' or
    'outlook': contacts in the CSV layout that tool imports."""
    out = Path(path).expanduser()
    kind = out.suffix.lower().lstrip(".")
    entities = list(dict.fromkeys(_entity(e) for e in entities)) if entities else list(exports.ENTITIES)
    if filters.get("segment"):  # a segment is a saved view of contacts
        if kind == "ics":
            raise Invalid("segment", f"{out}: an .ics file holds follow-ups; a segment selects contacts")
        if entities == list(exports.ENTITIES):
            entities = ["contact"]
    if layout is not None:
        layout, entities = _layout(out, kind, layout, entities), ["contact"]
    if vdir:
        return _vdir(out, entities, filters)
    if kind == "vcf":  # a vCard file holds contacts (cards); refused like .ics refuses (importers.ical)
        if entities != list(exports.ENTITIES) and entities != ["contact"]:
            raise StoreError(f"{out}: a .vcf file holds contacts only; use --entity contact or leave --entity out")
        entities = ["contact"]
    if kind not in ("xlsx", "csv", "json", "ics", "vcf"):
        raise StoreError(f"{out}: unknown export format {out.suffix!r} (use .xlsx, .csv, .json or .ics)")
    if kind == "csv" and len(entities) != 1:
        raise StoreError(f"{out}: a CSV file holds one kind of record; add --entity ({', '.join(exports.ENTITIES)})")
    if out.is_dir():
        raise StoreError(f"{out}: is a directory")
    if not out.parent.exists():
        raise StoreError(f"{out.parent}: no such directory")
    try:
        with private_file(out) as tmp:
            if layout:
                from importers import export_layouts

                return export_layouts.write(tmp, layout, filters)
            if kind == "ics":  # follow-ups as VTODOs (icalendar loads only for this)
                from importers.ical import write_ics

                return write_ics(tmp, entities, progress, filters)
            if kind == "vcf":  # contacts as vCard 3.0
                from importers.vcard import write_file

                return {"contact": write_file(tmp, exports.contact_cards(**filters), progress=progress)}
            return {"xlsx": _xlsx, "csv": _csv, "json": _json}[kind](tmp, entities, progress, filters)
    except OSError as exc:
        raise StoreError(f"{out}: cannot write ({exc.strerror})") from None


def export_mailing(path: str, **filters) -> dict:
    """`crm export FILE.csv --mailing`: one row per deliverable address of the contacts
    the filters (or --segment) select, without do-not-contact people or duplicates;
    returns {"addresses": rows written, "left_out": {reason: count}}."""
    out = Path(path).expanduser()
    if out.suffix.lower() != ".csv":
        raise Invalid("mailing", f"{out}: a mailing list is a CSV file; name it .csv")
    if out.is_dir():
        raise StoreError(f"{out}: is a directory")
    if not out.parent.exists():
        raise StoreError(f"{out.parent}: no such directory")
    left_out, n = {}, 0
    try:
        with private_file(out) as tmp, open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(exports.MAILING_COLUMNS)
            for row in exports.mailing_rows(left_out, **filters):
                writer.writerow(_cells(row.values()))
                n += 1
    except OSError as exc:
        raise StoreError(f"{out}: cannot write ({exc.strerror})") from None
    return {"addresses": n, "left_out": left_out}


def _vdir(out: Path, entities, filters) -> dict[str, int]:
    """`crm export DIR --vdir`: the layout vdirsyncer syncs to CardDAV/CalDAV servers,
    DIR/contacts/*.vcf (one card per file) and DIR/followups/*.ics (one to-do per file)."""
    if out.exists() and not out.is_dir():
        raise StoreError(f"{out}: is a file; --vdir writes a folder")
    if entities != list(exports.ENTITIES) and any(e not in ("contact", "followup") for e in entities):
        raise StoreError(f"{out}: a --vdir folder holds contacts and follow-ups only; "
                         "use --entity contact or followup, or leave --entity out")
    if not out.parent.exists():
        raise StoreError(f"{out.parent}: no such directory")
    counts = {}
    try:
        out.mkdir(mode=0o700, exist_ok=True)
        if "contact" in entities:
            from importers.vcard import write_vdir

            counts["contact"] = write_vdir(out / "contacts", exports.contact_cards(**filters))
        if "followup" in entities:  # DIR/followups/*.ics, one VTODO each
            from importers.ical import write_vdir as write_todo_vdir

            counts["followup"] = write_todo_vdir(out, **filters)
    except OSError as exc:
        raise StoreError(f"{exc.filename or out}: cannot write ({exc.strerror})") from None
    return counts


def _layout(out: Path, kind: str, layout: str, entities: list[str]) -> str:
    """--layout is for contacts in a .csv file: another tool's address-book layout."""
    layout = layout.strip().lower()
    if layout not in ("google", "outlook"):
        raise Invalid("layout", f"{layout!r} is not one of: google, outlook")
    if kind != "csv":
        raise Invalid("layout", f"{out}: the {layout} layout is a CSV file; name it .csv")
    if entities != list(exports.ENTITIES) and entities != ["contact"]:
        raise Invalid("layout", f"the {layout} layout holds contacts only, not {', '.join(entities)}")
    return layout


def _entity(text: str) -> str:
    """A record kind as the importer names them, or the timeline / stage history."""
    found = exports.entity_of(text)
    if found:
        return found
    try:
        return entity_name(text)
    except Invalid:
        raise Invalid("entity", f"{text!r} is not one of: {', '.join(exports.ENTITIES)}") from None


def _csv(path: Path, entities, progress, filters) -> dict[str, int]:
    entity = entities[0]
    n = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # the BOM makes Excel read UTF-8
        writer = csv.writer(fh)
        writer.writerow(exports.COLUMNS[entity])
        for row in exports.table(entity, **filters):
            writer.writerow(_cells(row))
            n += 1
            if progress and n % 5000 == 0:
                progress(entity, n)
    return {entity: n}


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat(timespec="minutes") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _json(path: Path, entities, progress, filters) -> dict[str, int]:
    counts = {}
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n" if len(entities) == 1 else "{\n")
        for e_i, entity in enumerate(entities):
            if len(entities) > 1:
                fh.write(f'{"," if e_i else ""}"{exports.SHEETS[entity]}": [\n')
            n = 0
            for row in exports.rows(entity, **filters):
                fh.write(("," if n else "") + json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
                n += 1
            counts[entity] = n
            if len(entities) > 1:
                fh.write("]\n")
        fh.write("]\n" if len(entities) == 1 else "}\n")
    return counts


def _xlsx(path: Path, entities, progress, filters) -> dict[str, int]:
    """One sheet per entity with XlsxWriter in constant-memory mode: rows stream to
    disk, and it writes about twice as fast as openpyxl's write-only mode. Every cell
    is written as what it is (text is never read as a formula, URL or number)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False,
                                           "remove_timezone": True})
    bold = book.add_format({"bold": True})
    formats = {datetime: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
               date: book.add_format({"num_format": "yyyy-mm-dd"})}
    counts = {}
    for entity in entities:
        sheet = book.add_worksheet(exports.SHEETS[entity])
        columns = exports.COLUMNS[entity]
        sample = []
        rows = exports.table(entity, **filters)
        for row in rows:  # the first rows decide the column widths
            sample.append(row)
            if len(sample) >= 500:
                break
        for i, col in enumerate(columns):
            sheet.set_column(i, i, min(60, max([len(col)] + [len(_cell_text(r[i])) for r in sample]) + 2))
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, columns, bold)
        n = 0

        write_string = sheet.write_string

        def emit(row, r):
            for c, value in enumerate(row):
                if type(value) is str:  # most cells: asked first, the cheapest test first
                    if value:
                        write_string(r, c, value if value[:1] not in _RISKY_FIRST else safe_text(value))
                    continue
                if type(value) is list:  # emails, phones, tags: one safe '; '-joined cell
                    value = _list_text(value)
                    if value:
                        write_string(r, c, value)
                    continue
                value = _flat(value)
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, safe_text(value))
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float, Decimal)):
                    sheet.write_number(r, c, float(value))
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, formats[datetime])
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, value, formats[date])
                else:
                    sheet.write_string(r, c, safe_text(str(value)))

        for row in sample:
            n += 1
            emit(row, n)
        for row in rows:
            n += 1
            emit(row, n)
            if progress and n % 5000 == 0:
                progress(entity, n)
        sheet.autofilter(0, 0, n, len(columns) - 1)
        counts[entity] = n
    book.close()
    return counts
