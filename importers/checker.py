"""Reading and checking a big sheet's rows in a second process while this one writes.

Reading the workbook and checking every row is pure Python; so is much of writing.
Two processes use both cores where threads would take turns on the GIL (tried: the
writer's executemany takes the GIL back for every row, and the two threads convoy).

The checker is forked, so it starts at once with everything already imported, and
it never touches the database: it only reads the file and sends chunks of checked
rows back through a short queue. It leaves with os._exit (no cleanup that could touch
the parent's SQLite connection, which it inherited) and stops by itself if the parent
dies. Small files, and processes that run threads (the full-screen app), check rows
in-process instead: forking a threaded process is unsafe, and a small file is done
before a process would have started.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import threading
from pathlib import Path
from typing import Iterable, Iterator

from db.errors import StoreError

BIG = 2 * 2**20  # bytes: below this, checking in-process is as fast


def can_fork(path: str | Path) -> bool:
    try:
        big = Path(path).expanduser().stat().st_size >= BIG
    except OSError:
        return False
    return big and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def in_worker(items: Iterable, describe: str) -> Iterator:
    """Iterate items in a forked process (its copy of them, in whatever state they
    are now) and yield what comes out, in order. An exception there is raised here;
    leaving the loop early stops the process."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(maxsize=4)
    proc = ctx.Process(target=_run, args=(items, q, os.getpid()), name="crm-row-checker", daemon=True)
    proc.start()
    try:
        while True:
            try:
                tag, payload = q.get(timeout=0.5)
            except queue.Empty:
                if not proc.is_alive():
                    raise StoreError(f"{describe}: the row checker stopped unexpectedly "
                                     f"(exit code {proc.exitcode})") from None
                continue
            if tag == "item":
                yield payload
            elif tag == "error":
                raise payload
            else:
                return
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()


def _run(items, q, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle

    def put(message) -> None:
        while True:
            try:
                q.put(message, timeout=0.5)
                return
            except queue.Full:
                if os.getppid() != parent:  # the parent died: nobody will read
                    os._exit(1)

    try:
        for item in items:
            put(("item", item))
        put(("done", None))
    except BaseException as exc:
        try:
            pickle.dumps(exc)
        except Exception:  # one that cannot cross to the parent: send its text
            exc = StoreError(f"{type(exc).__name__}: {exc}")
        put(("error", exc))
    q.close()
    q.join_thread()
    os._exit(0)
