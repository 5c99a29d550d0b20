"""What every reader hands the import: a Sheet (a name and its rows), and the text
encoding of a file's bytes. Below read.py, which picks the reader, and the vCard and
iCalendar readers it picks."""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Callable, Iterator


@dataclass
class Sheet:
    name: str
    index: int
    rows: Callable[[], Iterator[tuple[int, list]]]  # (1-based row number, cell values)
    size: int | None = None  # rows, when known up front


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or not), GB18030, else cp1252."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = raw[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Chinese text in GB18030 is pairs of high bytes (two-byte characters) or
    # high-digit-high-digit runs (four-byte ones); Western text in cp1252 has lone
    # accented bytes next to ASCII letters.
    high = plausible = 0
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            i += 1
            continue
        if 0x81 <= b <= 0xFE and i + 1 < n and 0xA1 <= raw[i + 1] <= 0xFE:
            high, plausible, i = high + 2, plausible + 2, i + 2
        elif (0x81 <= b <= 0xFE and i + 3 < n and 0x30 <= raw[i + 1] <= 0x39
              and 0x81 <= raw[i + 2] <= 0xFE and 0x30 <= raw[i + 3] <= 0x39):
            high, plausible, i = high + 2, plausible + 2, i + 4
        else:
            high, i = high + 1, i + 1
    if high and plausible / high > 0.8:
        try:
            raw.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError:
            pass
    return "cp1252"
