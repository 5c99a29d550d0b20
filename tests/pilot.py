"""Helpers for driving the app with Pilot, shared by the app's test files."""
from __future__ import annotations


async def settle(pilot, app):
    """Wait for the store workers to finish and the screen to catch up."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def table_text(app, selector):
    table = app.screen.query_one(selector)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def dry_run_in_app(pilot, app, path):
    """On the Import/Export page: a dry run of the file at path, finished."""
    await pilot.press("6")
    await settle(pilot, app)
    app.screen.query_one("#import-path").value = str(path)
    await pilot.press("ctrl+d")
    await settle(pilot, app)
