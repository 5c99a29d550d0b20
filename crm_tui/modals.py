"""Modal screens: forms with messages beside their fields, prompts, errors and help."""
from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from crm_tui.work import describe_error, run_in_thread
from db.errors import Conflict, Invalid


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


class Form(ModalScreen[dict | None]):
    """Fields from FIELDS = [(key, label, placeholder)]. on_save(values) does the
    store work and raises Invalid(field, ...) to put a message beside that field.

    on_save runs in a worker thread: another process holding the write lock must not
    freeze the app. While it runs the form stays open and answers keys, but a second
    save and Esc wait for it (what it writes cannot be taken back half-way).

    An edit form gets the record's values with its "version": on_save then also gets
    "version" and "loaded" (what the form started from) to pass to the service. When
    someone else saved the record meanwhile (Conflict) the form says so and keeps what
    was typed; Ctrl+R calls reload() for the record as it is now."""

    FIELDS: list[tuple[str, str, str]] = []
    TITLE = ""
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save"),
                Binding("ctrl+r", "reload", "Reload", show=False)]

    def __init__(self, on_save: Callable[[dict], dict], values: dict | None = None, title: str | None = None,
                 reload: Callable[[], dict] | None = None):
        super().__init__()
        self.on_save = on_save
        self.values = values or {}
        self.heading = title or self.TITLE
        self.saving = False
        self.reloader = reload

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.heading, classes="title", markup=False)  # may hold a name
            with VerticalScroll():
                with Grid(id="form-grid"):
                    for key, label, placeholder in self.FIELDS:
                        yield Label(label)
                        yield Input(value=str(self.values.get(key) or ""), placeholder=placeholder, id=f"f-{key}")
                        yield Label("", id=f"e-{key}", classes="field-error", markup=False)
            yield Label("", id="form-conflict", classes="field-error", markup=False)
            yield Label(self.HINT, id="form-hint", classes="hint")

    HINT = "Ctrl+S or Enter on the last field saves · Esc cancels"

    def on_mount(self) -> None:
        self.query_one("#form-conflict", Label).display = False  # until someone else's save gets in the way
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        if event.input is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()

    def action_cancel(self) -> None:
        if self.saving:
            self.app.notify("Still saving: waiting for the database", severity="warning")
            return
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving:  # Ctrl+S pressed again while the first save waits
            return
        values = {key: self.query_one(f"#f-{key}", Input).value.strip() for key, _, _ in self.FIELDS}
        if "version" in self.values:
            values["version"] = self.values["version"]
            values["loaded"] = {key: self.values[key] for key, _, _ in self.FIELDS if key in self.values}
        for key, _, _ in self.FIELDS:
            self.query_one(f"#e-{key}", Label).update("")
        self._saving(True)
        run_in_thread(self, lambda: self.on_save(values), self._saved, group="form-save", exclusive=False,
                      failed=self._refused)

    def _saving(self, on: bool) -> None:
        self.saving = on
        self.query_one("#form-hint", Label).update("Saving…" if on else self.HINT)

    def _saved(self, result: dict) -> None:
        self._saving(False)
        self.dismiss(result)

    def _refused(self, exc: Exception) -> None:
        self._saving(False)
        if isinstance(exc, Conflict):
            hint = " · Ctrl+R reloads (drops what you typed)" if self.reloader else ""
            line = self.query_one("#form-conflict", Label)
            line.update(f"{exc}{hint}")
            line.display = True
            return
        if isinstance(exc, Invalid):
            target = f"#e-{exc.field}" if any(k == exc.field for k, _, _ in self.FIELDS) else None
            if target:
                self.query_one(target, Label).update(exc.reason)
                self.query_one(f"#f-{exc.field}", Input).focus()
            else:
                self.app.notify(str(exc), severity="error", markup=False)
            return
        # duplicates, not found, the database busy: shown, form kept
        self.app.notify(describe_error(exc), severity="error", timeout=8, markup=False)


    def action_reload(self) -> None:
        """The record as it is now, in place of what was typed (after a Conflict)."""
        if self.reloader is None or self.saving:
            return
        run_in_thread(self, self.reloader, self._reloaded, group="form-reload")

    def _reloaded(self, values: dict) -> None:
        self.values = values
        for key, _, _ in self.FIELDS:
            self.query_one(f"#f-{key}", Input).value = str(values.get(key) or "")
            self.query_one(f"#e-{key}", Label).update("")
        self.query_one("#form-conflict", Label).display = False
        self.app.notify("Reloaded: the record as it is now", markup=False)


class ContactForm(Form):
    TITLE = "Contact"
    FIELDS = [
        ("first_name", "First name", ""), ("last_name", "Last name", ""),
        ("email", "Email", "ann@example.com"), ("phone", "Phone", "+44 7700 900123"),
        ("company", "Company", "name or id"), ("title", "Title", ""),
        ("stage", "Stage", "lead, prospect, customer, former"), ("tags", "Tags", "vip, trade"),
        ("birthday", "Birthday", "1984-02-29, or --02-29 without a year"), ("address", "Address", "street, city, country"),
    ]


class FollowupForm(Form):
    TITLE = "New follow-up"
    FIELDS = [("subject", "Subject", "Call about the quote"), ("due", "Due", "tomorrow 9:30, fri, 2026-12-01 14:00"),
              ("priority", "Priority", "low, normal, high, urgent"), ("every", "Repeat", "3d, 2w, 1m, weekdays")]


class NoteForm(Form):
    TITLE = "Log"
    FIELDS = [("body", "What happened", "")]


class ReasonForm(Form):
    TITLE = "Why was it lost?"
    FIELDS = [("reason", "Reason", "went with a cheaper quote")]


class DealForm(Form):
    TITLE = "New deal"
    FIELDS = [("title", "Title", "Website refresh"), ("amount", "Amount", "4,800"),
              ("currency", "Currency", "default from config"), ("stage", "Stage", "lead")]


class TicketForm(Form):
    TITLE = "New ticket"
    FIELDS = [("subject", "Subject", "Printer offline"), ("priority", "Priority", "low, normal, high, urgent"),
              ("channel", "Channel", "phone, email, walk-in, web, other"), ("description", "Description", "")]


class CommentForm(Form):
    TITLE = "Comment"
    FIELDS = [("body", "Comment", "")]


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
