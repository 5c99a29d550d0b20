"""One registry of kinds: every spelling a person types names the same kind, in the
export and import --entity options, the trash and the app's list pages."""
import csv

import pytest

from db.errors import Invalid
from db.services import companies, followups, kinds, trash


@pytest.mark.parametrize("typed, name", [
    ("company", "company"), ("companies", "company"), ("Companies", "company"), ("COMPANY", "company"),
    ("Follow-ups", "followup"), ("follow-up", "followup"), ("followups", "followup"), ("follow up", "followup"),
    ("Contacts", "contact"), ("deal", "deal"), ("Tickets", "ticket"),
])
def test_every_spelling_names_one_kind(typed, name):
    assert kinds.kind(typed).name == name


def test_an_unknown_kind_is_one_line_listing_the_kinds():
    with pytest.raises(Invalid) as err:
        kinds.kind("widgets")
    assert str(err.value) == "entity: 'widgets' is not one of: contact, company, deal, ticket, followup"


@pytest.mark.parametrize("typed", ["companies", "company", "Companies"])
def test_export_entity_takes_every_spelling(crm, tmp_path, typed):
    companies.create({"name": "Harbour Bakery", "city": "Leith"})
    out = tmp_path / "firms.csv"
    assert crm("export", str(out), "--entity", typed).stderr == f"exported to {out}: 1 company\n"
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["name"], r["city"]) for r in rows] == [("Harbour Bakery", "Leith")]


@pytest.mark.parametrize("typed", ["Follow-ups", "followup", "follow-ups"])
def test_import_entity_takes_every_spelling(crm, tmp_path, typed):
    src = tmp_path / "calls.csv"
    src.write_text("subject,due\nCall Ann,2026-12-01\n", encoding="utf-8")
    crm("import", str(src), "--entity", typed)
    assert [f["subject"] for f in followups.list_(status="all").rows] == ["Call Ann"]


def test_trash_names_each_kind_and_restores_it(crm):
    firm = companies.create({"name": "Harbour Bakery"})
    call = followups.create("Call back", "2026-12-01")
    companies.delete(firm["id"])
    followups.delete(call["id"])
    assert sorted((r["type"], r["title"]) for r in trash.list_()) == [("company", "Harbour Bakery"),
                                                                     ("followup", "Call back")]
    trash.RESTORE["followup"](call["id"])
    assert [r["type"] for r in trash.list_()] == ["company"]


def test_the_app_list_pages_are_named_by_their_kind():
    from crm_tui.screens.companies import CompaniesScreen
    from crm_tui.screens.contacts import ContactsScreen

    assert (ContactsScreen.TITLE, ContactsScreen.NOUN) == ("Contacts", "contacts")
    assert (CompaniesScreen.TITLE, CompaniesScreen.NOUN) == ("Companies", "companies")
