"""Segments (saved contact views): the service by equality, the CLI's exact output and
exit codes, the Contacts page's saved-view keys through Pilot, and PostgreSQL."""
import pytest

from db import store
from db.errors import Duplicate, Invalid, NotFound
from db.services import companies, contacts, segments
from tests.pilot import settle


@pytest.fixture
def people(crm_store):
    """Four people: two VIP customers (one do-not-contact), a VIP lead, a plain customer."""
    acme = companies.create({"name": "Acme"})
    ids = {
        "ann": contacts.create({"first_name": "Ann", "last_name": "Able", "stage": "customer", "company": "Acme"},
                               emails=["ann@example.com"], tags=["vip"])["id"],
        "bo": contacts.create({"first_name": "Bo", "last_name": "Best", "stage": "customer", "do_not_contact": True},
                              emails=["bo@example.com"], tags=["vip"])["id"],
        "cy": contacts.create({"first_name": "Cy", "last_name": "Cole", "stage": "lead"}, tags=["vip"])["id"],
        "di": contacts.create({"first_name": "Di", "last_name": "Dunn", "stage": "customer"})["id"],
    }
    return {**ids, "acme": acme["id"]}


def names(page):
    return [c["name"] for c in page.rows]


def brief(record):
    return {k: record[k] for k in ("name", "filters", "description", "contacts")}


def test_save_list_show_delete(people):
    saved = segments.save(" VIP customers ", {"tag": "vip", "stage": "Customer", "do_not_contact": False,
                                              "query": "  ", "owner": None})
    assert brief(saved) == {"name": "VIP customers", "filters": {"tag": "vip", "stage": "customer",
                                                                 "do_not_contact": False},
                            "description": "tag:vip stage:customer dnc:no", "contacts": 1}
    assert saved["replaced"] is False
    segments.save("acme people", {"company": "acme"})  # kept by id, shown by name
    assert [brief(r) for r in segments.list_()] == [
        {"name": "acme people", "filters": {"company": people["acme"]}, "description": "company:Acme", "contacts": 1},
        {"name": "VIP customers", "filters": {"tag": "vip", "stage": "customer", "do_not_contact": False},
         "description": "tag:vip stage:customer dnc:no", "contacts": 1},
    ]
    assert brief(segments.show("vip CUSTOMERS")) == brief(saved)
    assert segments.names_() == ["acme people", "VIP customers"]
    assert brief(segments.delete("VIP Customers")) == brief(saved)
    assert segments.names_() == ["acme people"]


def test_names_are_unique_whatever_their_case_and_replace_renames(people):
    segments.save("VIP", {"tag": "vip"})
    with pytest.raises(Duplicate, match=r"^segment 'VIP' already exists$"):
        segments.save("vip", {"stage": "lead"})
    again = segments.save("Vip", {"stage": "lead"}, replace=True)
    assert (again["name"], again["filters"], again["replaced"]) == ("Vip", {"stage": "lead"}, True)
    assert segments.names_() == ["Vip"]


def test_a_segment_and_more_filters_combine_with_and(people):
    segments.save("vip", {"tag": "vip"})
    assert names(contacts.list_(segment="VIP")) == ["Ann Able", "Bo Best", "Cy Cole"]
    assert names(contacts.list_(segment="vip", stage="customer")) == ["Ann Able", "Bo Best"]
    assert names(contacts.list_(segment="vip", stage="customer", do_not_contact=False)) == ["Ann Able"]
    segments.save("leads", {"stage": "lead"})
    assert names(contacts.list_(segment="leads", stage="customer")) == []  # lead AND customer: nobody


@pytest.mark.parametrize("name, filters, error", [
    ("", {"tag": "vip"}, "name: a segment needs a name"),
    ("a\nb", {"tag": "vip"}, r"name: 'a\nb' holds a control character"),
    ("x" * 101, {"tag": "vip"}, "name: at most 100 characters, not 101"),
    ("none", {"tag": " ", "do_not_contact": None}, "filters: a segment needs at least one filter (--search, --tag, "
                                                   "--stage, --owner, --company, --contactable or --do-not-contact)"),
    ("bad stage", {"stage": "vip"}, "stage: 'vip' is not one of: lead, prospect, customer, former"),
    ("odd", {"colour": "red"}, "filters: colour is not a contact filter (query, tag, stage, owner, company, "
                               "do_not_contact)"),
])
def test_bad_segments_are_refused_with_one_line(people, name, filters, error):
    with pytest.raises(Invalid) as caught:
        segments.save(name, filters)
    assert str(caught.value) == error
    assert segments.names_() == []


def test_unknown_company_is_refused_when_saving(people):
    with pytest.raises(NotFound, match=r"^company 'Nowhere' not found$"):
        segments.save("nowhere", {"company": "Nowhere"})


def test_unknown_segment_names_the_ones_there_are(people):
    with pytest.raises(NotFound, match=r"^segment 'vip' not found; none saved yet \(crm segment save NAME"):
        segments.show("vip")
    segments.save("leads", {"stage": "lead"})
    segments.save("Customers", {"stage": "customer"})
    with pytest.raises(NotFound) as caught:
        contacts.list_(segment="vip")
    assert str(caught.value) == "segment 'vip' not found; segments: Customers, leads"
    for n in range(10):
        segments.save(f"s{n}", {"tag": f"t{n}"})
    with pytest.raises(NotFound, match=r"^segment 'vip' not found; 12 segments: crm segment list$"):
        segments.delete("vip")


def test_a_segment_whose_company_went_to_the_trash(people):
    segments.save("acme", {"company": "Acme"})
    companies.delete(people["acme"])
    assert [r["contacts"] for r in segments.list_()] == [None]  # the list still works
    with pytest.raises(NotFound, match="company"):
        segments.show("acme")


# -- the CLI ------------------------------------------------------------------

def test_cli_save_list_show_delete(crm, people):
    out = crm("segment", "save", "VIP", "--tag", "vip", "--contactable", "-f", "csv")
    assert out.stdout.splitlines()[0] == "name,filters,contacts,created_at,updated_at"
    assert out.stdout.splitlines()[1].startswith("VIP,tag:vip dnc:no,2,")
    refused = crm("segment", "save", "vip", "--stage", "lead", code=1)
    assert (refused.stdout, refused.stderr) == ("", "error: segment 'VIP' already exists; add --replace to give it "
                                                    "these filters\n")
    replaced = crm.json("segment", "save", "vip", "--tag", "vip", "--stage", "customer", "--replace")
    assert {k: replaced[k] for k in ("name", "filters", "contacts", "replaced")} == {
        "name": "vip", "filters": {"tag": "vip", "stage": "customer"}, "contacts": 2, "replaced": True}
    crm("segment", "save", "leads", "--stage", "lead")
    listed = crm("segment", "list", "-f", "csv").stdout
    assert [line.split(",")[:3] for line in listed.splitlines()] == [
        ["name", "filters", "contacts"], ["leads", "stage:lead", "1"], ["vip", "tag:vip stage:customer", "2"]]
    assert [s["name"] for s in crm.json("segment", "list")] == ["leads", "vip"]
    assert crm.json("segment", "show", "VIP")["description"] == "tag:vip stage:customer"
    assert crm.json("segment", "delete", "leads")["name"] == "leads"
    gone = crm("segment", "show", "leads", code=1)
    assert gone.stderr == "error: segment 'leads' not found; segments: vip\n"


def test_cli_contact_list_with_a_segment(crm, people):
    crm("segment", "save", "vip", "--tag", "vip")
    ids = [c["id"] for c in crm.json("contact", "list", "--segment", "VIP")]
    assert ids == [people["ann"], people["bo"], people["cy"]]
    ids = [c["id"] for c in crm.json("contact", "list", "--segment", "vip", "--stage", "customer", "--contactable")]
    assert ids == [people["ann"]]
    missing = crm("contact", "list", "--segment", "nope", code=1)
    assert (missing.stdout, missing.stderr) == ("", "error: segment 'nope' not found; segments: vip\n")


@pytest.mark.parametrize("args, error", [
    (["segment", "save", "x"], "error: filters: a segment needs at least one filter (--search, --tag, --stage, "
                               "--owner, --company, --contactable or --do-not-contact)\n"),
    (["segment", "save", "x", "--stage", "boss"], "error: stage: 'boss' is not one of: lead, prospect, customer, "
                                                  "former\n"),
    (["segment", "save", "x", "--company", "Nowhere"], "error: company 'Nowhere' not found\n"),
    (["segment", "delete", "x"], "error: segment 'x' not found; none saved yet (crm segment save NAME --tag TAG …)\n"),
])
def test_cli_errors_are_one_line_exit_1(crm, people, args, error):
    out = crm(*args, code=1)
    assert (out.stdout, out.stderr) == ("", error)


# -- the app ------------------------------------------------------------------

@pytest.fixture
def anyio_backend():
    return "asyncio"



@pytest.mark.anyio
async def test_contacts_page_cycles_and_saves_views(people):
    from crm_tui.app import CrmApp

    segments.save("Customers", {"stage": "customer"})
    app = CrmApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot, app)
        table = app.screen.query_one("#contacts-table")
        count = app.screen.query_one("#count")
        assert table.row_count == 4
        await pilot.press("enter")  # leave the search box
        await pilot.press("v")
        await settle(pilot, app)
        assert table.row_count == 3
        assert str(count.render()).startswith("view Customers · 3 contacts")
        await pilot.press("v")  # after the last view: everyone again
        await settle(pilot, app)
        assert table.row_count == 4 and str(count.render()).startswith("4 contacts")
        await pilot.press("slash", *"tag:vip", "ctrl+s")
        await settle(pilot, app)
        await pilot.press(*"[b]VIPs", "enter")  # markup-looking text is just a name
        await settle(pilot, app)
        assert segments.show("[b]vips")["filters"] == {"tag": "vip"}
        assert table.row_count == 3
        assert str(count.render()).startswith("view [b]VIPs · 3 contacts")


# -- PostgreSQL ---------------------------------------------------------------

def test_segments_on_postgres(pg_url):
    assert "0012_segments" in store.applied_migrations() and store.pending_migrations() == []
    contacts.create({"first_name": "Zoë", "stage": "customer"}, tags=["vip"])
    contacts.create({"first_name": "Al", "stage": "lead"}, tags=["vip"])
    segments.save("Straße", {"tag": "vip"})
    with pytest.raises(Duplicate):
        segments.save("STRASSE", {"stage": "lead"})  # one name whatever the case, in every script
    assert names(contacts.list_(segment="strasse", stage="customer")) == ["Zoë"]
    assert [brief(r) for r in segments.list_()] == [
        {"name": "Straße", "filters": {"tag": "vip"}, "description": "tag:vip", "contacts": 2}]
