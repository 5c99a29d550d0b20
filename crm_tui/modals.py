"""Modal screens: an error and the help. The forms are crm_tui/forms.py."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ErrorModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, message: str):
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Label("Something went wrong", classes="title")
            yield Static(self.message, id="error-message", markup=False)  # may quote what was typed
            yield Button("OK", variant="error", id="ok")

    def on_button_pressed(self) -> None:
        self.dismiss()


class HelpScreen(ModalScreen[None]):
    """The keys of the page underneath, as they are now (after the config's [keys]),
    with the action names [keys] uses to change them."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, bindings: list[tuple[str, str, str]]):
        super().__init__()
        self.bindings = bindings  # (keys, what it does, action name)

    def compose(self) -> ComposeResult:
        lines = ["[b]Keys[/b]  (change any in the config file: \\[keys] \"action name\" = \"key\")", ""]
        for keys, description, name in self.bindings:
            # escaped: keys come from the config file, where "[" is a key like any other
            lines.append(f"  [b]{escape(f'{keys:<14}')}[/b] {escape(f'{description:<24}')} [dim]{escape(name)}[/dim]")
        lines += ["", "  [b]ctrl+p[/b]          command palette: every action, jump to any record",
                  "  [b]escape[/b]          back / close", "", "Press Esc to close."]
        with VerticalScroll(id="dialog"):
            yield Static("\n".join(lines), id="help-text")
