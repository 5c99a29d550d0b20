"""Other tools' exports (issue 10): the pure row translator by equality, per layout, and
each fixture through the real CLI into a real store.

tests/fixtures/layouts/<tool>.csv carry the tools' own header rows (Google old/new and
its Outlook format, Outlook desktop in UTF-8 and cp1252, Outlook.com, Thunderbird,
HubSpot with its company block (15 people of two companies) and its association
columns, Salesforce API names, Pipedrive old/new, Mailchimp, Zoho). expected.json is
what importers.rows makes of every row; reference.json is what an independent reader
says each person carries (checked by eye): the two must agree.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest

from benchmarks.layout_fidelity import read_store, score
from db.services import companies, contacts
from db.services import views
from importers import headers as hdr
from importers import rows
from importers.pipeline import _header_row
from importers.read import open_sheets

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
REFERENCE = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))
LAYOUTS = sorted(p.name for p in FIXTURES.glob("*.csv"))


def translate(path: Path) -> list[dict]:
    sheet = open_sheets(str(path))[0]
    _, heads, it = _header_row(sheet)
    plan = rows.Plan(hdr.apply_mapping("contact", heads, None), heads)
    out = []
    for _, values in it:
        d = asdict(rows.contact_row(rows.Mapped(values, plan)))
        d.pop("doc")
        d["phones"] = [list(p) for p in d["phones"]]
        d["warnings"] = [list(w) for w in d["warnings"]]
        out.append(d)
    return out


def digits(phone: str) -> str:
    return re.sub(r"\D", "", re.sub(r"(?i)\s*(ext|x)\s*\d+$", "", phone))


def test_every_fixture_has_its_expectations():
    assert LAYOUTS == sorted(EXPECTED) == sorted(REFERENCE) and len(LAYOUTS) == 14


@pytest.mark.parametrize("name", LAYOUTS)
def test_rows_translate_to_exactly_these_contacts(name):
    assert translate(FIXTURES / name) == EXPECTED[name]


@pytest.mark.parametrize("name", LAYOUTS)
def test_translation_agrees_with_the_reference_reader(name):
    for got, ref in zip(EXPECTED[name], REFERENCE[name], strict=True):
        assert got["emails"] == ref.get("emails", [])
        assert sorted(digits(p[0]) for p in got["phones"]) == sorted(digits(p) for p in ref.get("phones", []))
        assert got["company"] == ref.get("company") and got["title"] == ref.get("job_title")
        assert digits(got["company_fields"].get("phone") or "") == digits(ref.get("company_phone") or "")
        assert got["tags"] == [t.lower() for t in ref.get("tags", [])]  # 'Webinar, Q3' too
        if ref.get("honorific"):  # no field of ours: in the notes, never the job title
            assert ref["honorific"] in got["notes"] and got["title"] != ref["honorific"]


def test_the_same_word_means_what_its_layout_says():
    outlook = hdr.auto_map("contact", ["Title", "First Name", "Last Name", "Job Title", "E-mail Address"])
    salesforce = hdr.auto_map("contact", ["Salutation", "FirstName", "LastName", "Title", "Email"])
    assert (outlook[0], outlook[3]) == ("honorific", "title")
    assert (salesforce[0], salesforce[3]) == ("honorific", "title")


def test_numbered_and_prefixed_columns_are_read_by_pattern():
    heads = ["Given Name", "E-mail 7 - Type", "E-mail 7 - Value", "Phone 12 - Label", "Phone 12 - Value",
             "E-mail 9 Address", "Person - Email - Private", "Person - Phone - Fax line", "Mobile Phone Number",
             "MobilePhone", "Organization - Name", "Organization 3 - Name"]
    assert hdr.auto_map("contact", heads) == {
        0: "first_name", 1: "email_label", 2: "email", 3: "phone_label", 4: "phone", 5: "email", 6: "email",
        7: "phone", 8: "phone", 9: "phone", 10: "company"}  # one company: the first column wins


def test_multi_value_cells_split_as_those_tools_write_them():
    assert rows.split_phones("+49 30 1234567, +49 151 23456789") == ["+49 30 1234567", "+49 151 23456789"]
    assert rows.split_phones("+48 22 123 45 67 ::: +48 22 123 45 00") == ["+48 22 123 45 67", "+48 22 123 45 00"]
    assert rows.split_phones("+1 415 555 0100, ext. 12") == ["+1 415 555 0100 ext. 12"]
    assert rows.split_emails("a@x.example ::: b@x.example, c@x.example;d@x.example") == \
        ["a@x.example", "b@x.example", "c@x.example", "d@x.example"]
    assert rows.split_tags('"VIP","Webinar, Q3"') == ["VIP", "Webinar, Q3"]
    assert rows.split_tags("* myContacts ::: Dostawcy ::: * starred ::: VIP") == ["Dostawcy", "VIP"]
    assert rows.split_tags("Friend; colleague;myContacts;starred") == ["Friend", "colleague"]
    assert rows.phone("+48 22 123 45 67 Ext 43023", None) == ("+48 22 123 45 67 Ext 43023", "+48221234567")
    assert rows.phone("020 7946 0958 x123", "GB") == ("020 7946 0958 x123", "+442079460958")


# -- through the CLI into a store ------------------------------------------------

@pytest.mark.parametrize("name", LAYOUTS)
def test_each_layout_imports_its_people_into_proper_fields(name, crm, crm_store):
    out = crm.json("import", str(FIXTURES / name))
    people = len(REFERENCE[name])
    assert (out["created"], out["updated"], out["rejected"]) == (people, 0, 0)
    stored, firms = read_store(crm_store)
    result = score(REFERENCE[name], stored, firms)
    assert result["contacts"] == people
    if name == "mailchimp.csv":  # 'Webinar, Q3' is one tag now: nothing it carries is lost
        assert (result["carried"] - result["kept"], result["percent"]) == (0, 100.0), result
    assert result["percent"] >= 95.0, result


def test_hubspot_company_block_goes_to_the_company_and_15_people_stay_15(crm):
    out = crm.json("import", str(FIXTURES / "hubspot.csv"))
    assert (out["created"], out["updated"], out["rejected"]) == (15, 0, 0)
    assert contacts.list_(limit=0).total == 15
    zabka = views.company("Żabka Polska sp. z o.o.")
    assert (zabka["phone"], zabka["city"], zabka["country"], zabka["industry"]) == \
        ("+48221234500", "Warszawa", "Poland", "Retail")
    assert "Company owner: Ola Nowak" in zabka["notes"] and zabka["contacts"] == 9
    lukasz = views.contact("lukasz.zolkiewski@zabka.example.com")
    assert lukasz["phones"] == ["+48601234567"] and "Company owner" not in (lukasz["notes"] or "")
    # two people without email behind one office number (extensions 43023 and 118) are two people
    both = [c for c in contacts.list_(limit=0).rows if c["phones"] == ["+48221234567"]]
    assert sorted(c["name"] for c in both) == ["Grzegorz Brzęczyszczykiewicz", "Jędrzej Ślązak"]
    again = crm.json("import", str(FIXTURES / "hubspot.csv"))  # matched by record id: nothing new
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 15)


def test_hubspot_as_xlsx_keeps_its_repeated_columns_apart(tmp_path, crm):
    from openpyxl import Workbook

    book = Workbook()
    with open(FIXTURES / "hubspot.csv", encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            book.active.append(row)
    book.save(tmp_path / "hubspot.xlsx")
    out = crm.json("import", str(tmp_path / "hubspot.xlsx"))
    assert (out["created"], out["rejected"]) == (15, 0)
    assert views.company("İstanbul Lojistik A.Ş.")["phone"] == "+902125550000"
    assert views.contact("ayse.yilmaz@istanbul-lojistik.example.com")["phones"] == ["+905321234567"]


# -- the matching rule (db/services/bulk_contacts.py) -------------------------------

def write_csv(path: Path, rows_: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows_)
    return path


def test_a_shared_phone_never_merges_distinct_people(tmp_path, crm):
    colleagues = [[f"Person{i}", f"Ząb{i}", f"p{i}@office.example", "+44 20 7946 0000"] for i in range(15)]
    path = write_csv(tmp_path / "office.csv", [["First Name", "Last Name", "Email", "Phone"], *colleagues])
    assert crm.json("import", str(path))["created"] == 15
    nameless = [[f"Anon{i}", f"Ćwik{i}", "", "+44 20 7946 1111"] for i in range(15)]
    path = write_csv(tmp_path / "desk.csv", [["First Name", "Last Name", "Email", "Phone"], *nameless])
    assert crm.json("import", str(path))["created"] == 15
    assert contacts.list_(limit=0).total == 30


def test_a_phone_matches_only_when_no_email_says_otherwise(tmp_path, crm):
    crm("contact", "add", "--first-name", "Ann", "--email", "ann@example.com", "--phone", "+44 7700 900123")
    path = write_csv(tmp_path / "p.csv", [["First Name", "Email", "Phone"],
                                          ["Annie", "annie@other.example", "+44 7700 900123"],  # another person
                                          ["Ann", "", "+44 7700 900123"]])  # no email: the same Ann
    out = crm.json("import", str(path))
    assert (out["created"], out["updated"]) == (1, 0) and out["skipped"] == 1
    assert views.contact("ann@example.com")["phones"] == ["+447700900123"]
    assert views.contact("annie@other.example")["phones"] == ["+447700900123"]


def test_the_same_name_and_shared_phone_without_email_is_one_person(tmp_path, crm):
    path = write_csv(tmp_path / "twice.csv", [["First Name", "Last Name", "Phone", "Title"],
                                              ["Zoë", "Ångström", "+46 70 123 45 67", None],
                                              ["Zoë", "Ångström", "+46 70 123 45 67", "VD"]])
    out = crm.json("import", str(path))
    assert (out["created"], out["updated"]) == (1, 1)
    assert contacts.list_(limit=0).rows[0]["title"] == "VD"


# -- one bad optional value does not reject a row ------------------------------------

def test_placeholders_are_empty_and_a_bad_optional_value_only_warns(tmp_path, crm):
    path = write_csv(tmp_path / "odd.csv", [
        ["First Name", "Email", "Email 2", "Phone", "Mobile Phone", "Birthday", "Company"],
        ["Ann", "ann@example.com", "null", "N/A", "call me maybe", "1984-02-30", "—"],
        ["Bob", "NULL", "bob@", "-", "+44 7700 900456", "none", "Acme"],
        ["n/a", "none", "", "+44 7700 900789", "", "", ""],  # nothing to call this person
    ])
    errors = tmp_path / "fix.csv"
    result = crm("import", str(path), "--errors", str(errors), "--format", "json")
    out = json.loads(result.stdout)
    assert (out["created"], out["rejected"]) == (2, 1)
    assert out["errors"] == [{"sheet": "odd", "row": 4, "column": None,
                              "reason": "no name and no email: nothing to call this contact"}]
    assert out["kept_with_warnings"] == [
        {"sheet": "odd", "row": 2, "column": "Mobile Phone",
         "reason": "kept, but 'call me maybe' is not a phone number (it is in the contact's notes)"},
        {"sheet": "odd", "row": 2, "column": "Birthday",
         "reason": "kept, but '1984-02-30' is no day of the calendar (it is in the contact's notes)"},
        {"sheet": "odd", "row": 3, "column": "Email 2",
         "reason": "kept, but 'bob@' is not a valid email address (it is in the contact's notes)"}]
    assert "note: sheet 'odd', row 3, column 'Email 2': kept, but 'bob@' is not a valid email address" \
        " (it is in the contact's notes)" in result.stderr
    ann = views.contact("ann@example.com")
    assert (ann["phones"], ann["company"], ann["birthday"]) == ([], None, None)
    assert ann["notes"] == "Mobile Phone: call me maybe\nBirthday: 1984-02-30"
    bob = [c for c in contacts.list_(limit=0).rows if c["name"] == "Bob"][0]
    assert (bob["emails"], bob["phones"], bob["company"]) == ([], ["+447700900456"], "Acme")
    table = list(csv.reader(errors.read_text("utf-8-sig").splitlines()))
    assert table[0] == ["First Name", "Email", "Email 2", "Phone", "Mobile Phone", "Birthday", "Company", "error"]
    assert table[1] == ["Ann", "ann@example.com", "null", "N/A", "call me maybe", "1984-02-30", "—",
                        "row 2: kept, but 'call me maybe' is not a phone number (it is in the contact's notes)"]
    assert [row[-1].split(":")[0] for row in table[1:]] == ["row 2", "row 2", "row 3", "row 4"]
    assert errors.stat().st_mode & 0o777 == 0o600


def test_a_bad_primary_email_still_rejects_its_row(tmp_path, crm):
    path = write_csv(tmp_path / "p.csv", [["First Name", "Email", "Phone"], ["Ann", "ann@", "+44 7700 900123"],
                                          ["Bob", "bob@example.com", ""]])
    out = crm.json("import", str(path))
    assert out["errors"] == [{"sheet": "p", "row": 2, "column": "Email", "reason": "'ann@' is not a valid email address"}]


def test_company_values_fill_only_empty_fields_and_revert_puts_them_back(tmp_path, crm):
    crm("company", "add", "Nørrebro Bryghus ApS", "--city", "Aarhus")
    out = crm.json("import", str(FIXTURES / "outlook_desktop.csv"))
    assert out["created"] == 3
    firm = views.company("Nørrebro Bryghus ApS")
    assert (firm["phone"], firm["city"]) == ("+4533000000", "Aarhus")  # filled where empty, never overwritten
    assert "+4533000000" not in views.contact("soren@norrebro.example.com")["phones"]
    crm("import", "revert", str(out["batch"]))
    firm = views.company("Nørrebro Bryghus ApS")
    assert (firm["phone"], firm["city"]) == (None, "Aarhus")
    assert [c["name"] for c in companies.list_(limit=0).rows] == ["Nørrebro Bryghus ApS"]


def test_hubspot_on_postgres_fills_and_reverts_the_company(pg_url):
    from db.services import imports
    from importers.pipeline import import_file

    companies.create({"name": "Żabka Polska sp. z o.o.", "city": "Kraków"})
    result = import_file(str(FIXTURES / "hubspot.csv"))
    assert (result.created, result.rejected) == (15, 0)
    zabka = views.company("Żabka Polska sp. z o.o.")
    assert (zabka["phone"], zabka["city"], zabka["industry"]) == ("+48221234500", "Kraków", "Retail")
    imports.revert(result.batch)
    zabka = views.company("Żabka Polska sp. z o.o.")
    assert (zabka["phone"], zabka["city"], zabka["industry"]) == (None, "Kraków", None)
    assert contacts.list_(limit=0).total == 0 and [c["name"] for c in companies.list_(limit=0).rows] == [zabka["name"]]


def test_one_company_per_name_in_every_script(tmp_path, crm):
    path = write_csv(tmp_path / "names.csv", [["First Name", "Email", "Company"],
                                              ["Ola", "ola@zabka.example.com", "Żabka"],
                                              ["Ewa", "ewa@zabka.example.com", "ŻABKA"],
                                              ["Can", "can@lojistik.example.com", "İSTANBUL LOJİSTİK"],
                                              ["Ece", "ece@lojistik.example.com", "istanbul lojistik"]])
    assert crm.json("import", str(path))["created"] == 4
    assert [c["contacts"] for c in companies.list_(limit=0).rows] == [2, 2]


def test_an_organizations_export_is_a_company_sheet(tmp_path, crm):
    path = write_csv(tmp_path / "organizations.csv", [
        ["Organization - ID", "Organization - Name", "Organization - Website", "Organization - Industry",
         "Organization - Address"],
        ["7", "Müller Bäckerei GmbH", "https://mueller-baeckerei.example.com/", "Bakery",
         "Straße des 17. Juni 135, 10623 Berlin"]])
    assert crm.json("import", str(path))["created"] == 1
    firm = views.company("müller bäckerei gmbh")
    assert (firm["domain"], firm["industry"], firm["address"]) == \
        ("mueller-baeckerei.example.com", "Bakery", "Straße des 17. Juni 135, 10623 Berlin")


def test_company_values_without_a_company_stay_in_the_persons_notes(tmp_path, crm):
    path = write_csv(tmp_path / "o.csv", [["First Name", "E-mail Address", "Company Main Phone", "Business City",
                                           "Company"], ["Ann", "ann@example.com", "+44 20 7946 0000", "Leeds", ""]])
    assert crm.json("import", str(path))["created"] == 1
    ann = views.contact("ann@example.com")
    assert (ann["phones"], ann["company"]) == ([], None)
    assert ann["notes"] == "Company Main Phone: +44 20 7946 0000\nBusiness City: Leeds"


def test_a_failed_import_leaves_the_company_as_it_was(tmp_path, crm):
    crm("company", "add", "Acme")
    good = [[f"P{i}", f"p{i}@example.com", "Acme", "+44 20 7946 0000"] for i in range(2100)]  # past one chunk
    path = write_csv(tmp_path / "s.csv", [["First Name", "E-mail Address", "Company", "Company Main Phone"],
                                          *good, ["Bob", "bob@", "Acme", ""]])
    crm("import", str(path), "--strict", code=1)
    assert views.company("Acme")["phone"] is None and contacts.list_(limit=0).total == 0
