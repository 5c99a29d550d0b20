"""The full-screen app: pages for Today, Contacts, Deals, Tickets, Follow-ups and Reports.

Every database call runs in a thread worker (see crm_tui/work.py), so typing and
scrolling never wait on the store; failures land in one error modal. When another
process changes the store the page in view refreshes itself (db/services/watch.py).
"""
from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from crm_tui.commands import RecordCommands
from crm_tui.modals import HelpScreen
from crm_tui.screens.companies import CompaniesScreen
from crm_tui.screens.company_page import CompanyPage
from crm_tui.screens.contact_page import ContactPage
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.deals import DealsScreen
from crm_tui.screens.followups import FollowupsScreen
from crm_tui.screens.base import Page
from crm_tui.screens.reports import ReportsScreen
from crm_tui.screens.ticket_page import TicketPage
from crm_tui.screens.tickets import TicketsScreen
from crm_tui.screens.today import TodayScreen
from crm_tui.screens.transfer import TransferScreen
from crm_tui.screens.trash import TrashScreen
from crm_tui.work import run_in_thread
from db.config import get_config
from db.services import kinds, trash, watch


def binding_ids(app: App) -> set[str]:
    """Every binding id of the app and its pages: the names [keys] in the config can rebind."""
    ids = {b.id for b in app.BINDINGS if isinstance(b, Binding) and b.id}
    for screen in (*app.MODES.values(), CompanyPage, ContactPage, TicketPage):
        for cls in screen.__mro__:
            ids |= {b.id for b in getattr(cls, "BINDINGS", []) if isinstance(b, Binding) and b.id}
    return ids


class CrmApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "crm"
    MODES = {
        "today": TodayScreen,
        "contacts": ContactsScreen,
        "deals": DealsScreen,
        "tickets": TicketsScreen,
        "followups": FollowupsScreen,
        "companies": CompaniesScreen,
        "transfer": TransferScreen,
        "trash": TrashScreen,
        "reports": ReportsScreen,
    }
    DEFAULT_MODE = "today"
    COMMANDS = App.COMMANDS | {RecordCommands}
    BINDINGS = [
        Binding("1", "switch_mode('today')", "Today", id="page.today"),
        Binding("2", "switch_mode('contacts')", "Contacts", id="page.contacts"),
        Binding("3", "switch_mode('deals')", "Deals", id="page.deals"),
        Binding("4", "switch_mode('tickets')", "Tickets", id="page.tickets"),
        Binding("5", "switch_mode('followups')", "Follow-ups", id="page.followups"),
        Binding("6", "switch_mode('transfer')", "Import/Export", id="page.transfer"),
        Binding("7", "switch_mode('trash')", "Trash", id="page.trash"),
        Binding("8", "switch_mode('companies')", "Companies", id="page.companies"),
        Binding("9", "switch_mode('reports')", "Reports", id="page.reports"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+r", "refresh_page", "Refresh", id="app.refresh"),
        Binding("u", "undo", "Undo delete", id="app.undo", show=False),
    ]

    def __init__(self):
        super().__init__()
        self.last_deleted: tuple[str, int] | None = None
        self.crash: BaseException | None = None
        self.watcher: watch.Watcher | None = None

    def _handle_exception(self, error: Exception) -> None:
        """A bug on the UI thread: Textual closes the app; we keep the exception for
        run() to report and drop Textual's traceback print (full of local variables,
        customer data among them, and many screens long)."""
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def on_mount(self) -> None:
        keys = get_config().keys
        if keys:
            unknown = sorted(set(keys) - binding_ids(self))
            if unknown:
                self.notify(f"config [keys]: no action called {', '.join(unknown)} (see ? for the names)",
                            severity="error", timeout=10, markup=False)
            self.set_keymap(keys)
        self.watch_store()

    def watch_store(self) -> None:
        try:
            self.watcher = watch.watch()
        except Exception:  # the store cannot be reached: pages say so themselves; Ctrl+R refreshes by hand
            return
        self.set_interval(watch.WATCH_SECONDS, self.store_changed)

    def store_changed(self) -> None:
        """Someone else wrote to the store: refresh the page in view. Never an open
        form or prompt (what the user types stays); its page refreshes when it closes."""
        try:
            changed = self.watcher.changed()
        except Exception:  # a dropped connection: the next store call reports it
            return
        if changed and isinstance(self.screen, Page):
            self.screen.refresh_from_store()

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.close()

    def action_help(self) -> None:
        seen: dict[tuple[str, str], list[str]] = {}
        for key, active in self.screen.active_bindings.items():
            b = active.binding
            if b.description and b.id:  # ours: the ones [keys] can rebind (not the widgets' own)
                seen.setdefault((b.description, b.id or ""), []).append(self.get_key_display(b) if b.key == key else key)
        self.push_screen(HelpScreen([(", ".join(keys), description, name) for (description, name), keys in seen.items()]))

    def action_refresh_page(self) -> None:
        """Pick up changes made by another process (an import, crm remind)."""
        if isinstance(self.screen, Page):
            self.screen.refresh_from_store()
        elif hasattr(self.screen, "reload"):
            self.screen.reload()

    def delete_with_undo(self, kind: str, record_id: int, after=None) -> None:
        """Move a record to the trash; `u` brings it straight back."""
        def done(_):
            self.last_deleted = (kind, record_id)
            self.notify(f"{kinds.KINDS[kind].label.capitalize()} {record_id} moved to the trash · press u to undo")
            if after:
                after()
        run_in_thread(self.screen, lambda: trash.DELETE[kind](record_id), done, group="write", exclusive=False)

    def action_undo(self) -> None:
        if not self.last_deleted:
            self.notify("Nothing to undo")
            return
        kind, record_id = self.last_deleted
        self.last_deleted = None

        def done(_):
            self.notify(f"{kinds.KINDS[kind].label.capitalize()} {record_id} restored")
            self.action_refresh_page()
        run_in_thread(self.screen, lambda: trash.RESTORE[kind](record_id), done, group="write", exclusive=False)

    def open_company(self, company_id: int) -> None:
        self.push_screen(CompanyPage(company_id))

    def open_contact(self, contact_id: int) -> None:
        self.push_screen(ContactPage(contact_id))


def run() -> None:
    """Run the app until the user quits. A crash inside it (even one Textual caught,
    like a stylesheet it cannot read) is raised here once the terminal is restored,
    so the caller's guard (cli.app.CrmGroup) writes the crash report, prints one line
    and exits non-zero instead of 0."""
    app = CrmApp()
    app.run()
    if app.crash is not None:
        raise app.crash
    if app.return_code:
        raise RuntimeError(f"the app stopped with return code {app.return_code}")
