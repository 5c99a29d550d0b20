"""Horizontal bar charts drawn with block characters, sized to the widget's width.

Drawn by hand rather than with plotext: a bar per row is all the Reports page needs,
it costs no dependency (textual-plotext only promises textual>=0.86, not Textual 8),
the labels stay customer text that is never read as markup, and the output is plain
characters a snapshot test can pin."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

FULL, PART = "█", "░"
EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass
class Bar:
    label: str  # e.g. "2026-12 GBP"
    value: int  # the whole bar (a total, in minor units or a count)
    part: int  # the solid share of it (weighted value); the rest is drawn light
    text: str  # what is printed after the bar ("£12,000.00 · £4,800.00 weighted")
    scale: str = ""  # bars with the same scale share a maximum (one per currency)
    short: str = ""  # printed instead of text when the chart is narrow ("£33,600.00")


def bar_cells(value: int, part: int, biggest: int, width: int) -> Text:
    """A bar of `width` cells at most: `part` solid, the rest of `value` shaded."""
    if biggest <= 0 or width <= 0:
        return Text(" " * max(width, 0))
    whole = value * width / biggest
    solid = min(part, value) * width / biggest
    full = int(solid)
    bar = Text(FULL * full)
    eighth = int((solid - full) * 8)
    used = full
    if eighth and used < width:
        bar.append(EIGHTHS[eighth])
        used += 1
    light = max(int(round(whole)) - used, 0)
    if value > part and not light and used < width:
        light = 1  # an unweighted remainder, however small, still shows
    bar.append(PART * light, style="dim")
    used += light
    bar.append(" " * max(width - used, 0))
    return bar


class BarChart(Widget):
    """Rows of `label  bar  text`; bars of one scale measured against its biggest value."""

    DEFAULT_CSS = "BarChart { height: auto; text-wrap: nowrap; text-overflow: ellipsis; }"
    NARROW = 10  # a bar narrower than this: the bars' short texts make room

    def __init__(self, empty: str = "nothing to show", **kwargs):
        super().__init__(**kwargs)
        self.bars: list[Bar] = []
        self.empty = empty

    def show(self, bars: list[Bar]) -> None:
        self.bars = bars
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(len(self.bars), 1)

    def render(self) -> Text:
        if not self.bars:
            return Text(self.empty, style="dim")
        biggest: dict[str, int] = {}
        for b in self.bars:
            biggest[b.scale] = max(biggest.get(b.scale, 0), b.value)
        label_w = max(len(b.label) for b in self.bars)
        texts = [b.text for b in self.bars]
        bar_w = self.size.width - label_w - max(map(len, texts)) - 4
        if bar_w < self.NARROW:
            texts = [b.short or b.text for b in self.bars]
            bar_w = self.size.width - label_w - max(map(len, texts)) - 4
        bar_w = max(bar_w, 4)
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, b in enumerate(self.bars):
            if i:
                out.append("\n")
            out.append(b.label.ljust(label_w) + "  ")
            out.append_text(bar_cells(b.value, b.part, biggest[b.scale], bar_w))
            out.append("  " + texts[i])
        return out
