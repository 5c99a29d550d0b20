"""Writing customer files safely: text no spreadsheet will run as a formula (and
reading it back), and a file that is 0600 and appears under its name only when whole.
Below every writer (export, its layouts, vCard, iCalendar, the rejected-rows file)."""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"^[+-]?[\d\s().\-/]*\d[\d\s().\-/]*$")  # +44 7700 900123, -12.5


def safe_text(value: str) -> str:
    if value and value.startswith(DANGEROUS) and not _HARMLESS.match(value):
        return "'" + value
    return value


def unsafe_text(value: str) -> str:
    """The inverse, for import: "'=SUM(A1)" -> "=SUM(A1)"."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(DANGEROUS):
        return value[1:]
    return value


@contextmanager
def private_file(out: Path) -> Iterator[Path]:
    """A new file beside out, mode 0600 whatever the umask (what we write holds
    customer data), that takes out's name when the block ends; removed if it fails, so
    a half-written file never sits under the real name. Writers that open a path
    themselves (XlsxWriter, openpyxl) truncate it and keep its mode."""
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
