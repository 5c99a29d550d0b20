"""Every form of the app, in one place: the Form modal (fields with messages beside
them, saved off the UI thread) and the forms built on it, one per thing a person fills in."""
from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from crm_tui.work import describe_error, run_in_thread
from db import taglist
from db.errors import Conflict, Invalid
from db.services import contacts, views


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


def save_contact(values: dict, contact_id: int | None = None) -> dict:
    """A form's values through the same service (and rules) as the CLI."""
    fields = {k: values[k] for k in ("first_name", "last_name", "company", "title", "birthday", "address")
              if values.get(k) or contact_id}
    if values.get("stage"):
        fields["stage"] = values["stage"]
    emails = [values["email"]] if values.get("email") else []
    phones = [values["phone"]] if values.get("phone") else []
    tags = taglist.split(values.get("tags"))  # 'vip, "webinar, q3"': two tags
    if contact_id is None:
        return contacts.create(fields, emails=emails, phones=phones, tags=tags)
    current = views.contact(contact_id)
    keep_emails = [e for e in current["emails"] if e.lower() != (current["email"] or "").lower()]
    keep_phones = [p for p in current["phones"] if p != current["phone"]]
    # the field shows every tag (contact_page.py), so what it no longer holds was taken out
    kept = {t.lower() for t in tags}
    return contacts.update(contact_id, fields, emails=emails + keep_emails if emails else keep_emails,
                           phones=phones + keep_phones if phones else keep_phones, add=tags,
                           remove=[t for t in current["tags"] if t not in kept] if "tags" in values else [],
                           expected_version=values.get("version"), started_from=values.get("loaded"))


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


class MergeForm(Form):
    FIELDS = [("other", "Merge in", "id or email of the duplicate (it goes to the trash)")]


class CompanyForm(Form):
    TITLE = "New company"
    FIELDS = [("name", "Name", "Harbour Bakery"), ("domain", "Website", "harbourbakery.co.uk"),
              ("industry", "Industry", ""), ("phone", "Phone", ""), ("city", "City", ""), ("country", "Country", "")]


class RescheduleForm(Form):
    TITLE = "Reschedule"
    FIELDS = [("due", "New due", "tomorrow 9:30, mon, 2026-12-01 14:00")]


class SegmentForm(Form):
    TITLE = "Save this view as a segment"
    FIELDS = [("name", "Name", "VIP customers")]
