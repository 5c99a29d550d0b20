"""The full-screen app: pages for Today, Contacts, Deals, Tickets and Follow-ups.

Every database call runs in a thread worker (see crm_tui/work.py), so typing and
scrolling never wait on the store; failures land in one error modal.
"""
from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from crm_tui.commands import RecordCommands
from crm_tui.modals import HelpScreen
from crm_tui.screens.companies import CompaniesScreen
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.deals import DealsScreen
from crm_tui.screens.followups import FollowupsScreen
from crm_tui.screens.tickets import TicketsScreen
from crm_tui.screens.today import TodayScreen
from crm_tui.screens.transfer import TransferScreen
from crm_tui.screens.trash import TrashScreen


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
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+r", "refresh_page", "Refresh", id="app.refresh"),
    ]

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_refresh_page(self) -> None:
        """Pick up changes made by another process (an import, crm remind)."""
        refresh = getattr(self.screen, "reload", None)
        if refresh:
            refresh()

    def open_contact(self, contact_id: int) -> None:
        from crm_tui.screens.contact_detail import ContactDetailScreen

        self.push_screen(ContactDetailScreen(contact_id))


def run() -> None:
    CrmApp().run()
