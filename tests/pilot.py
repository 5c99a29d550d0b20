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
