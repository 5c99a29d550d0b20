"""The command palette: every action of the page it was opened on, every page, and any
record by name."""
from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from db.services import find

PAGES = [("today", "Go to Today"), ("contacts", "Go to Contacts"), ("companies", "Go to Companies"), ("deals", "Go to Deals (pipeline board)"),
         ("tickets", "Go to Tickets"), ("followups", "Go to Follow-ups"), ("reports", "Go to Reports (forecast, win rate, customers)"),
         ("transfer", "Import a spreadsheet / export records"), ("trash", "Open the trash (restore deleted records)")]


class RecordCommands(Provider):
    def page_actions(self) -> list[tuple[str, str, partial]]:
        """(text, key, run) for each of our bindings active on the page (the same ones
        the help lists), read from the page so the palette follows its bindings and any
        [keys] rebinding. Page switches are left to PAGES, which says more."""
        app, seen, out = self.app, set(), []
        for key, active in self.screen.active_bindings.items():
            b = active.binding
            if not (b.id and b.description) or b.action.startswith("switch_mode") or b.id in seen:
                continue
            seen.add(b.id)
            name = getattr(self.screen, "TITLE", None) or self.screen.sub_title or "This page"  # a record: its name
            page = "" if active.node is app else f"{name}: "
            out.append((f"{page}{b.description}", app.get_key_display(b) if b.key == key else key,
                        partial(app.run_action, b.action, active.node)))
        return out

    async def discover(self) -> Hits:
        for text, key, run in self.page_actions():
            yield DiscoveryHit(Content(text), run, help=Content(f"key {key}"))
        for mode, text in PAGES:
            yield DiscoveryHit(text, partial(self.app.switch_mode, mode))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, key, run in self.page_actions():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), run, help=Content(f"key {key}"))
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
