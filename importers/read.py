"""Opening an untrusted spreadsheet: what kind of file it really is, its sheets, its rows.

xlsx is read with python-calamine (a Rust reader: several times faster than openpyxl
for big files, and its XML parser expands no entities), once xlsx_guard has passed the
file (damage, bombs, grids that would not fit in memory); CSV with the encoding and
delimiter detected. Only a regular file is opened: a FIFO would block and a device
never end. A file that cannot be read raises UnreadableFile with one line naming it
(and the sheet and row where it is one).
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from importers.sheet import Sheet, detect_encoding
from importers.xlsx_guard import UnreadableFile, check_xlsx
from importers.vcard import is_vcard as _is_vcard, vcard_sheets

__all__ = ["Sheet", "UnreadableFile", "open_sheets", "pick_sheet", "sniff", "detect_encoding"]

MAX_FILE_BYTES = 500 * 1024 * 1024
ROW_BLOCK = 500  # rows taken from calamine at a time


def sniff(path: Path) -> str:
    """'xlsx', 'csv', 'ics' or raise: judged by the bytes, not the file name."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
            raise UnreadableFile(f"{path}: not a regular file ({_kind_of(info.st_mode)})")
        size = info.st_size
        # O_NONBLOCK: should the path become a FIFO after the check, open() still returns at once
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise UnreadableFile(f"{path}: not a regular file")
            head = fh.read(4096)
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a directory") from None
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot read ({exc.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"{path}: {size // 2**20} MB is over the {MAX_FILE_BYTES // 2**20} MB limit")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(f"{path}: an encrypted workbook or an old .xls file; save it as an unprotected .xlsx or .csv")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise UnreadableFile(f"{path}: not a valid .xlsx file (it is not a zip archive)")
    if head.removeprefix(codecs.BOM_UTF8).lstrip()[:15].upper() == b"BEGIN:VCALENDAR":
        return "ics"  # to-dos, read by importers.ical
    if _is_vcard(head):
        return "vcf"  # contacts, read by importers.vcard
    if detect_encoding(head).startswith("utf-16"):
        return "csv"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if controls > len(head) // 20:
        raise UnreadableFile(f"{path}: a binary file, not a spreadsheet or CSV")
    return "csv"


def _kind_of(mode: int) -> str:
    for test, word in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return word
    return "not a file"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic inside calamine: pyo3 raises it as a BaseException, not an Exception."""
    return type(exc).__name__ == "PanicException"


def _file_id(fd: int) -> tuple[int, int] | None:
    try:
        info = os.fstat(fd)
    except OSError:
        return None
    return info.st_dev, info.st_ino


_STDERR = _file_id(2)  # what fd 2 was when this module was imported


@contextmanager
def _no_rust_chatter():
    """A Rust panic in calamine prints its own lines on file descriptor 2 (pages of them
    under RUST_BACKTRACE) before pyo3 raises it here, where it becomes one line. So while
    calamine runs, fd 2 points at /dev/null; but only in a process with no other thread
    (in the full-screen app another thread draws on that terminal)."""
    # With fd 2 closed (crm import ... 2>&-), fd 2 may now be any file opened since,
    # calamine's own workbook included: only the stderr we started with is redirected.
    if threading.active_count() != 1 or _file_id(2) is None or _file_id(2) != _STDERR:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _xlsx_sheets(path: Path) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    check_xlsx(path)  # before calamine allocates anything for the file
    try:
        with _no_rust_chatter():
            book = CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises its own error types for any damage
        if not (isinstance(exc, Exception) or _is_panic(exc)):
            raise
        raise UnreadableFile(f"{path}: cannot read the workbook ({_first_line(exc)})") from None

    def reader(name: str):
        def rows():
            number, block = None, []
            try:
                with _no_rust_chatter():
                    sheet = book.get_sheet_by_name(name)
                by_name[name].size = sheet.height  # known once loaded: progress can show a bar
                number = sheet.start[0] if sheet.start else 0  # the last row handed out
                # iter_rows turns cells into Python values lazily: a damaged or out-of-range
                # cell fails here, mid-sheet. Rows are taken a block at a time so that
                # silencing calamine costs a few system calls per block, not per row.
                values = sheet.iter_rows()
                while True:
                    block = []
                    with _no_rust_chatter():
                        block.extend(list(row) for row in itertools.islice(values, ROW_BLOCK))
                    for row in block:
                        number += 1
                        yield number, row
                    if len(block) < ROW_BLOCK:
                        return
            except GeneratorExit:
                raise
            except BaseException as exc:
                if not (isinstance(exc, Exception) or _is_panic(exc)):
                    raise
                at = f"row {number + len(block) + 1}: " if number is not None else ""  # the row that failed
                raise UnreadableFile(f"{path}: sheet {name!r}: {at}cannot read it ({_first_line(exc)})") from None
        return rows

    sheets = [Sheet(name, i, reader(name)) for i, name in enumerate(book.sheet_names)]
    by_name = {s.name: s for s in sheets}
    return sheets


def _csv_sheet(path: Path) -> list[Sheet]:
    raw = path.read_bytes()
    encoding = detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # every byte decodes; nothing is dropped
    if encoding == "utf-16" or encoding.startswith("utf-16"):
        text = text.lstrip("\ufeff")
    sample = text[:20000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: sample.split("\n", 1)[0].count(d) for d in ",;\t"}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","

    def rows():
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for values in reader:
                yield reader.line_num, values
        except csv.Error as exc:
            raise UnreadableFile(f"{path}: line {reader.line_num}: {exc}") from None

    return [Sheet(path.stem, 0, rows, size=text.count("\n") + (not text.endswith("\n")))]


def open_sheets(path: str | Path) -> list[Sheet]:
    path = Path(path).expanduser()
    kind = sniff(path)
    if kind == "ics":
        from importers.ical import ical_sheets  # icalendar loads only for an .ics file

        return ical_sheets(path)
    if kind == "vcf":
        return vcard_sheets(path)
    return _xlsx_sheets(path) if kind == "xlsx" else _csv_sheet(path)


def pick_sheet(sheets: list[Sheet], wanted: str | None, path) -> list[Sheet]:
    """--sheet NAME|INDEX (1-based), or every sheet."""
    if wanted is None:
        return sheets
    for sheet in sheets:
        if sheet.name == wanted or sheet.name.lower() == wanted.lower():
            return [sheet]
    if wanted.isdigit() and 1 <= int(wanted) <= len(sheets):
        return [sheets[int(wanted) - 1]]
    names = ", ".join(repr(s.name) for s in sheets)
    raise UnreadableFile(f"{path}: no sheet {wanted!r} (sheets: {names})")
