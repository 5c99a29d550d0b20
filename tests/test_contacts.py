"""Contacts and companies through the services, on a real SQLite file."""
import pytest

from db.errors import Duplicate, Invalid, NotFound
from db.services import (
    activities,
    companies,
    contacts,
    deals,
    followups,
    tickets,
    trash,
)
from db.services import views


def ann(**extra):
    values = {"first_name": "Ann", "last_name": "Lee", "company": "Harbour Bakery", "title": "Owner"}
    return contacts.create({**values, **extra}, emails=["Ann@Example.com", "ann.lee@home.example"],
                           phones=["07700 900123"], tags=["VIP", "newsletter"])


def test_create_normalises_and_reads_back():
    c = ann()
    assert c["name"] == "Ann Lee"
    assert c["email"] == "Ann@example.com"
    assert c["emails"] == ["Ann@example.com", "ann.lee@home.example"]
    assert c["phone"] == "+447700900123"  # GB region from config -> E.164
    assert c["company"] == "Harbour Bakery" and c["company_id"] == companies.find_by_name("harbour bakery").id
    assert c["tags"] == ["newsletter", "vip"]
    assert c["stage"] == "lead" and c["owner"] == "sam" and c["do_not_contact"] is False
    assert views.contact("ann@example.com")["id"] == c["id"]  # named by email, any case


def test_phone_without_known_region_keeps_the_digits(monkeypatch, tmp_path):
    from db import config

    cfg = tmp_path / "c.toml"
    cfg.write_text('timezone = "UTC"\n')
    monkeypatch.setenv("CRM_CONFIG", str(cfg))
    monkeypatch.delenv("LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setattr(config, "_locale_region", lambda: None)
    config.reload_config()
    c = contacts.create({"first_name": "Bo"}, phones=["555-0100 ext 4"])
    assert c["phone"] == "555-0100 ext 4"
    c2 = contacts.create({"first_name": "Cy"}, phones=["+1 415 555 0100"])
    assert c2["phone"] == "+14155550100"


@pytest.mark.parametrize("emails,phones,message", [
    (["ANN@example.COM"], [], "email ANN@example.com already belongs to contact 1 (Ann Lee)"),
    ([], ["+44 7700 900123"], "phone +44 7700 900123 already belongs to contact 1 (Ann Lee)"),
])
def test_duplicate_email_or_phone_is_refused(emails, phones, message):
    ann()
    with pytest.raises(Duplicate) as err:
        contacts.create({"first_name": "Other"}, emails=emails, phones=phones)
    assert str(err.value) == message
    dup = contacts.create({"first_name": "Other"}, emails=emails, phones=phones, allow_duplicate=True)
    assert dup["id"] == 2


def test_a_trashed_contact_does_not_block_a_new_one():
    c = ann()
    contacts.delete(c["id"])
    again = contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    with pytest.raises(Duplicate, match=f"already belongs to contact {again['id']}"):
        contacts.restore(c["id"])


@pytest.mark.parametrize("values,emails,message", [
    ({"first_name": "A"}, ["not-an-email"], "email: 'not-an-email' is not a valid email address"),
    ({"first_name": "A", "stage": "hot"}, [], "stage: 'hot' is not one of: lead, prospect, customer, former"),
    ({}, [], "name: a contact needs a first name, a last name or an email"),
])
def test_validation_names_the_field(values, emails, message):
    with pytest.raises(Invalid) as err:
        contacts.create(values, emails=emails)
    assert str(err.value) == message
    assert contacts.list_().total == 0


def test_update_edits_lists_and_fields():
    c = ann()
    u = contacts.update(c["id"], {"title": "Director", "stage": "customer", "company": ""},
                        add_emails=["ann@work.example"], remove_emails=["ann.lee@home.example"],
                        add_phones=["+1 415 555 0100"], add=["trade"], remove=["vip"])
    assert u["title"] == "Director" and u["stage"] == "customer" and u["company"] is None
    assert u["emails"] == ["Ann@example.com", "ann@work.example"]
    assert u["phones"] == ["+447700900123", "+14155550100"]
    assert u["tags"] == ["newsletter", "trade"]
    with pytest.raises(NotFound, match="has no email nobody@x.example"):
        contacts.update(c["id"], {}, remove_emails=["nobody@x.example"])


def test_update_refuses_taking_another_contacts_email():
    ann()
    bo = contacts.create({"first_name": "Bo"}, emails=["bo@example.com"])
    with pytest.raises(Duplicate, match="email ann@example.com already belongs to contact 1"):
        contacts.update(bo["id"], {}, add_emails=["ann@example.com"])
    assert views.contact(bo["id"])["emails"] == ["bo@example.com"]


def test_delete_and_restore_through_the_trash():
    c = ann()
    contacts.delete(c["id"])
    with pytest.raises(NotFound, match="contact 1 is in the trash"):
        views.contact(c["id"])
    assert contacts.list_().total == 0
    assert [(t["type"], t["id"]) for t in trash.list_()] == [("contact", 1)]
    assert contacts.restore(c["id"])["name"] == "Ann Lee"
    assert contacts.list_().total == 1
    with pytest.raises(NotFound, match="is not in the trash"):
        contacts.restore(c["id"])


def test_purge_removes_for_good():
    c = ann()
    contacts.delete(c["id"])
    assert trash.purge()["contact"] == 1
    with pytest.raises(NotFound):
        contacts.restore(c["id"])


def test_list_filters():
    ann()
    contacts.create({"first_name": "Bo", "stage": "customer"}, emails=["bo@x.example"], tags=["trade"])
    assert [c["name"] for c in contacts.list_(tag="vip").rows] == ["Ann Lee"]
    assert [c["name"] for c in contacts.list_(stage="customer").rows] == ["Bo"]
    assert [c["name"] for c in contacts.list_(company="Harbour Bakery").rows] == ["Ann Lee"]
    assert [c["name"] for c in contacts.list_(query="bo@").rows] == ["Bo"]
    page = contacts.list_(limit=1)
    assert (len(page.rows), page.total) == (1, 2)


def test_list_sorts_by_a_named_column_blanks_last(crm):
    contacts.create({"first_name": "Cy", "last_name": "Able", "company": "Zeta Ltd", "stage": "customer"})
    contacts.create({"first_name": "Al", "last_name": "Bell", "company": "Acme", "stage": "lead"})
    contacts.create({"first_name": "Bo", "last_name": "Cole", "stage": "prospect"})  # no company
    names = lambda **kw: [c["first_name"] for c in contacts.list_(**kw).rows]  # noqa: E731
    assert names() == ["Cy", "Al", "Bo"]  # by last name
    assert names(sort="company") == ["Al", "Cy", "Bo"]
    assert names(sort="-company") == ["Cy", "Al", "Bo"]  # blanks stay last either way
    assert names(sort="stage") == ["Al", "Bo", "Cy"]  # pipeline order, not alphabetical
    assert names(sort="-created") == ["Bo", "Al", "Cy"]
    assert names(sort="first", limit=2, offset=1) == ["Bo", "Cy"]
    companies.create({"name": "Mid Co", "city": "Leeds"})
    assert [c["name"] for c in companies.list_(sort="city").rows][0] == "Mid Co"
    with pytest.raises(Invalid, match="'email' is not one of: name, first, company"):
        contacts.list_(sort="email")
    out = crm("contact", "list", "--sort", "-company", "--format", "csv").stdout.splitlines()
    assert [line.split(",")[1] for line in out[1:]] == ["Cy", "Al", "Bo"]  # id,first_name,...
    assert "sort: 'zip' is not one of" in crm("company", "list", "--sort", "zip", code=1).stderr


def test_merge_moves_everything_to_the_kept_contact():
    a = ann()
    b = contacts.create({"first_name": "Annie", "last_name": "Lee", "title": "Boss", "notes": "met at fair"},
                        emails=["annie@example.com", "ann@example.com"], phones=["+1 415 555 0100"],
                        tags=["trade"], allow_duplicate=True)
    d = deals.create({"title": "Cakes", "contact": b["id"], "amount": "100"})
    f = followups.create("Call Annie", "tomorrow 9:00", contact=b["id"])
    t = tickets.create({"subject": "Oven broken", "contact": b["id"]})
    activities.add("Spoke on the phone", kind="call", contact=b["id"])
    kept = contacts.merge(a["id"], b["id"])
    assert kept["emails"] == ["Ann@example.com", "ann.lee@home.example", "annie@example.com"]
    assert kept["phones"] == ["+447700900123", "+14155550100"]
    assert kept["tags"] == ["newsletter", "trade", "vip"]
    assert kept["title"] == "Owner"  # a kept value is never overwritten
    view = views.contact(a["id"])
    assert view["notes"] == "met at fair"
    assert [x["id"] for x in view["deals"]] == [d["id"]]
    assert [x["id"] for x in view["followups"]] == [f["id"]]
    assert [x["id"] for x in view["tickets"]] == [t["id"]]
    bodies = [x["body"] for x in view["timeline"]]
    assert "Spoke on the phone" in bodies and "Merged contact 2 (Annie Lee) into this one" in bodies
    with pytest.raises(NotFound):
        views.contact(b["id"])
    assert ("contact", b["id"]) in [(x["type"], x["id"]) for x in trash.list_()]


def test_company_crud_and_duplicate_name():
    co = companies.create({"name": "Atlas Plumbing", "domain": "https://Atlas.example/", "email": "hi@atlas.example"},
                          tags=["trade"])
    assert co["domain"] == "atlas.example" and co["tags"] == ["trade"]
    with pytest.raises(Duplicate, match="company 1 is already named 'Atlas Plumbing'"):
        companies.create({"name": "atlas plumbing"})
    companies.update(co["id"], {"city": "Denver"})
    assert views.company("Atlas Plumbing")["city"] == "Denver"
    companies.delete(co["id"])
    with pytest.raises(NotFound, match="company 1 is in the trash"):
        views.company("Atlas Plumbing")
    companies.restore(co["id"])
    assert companies.list_().total == 1


def test_contact_show_is_the_360_view():
    c = ann()
    d = deals.create({"title": "Wedding cake", "contact": c["id"], "amount": "450"})
    won = deals.create({"title": "Old order", "contact": c["id"], "amount": "10"})
    deals.won(won["id"])
    t = tickets.create({"subject": "Late delivery", "contact": c["id"]})
    activities.add("Called about the cake", kind="call", deal=d["id"])
    view = views.contact(c["id"])
    assert view["company_detail"]["name"] == "Harbour Bakery"
    assert [x["title"] for x in view["deals"]] == ["Wedding cake"]  # open deals only
    assert [x["subject"] for x in view["tickets"]] == ["Late delivery"]
    timeline = view["timeline"]
    assert timeline[0]["body"] == "Called about the cake" and timeline[0]["about"] == f"deal {d['id']}: Wedding cake"
    assert any(x["about"] == f"ticket {t['id']}: Late delivery" for x in timeline)
    times = [x["occurred_at"] for x in timeline]
    assert times == sorted(times, reverse=True)
