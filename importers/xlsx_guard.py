"""What an untrusted .xlsx must pass before a reader allocates anything for it.

calamine (our reader) builds each sheet as one dense grid from its top-left to its
bottom-right filled cell, empty cells included, and aborts the whole process (a Rust
allocation failure, not an exception) when that grid does not fit in memory: a 1.6 KB
file with one cell at A1 and one at XFD1048576 asks for 17 billion cells. So before
calamine opens a sheet, its XML is streamed (never loaded whole) and its cells placed
the way calamine places them: a cell's own `r` reference, else the next column of the
current row, where `<row r=...>` sets the row and `</row>` moves to the next. A sheet
is refused, with one line naming file and sheet, when that grid is beyond Excel's own
limits, over MAX_CELLS, or big and mostly empty (a sparse sheet must not cost memory
for its empty cells). A declared <dimension> only has to be within Excel's limits:
calamine does not allocate by it.

The zip itself is checked here too: sizes (bombs), entities (XML bombs), and every
member read through once so that a damaged one is one line here rather than an
error of some unexpected type deep inside a reader.
"""
from __future__ import annotations

import html
import posixpath
import re
import zipfile
from pathlib import Path

from db.errors import StoreError

MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's own limits
MAX_CELLS = 20_000_000  # a 20M-cell grid is ~640 MB in calamine; more is not a contact list
# A grid bigger than one full-height column (~32 MB) must be at least a tenth full: empty
# cells cost calamine as much as full ones, and a 2 KB file must not take 600 MB.
SPARSE_FLOOR, SPARSE_RATIO = MAX_ROWS, 10
MAX_UNZIPPED_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # a member that unpacks to more than 200x its packed size is a bomb
MAX_SHARED_STRINGS = 50_000_000  # calamine reserves room for the declared count up front

_TAG = re.compile(rb"<(/?)(?:[^\s/>:]+:)?(row|c)(?=[\s/>])([^>]*)>")
_ATTR_R = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)["']""")
_ATTR_UNIQUE = re.compile(rb"""(?:^|\s)uniqueCount\s*=\s*["']\s*([0-9]+)""")
_REF = re.compile(rb"([A-Za-z]*)([0-9]+)")
CHUNK = 1 << 20


class UnreadableFile(StoreError):
    """The file is not a spreadsheet we can read (exit 3); importers.read raises it too."""


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out or "A"


def _ref(raw: bytes) -> tuple[int, int] | None:
    """'B7' -> (7, 2), 1-based; None for what calamine itself will reject."""
    m = _REF.fullmatch(raw.strip())
    if not m:
        return None
    return int(m.group(2)), column_number(m.group(1))


def _members(zf: zipfile.ZipFile, path) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 10 * 2**20 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise UnreadableFile(f"{path}: {info.filename} unpacks {info.file_size // max(1, info.compress_size)}x"
                             " its size; refusing a likely zip bomb")
    if total > MAX_UNZIPPED_BYTES:
        raise UnreadableFile(f"{path}: unpacks to {total // 2**20} MB; over the limit")
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise UnreadableFile(f"{path}: a zip file but not an Excel workbook")
    return infos


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path, xml: bool = True):
    """The member's bytes in chunks, each cut after a '>' so that no tag is split. A
    member that is not XML (an image, a .bin) may run a megabyte without a '>': it is
    read no further, as no reader parses it."""
    tail = b""
    with zf.open(info) as member:
        while chunk := member.read(CHUNK):
            data = tail + chunk
            if b"<!ENTITY" in data:
                raise UnreadableFile(f"{path}: {info.filename} declares XML entities; refusing a likely XML bomb")
            cut = data.rfind(b">") + 1
            data, tail = data[:cut], data[cut:]
            if len(tail) > CHUNK and not xml:
                return
            if len(tail) > CHUNK:  # a tag over a megabyte long: nothing legitimate
                raise UnreadableFile(f"{path}: {info.filename} has a tag over {CHUNK // 2**20} MB long")
            yield data
    if tail:
        yield tail


_CELL_REF = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"')
_DIMENSION = re.compile(rb"""<(?:[^\s/>:]+:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']*)""")


def _quick_box(chunks) -> tuple[int, int, int] | None:
    """(bottom row, right column, cells with content) for the common sheet whose every
    cell opens with `<c r="REF"`: one regex pass in C and a few sets. Empty cells count
    in the box, so it may be larger than calamine's grid, never smaller. None when the
    sheet is not that simple."""
    max_row = max_col = filled = 0
    for data in chunks:
        filled += data.count(b"</c>")  # `<c .../>` holds nothing
        found = _CELL_REF.findall(data)
        # `<c/>` alone holds nothing; a cell after it without `r` shows up in these counts
        cells = data.count(b"<c ") + data.count(b"<c>")
        if len(found) != cells or b":c " in data or b":c>" in data:  # cells without r, or prefixed tags
            return None
        if found:
            letters, digits = zip(*found)
            max_col = max(max_col, max(column_number(c) for c in set(letters)))
            max_row = max(max_row, max(map(int, set(digits))))
    return max_row, max_col, filled


def _exact_box(chunks) -> tuple[int, int, int]:
    """Where calamine would put each cell with content, kept as the bounding box: a
    cell's own `r`, else the next column of the current row; `<row r=...>` sets the row
    and `</row>` moves to the next; `<c/>` is a start and an end (calamine expands it)."""
    row = col = 1
    max_row = max_col = filled = 0
    for data in chunks:
        for m in _TAG.finditer(data):
            closing, name, attrs = m.groups()
            empty = attrs.endswith(b"/")
            if name == b"c":
                if closing:
                    continue
                r = _ATTR_R.search(attrs)
                pos = _ref(r.group(1)) if r else (row, col)
                if pos is None:
                    continue  # calamine refuses it with its own error
                col = pos[1] + 1
                if not empty:  # only a cell with content takes room in the grid
                    max_row = max(max_row, pos[0])
                    max_col = max(max_col, pos[1])
                    filled += 1
            elif name == b"row":
                if not closing:
                    r = _ATTR_R.search(attrs)
                    if r and r.group(1).strip().isdigit():
                        row = int(r.group(1))
                if closing or empty:
                    row, col = row + 1, 1
    return max_row, max_col, filled


_NEGATIVE_VALUE = re.compile(rb"<(?:[^\s/>:]+:)?v>\s*(-[^<]{1,60})<")


def _no_negative_dates(chunks, where: str):
    """Pass the chunks through, refusing a styled cell that holds a hugely negative
    number: calamine panics (a Rust panic, printed to the terminal whatever we catch)
    when it turns one into a date or a time. -1e11 days is long before any calendar."""
    for data in chunks:
        if b"v>-" in data:
            for m in _NEGATIVE_VALUE.finditer(data):
                try:
                    value = float(m.group(1))
                except ValueError:
                    continue
                if not value <= -1e11:  # NaN included: calamine reads it as day 0
                    continue
                start = max(data.rfind(b"<c ", 0, m.start()), data.rfind(b":c ", 0, m.start()))
                cell = data[start:m.start()]
                if b" s=" in cell or b"\ts=" in cell or b"\ns=" in cell:
                    ref = _ATTR_R.search(cell[2:])
                    at = f"cell {ref.group(1).decode('ascii', 'replace')}" if ref else "a cell"
                    raise UnreadableFile(f"{where}: {at} holds {m.group(1).decode('ascii', 'replace').strip()}, "
                                         "too far out of range to read as a date or a time; fix or clear it")
        yield data


def _over(box: tuple[int, int, int]) -> bool:
    rows, cols, filled = box
    grid = rows * cols
    return rows > MAX_ROWS or cols > MAX_COLUMNS or grid > MAX_CELLS or (grid > SPARSE_FLOOR and grid > SPARSE_RATIO * filled)


def _check_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path, sheet: str | None) -> None:
    where = f"{path}: sheet {sheet!r}" if sheet is not None else f"{path}: {info.filename}"
    xml = sheet is not None or info.filename.lower().endswith((".xml", ".rels"))
    declared = None
    for i, data in enumerate(_stream(zf, info, path, xml)):
        if i == 0:
            _check_shared_strings(data, where)
        found = _DIMENSION.search(data)
        if found:
            declared = found.group(1)
            break
    for corner in (_ref(part) for part in (declared or b"").split(b":") if part):
        if corner and (corner[0] > MAX_ROWS or corner[1] > MAX_COLUMNS):
            raise UnreadableFile(f"{where}: its declared size {declared.decode('ascii', 'replace')!r} is beyond "
                                 f"Excel's limits ({MAX_ROWS:,} rows, {MAX_COLUMNS:,} columns)")
    box = _quick_box(_no_negative_dates(_stream(zf, info, path, xml), where))
    if box is None or _over(box):
        box = _exact_box(_no_negative_dates(_stream(zf, info, path, xml), where))
    rows, cols, filled = box
    if rows > MAX_ROWS or cols > MAX_COLUMNS:
        raise UnreadableFile(f"{where}: a cell at {column_letters(cols)}{rows} is beyond Excel's limits "
                             f"({MAX_ROWS:,} rows, {MAX_COLUMNS:,} columns)")
    grid = rows * cols
    if grid > MAX_CELLS:
        raise UnreadableFile(f"{where}: its cells reach {column_letters(cols)}{rows}, a grid of {grid:,} cells "
                             f"(the limit is {MAX_CELLS:,}); delete what lies far from the data, or save it as CSV")
    if grid > SPARSE_FLOOR and grid > SPARSE_RATIO * filled:
        raise UnreadableFile(f"{where}: its cells reach {column_letters(cols)}{rows}, a grid of {grid:,} cells of which "
                             f"only {filled:,} hold anything; delete what lies far from the data, or save it as CSV")


def _sheet_names(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Member name (as _normal spells it) -> sheet name, through workbook.xml and its
    relationships (best effort: a member we cannot name is still checked, under its own
    name)."""
    try:
        book = zf.read("xl/workbook.xml")[:4 * 2**20]
        rels = zf.read("xl/_rels/workbook.xml.rels")[:4 * 2**20] if "xl/_rels/workbook.xml.rels" in names else b""
    except Exception:
        return {}
    targets = {}
    for m in re.finditer(rb"<(?:[^\s/>:]+:)?Relationship\s([^>]*)>", rels):
        rid = re.search(rb"""\sId\s*=\s*["']([^"']*)""", b" " + m.group(1))
        target = re.search(rb"""\sTarget\s*=\s*["']([^"']*)""", b" " + m.group(1))
        if rid and target:
            t = html.unescape(target.group(1).decode("utf-8", "replace"))
            targets[rid.group(1)] = _normal(t if t.startswith("/") else "xl/" + t)
    out = {}
    for m in re.finditer(rb"<(?:[^\s/>:]+:)?sheet\s([^>]*)>", book):
        name = re.search(rb"""\sname\s*=\s*["']([^"']*)""", b" " + m.group(1))
        rid = re.search(rb"""\sr:id\s*=\s*["']([^"']*)""", b" " + m.group(1))
        if name and rid and rid.group(1) in targets:
            out[targets[rid.group(1)]] = html.unescape(name.group(1).decode("utf-8", "replace"))
    return out


def check_xlsx(path: Path) -> None:
    """Raise UnreadableFile (one line naming the file, and the sheet where it is one) for a
    workbook that is damaged, a bomb, or would not fit in memory."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = _members(zf, path)
            names = {i.filename for i in infos}
            sheets = _sheet_names(zf, names)
            # Every part, whatever its name: calamine finds a sheet through the workbook's
            # relationships (names matched without regard to case), so any member may be
            # read as one. Only those the workbook names are called sheets in messages.
            for info in infos:
                _check_part(zf, info, path, sheets.get(_normal(info.filename)))
    except UnreadableFile:
        raise
    except zipfile.BadZipFile:
        raise UnreadableFile(f"{path}: corrupt or truncated workbook (bad zip data)") from None
    except NotImplementedError as exc:  # compression methods, zip versions, flags zipfile does not do
        raise UnreadableFile(f"{path}: a zip feature this reader does not support ({exc})") from None
    except RuntimeError:  # 'File <ZipInfo ...> is encrypted, password required for extraction'
        raise UnreadableFile(f"{path}: an encrypted workbook; save it without a password") from None
    except Exception as exc:  # zlib.error, EOFError, lzma/bz2 errors, bad names: all damaged data
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise UnreadableFile(f"{path}: corrupt or truncated workbook ({detail})") from None


def _check_shared_strings(data: bytes, where: str) -> None:
    m = re.search(rb"<(?:[^\s/>:]+:)?sst\s([^>]*)>", data[:65536])
    if m:
        unique = _ATTR_UNIQUE.search(b" " + m.group(1))
        if unique and int(unique.group(1)) > MAX_SHARED_STRINGS:
            raise UnreadableFile(f"{where}: claims {int(unique.group(1)):,} shared strings, "
                                 f"over the {MAX_SHARED_STRINGS:,} limit")


def _normal(member: str) -> str:
    return posixpath.normpath(member.replace("\\", "/").lstrip("/")).lower()
