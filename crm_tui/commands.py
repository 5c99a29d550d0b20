"""The command palette: every page, and any record by name."""
from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from db.services import find

PAGES = [("today", "Go to Today"), ("contacts", "Go to Contacts"), ("companies", "Go to Companies"), ("deals", "Go to Deals (pipeline board)"),
         ("tickets", "Go to Tickets"), ("followups", "Go to Follow-ups"),
         ("transfer", "Import a spreadsheet / export records"), ("trash", "Open the trash (restore deleted records)")]


class RecordCommands(Provider):
    async def discover(self) -> Hits:
        for mode, text in PAGES:
            yield DiscoveryHit(text, partial(self.app.switch_mode, mode))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for mode, text in PAGES:
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self.app.switch_mode, mode))
        if len(query.strip()) < 2:
            return
        hits = await asyncio.to_thread(find.search_all, query, ("contact",), 10)
        for hit in hits:
            # Names are customer text: shown as they are, never read as markup.
            yield Hit(0.9, Content(f"Open contact: {hit['title']}"), partial(self.app.open_contact, hit["id"]),
                      help=Content(hit["detail"] or ""))
