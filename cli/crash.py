"""Crash reports: the full traceback of a bug goes to a private file, the user gets one line.

Reports live in the user state dir (~/.local/state/crm/crashes on Linux), not next to
the store: the store may be a PostgreSQL URL, its folder may be shared or read-only,
and the crash may be about that very path. Reports are 0600 in a 0700 folder: a
traceback and the command line can hold customer data.
"""
from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def crash_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("crm")) / "crashes"


def _report_text(exc: BaseException) -> str:
    try:
        crm_version = version("crm")
    except PackageNotFoundError:
        crm_version = "not installed"
    head = [f"crm {crm_version}, Python {sys.version.split()[0]}, {sys.platform}",
            f"time: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
            f"command: {' '.join(sys.argv)}"]
    return "\n".join(head) + "\n\n" + "".join(traceback.format_exception(exc))


def write_report(exc: BaseException) -> Path:
    """Write the report; returns its path (raises OSError if it cannot)."""
    folder = crash_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    # Two crashes in one process and second (the app's workers) get -2, -3, ...: O_EXCL
    # never overwrites a report, and the second one is not lost to "File exists".
    for n in range(1, 1000):
        path = folder / (f"crash-{stamp}.txt" if n == 1 else f"crash-{stamp}-{n}.txt")
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"{folder}: too many crash reports this second")
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as out:
        out.write(_report_text(exc))
    return path


def crash_line(exc: BaseException) -> str:
    """The one line the user sees; the traceback is in the report file."""
    what = type(exc).__name__
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    if first:
        what += f": {first[:200]}"
    try:
        where = f"details in {write_report(exc)}"
    except OSError as err:
        where = f"no crash report ({err.strerror or err})"
    return f"crm hit a bug ({what}); {where}; please report it"
