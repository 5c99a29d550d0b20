"""A company named on a record becomes an id in one place (companies.company_id): contacts
and deals create a company they name, tickets, follow-ups and notes refuse one that is
not there; an id in the trash says how to bring it back, whoever names it."""
import pytest

from db.errors import NotFound
from db.services import activities, companies, contacts, deals, followups, tickets


def live_names():
    return [c["name"] for c in companies.list_().rows]


def test_contacts_and_deals_create_the_company_they_name():
    ann = contacts.create({"first_name": "Ann", "company": "Harbour Bakery"})
    deal = deals.create({"title": "Ovens", "company": "Leith Mills"})
    assert (ann["company"], deal["company"]) == ("Harbour Bakery", "Leith Mills")
    assert live_names() == ["Harbour Bakery", "Leith Mills"]
    again = deals.create({"title": "Flour", "company": "harbour bakery"})  # the same company, in any case
    assert again["company_id"] == ann["company_id"]


@pytest.mark.parametrize("make", [
    lambda: tickets.create({"subject": "Broken oven", "company": "Nowhere Ltd"}),
    lambda: followups.create("Call", "2026-12-01", company="Nowhere Ltd"),
    lambda: activities.add("Called", company="Nowhere Ltd"),
])
def test_tickets_followups_and_notes_refuse_a_company_that_is_not_there(make):
    with pytest.raises(NotFound) as err:
        make()
    assert str(err.value) == "company 'Nowhere Ltd' not found"
    assert live_names() == []


@pytest.mark.parametrize("make", [
    lambda ref: contacts.create({"first_name": "Ann", "company": ref}),
    lambda ref: deals.create({"title": "Ovens", "company": ref}),
    lambda ref: tickets.create({"subject": "Broken oven", "company": ref}),
    lambda ref: followups.create("Call", "2026-12-01", company=ref),
    lambda ref: activities.add("Called", company=ref),
])
def test_a_trashed_company_by_id_says_how_to_restore_it(make):
    gone = companies.create({"name": "Old Firm"})["id"]
    companies.delete(gone)
    with pytest.raises(NotFound) as err:
        make(str(gone))
    assert str(err.value) == f"company {gone} is in the trash; bring it back with: crm company restore {gone}"


def test_a_blank_company_is_none_for_every_record():
    assert contacts.create({"first_name": "Ann", "company": "  "})["company_id"] is None
    assert deals.create({"title": "Ovens", "company": ""})["company_id"] is None
    assert tickets.create({"subject": "Broken", "company": None})["company_id"] is None
    assert live_names() == []
