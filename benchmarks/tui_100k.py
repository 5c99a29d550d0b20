"""The full-screen app on 100k contacts: launch to a ready Today page, and
keystroke-to-results on the Contacts search.

    python benchmarks/tui_100k.py [--rows 100000] [--db /tmp/bench.db]

Uses the store from benchmarks/search_100k.py (seeded here with --rows contacts when
missing; the 1M figures: search_100k.py --rows 1000000 --db X, then this with --db X). Times are
measured with Textual's Pilot in a headless terminal of 120x40.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.search_100k import seed  # noqa: E402
from db import store  # noqa: E402
from db.models import Contact  # noqa: E402


async def measure(db: str) -> None:
    from crm_tui.app import CrmApp

    store.open_store(db)
    t = time.perf_counter()
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        ready = time.perf_counter() - t
        print(f"launch to Today ready:        {ready * 1000:7.0f} ms (target 1000 ms at 1M)")
        t = time.perf_counter()
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#contacts-table")
        print(f"Contacts page ready ({table.row_count} rows loaded, {app.screen.total:,} in all): "
              f"{(time.perf_counter() - t) * 1000:5.0f} ms")
        # Two figures per keystroke: until the new rows are painted (stamped by the app
        # right after the refresh that shows them), and Pilot's full round trip (which
        # adds its own settling waits: a key that does nothing costs that much).
        painted: list[float] = []
        screen = app.screen
        show = screen.show

        def stamped_show(result):
            show(result)
            app.call_after_refresh(lambda: painted.append(time.perf_counter()))
        screen.show = stamped_show
        times, to_paint = [], []
        for key in "smith":
            painted.clear()
            t = time.perf_counter()
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            times.append((time.perf_counter() - t) * 1000)
            to_paint.append((painted[-1] - t) * 1000 if painted else float("nan"))
        print("keystroke to results painted ('s','m','i','t','h'): " + ", ".join(f"{x:.0f}" for x in to_paint)
              + f" ms; median {statistics.median(to_paint):.0f} ms; {table.row_count} rows shown, "
              + app.screen.query_one("#count").render().plain)
        print("  Pilot round trip per keystroke: " + ", ".join(f"{x:.0f}" for x in times)
              + f" ms; median {statistics.median(times):.0f} ms")
        t = time.perf_counter()
        for _ in range(5):
            await pilot.press("shift")
            await pilot.pause()
        print(f"  Pilot round trip of a key that does nothing: {(time.perf_counter() - t) * 200:.0f} ms")
        # Scrolling: Ctrl+End jumps to the last loaded row, which asks for the next page.
        await pilot.press("escape")
        for _ in "smith":
            await pilot.press("backspace")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table.focus()
        pages = []
        for _ in range(5):
            before, painted_before = table.row_count, len(painted)
            t = time.perf_counter()
            await pilot.press("ctrl+end")
            await app.workers.wait_for_complete()
            await pilot.pause()
            if len(painted) > painted_before and table.row_count > before:
                pages.append((painted[-1] - t) * 1000)
        print("Ctrl+End to the next page painted: " + ", ".join(f"{x:.0f}" for x in pages)
              + f" ms; {table.row_count} rows loaded")
        received: list[float] = []
        reload = screen.reload

        def stamped_reload():
            received.append(time.perf_counter())
            reload()
        screen.reload = stamped_reload
        screen.query_one("#search").focus()
        spans = []
        for key in "lee":
            painted.clear()
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            spans.append((painted[-1] - received[-1]) * 1000)
        print("key received by the page to results painted ('l','e','e'): "
              + ", ".join(f"{x:.0f}" for x in spans) + " ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db")
    args = ap.parse_args()
    args.db = args.db or str(Path(tempfile.gettempdir()) / f"crm-bench-{args.rows}.db")
    store.open_store(args.db)
    if not Contact.select().exists():
        print(f"seeding {args.rows} contacts ...")
        seed(args.rows)
    store.close_store()
    asyncio.run(measure(args.db))


if __name__ == "__main__":
    main()
