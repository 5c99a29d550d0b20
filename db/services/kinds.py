"""The kinds of record, in one table: each one's model, service module, names and how
to name one record. Trash, import, export, find, the CLI's --entity and the app's
list pages read it; `kind("Companies")`, `kind("company")` and `kind("follow-ups")`
all name the same kind wherever a person types one."""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from db.errors import Invalid
from db.models import Company, Contact, Deal, FollowUp, Ticket
from db.services import companies, contacts, deals, followups, tickets
from db.services.common import full_name
from db.services.documents import BY_KIND


@dataclass(frozen=True)
class Kind:
    name: str  # what the store, search and files call it: "followup"
    plural: str  # a sheet's name: "followups"
    title: str  # a heading: "Follow-ups"
    label: str  # one record in a message: "follow-up 3"
    model: type
    service: ModuleType  # its create/update/delete/restore/to_dicts
    name_of: Callable  # a row -> what a person calls it ("Ann Lee", the deal's title)
    documents: Callable | None  # the search-document builder (None: not searched)


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("contact", "contacts", "Contacts", "contact", Contact, contacts,
         lambda r: full_name(r.first_name, r.last_name) or f"contact {r.id}", BY_KIND["contact"]),
    Kind("company", "companies", "Companies", "company", Company, companies, lambda r: r.name, BY_KIND["company"]),
    Kind("deal", "deals", "Deals", "deal", Deal, deals, lambda r: r.title, BY_KIND["deal"]),
    Kind("ticket", "tickets", "Tickets", "ticket", Ticket, tickets, lambda r: r.subject, BY_KIND["ticket"]),
    Kind("followup", "followups", "Follow-ups", "follow-up", FollowUp, followups, lambda r: r.subject, None),
)}
NAMES = tuple(KINDS)
# Companies before the contacts that work there: the order a workbook's sheets are
# written and read; reversed, the order an import's records are taken back out.
PARENTS_FIRST = ("company", "contact", "deal", "ticket", "followup")
CHILDREN_FIRST = tuple(reversed(PARENTS_FIRST))


def _key(text) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


# Every spelling of a kind folds to one key: 'Follow-ups', 'follow up', 'FOLLOWUP'.
_SPELLINGS = {_key(s): k.name for k in KINDS.values() for s in (k.name, k.plural, k.title, k.label)}


def known(text) -> str | None:
    """The kind a word names ('companies', 'Company', 'follow-ups'), or None."""
    return _SPELLINGS.get(_key(text))


def kind(text) -> Kind:
    """The kind a person named; Invalid listing the kinds otherwise."""
    name = known(text)
    if name is None:
        raise Invalid("entity", f"{text!r} is not one of: {', '.join(NAMES)}")
    return KINDS[name]
