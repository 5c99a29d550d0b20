"""Hostile spreadsheets, written fresh into a folder at test time.

`build(folder)` writes every case and returns {case id: path}. The cases are what an
attacker or an unlucky user hands `crm import`: damaged zips (byte flips, truncations,
odd compression, version and flag fields), damaged XML inside a sound zip, lying or huge sheet dimensions, sparse cells
far away, a thousand sheets, XML entities, shared-string indexes out of range, CSVs in
odd encodings, NUL bytes, giant fields, very wide rows, formulas, and numbers or words
that make no sense in date, phone and amount cells of contact, deal and follow-up
sheets. Plus paths that are not files at all: a FIFO, a device, a directory.

Everything is built by hand (zipfile plus XML text), so each file is exactly as
damaged as meant, and the whole set takes well under a second to write.
"""
from __future__ import annotations

import csv
import io
import os
import random
import struct
import zipfile
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
{overrides}
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
# Style 1 is a date format, so a number in a cell with s="1" is read as a date.
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet {NS}>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""

CONTACT_ROWS = [["First name", "Last name", "Email", "Phone", "Company", "Birthday"],
                ["Ann", "Lee", "ann@example.com", "+44 7700 900123", "Harbour Bakery", "1990-05-01"],
                ["Bob", "Stone", "bob@example.com", "07700 900456", "Stone & Co", "1985-01-31"],
                ["Cy", "Ng", "cy@example.com", "", "", ""]]
HEADERS = {"contact": ["First name", "Last name", "Email", "Phone", "Birthday"],
           "deal": ["Title", "Amount", "Currency", "Expected close", "Contact"],
           "followup": ["Subject", "Due", "Contact", "Priority"]}
# Values that make no sense where a date, a phone number or an amount belongs.
NONSENSE = ["NaN", "nan", "inf", "-inf", "Infinity", "1e30", "-1e30", "1e308", "1e999", "-1", "0", "-0",
            "99999999999999999999999", "9" * 400, "+9000y", "+99999999999d", "-99999999999w", "0x10", "1,2,3",
            "=1+1", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "\x00", "２０２４-０１-０１", "31/02/2024",
            "9999-12-31 25:61", "0000-00-00", "12:00 tomorrow", "+", "e", "1e-400", "\u202e12"]
NUMERIC_NONSENSE = [float("nan"), float("inf"), float("-inf"), 1e30, -1e30, 1e308, -1.0, 0.0, 2.0 ** 63,
                    -(2.0 ** 63), 2 ** 64, 1e-300, 2958466.0, 99999999999.0]


def col_letters(n: int) -> str:
    """1 -> A, 27 -> AA (no upper bound: hostile files go past XFD)."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_xml(ref: str | None, value, style: int | None = None) -> str:
    r = f' r="{ref}"' if ref else ""
    s = f' s="{style}"' if style is not None else ""
    if value is None:
        return f"<c{r}{s}/>"
    if isinstance(value, bool):
        return f'<c{r}{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f"<c{r}{s}><v>{value!r}</v></c>"  # repr: nan, inf and 1e+30 as Python spells them
    if isinstance(value, str) and value.startswith("="):
        return f"<c{r}{s}><f>{escape(value[1:])}</f></c>"
    return f'<c{r}{s} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list], dimension: str | None = "auto", body: str | None = None, style_col: int | None = None) -> str:
    """A worksheet of rows (cells numbered from A1), or of `body` taken as the raw sheetData content."""
    if body is None:
        lines = []
        for i, row in enumerate(rows, 1):
            cells = "".join(cell_xml(f"{col_letters(j)}{i}", v, 1 if style_col == j - 1 and i > 1 else None)
                            for j, v in enumerate(row, 1))
            lines.append(f'<row r="{i}">{cells}</row>')
        body = "".join(lines)
    if dimension == "auto":
        width = max((len(r) for r in rows), default=1)
        dimension = f"A1:{col_letters(width)}{max(len(rows), 1)}"
    dim = f'<dimension ref="{dimension}"/>' if dimension is not None else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}>{dim}'
            f"<sheetData>{body}</sheetData></worksheet>")


def workbook_members(sheets: list[tuple[str, str]], shared: str | None = None, styles: bool = True) -> dict[str, str]:
    """The parts of a minimal valid .xlsx: (sheet name, sheet XML) in order."""
    overrides = [f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                 f'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1)]
    rels = [f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1)]
    n = len(sheets)
    if styles:
        rels.append(f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/styles" Target="styles.xml"/>')
    if shared is not None:
        rels.append(f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/sharedStrings" Target="sharedStrings.xml"/>')
    members = {
        "[Content_Types].xml": CONTENT_TYPES.format(overrides="\n".join(overrides)),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {NS}><sheets>'
                           + "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                                     for i, (name, _) in enumerate(sheets, 1))
                           + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                                      'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                      + "".join(rels) + "</Relationships>",
    }
    if styles:
        members["xl/styles.xml"] = STYLES
    if shared is not None:
        members["xl/sharedStrings.xml"] = shared
    for i, (_, xml) in enumerate(sheets, 1):
        members[f"xl/worksheets/sheet{i}.xml"] = xml
    return members


def write_zip(path: Path, members: dict[str, str | bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def xlsx(path: Path, rows: list[list], sheet: str = "Contacts", **kw) -> Path:
    return write_zip(path, workbook_members([(sheet, sheet_xml(rows, **kw))]))


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# -- damage to a valid zip ------------------------------------------------------------

def headers_at(data: bytes, signature: bytes) -> list[int]:
    out, i = [], data.find(signature)
    while i != -1:
        out.append(i)
        i = data.find(signature, i + 1)
    return out


def patched(data: bytes, at: int, fmt: str, value: int) -> bytes:
    return data[:at] + struct.pack(fmt, value) + data[at + struct.calcsize(fmt):]


def zip_field_cases(good: bytes) -> dict[str, bytes]:
    """Every member's compression, version, flags, CRC and sizes set to values that
    Python's zipfile and calamine's zip reader each trip over differently."""
    local = headers_at(good, b"PK\x03\x04")
    central = headers_at(good, b"PK\x01\x02")
    cases = {}
    for method in (1, 6, 9, 12, 14, 19, 93, 95, 98, 99, 0xFFFF):
        data = good
        for at in local:
            data = patched(data, at + 8, "<H", method)
        for at in central:
            data = patched(data, at + 10, "<H", method)
        cases[f"zip-method-{method}"] = data
    for version in (63, 0xFF, 0xFFFF):
        data = good
        for at in local:
            data = patched(data, at + 4, "<H", version)
        for at in central:
            data = patched(data, at + 6, "<H", version)
        cases[f"zip-version-{version}"] = data
    for flag in (0x1, 0x8, 0x20, 0x40, 0x800, 0x2000):
        data = good
        for at in local:
            data = patched(data, at + 6, "<H", flag)
        for at in central:
            data = patched(data, at + 8, "<H", flag)
        cases[f"zip-flag-{flag:#x}"] = data
    for field, local_at, central_at in (("crc", 14, 16), ("packed", 18, 20), ("unpacked", 22, 24)):
        for value in (0, 1, 0xFFFFFFFF):
            data = good
            for at in local:
                data = patched(data, at + local_at, "<I", value)
            for at in central:
                data = patched(data, at + central_at, "<I", value)
            cases[f"zip-{field}-{value:#x}"] = data
    # Only the sheet's member damaged: the workbook opens, the sheet does not.
    sheet_at = [at for at in central if b"xl/worksheets/sheet1.xml" in good[at:at + 120]]
    for at in sheet_at:
        cases["zip-sheet-crc-wrong"] = patched(good, at + 16, "<I", 0xDEADBEEF)
        cases["zip-sheet-unpacked-huge"] = patched(good, at + 24, "<I", 0x7FFFFFFF)
        cases["zip-sheet-offset-past-end"] = patched(good, at + 42, "<I", len(good) + 100)
        cases["zip-sheet-offset-zero"] = patched(good, at + 42, "<I", 0)
    eocd = good.rfind(b"PK\x05\x06")
    cases["zip-eocd-count-huge"] = patched(good, eocd + 10, "<H", 0xFFFF)
    cases["zip-eocd-offset-wrong"] = patched(good, eocd + 16, "<I", 3)
    cases["zip-eocd-size-zero"] = patched(good, eocd + 12, "<I", 0)
    cases["zip-no-eocd"] = good[:eocd]
    cases["zip-comment-garbage"] = patched(good, eocd + 20, "<H", 40000)
    # A name flagged UTF-8 that is not UTF-8.
    name_at = good.find(b"xl/workbook.xml", central[0])
    cases["zip-name-not-utf8"] = good[:name_at] + b"\xff\xfe/workbook.xml" + good[name_at + 15:]
    return cases


XML_TOKENS = [b"<", b">", b"/", b'"', b"&", b"-", b"99999999999", b"-1e308", b"\x00", b"\xff", b"r=", b"<c>", b"</row>",
              b"<row>", b't="d"', b't="e"', b't="s"', b's="1"', b"<v>", b"</v>", b"NaN", b"-inf", b"XFD", b"1048577",
              b"<f>", b"<is><t>", b":"]


def xml_mutations(members: dict[str, str], count: int, seed: int) -> dict[str, dict[str, bytes | str]]:
    """Damage inside the XML rather than the zip: tokens inserted, overwritten or cut
    out of the sheet, the styles, the workbook, a few at a time."""
    rng = random.Random(seed)
    parts = ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml"]
    cases = {}
    for n in range(count):
        name = rng.choice(parts)
        data = members[name].encode()
        for _ in range(rng.randint(1, 4)):
            at, token, op = rng.randrange(len(data)), rng.choice(XML_TOKENS), rng.random()
            if op < 0.4:
                data = data[:at] + token + data[at:]
            elif op < 0.7:
                data = data[:at] + token + data[at + len(token):]
            else:
                data = data[:at] + data[at + rng.randint(1, 20):]
        cases[f"xml-{n}-{name.rsplit('/', 1)[1].split('.')[0]}"] = {**members, name: data}
    return cases


def byte_flips(good: bytes, count: int, seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)
    offsets = sorted(set(range(0, len(good), max(1, len(good) // count))) | {rng.randrange(len(good)) for _ in range(count // 4)})
    cases = {}
    for k, at in enumerate(offsets):
        new = (good[at] ^ 0xFF, 0, 0xFF, good[at] ^ 1)[k % 4]
        cases[f"flip-{at}"] = good[:at] + bytes([new]) + good[at + 1:]
    return cases


def truncations(good: bytes, count: int) -> dict[str, bytes]:
    step = max(1, len(good) // count)
    return {f"cut-{n}": good[:n] for n in range(1, len(good), step)}


# -- the cases --------------------------------------------------------------------------

def _huge_sparse(far: str, declared: str | None = None) -> str:
    body = (f'<row r="1">{cell_xml("A1", "Email")}</row><row r="2">{cell_xml("A2", "a@example.com")}</row>'
            f'<row r="{int("".join(ch for ch in far if ch.isdigit()))}">{cell_xml(far, "far away")}</row>')
    return sheet_xml([], dimension=declared, body=body)


def _entity_bomb(where: str) -> dict[str, str]:
    lol = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>"
    members = workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))])
    target = {"sheet": "xl/worksheets/sheet1.xml", "workbook": "xl/workbook.xml", "styles": "xl/styles.xml"}[where]
    xml = members[target]
    head, rest = xml.split("\n", 1)
    members[target] = head + "\n" + lol + rest.replace("Ann", "&lol9;", 1) if where == "sheet" else head + "\n" + lol + rest
    return members


def _moved_sheet(xml: str, where: str) -> dict[str, str]:
    """The sheet stored under another name (and case) than xl/worksheets/sheet1.xml: the
    workbook's relationships say where it is, so a reader still finds it."""
    members = workbook_members([("Contacts", xml)])
    del members["xl/worksheets/sheet1.xml"]
    members[f"xl/{where}"] = xml
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        'Target="worksheets/sheet1.xml"', f'Target="{where.lower()}"')
    return members


def _external_entity() -> dict[str, str]:
    members = workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))])
    head, rest = members["xl/worksheets/sheet1.xml"].split("\n", 1)
    members["xl/worksheets/sheet1.xml"] = (head + '\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                                          + rest.replace("Ann", "&xxe;", 1))
    return members


def _shared_strings(indexes: list[str], count: int = 3) -> dict[str, str]:
    shared = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {NS} count="{count}" uniqueCount="{count}">'
              "<si><t>Email</t></si><si><t>First name</t></si><si><t>a@example.com</t></si></sst>")
    body = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            + "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>2</v></c><c r="B{i}" t="s"><v>{ix}</v></c></row>'
                      for i, ix in enumerate(indexes, 2)))
    return workbook_members([("Contacts", sheet_xml([], dimension=None, body=body))], shared=shared)


def _values_sheet(kind: str, column: int, values: list) -> list[list]:
    base = {"contact": ["Ann", "Lee", "ann@example.com", "+44 7700 900123", "1990-05-01"],
            "deal": ["Bakery fit-out", "1200.50", "GBP", "2026-12-31", "ann@example.com"],
            "followup": ["Call back", "2026-12-01 10:00", "ann@example.com", "high"]}[kind]
    rows = [HEADERS[kind]]
    for i, v in enumerate(values):
        row = list(base)
        if kind == "contact":
            row[2] = f"p{i}@example.com"
        row[column] = v
        rows.append(row)
    return rows


def cases() -> dict[str, Callable[[Path], Path | str]]:
    """Case id -> a function that writes the case into a folder and returns its path."""
    out: dict[str, Callable[[Path], Path | str]] = {}

    def add(name: str, suffix: str, make: Callable[[Path], object]):
        def build(folder: Path, make=make, name=name, suffix=suffix):
            path = folder / f"{name}{suffix}"
            make(path)
            return path
        out[name] = build

    good_xlsx = write_zip_bytes(workbook_members([("Contacts", sheet_xml(CONTACT_ROWS, style_col=5))]))
    good_csv = _csv_bytes(CONTACT_ROWS)
    for name, data in {**byte_flips(good_xlsx, 120, 1), **truncations(good_xlsx, 30), **zip_field_cases(good_xlsx)}.items():
        add(f"xlsx-{name}", ".xlsx", lambda p, d=data: p.write_bytes(d))
    for name, data in {**byte_flips(good_csv, 30, 2), **truncations(good_csv, 10)}.items():
        add(f"csv-{name}", ".csv", lambda p, d=data: p.write_bytes(d))
    for name, members in xml_mutations(workbook_members([("Contacts", sheet_xml(CONTACT_ROWS, style_col=5))]), 40, 4).items():
        add(name, ".xlsx", lambda p, m=members: write_zip(p, m))
    add("xlsx-bzip2", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]),
                                                   zipfile.ZIP_BZIP2))
    add("xlsx-lzma", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]),
                                                  zipfile.ZIP_LZMA))
    add("xlsx-stored", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]),
                                                    zipfile.ZIP_STORED))
    add("xlsx-as-csv-name", ".csv", lambda p: p.write_bytes(good_xlsx))

    # Dimensions that lie, and cells far away.
    for dim in ("A1:XFD1048576", "A1:ZZ200000", "A1:XFE1", "A1:A1048577", "A1:XFD1", "A1:A1048576", "A1:B2",
                "A1:ZZZZZZZZ99999999999", "A0:B0", "A1:", ":", "A1:B2:C3", "1:2", "!!", "", "B2:A1", "XFD1048576"):
        add(f"dimension-{dim.replace(':', '_') or 'empty'}", ".xlsx",
            lambda p, dim=dim: xlsx(p, CONTACT_ROWS, dimension=dim))
    add("dimension-missing", ".xlsx", lambda p: xlsx(p, CONTACT_ROWS, dimension=None))
    for far in ("ZZ200000", "XFD1048576", "XFD1", "A1048576", "XFE1", "A1048577", "A99999999999", "ZZZZ1"):
        add(f"sparse-{far}", ".xlsx", lambda p, far=far: write_zip(p, workbook_members([("Contacts", _huge_sparse(far))])))
        add(f"sparse-{far}-declared-small", ".xlsx",
            lambda p, far=far: write_zip(p, workbook_members([("Contacts", _huge_sparse(far, "A1:A2"))])))
    add("sparse-sheet-at-odd-path", ".xlsx", lambda p: write_zip(p, _moved_sheet(_huge_sparse("XFD1048576"),
                                                                              "MEDIA/Image1.PNG")))
    add("sparse-row-attr-only", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(
        [], dimension=None, body='<row r="1"><c t="inlineStr"><is><t>Email</t></is></c></row>'
                                 '<row r="1048576"><c t="inlineStr"><is><t>x@example.com</t></is></c>'
                                 '<c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'))])))
    add("cells-without-refs", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(
        [], dimension=None, body="".join(f"<row>{''.join(cell_xml(None, v) for v in row)}</row>" for row in CONTACT_ROWS)))])))
    add("refs-lowercase", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(
        [], dimension="a1:b2", body='<row r="1"><c r="a1" t="inlineStr"><is><t>Email</t></is></c></row>'
                                    '<row r="2"><c r="a2" t="inlineStr"><is><t>lc@example.com</t></is></c></row>'))])))
    add("refs-garbage", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(
        [], dimension=None, body='<row r="x"><c r="1A" t="inlineStr"><is><t>Email</t></is></c></row>'
                                 '<row r="-2"><c r="$A$2"><v>1</v></c></row>'))])))
    add("rows-out-of-order", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(
        [], dimension=None, body='<row r="3"><c r="A3" t="inlineStr"><is><t>c@example.com</t></is></c></row>'
                                 '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row>'
                                 '<row r="3"><c r="A3" t="inlineStr"><is><t>d@example.com</t></is></c></row>'))])))
    add("binary-members", ".xlsx", lambda p: write_zip(p, {
        **workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]),
        "xl/embeddings/oleObject1.bin": b"\x00" * 3_000_000, "xl/media/image1.png": bytes(range(60)) * 20000}))
    add("many-sheets", ".xlsx", lambda p: write_zip(p, workbook_members(
        [(f"S{i}", sheet_xml([["Email", "First name"], [f"s{i}@example.com", f"N{i}"]])) for i in range(1000)])))
    add("sheet-names-odd", ".xlsx", lambda p: write_zip(p, workbook_members(
        [("", sheet_xml(CONTACT_ROWS)), ("contacts\nerror: x", sheet_xml(CONTACT_ROWS)),
         ("\u202eevil", sheet_xml(CONTACT_ROWS))])))
    add("no-sheets", ".xlsx", lambda p: write_zip(p, workbook_members([])))
    add("sheet-member-missing", ".xlsx", lambda p: write_zip(p, {
        k: v for k, v in workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]).items() if "worksheets" not in k}))
    add("workbook-not-xml", ".xlsx", lambda p: write_zip(p, {
        **workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]), "xl/workbook.xml": "\x00\x01 not xml <<<"}))
    add("sheet-not-xml", ".xlsx", lambda p: write_zip(p, {
        **workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]), "xl/worksheets/sheet1.xml": "<worksheet><sheetData><row"}))
    add("sheet-xml-utf16", ".xlsx", lambda p: write_zip(p, {
        **workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]),
        "xl/worksheets/sheet1.xml": sheet_xml(CONTACT_ROWS).replace("UTF-8", "UTF-16").encode("utf-16")}))
    add("sheet-xml-bad-utf8", ".xlsx", lambda p: write_zip(p, {
        **workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]),
        "xl/worksheets/sheet1.xml": sheet_xml(CONTACT_ROWS).encode().replace(b"Ann", b"A\xff\xfe")}))
    add("zip-only-content-types", ".xlsx", lambda p: write_zip(p, {"[Content_Types].xml": CONTENT_TYPES.format(overrides="")}))
    add("zip-empty", ".xlsx", lambda p: write_zip(p, {}))
    for where in ("sheet", "workbook", "styles"):
        add(f"entities-{where}", ".xlsx", lambda p, where=where: write_zip(p, _entity_bomb(where)))
    add("entities-external", ".xlsx", lambda p: write_zip(p, _external_entity()))
    add("entities-deep-in-sheet", ".xlsx", lambda p: write_zip(p, {
        **workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))]),
        "xl/worksheets/sheet1.xml": sheet_xml(CONTACT_ROWS).replace(
            "<sheetData>", "<sheetData>" + " " * 10000 + '<!DOCTYPE x [<!ENTITY a "aaaa">]>')}))
    for label, indexes in (("out-of-range", ["999999"]), ("negative", ["-1"]), ("not-a-number", ["abc"]),
                           ("huge", ["99999999999999999999"]), ("float", ["1.5"]), ("empty", [""])):
        add(f"shared-strings-{label}", ".xlsx", lambda p, ix=indexes: write_zip(p, _shared_strings(ix)))
    add("shared-strings-missing-part", ".xlsx", lambda p: write_zip(p, {
        k: v for k, v in _shared_strings(["2"]).items() if k != "xl/sharedStrings.xml"}))
    add("shared-strings-count-huge", ".xlsx", lambda p: write_zip(p, _shared_strings(["2"], count=2 ** 31)))
    add("styles-index-out-of-range", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(
        [], dimension=None, body='<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c>'
                                 '<c r="B1" t="inlineStr"><is><t>Birthday</t></is></c></row>'
                                 '<row r="2"><c r="A2" t="inlineStr"><is><t>s@example.com</t></is></c>'
                                 '<c r="B2" s="999999"><v>40000</v></c></row>'))])))
    add("no-styles-part", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(CONTACT_ROWS))],
                                                                            styles=False)))
    add("cell-types-odd", ".xlsx", lambda p: write_zip(p, workbook_members([("Contacts", sheet_xml(
        [], dimension=None, body='<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c>'
                                 '<c r="B1" t="inlineStr"><is><t>Phone</t></is></c></row>'
                                 '<row r="2"><c r="A2" t="e"><v>#REF!</v></c><c r="B2" t="b"><v>7</v></c></row>'
                                 '<row r="3"><c r="A3" t="d"><v>not a date</v></c><c r="B3" t="n"><v>abc</v></c></row>'
                                 '<row r="4"><c r="A4" t="zz"><v>1</v></c><c r="B4" t="str"><v>\x01</v></c></row>'
                                 '<row r="5"><c r="A5" t="d"><v>+9000-01-01</v></c><c r="B5" s="1"><v>1e308</v></c></row>'
                                 '<row r="6"><c r="A6" s="1"><v>-5</v></c><c r="B6" s="1"><v>NaN</v></c></row>'
                                 '<row r="7"><c r="A7" s="1"><v>inf</v></c><c r="B7" s="1"><v>99999999999</v></c></row>'))])))
    add("formulas", ".xlsx", lambda p: xlsx(p, [["Email", "First name", "Notes"],
                                                ["=A1&\"@x.com\"", "=1/0", "=WEBSERVICE(\"http://evil\")"],
                                                ["f@example.com", "=cmd|' /C calc'!A0", "+SUM(1)"]]))
    add("nul-in-cells", ".xlsx", lambda p: xlsx(p, [["Email", "First name"], ["n@example.com", "A\x00B"]]))
    add("long-row-xlsx", ".xlsx", lambda p: xlsx(p, [["Email"] + [f"h{i}" for i in range(16383)],
                                                     ["w@example.com"] + ["x"] * 16383]))
    add("long-cell-xlsx", ".xlsx", lambda p: xlsx(p, [["Email", "Notes"], ["l@example.com", "n" * 2_000_000]]))
    add("header-only", ".xlsx", lambda p: xlsx(p, [["Email", "First name"]]))
    add("empty-sheet", ".xlsx", lambda p: xlsx(p, []))
    add("no-header-match", ".xlsx", lambda p: xlsx(p, [["Foo", "Bar"], ["1", "2"]]))

    # Values that are nonsense in date, phone and amount cells, as text and as numbers.
    for kind, columns in (("contact", {"phone": 3, "birthday": 4}),
                          ("deal", {"amount": 1, "currency": 2, "close": 3}),
                          ("followup", {"due": 1, "priority": 3})):
        for label, column in columns.items():
            add(f"values-{kind}-{label}-text", ".csv",
                lambda p, k=kind, c=column: write_csv(p, _values_sheet(k, c, NONSENSE)))
            add(f"values-{kind}-{label}-numbers", ".xlsx",
                lambda p, k=kind, c=column: write_zip(p, workbook_members(
                    [(k + "s", sheet_xml(_values_sheet(k, c, NUMERIC_NONSENSE)))])))
            add(f"values-{kind}-{label}-date-cells", ".xlsx",
                lambda p, k=kind, c=column: write_zip(p, workbook_members(
                    [(k + "s", sheet_xml(_values_sheet(k, c, NUMERIC_NONSENSE), style_col=c))])))
    add("values-all-sheets", ".xlsx", lambda p: write_zip(p, workbook_members(
        [("contacts", sheet_xml(_values_sheet("contact", 3, NONSENSE))),
         ("deals", sheet_xml(_values_sheet("deal", 1, NONSENSE))),
         ("followups", sheet_xml(_values_sheet("followup", 1, NONSENSE)))])))

    # CSVs: encodings, NULs, giant fields, very wide and very long.
    add("csv-empty", ".csv", lambda p: p.write_bytes(b""))
    add("xlsx-empty", ".xlsx", lambda p: p.write_bytes(b""))
    add("csv-only-newlines", ".csv", lambda p: p.write_bytes(b"\n\r\n\n"))
    add("csv-bom-only", ".csv", lambda p: p.write_bytes(b"\xef\xbb\xbf"))
    add("csv-utf16-bom-only", ".csv", lambda p: p.write_bytes(b"\xff\xfe"))
    for enc in ("utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "cp1252", "gb18030", "utf-32", "shift_jis"):
        add(f"csv-{enc}", ".csv", lambda p, enc=enc: write_csv(
            p, [["Email", "First name"], ["e@example.com", "Zoë 张伟" if enc not in ("cp1252",) else "Zoë"]]
            if enc != "shift_jis" else [["Email", "First name"], ["e@example.com", "山田"]], encoding=enc))
    add("csv-utf16-odd-length", ".csv", lambda p: p.write_bytes("Email,First name\ne@example.com,Zoë\n".encode("utf-16") + b"\x00"))
    add("csv-utf16-lone-surrogate", ".csv", lambda p: p.write_bytes(
        "Email,First name\ne@example.com,".encode("utf-16-le") + b"\x00\xd8" + "\n".encode("utf-16-le")))
    add("csv-random-bytes", ".csv", lambda p: p.write_bytes(random.Random(3).randbytes(3000)))
    add("csv-mixed-encodings", ".csv", lambda p: p.write_bytes(
        b"Email,First name\r\na@example.com,Zo\xc3\xab\r\nb@example.com,Zo\xeb\r\nc@example.com,\xe5\xbc\xa0\r\n"))
    add("csv-nul-bytes", ".csv", lambda p: p.write_bytes(b"Email,First name\na@example.com,A\x00B\n\x00\x00\x00,\x00\n"))
    add("csv-nul-heavy", ".csv", lambda p: p.write_bytes(b"Email\x00,First\x00\n" * 50))
    add("csv-giant-field-line-2", ".csv", lambda p: p.write_bytes(
        b'Email,Notes\na@example.com,"' + b"x" * 200_000 + b'"\n'))
    add("csv-giant-field-line-3001", ".csv", lambda p: p.write_bytes(
        b"Email,Notes\n" + b"".join(b"g%d@example.com,ok\n" % i for i in range(2999))
        + b'late@example.com,"' + b"x" * 200_000 + b'"\n'))
    add("csv-unclosed-quote", ".csv", lambda p: p.write_bytes(b'Email,Notes\na@example.com,"never closed\nb@example.com,x\n'))
    add("csv-wide", ".csv", lambda p: write_csv(p, [["Email"] + [f"h{i}" for i in range(20000)],
                                                   ["w@example.com"] + ["x"] * 20000]))
    add("csv-many-columns-no-header-match", ".csv", lambda p: write_csv(p, [[f"h{i}" for i in range(5000)]] * 3))
    add("csv-ragged", ".csv", lambda p: p.write_bytes(b"Email,First name\na@example.com\nb@example.com,B,extra,more\n,,,,,,\n"))
    add("csv-long-line", ".csv", lambda p: p.write_bytes(b"Email,Notes\na@example.com," + b"y" * 100_000 + b"\n"))
    add("csv-cr-only", ".csv", lambda p: p.write_bytes(b"Email,First name\ra@example.com,A\rb@example.com,B\r"))
    add("csv-formulas", ".csv", lambda p: write_csv(p, [["Email", "First name", "Notes"],
                                                       ["f@example.com", "=1+1", "@SUM(A1)"],
                                                       ["=HYPERLINK(\"x\")", "-2+3", "\t=cmd"]]))
    add("csv-semicolon-quotes", ".csv", lambda p: p.write_bytes(b'"Email";"First ""name"\n"a@example.com";"\xe2\x80\x8b"\n'))
    add("csv-header-only", ".csv", lambda p: p.write_bytes(b"Email,First name\n"))
    add("csv-binary-named-csv", ".csv", lambda p: p.write_bytes(bytes(range(256)) * 8))
    add("ole-header", ".xlsx", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500))
    add("pk-header-only", ".xlsx", lambda p: p.write_bytes(b"PK\x03\x04"))
    add("zip-in-zip", ".xlsx", lambda p: write_zip(p, {"inner.xlsx": good_xlsx, "xl/workbook.xml": "<workbook/>"}))

    # Paths that are not regular files.
    add("fifo", ".csv", lambda p: os.mkfifo(p))
    add("directory", ".xlsx", lambda p: p.mkdir())
    add("symlink-to-dev-zero", ".csv", lambda p: p.symlink_to("/dev/zero"))
    add("symlink-dangling", ".csv", lambda p: p.symlink_to(p.parent / "nowhere"))
    add("missing", ".csv", lambda p: None)
    out["dev-zero"] = lambda folder: Path("/dev/zero")
    out["dev-null"] = lambda folder: Path("/dev/null")
    return out


def write_zip_bytes(members: dict[str, str | bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _csv_bytes(rows: list[list]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


def build(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {name: Path(make(folder)) for name, make in cases().items()}


if __name__ == "__main__":  # python -m tests.hostile_files FOLDER: look at the files by hand
    import sys

    for name, path in build(Path(sys.argv[1])).items():
        print(name, path)


def slow_to_check(path: Path, rows: int = 12000, phones: int = 40) -> Path:
    """A workbook over checker.BIG whose rows are slow to check (many phone columns, each
    parsed), stored uncompressed so it is quick to write: the forked row checker is busy
    with it for seconds, not waiting on a full queue."""
    head = ["Email", "First name"] + ["Phone"] * phones
    lines = [f'<row r="1">{"".join(cell_xml(f"{col_letters(j)}1", h) for j, h in enumerate(head, 1))}</row>']
    for i in range(2, rows + 2):
        cells = [f'<c r="A{i}" t="inlineStr"><is><t>p{i}@example.com</t></is></c>',
                 f'<c r="B{i}" t="inlineStr"><is><t>N{i}</t></is></c>']
        cells += [f'<c r="{col_letters(j)}{i}"><v>447700{(i * 41 + j) % 1000000:06d}</v></c>' for j in range(3, phones + 3)]
        lines.append(f'<row r="{i}">{"".join(cells)}</row>')
    return write_zip(path, workbook_members([("Contacts", sheet_xml([], dimension=None, body="".join(lines)))]),
                     zipfile.ZIP_STORED)
