"""Deals: a pipeline board, one column per stage, or one list (v switches); move deals
with [ and ], mark them won or lost."""
from __future__ import annotations

import textwrap

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label

from crm_tui.forms import DealForm, ReasonForm
from crm_tui.screens.base import MineFilter, Page, fill, selected_key
from db.config import get_config
from db.display import amount
from db.services import deals

TITLE_LINES = 3  # a longer title ends in an ellipsis; the list view (v) shows it whole


def card(deal: dict, width: int) -> Text:
    """A deal on the board: its title (wrapped, not cut to a few letters), company and
    amount, each on its own line. Customer text, so plain Text, never markup."""
    lines = textwrap.wrap(deal["title"], width) or [""]
    if len(lines) > TITLE_LINES:
        lines = lines[:TITLE_LINES]
        lines[-1] = lines[-1][:width - 1] + "…"
    out = Text("\n".join(lines), style="bold")
    if deal["company"] or deal["contact"]:
        out.append("\n" + (deal["company"] or deal["contact"])[:width], style="dim")
    out.append("\n" + amount(deal["amount"], deal["currency"]))
    return out


class DealsScreen(MineFilter, Page):
    TITLE = "Deals"
    BINDINGS = [
        Binding("right_square_bracket", "move(1)", "Next stage", id="deals.next"),
        Binding("left_square_bracket", "move(-1)", "Previous stage", id="deals.previous"),
        Binding("w", "won", "Won", id="deals.won"),
        Binding("l", "lost", "Lost", id="deals.lost"),
        Binding("a", "add", "Add", id="deals.add"),
        Binding("v", "toggle_view", "List/board", id="deals.view"),
        Binding("m", "mine", "Mine/all", id="deals.mine"),
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
                    table = DataTable(id=f"stage-{stage}", cursor_type="row", show_header=False,
                                      zebra_stripes=True)  # stripes tell one card from the next
                    table.add_column("Deal", key="deal")
                    yield table

    def on_mount(self) -> None:
        super().on_mount()
        # The hidden list would otherwise take the focus, and w would win its first deal unseen.
        self.query_one(f"#stage-{self.stages[0]}", DataTable).focus()

    def reload(self) -> None:
        owner = self.mine
        self.work(lambda: (deals.list_(owner=owner).rows, deals.pipeline(owner)), self.show)

    def card_width(self, table: DataTable, cards: int) -> int:
        """Characters a card's line gets: the column's width (the board's share for one
        stage before the first layout) less the cell's padding, and less a scrollbar's
        width when the cards will not fit the column's height."""
        width = table.size.width or (self.query_one("#board").size.width or self.app.size.width) // len(self.stages) - 2
        rows = table.size.height or self.app.size.height
        return max(width - 2 - (2 if cards * (TITLE_LINES + 2) > rows else 0), 8)

    def show(self, result) -> None:
        self.shown = result
        rows, totals = result
        self.deal_stage = {d["id"]: d["stage"] for d in rows}
        fill(self.query_one("#deal-list", DataTable),
             [(d["id"], (d["id"], d["title"], d["stage"], amount(d["amount"], d["currency"]), d["contact"] or "",
                         d["company"] or "", d["expected_close"] or "", d["owner"] or "")) for d in rows])
        heads = {}
        for stage in self.stages:
            mine = [d for d in rows if d["stage"] == stage]
            table = self.query_one(f"#stage-{stage}", DataTable)
            width = self.card_width(table, len(mine))
            row, key = table.cursor_row, str(selected_key(table))
            table.clear()
            for d in mine:
                text = card(d, width)
                table.add_row(text, key=str(d["id"]), height=len(text.plain.splitlines()))
            if table.row_count:  # on the same deal if it is still in this stage
                keys = [str(d["id"]) for d in mine]
                table.move_cursor(row=keys.index(key) if key in keys else min(row, table.row_count - 1))
            # one currency a line: "€41,800.00, £30,300.00, ¥…" ran off a column's edge
            heads[stage] = [f"{stage} ({len(mine)})"] + [amount(t["total"], t["currency"])
                                                         for t in totals if t["stage"] == stage]
        lines = max(2, *map(len, heads.values()))
        for stage, head in heads.items():
            self.query_one(f"#head-{stage}", Label).update("\n".join(head + [""] * (lines - len(head))))

    def on_resize(self) -> None:
        if getattr(self, "shown", None):
            self.show(self.shown)  # cards wrap to the new width

    def action_toggle_view(self) -> None:
        listing, board = self.query_one("#deal-list", DataTable), self.query_one("#board")
        listing.display, board.display = not listing.display, listing.display
        (listing if listing.display else self.query_one(f"#stage-{self.stages[0]}", DataTable)).focus()

    def _current(self) -> tuple[str, int] | None:
        focused = self.focused
        if isinstance(focused, DataTable) and focused.id == "deal-list" and focused.display:
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
        stage = focused.id.removeprefix("stage-") if isinstance(focused, DataTable) and focused.id else ""
        index = self.stages.index(stage) if stage in self.stages else -step  # off the board: start at its edge
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
