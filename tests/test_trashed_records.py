"""A record in the trash is not "not found": the message says where it is and the
command that brings it back (exit 1, as for any missing record)."""
import pytest

from db.services import companies, contacts, followups


@pytest.fixture
def trashed(crm_store):
    ann = contacts.create({"first_name": "Ann", "company": "Acme"}, emails=["ann@example.com"])
    call = followups.create("Call Ann", "2026-12-01 09:00", contact=ann["id"])
    contacts.create({"first_name": "Bo"})  # a live record, so ids are not all the same
    followups.delete(call["id"])
    contacts.delete(ann["id"])
    companies.delete(ann["company_id"])
    return {"contact": ann["id"], "company": ann["company_id"], "followup": call["id"]}


@pytest.mark.parametrize("args, noun, key", [
    (["contact", "show", "{contact}"], "contact", "contact"),
    (["contact", "show", "ANN@example.com"], "contact", "contact"),
    (["contact", "edit", "{contact}", "--title", "Boss"], "contact", "contact"),
    (["contact", "delete", "{contact}"], "contact", "contact"),
    (["company", "show", "{company}"], "company", "company"),
    (["company", "show", "acme"], "company", "company"),
    (["contact", "add", "--first-name", "Cy", "--company", "{company}"], "company", "company"),
    (["followup", "done", "{followup}"], "follow-up", "followup"),
])
def test_a_trashed_record_says_it_is_in_the_trash(crm, trashed, args, noun, key):
    result = crm(*[a.format(**trashed) for a in args], code=1)
    ref = trashed[key]
    command = noun.replace("-", "")
    assert result.stderr == f"error: {noun} {ref} is in the trash; bring it back with: crm {command} restore {ref}\n"
    assert result.stdout == ""


def test_the_restore_it_names_works(crm, trashed):
    crm("contact", "restore", str(trashed["contact"]))
    assert crm.json("contact", "show", "ann@example.com")["name"] == "Ann"


def test_a_record_that_never_was_is_still_not_found(crm, trashed):
    assert crm("contact", "show", "99", code=1).stderr == "error: contact 99 not found\n"
    assert crm("contact", "show", "nobody@example.com", code=1).stderr == \
        "error: contact with email nobody@example.com not found\n"
    assert crm("company", "show", "Nowhere Ltd", code=1).stderr == "error: company 'Nowhere Ltd' not found\n"
