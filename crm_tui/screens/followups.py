"""Follow-ups: the agenda, grouped Overdue / Today / This week / Later / Snoozed (the
follow-up service decides the groups; this page only shows them)."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from crm_tui.forms import FollowupForm, RescheduleForm
from crm_tui.screens.base import MineFilter, Page, fill, selected_key
from db import display
from db.services import followups


class FollowupsScreen(MineFilter, Page):
    TITLE = "Follow-ups"
    BINDINGS = [
        Binding("d", "done", "Done", id="followups.done"),
        Binding("s", "snooze", "Snooze 1 day", id="followups.snooze"),
        Binding("r", "reschedule", "Reschedule", id="followups.reschedule"),
        Binding("e", "edit", "Edit", id="followups.edit"),
        Binding("enter", "open", "Open contact", id="followups.open"),
        Binding("m", "mine", "Mine/all", id="followups.mine"),
    ]

    def compose_page(self) -> ComposeResult:
        table = DataTable(id="agenda", cursor_type="row", zebra_stripes=True)
        table.add_columns("When", "Due", "Follow-up", "Contact", "Priority", "Repeat")
        yield table

    def reload(self) -> None:
        owner = self.mine
        self.work(lambda: followups.agenda(owner), self.show)

    def show(self, rows) -> None:
        self.contact_of = {r["id"]: r["contact_id"] for r in rows}
        fill(self.query_one("#agenda", DataTable),
             [(r["id"], (r["group"], display.when(r["due"]), r["subject"], r["contact"] or "", r["priority"],
                         r["every"] or "")) for r in rows])

    def _selected(self) -> int | None:
        return selected_key(self.query_one("#agenda", DataTable))

    def action_done(self) -> None:
        fid = self._selected()
        if fid:
            self.act(lambda: followups.done(fid), f"Follow-up {fid} done")

    def action_snooze(self) -> None:
        fid = self._selected()
        if fid:
            self.act(lambda: followups.snooze(fid, for_="1d"), f"Follow-up {fid} snoozed for a day")

    def action_reschedule(self) -> None:
        fid = self._selected()
        if fid:
            self.app.push_screen(RescheduleForm(lambda v: followups.reschedule(fid, v["due"])),
                                 lambda r: r and self.reload())

    def action_edit(self) -> None:
        fid = self._selected()
        if not fid:
            return

        def values(f: dict) -> dict:  # what the form shows, and the version it started from
            return {k: f[k] for k in ("subject", "due", "priority", "every", "version")}

        def save(v: dict) -> dict:
            return followups.update(fid, {k: v[k] for k in ("subject", "due", "priority", "every")},
                                    expected_version=v.get("version"), started_from=v.get("loaded"))

        self.work(lambda: followups.show(fid), lambda f: self.app.push_screen(
            FollowupForm(save, values(f), title="Edit follow-up", reload=lambda: values(followups.show(fid))),
            lambda r: r and self.reload()))

    def action_open(self) -> None:
        fid = self._selected()
        if fid and self.contact_of.get(fid):
            self.app.open_contact(self.contact_of[fid])
