"""Review findings on vCard in and out: unescaped commas in other tools' cards, a vdir
that follows deletions, UIDs unique per store and per export, --entity a format cannot
hold, and a card whose only fault is a bad email address."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_vcard import cards


def _vcf(tmp_path, body: str, name="in.vcf") -> Path:
    path = tmp_path / name
    path.write_text(body.replace("\n", "\r\n"), encoding="utf-8")
    return path


# -- 1. text with unescaped commas (Google, Apple, Outlook write them) -------------

COMMAS = """BEGIN:VCARD
VERSION:3.0
FN:Ann Lee
N:Lee;Ann;;;
EMAIL:ann@x.com
NOTE:met at fair, wants quote, call back\\nthen\\, maybe\\; \\\\o/
TITLE:VP, Sales
ORG:Acme, Inc.;Sales\\; EMEA;Berlin, West
ADR;TYPE=work:;;1 Main St, Suite 5;Springfield, East;;12345;
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Smith, Jones & Co
KIND:org
EMAIL:info@sj.com
NOTE:one,
 two
END:VCARD
"""


def test_unescaped_commas_keep_the_whole_text(tmp_path):
    got = cards(_vcf(tmp_path, COMMAS))
    ann = got["Lee"]
    assert ann["Notes"] == "met at fair, wants quote, call back\nthen, maybe; \\o/"
    assert ann["Job Title"] == "VP, Sales"
    assert ann["Company"] == "Acme, Inc."
    assert ann["Department"] == "Sales; EMEA / Berlin, West"
    assert ann["Address"] == "1 Main St, Suite 5\n12345 Springfield, East"
    org = got["Smith, Jones & Co"]  # FN whole; a folded line unfolded
    assert org["Notes"] == "one,two"


def test_imported_commas_are_stored_whole_and_one_company(crm, tmp_path):
    crm("import", str(_vcf(tmp_path, COMMAS)))
    ann = crm.json("contact", "show", "ann@x.com")
    assert (ann["title"], ann["company"]) == ("VP, Sales", "Acme, Inc.")
    assert ann["address"].startswith("1 Main St, Suite 5\n")
    names = [c["name"] for c in crm.json("company", "list")]
    assert names.count("Acme, Inc.") == 1 and "Acme  Inc." not in names and "Acme" not in names


# -- 2. a vdir follows deletions; each card's UID once in an export ---------------------

def _uids(text: str) -> list[str]:
    return [line[4:] for line in text.splitlines() if line.startswith("UID:")]


def test_vdir_drops_the_cards_of_deleted_contacts_and_nothing_else(crm, tmp_path):
    from db.services import contacts

    seven = contacts.create({"first_name": "Sev", "last_name": "En", "external_id": "7"}, emails=["7@x.com"])
    gone = contacts.create({"first_name": "Go", "last_name": "Ne"}, emails=["gone@x.com"])
    stay = contacts.create({"first_name": "St", "last_name": "Ay"}, emails=["stay@x.com"])
    folder = tmp_path / "sync"
    crm("export", str(folder), "--vdir", "--entity", "contact")
    books = folder / "contacts"
    assert len(list(books.glob("*.vcf"))) == 3 and (books / "7.vcf").is_file()
    (books / "from-phone.vcf").write_text("BEGIN:VCARD\r\nEND:VCARD\r\n")  # not ours: never touched
    (books / "crm-contact-notes.txt").write_text("x")
    crm("contact", "delete", str(gone["id"]))
    crm("contact", "delete", str(seven["id"]))
    out = crm("export", str(folder), "--vdir", "--entity", "contact")
    assert (out.stdout + out.stderr).strip() == f"exported to {folder}: 1 contact"
    ours = [f for f in books.glob("*.vcf") if f.name != "from-phone.vcf"]
    assert len(ours) == 1 and "stay@x.com" in ours[0].read_text() and ours[0].name.startswith("crm-contact-")
    assert sorted(f.name for f in books.iterdir()) == sorted([ours[0].name, "from-phone.vcf", "crm-contact-notes.txt"])
    crm("contact", "restore", str(seven["id"]))  # back in the store: back in the folder
    crm("export", str(folder), "--vdir", "--entity", "contact")
    assert (books / "7.vcf").is_file() and (books / "from-phone.vcf").is_file()
    assert stay["id"] not in (gone["id"], seven["id"])


def test_contacts_sharing_an_external_id_get_a_uid_each(crm, tmp_path):
    from db.services import contacts

    for who in ("a", "b"):
        contacts.create({"first_name": who.upper(), "last_name": "Dup", "external_id": "7"}, emails=[f"{who}@x.com"])
    folder = tmp_path / "sync"
    crm("export", str(folder), "--vdir", "--entity", "contact")
    files = sorted((folder / "contacts").glob("*.vcf"))
    uids = [u for f in files for u in _uids(f.read_text())]
    assert len(files) == 2 and len(set(uids)) == 2 and "7" in uids
    assert sorted(f.name for f in files) == sorted(f"{u}.vcf" for u in uids)  # a file named from its own UID
    out = tmp_path / "all.vcf"
    crm("export", str(out))
    assert len(set(_uids(out.read_text()))) == 2


# -- 3. our UIDs: one per store, and our own export comes back as the same people ------

def test_contact_1_of_two_stores_has_two_uids_and_a_third_store_keeps_both(crm, tmp_path):
    from datetime import datetime

    from db.models import Contact
    from tests.conftest import Cli

    crm("contact", "add", "--first-name", "Ann", "--last-name", "Lee")
    crm("export", str(tmp_path / "a.vcf"))
    other = Cli(tmp_path / "other.db")
    other("init")
    other("contact", "add", "--first-name", "Bob", "--last-name", "Ray")
    # made in another second (the test runs within one): the store now open is other.db
    Contact.update(created_at=datetime(2020, 1, 2, 3, 4, 5)).where(Contact.id == 1).execute()
    other("export", str(tmp_path / "b.vcf"))
    a, b = _uids((tmp_path / "a.vcf").read_text()), _uids((tmp_path / "b.vcf").read_text())
    assert a != b
    third = Cli(tmp_path / "third.db")
    third("init")
    third("import", str(tmp_path / "a.vcf"))
    third("import", str(tmp_path / "b.vcf"))
    assert sorted(c["name"] for c in third.json("contact", "list")) == ["Ann Lee", "Bob Ray"]


def test_our_export_edited_and_imported_back_updates_the_same_people(crm, tmp_path):
    from db.services import contacts

    contacts.create({"first_name": "Ann", "last_name": "Lee"}, emails=["ann@x.com"])
    contacts.create({"first_name": "Nameonly", "last_name": "Person"})
    out = tmp_path / "all.vcf"
    crm("export", str(out))
    text = out.read_text("utf-8")
    assert text.count("UID:crm-contact-") == 2
    out.write_text(text.replace("END:VCARD", "NOTE:called back, wants a quote\r\nEND:VCARD"), encoding="utf-8")
    result = crm.json("import", str(out))
    assert (result["created"], result["updated"]) == (0, 2)
    people = crm.json("contact", "list")
    assert len(people) == 2
    for person in people:
        assert "called back, wants a quote" in crm.json("contact", "show", str(person["id"]))["notes"]
    crm("export", str(tmp_path / "again.vcf"))  # the UIDs stay as they were
    assert _uids((tmp_path / "again.vcf").read_text()) == _uids(text)


# -- 4. --entity a format cannot hold is refused, nothing written ------------------------

@pytest.mark.parametrize("target, args, message", [
    ("o.vcf", ["--entity", "deals"], "{out}: a .vcf file holds contacts only; use --entity contact or leave --entity out"),
    ("o.vcf", ["--entity", "contact", "--entity", "company"], "{out}: a .vcf file holds contacts only; "
     "use --entity contact or leave --entity out"),
    ("vd", ["--vdir", "--entity", "deals"], "{out}: a --vdir folder holds contacts and follow-ups only; "
     "use --entity contact or followup, or leave --entity out"),
    ("vd", ["--vdir", "--entity", "followup", "--entity", "ticket"], "{out}: a --vdir folder holds contacts and "
     "follow-ups only; use --entity contact or followup, or leave --entity out"),
])
def test_an_entity_the_format_cannot_hold_is_one_line_and_nothing_written(crm, tmp_path, target, args, message):
    from db.services import contacts

    contacts.create({"first_name": "Ann", "last_name": "Lee"}, emails=["ann@x.com"])
    out = tmp_path / target
    files = lambda: sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("crm.db"))  # noqa: E731
    before = files()
    result = crm("export", str(out), *args, code=3)  # as an .ics file refuses --entity contact
    assert result.stderr == f"error: {message.format(out=out)}\n" and result.stdout == ""
    assert files() == before and not out.exists()


@pytest.mark.parametrize("target, args, made", [
    ("o.vcf", ["--entity", "contacts"], "1 contact"),
    ("vd", ["--vdir", "--entity", "contact", "--entity", "followup"], "1 contact, 0 followup"),
    ("vd", ["--vdir"], "1 contact, 0 followup"),
])
def test_what_the_format_holds_is_still_written(crm, tmp_path, target, args, made):
    from db.services import contacts

    contacts.create({"first_name": "Ann", "last_name": "Lee"}, emails=["ann@x.com"])
    result = crm("export", str(tmp_path / target), *args)
    assert (result.stdout + result.stderr).strip() == f"exported to {tmp_path / target}: {made}"


# -- 5. a bad email address does not cost a card its import -------------------------------

BAD_EMAILS = """BEGIN:VCARD
VERSION:4.0
FN:Only Bad
EMAIL:not-an-email
BDAY:--0230
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:Two;Has;;;
FN:Has Two
EMAIL;TYPE=INTERNET,PREF:bad@@x
EMAIL;TYPE=INTERNET,HOME:good@x.com
END:VCARD
"""


def test_a_card_with_a_name_keeps_a_bad_address_in_its_notes(crm, tmp_path):
    result = crm("import", str(_vcf(tmp_path, BAD_EMAILS)))
    assert "1 rejected" not in result.stderr and "2 created" in result.stderr
    assert "row 1, column 'Email': kept, but 'not-an-email' is not a valid email address" in result.stderr
    assert "row 7, column 'Email': kept, but 'bad@@x' is not a valid email address" in result.stderr
    people = {c["name"]: crm.json("contact", "show", str(c["id"])) for c in crm.json("contact", "list")}
    assert people["Only Bad"]["emails"] == [] and "Email: not-an-email" in people["Only Bad"]["notes"]
    assert people["Has Two"]["emails"] == ["good@x.com"] and "Email: bad@@x" in people["Has Two"]["notes"]


def test_a_card_with_no_name_and_a_bad_address_is_rejected_naming_it(crm, tmp_path):
    body = "BEGIN:VCARD\nVERSION:4.0\nFN:\nEMAIL:not-an-email\nEND:VCARD\n"
    result = crm("import", str(_vcf(tmp_path, body)), code=1)
    assert "row 1, column 'Email'" in result.stderr and "not a valid email address" in result.stderr
    assert crm.json("contact", "list") == []


def test_our_escapes_still_round_trip_commas_semicolons_and_backslashes():
    import vobject

    from importers.vcard import card_row, serialize

    contact = {"id": 1, "created_at": "2026-01-01T00:00:00Z", "first_name": "A", "last_name": "B",
               "company": "Semi; Colon, Inc.\\x", "title": "VP, Sales; EU", "notes": "a, b; c\\d\nline",
               "address": "1 Main St, Suite 5; back\nCity"}
    text = serialize(contact)
    row = card_row(vobject.readOne(text), text)
    assert (row["Company"], row["Job Title"], row["Notes"], row["Address"]) == (
        ["Semi; Colon, Inc.\\x"], ["VP, Sales; EU"], ["a, b; c\\d\nline"], ["1 Main St, Suite 5; back\nCity"])
    assert "Department" not in row
