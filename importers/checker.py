"""Reading and checking a big sheet's rows in a second process while this one writes.

Reading the workbook and checking every row is pure Python; so is much of writing.
Two processes use both cores where threads would take turns on the GIL (tried: the
writer's executemany takes the GIL back for every row, and the two threads convoy).

The checker is forked, so it starts at once with everything already imported, and
it never touches the database: it only reads the file and sends chunks of checked
rows back through a short queue. It leaves with os._exit (no cleanup that could touch
the parent's SQLite connection, which it inherited) and dies with its parent (Linux
kills it at once through PR_SET_PDEATHSIG; elsewhere it notices within a chunk). Small files, and processes that run threads (the full-screen app), check rows
in-process instead: forking a threaded process is unsafe, and a small file is done
before a process would have started.
"""
from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

from db.errors import StoreError

BIG = 2 * 2**20  # bytes: below this, checking in-process is as fast
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def can_fork(path: str | Path) -> bool:
    try:
        big = Path(path).expanduser().stat().st_size >= BIG
    except OSError:
        return False
    return big and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def in_worker(items: Iterable, describe: str, release: Callable[[], None] | None = None) -> Iterator:
    """Iterate items in a forked process (its copy of them, in whatever state they
    are now) and yield what comes out, in order. An exception there is raised here;
    leaving the loop early stops the process. release, called here once the process
    has started, lets go of this process's copy of what only the checker reads (the
    loaded sheet: its memory is the checker's alone then, and freed when it ends)."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(maxsize=4)
    proc = ctx.Process(target=_run, args=(items, q, os.getpid()), name="crm-row-checker", daemon=True)
    # Frozen objects are left alone by the collector, in both processes, until the
    # checker is done: a collection writes to every object it walks, so each process
    # would copy (and memory would count twice) pages the two could go on sharing.
    gc.freeze()
    proc.start()
    if release:
        release()
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
        gc.unfreeze()  # (once the checker is gone: until then, the pages are still shared)


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when the parent goes (kill -9 included), so it never
    lingers holding the whole sheet. The signal fires when the thread that forked us
    ends; that is the parent's only thread (can_fork insists on one). Elsewhere, and if
    the parent went before we asked, the parent checks below do it."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)


def _run(items, q, parent: int) -> None:
    _die_with(parent)
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
            if os.getppid() != parent:  # no PR_SET_PDEATHSIG here: stop at the next chunk
                os._exit(1)
            put(("item", item))
            gc.collect(1)  # the import's collector runs once per chunk (pipeline.collect_per_chunk)
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
