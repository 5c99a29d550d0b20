"""Deals: a pipeline board, one column per stage, or one list (v switches); move deals
with [ and ], mark them won or lost."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label

from crm_tui.modals import DealForm, ReasonForm
from crm_tui.screens.base import Page, fill, selected_key
from db.config import get_config
from db.services import deals


class DealsScreen(Page):
    TITLE = "Deals"
    BINDINGS = [
        Binding("right_square_bracket", "move(1)", "Next stage", id="deals.next"),
        Binding("left_square_bracket", "move(-1)", "Previous stage", id="deals.previous"),
        Binding("w", "won", "Won", id="deals.won"),
        Binding("l", "lost", "Lost", id="deals.lost"),
        Binding("a", "add", "Add", id="deals.add"),
        Binding("v", "toggle_view", "List/board", id="deals.view"),
        Binding("right", "column(1)", "Next column", show=False),
        Binding("left", "column(-1)", "Previous column", show=False),
    ]

    def compose_page(self) -> ComposeResult:
        self.stages = list(get_config().stages)
        listing = DataTable(id="deal-list", cursor_type="row", zebra_stripes=True)
        listing.add_columns("#", "Deal", "Stage", "Amount", "Contact", "Company", "Close by", "Owner")
        listing.display = False
        yield listing
        with Horizontal(id="board"):
            for stage in self.stages:
                with Vertical(classes="stage-column"):
                    yield Label(stage, id=f"head-{stage}", classes="section", markup=False)
                    table = DataTable(id=f"stage-{stage}", cursor_type="row")
                    table.add_columns("Amount", "Deal")  # amount first: long titles run off the edge
                    yield table

    def reload(self) -> None:
        self.work(lambda: (deals.list_().rows, deals.pipeline()), self.show)

    def show(self, result) -> None:
        rows, totals = result
        self.deal_stage = {d["id"]: d["stage"] for d in rows}
        fill(self.query_one("#deal-list", DataTable),
             [(d["id"], (d["id"], d["title"], d["stage"], f"{d['amount']} {d['currency']}", d["contact"] or "",
                         d["company"] or "", d["expected_close"] or "", d["owner"] or "")) for d in rows])
        for stage in self.stages:
            mine = [d for d in rows if d["stage"] == stage]
            fill(self.query_one(f"#stage-{stage}", DataTable),
                 [(d["id"], (f"{d['amount']} {d['currency']}", d["title"])) for d in mine])
            money = ", ".join(f"{t['total']} {t['currency']}" for t in totals if t["stage"] == stage)
            self.query_one(f"#head-{stage}", Label).update(f"{stage} ({len(mine)})" + (f"\n{money}" if money else "\n"))

    def action_toggle_view(self) -> None:
        listing, board = self.query_one("#deal-list", DataTable), self.query_one("#board")
        listing.display, board.display = not listing.display, listing.display
        (listing if listing.display else self.query_one(f"#stage-{self.stages[0]}", DataTable)).focus()

    def _current(self) -> tuple[str, int] | None:
        focused = self.focused
        if isinstance(focused, DataTable) and focused.id == "deal-list":
            deal = selected_key(focused)
            return (self.deal_stage[deal], deal) if deal in self.deal_stage else None
        if isinstance(focused, DataTable) and focused.id and focused.id.startswith("stage-"):
            deal = selected_key(focused)
            return (focused.id.removeprefix("stage-"), deal) if deal else None
        return None

    def action_column(self, step: int) -> None:
        focused = self.focused
        if not self.query_one("#board").display:
            return
        index = self.stages.index(focused.id.removeprefix("stage-")) if isinstance(focused, DataTable) else 0
        self.query_one(f"#stage-{self.stages[(index + step) % len(self.stages)]}", DataTable).focus()

    def action_move(self, step: int) -> None:
        current = self._current()
        if not current:
            return
        stage, deal = current
        target = self.stages.index(stage) + step
        if 0 <= target < len(self.stages):
            new = self.stages[target]
            if new == "lost":
                return self.action_lost()
            self.act(lambda: deals.move(deal, new), f"Deal {deal} moved to {new}")

    def action_won(self) -> None:
        current = self._current()
        if current:
            self.act(lambda: deals.won(current[1]), f"Deal {current[1]} won")

    def action_lost(self) -> None:
        current = self._current()
        if not current:
            return

        def done(result):
            if result:
                self.app.notify(f"Deal {current[1]} lost", markup=False)
                self.reload()
        self.app.push_screen(ReasonForm(lambda v: deals.lost(current[1], v["reason"] or None)), done)

    def action_add(self) -> None:
        def done(result):
            if result:
                self.app.notify(f"Deal {result['id']} added")
                self.reload()
        self.app.push_screen(DealForm(lambda v: deals.create({k: x for k, x in v.items() if x})), done)
