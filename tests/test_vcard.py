"""vCard in and out: the reader as a pure translator (card -> our columns), the store's
new fields, the writer read back, the vdir a real address book (khard) lists, and
hostile .vcf files."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from db.errors import Invalid
from db.services import contacts
from db.services import views
from db.services.bulk_contacts import ContactImporter, ContactRow
from db.store import write
from importers.read import open_sheets, sniff
from importers.vcard import card_of, file_name, uid_of, vcard_sheets

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"


def cards(path) -> dict[str, dict]:
    """The reader's rows by first email (or name): {header: value or [values]}."""
    sheet = open_sheets(path)[0]
    rows = sheet.rows()
    _, headers = next(rows)
    out = {}
    for _, values in rows:
        row: dict = {}
        for i, (h, v) in enumerate(zip(headers, values)):
            if h in ("Email label", "Phone label") and values[i - 1] != "":  # a label beside its value, even empty
                row.setdefault(h, []).append(v)
            elif v == "":
                continue
            elif h in ("Email", "Phone"):
                row.setdefault(h, []).append(v)
            else:
                row[h] = v
        out[row.get("Last Name", "")] = row
    return out


# -- reading: card -> columns ------------------------------------------------------

def test_a_vcard_is_known_by_its_bytes_whatever_its_name(tmp_path):
    f = tmp_path / "contacts.csv"
    f.write_bytes(b"\xef\xbb\xbf\r\n  begin:vcard\r\nVERSION:3.0\r\nFN:Ann\r\nN:Lee;Ann;;;\r\nEND:VCARD\r\n")
    assert sniff(f) == "vcf"
    assert cards(f) == {"Lee": {"First Name": "Ann", "Last Name": "Lee"}}


def test_vcard_30_from_apple_every_field_in_its_column():
    got = cards(FIXTURES / "vcard30.vcf")
    assert got["Żółkiewski"] == {
        "External ID": "8D1D3A0E-4C5B-4E7A-9F0C-1A2B3C4D5E01",
        "First Name": "Łukasz", "Last Name": "Żółkiewski",
        "Company": "Żabka Polska sp. z o.o.", "Department": "Zakupy", "Job Title": "Kierownik zakupów",
        "Birthday": "1984-02-29",
        "Address": "ul. Świętokrzyska 12\nIII piętro\n00-916 Warszawa\nPolska", "Address label": "work",
        "Tags": "Dostawcy; VIP",
        "Notes": "Met at Poznań trade fair, 2024.\nPrefers calls after 10:00.",
        # Apple's itemN.X-ABLabel names its sibling's type; the preferred address comes first
        "Email": ["lukasz.zolkiewski@zabka.example.com", "lukasz.z@poczta.example.net"],
        "Email label": ["work", "home"],
        "Phone": ["+48 601 234 567", "+48 22 123 45 67", "+48 22 123 45 99"],
        "Phone label": ["cell", "work", "work,fax"],
    }
    assert got["Yılmaz"]["Birthday"] == "--07-14"  # X-APPLE-OMIT-YEAR=1604: no year
    assert got["王"]["First Name"] == "小明" and got["王"]["Phone label"] == ["cell", "work"]
    assert got["王"]["vCard X-PHONETIC-LAST-NAME"] == "Wáng"  # kept (in notes), not dropped
    company = got["Nørrebro Bryghus ApS"]  # X-ABShowAs:COMPANY: the company's own card
    assert company["Company"] == "Nørrebro Bryghus ApS" and "First Name" not in company
    assert company["Phone"] == ["+45 33 00 00 00"] and company["vCard URL"] == "https://norrebro.example.com"


def test_vcard_40_type_lists_split_tel_uris_and_dates_without_a_year():
    got = cards(FIXTURES / "vcard40.vcf")
    soren = got["Kierkegård-Nørgaard"]
    assert soren["Phone"] == ["+45-33-12-34-56", "+45-20-12-34-56"]  # tel: URIs
    assert soren["Phone label"] == ["work", "cell"]  # TYPE="work,voice": voice is the default, not a label
    assert soren["Birthday"] == "--06-12"  # BDAY:--0612
    assert soren["Name Prefix"] == "Dr." and soren["Nickname"] == "Søs"
    assert soren["vCard ANNIVERSARY"] == "20150612"
    assert soren["Notes"] == "Gift: a bottle of Aquavit; never on Fridays."
    anna = got["Кузнецова"]
    assert anna["First Name"] == "Анна Сергеевна" and anna["Birthday"] == "1986-03-08"  # BDAY:19860308
    assert anna["Email label"] == ["work", ""]
    assert anna["Phone"][2] == "+7 495 123-45-67 доб. 204"
    assert got["Café Olé S.L."]["Company"] == "Café Olé S.L."  # KIND:org


@pytest.mark.parametrize("typed, stored", [
    ("1984-02-29", "1984-02-29"), ("19860308", "1986-03-08"), ("--0612", "--06-12"), ("--06-12", "--06-12"),
    ("1604-07-14", "--07-14"), ("16040714", "--07-14"), ("--0229", "--02-29"), ("", None),
    ("1990-01-02T00:00:00Z", "1990-01-02"),
])
def test_birthday_forms(typed, stored):
    assert contacts.birthday(typed) == stored


@pytest.mark.parametrize("typed", ["1985-02-29", "2020-13-01", "--1301", "yesterday", "12/03/1980", "0000-01-01"])
def test_a_birthday_that_is_no_day_is_refused(typed):
    with pytest.raises(Invalid):
        contacts.birthday(typed)


def test_a_card_with_a_bad_birthday_keeps_it_as_text():
    import vobject

    from importers.vcard import card_row

    card = vobject.readOne("BEGIN:VCARD\nVERSION:3.0\nN:Lee;Ann;;;\nFN:Ann Lee\nBDAY:next spring\nEND:VCARD\n")
    assert card_row(card) == {"First Name": ["Ann"], "Last Name": ["Lee"], "vCard BDAY": ["next spring"]}


# -- the store keeps what a card carries ---------------------------------------------

def test_the_bulk_importer_stores_birthday_address_and_labels():
    row = ContactRow(first_name="Ann", last_name="Lee", emails=["ann@work.example", "ann@home.example"],
                     email_labels=["work", None], phones=[("+44 20 7946 0000", "+442079460000")],
                     phone_labels=["cell"], birthday="--03-08", address="1 Main St\nLondon").with_document()
    with write():
        assert ContactImporter(None).add_chunk([row]) == ["created"]
    ann = contacts.list_().rows[0]
    assert (ann["emails"], ann["email_labels"]) == (["ann@work.example", "ann@home.example"], ["work", None])
    assert (ann["phones"], ann["phone_labels"]) == (["+442079460000"], ["cell"])
    assert (ann["birthday"], ann["address"]) == ("--03-08", "1 Main St\nLondon")
    # a second row for her adds a labelled email and fills nothing already set
    more = ContactRow(emails=["ann@work.example", "ann@club.example"], email_labels=["home", "other"],
                      birthday="1980-03-08").with_document()
    with write():
        assert ContactImporter(None).add_chunk([more]) == ["updated"]
    ann = views.contact(ann["id"])
    assert ann["email_labels"] == ["work", None, "other"] and ann["birthday"] == "--03-08"


def test_postgres_keeps_the_new_fields_and_a_vcf_import(pg_url, tmp_path):
    made = contacts.create({"first_name": "Ann", "birthday": "--02-29", "address": "1 Main St\nLondon"},
                           emails=["a@x.example"], email_labels=["work"], phones=["+44 20 7946 0000"],
                           phone_labels=["cell"])
    ann = views.contact(made["id"])
    assert (ann["birthday"], ann["address"], ann["email_labels"], ann["phone_labels"]) == (
        "--02-29", "1 Main St\nLondon", ["work"], ["cell"])
    from importers.pipeline import import_file

    result = import_file(str(FIXTURES / "vcard30.vcf"))
    assert (result.created, result.rejected) == (4, 0)
    lukasz = views.contact("lukasz.z@poczta.example.net")
    assert lukasz["birthday"] == "1984-02-29" and lukasz["phone_labels"] == ["cell", "work", "work,fax"]


def test_contact_json_keeps_emails_and_phones_plain_with_labels_beside(crm):
    made = contacts.create({"first_name": "Ann", "birthday": "19800308", "address": "1 Main St"},
                           emails=["a@x.example", "b@x.example"], email_labels=["home", None],
                           phones=["+44 20 7946 0000"], phone_labels=["work,fax"])
    shown = crm.json("contact", "show", str(made["id"]))
    assert shown["emails"] == ["a@x.example", "b@x.example"] and shown["email_labels"] == ["home", None]
    assert shown["phones"] == ["+442079460000"] and shown["phone_labels"] == ["work,fax"]
    assert (shown["birthday"], shown["address"]) == ("1980-03-08", "1 Main St")
    # editing the list keeps the label of an address that stays
    edited = crm.json("contact", "edit", str(made["id"]), "--add-email", "c@x.example", "--birthday", "--12-24")
    assert edited["email_labels"] == ["home", None, None] and edited["birthday"] == "--12-24"
    crm("contact", "edit", str(made["id"]), "--birthday", "2023-02-29", code=1)
    assert crm.json("contact", "edit", str(made["id"]), "--birthday", "", "--address", "")["address"] is None


# -- importing a .vcf through crm import ------------------------------------------

def test_import_both_versions(crm):
    crm("import", str(FIXTURES / "vcard30.vcf"))
    crm("import", str(FIXTURES / "vcard40.vcf"))
    people = {c["name"]: c for c in crm.json("contact", "list")}
    assert len(people) == 8
    lukasz = crm.json("contact", "show", str(people["Łukasz Żółkiewski"]["id"]))
    assert lukasz["emails"] == ["lukasz.zolkiewski@zabka.example.com", "lukasz.z@poczta.example.net"]
    assert lukasz["phones"] == ["+48601234567", "+48221234567", "+48221234599"]
    assert lukasz["company"] == "Żabka Polska sp. z o.o." and lukasz["title"] == "Kierownik zakupów"
    assert lukasz["tags"] == ["dostawcy", "vip"]
    assert lukasz["external_id"] == "8D1D3A0E-4C5B-4E7A-9F0C-1A2B3C4D5E01"
    assert lukasz["notes"].startswith("Met at Poznań trade fair, 2024.\nPrefers calls after 10:00.")
    assert people["王小明"]["company"] == "北京星河贸易有限公司"
    assert "Café Olé S.L." in people and "Анна Сергеевна Кузнецова" in people
    # the same file again matches every card (by UID) and creates nobody
    again = crm.json("import", str(FIXTURES / "vcard40.vcf"))
    assert again["created"] == 0 and again["rejected"] == 0


def test_import_keeps_birthday_address_and_labels(crm):
    crm("import", str(FIXTURES / "vcard30.vcf"))
    lukasz = crm.json("contact", "show", "lukasz.z@poczta.example.net")
    assert lukasz["birthday"] == "1984-02-29"
    assert lukasz["address"] == "ul. Świętokrzyska 12\nIII piętro\n00-916 Warszawa\nPolska"
    assert lukasz["email_labels"] == ["work", "home"] and lukasz["phone_labels"] == ["cell", "work", "work,fax"]


def test_one_broken_card_is_a_rejected_row_naming_its_line_and_the_others_import(crm, tmp_path):
    f = tmp_path / "three.vcf"
    f.write_text("BEGIN:VCARD\nVERSION:3.0\nN:Lee;Ann;;;\nFN:Ann Lee\nEND:VCARD\n"
                 "BEGIN:VCARD\nVERSION:3.0\nFN broken\nEMAIL:bob@example.com\nEND:VCARD\n"
                 "BEGIN:VCARD\nVERSION:3.0\nN:Wu;Cy;;;\nFN:Cy Wu\nEND:VCARD\n", encoding="utf-8")
    errors = tmp_path / "errors.csv"
    out = crm("import", str(f), "--errors", str(errors))
    assert "2 created, 0 updated, 0 skipped, 1 rejected" in out.stderr
    assert f"rejected: {f}: sheet 'three', row 6: " in out.stderr  # the card starts on line 6
    assert "card 2 (line 6): cannot read it (Failed to parse line: FN broken)" in errors.read_text("utf-8-sig")
    assert sorted(c["name"] for c in crm.json("contact", "list")) == ["Ann Lee", "Cy Wu"]


def _bytes(kind: str) -> bytes:
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nFN:Ann Lee\r\n"
    return {
        "only garbage after BEGIN": b"BEGIN:VCARD\n\x00\x01\x02\xff\xfe garbage\n",
        "no END and no colon": b"BEGIN:VCARD\nVERSION:3.0\nFN broken",
        "every card broken": b"BEGIN:VCARD\nN\nEND:VCARD\nBEGIN:VCARD\nFN\nEND:VCARD\n",
        "a card of 2 MB": card + b"NOTE:" + b"x" * (2 * 2**20) + b"\r\nEND:VCARD\r\n",
        "nested cards": b"BEGIN:VCARD\nBEGIN:VCARD\nBEGIN:VCARD\nEND:VCARD\n",
        "invalid utf-8": b"BEGIN:VCARD\nVERSION:3.0\nFN:\xff\xfe\xfd\nEND:VCARD\n",
    }[kind]


@pytest.mark.parametrize("kind", ["only garbage after BEGIN", "no END and no colon", "every card broken",
                                  "a card of 2 MB", "nested cards"])
def test_a_vcf_with_no_readable_card_is_one_line_exit_3(crm, crm_store, tmp_path, kind):
    f = tmp_path / "bad.vcf"
    f.write_bytes(_bytes(kind))
    out = crm("import", str(f), code=3)
    assert out.stdout == "" and out.stderr.count("\n") == 1, out.stderr
    assert out.stderr.startswith(f"error: {f}: no card could be read; card 1 (line 1): ")
    assert "Traceback" not in out.stderr
    assert crm.json("contact", "list") == [] and crm.json("import", "list") == []


def test_invalid_utf8_is_read_with_replacement_not_refused(crm, tmp_path):
    f = tmp_path / "latin.vcf"
    f.write_bytes(b"BEGIN:VCARD\nVERSION:3.0\nN:M\xfcller;J\xfcrgen;;;\nFN:J\xfcrgen M\xfcller\nEND:VCARD\n")
    crm("import", str(f))
    assert [c["last_name"] for c in crm.json("contact", "list")] == ["M\ufffdller"]


def test_a_utf16_vcf_from_windows_reads(tmp_path):
    f = tmp_path / "outlook.vcf"
    f.write_bytes("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Müller;Jürgen;;;\r\nFN:Jürgen Müller\r\nEND:VCARD\r\n"
                  .encode("utf-16"))
    assert sniff(f) == "vcf" and cards(f) == {"Müller": {"First Name": "Jürgen", "Last Name": "Müller"}}


def test_too_many_cards_is_one_line(crm, tmp_path, monkeypatch):
    import importers.vcard

    monkeypatch.setattr(importers.vcard, "MAX_CARDS", 2)
    f = tmp_path / "many.vcf"
    f.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:A\nN:A;;;;\nEND:VCARD\n" * 3)
    assert crm("import", str(f), code=3).stderr == f"error: {f}: more than 2 cards; split the file\n"
    assert crm.json("contact", "list") == []


def test_a_huge_vcf_is_refused_before_reading(crm, tmp_path):
    f = tmp_path / "huge.vcf"
    with open(f, "wb") as fh:
        fh.write(b"BEGIN:VCARD\n")
        fh.truncate(65 * 2**20)  # sparse: costs no disk
    out = crm("import", str(f), code=3)
    assert out.stderr == f"error: {f}: 65 MB is over the 64 MB limit for a vCard file\n"


# -- writing -------------------------------------------------------------------------

def _people():
    org = contacts.create({"last_name": "Café Olé S.L.", "company": "Café Olé S.L."}, emails=["info@cafeole.example"])
    ann = contacts.create({"first_name": "Ann", "last_name": "Lee", "company": "Acme", "title": "Buyer",
                           "birthday": "1980-03-08", "address": "1 Main St\nLondon\nUK",
                           "notes": "likes tea; a, b\nsecond line", "external_id": "urn:uuid:ann-1"},
                          emails=["ann@acme.example", "ann@home.example"], email_labels=["work", "home"],
                          phones=["+44 20 7946 0000", "+44 7700 900123"], phone_labels=["work,fax", "cell"],
                          tags=["vip", "blog"])
    bo = contacts.create({"first_name": "小明", "last_name": "王", "birthday": "--06-12"}, emails=["wang@x.example"])
    return org, ann, bo


def test_export_reads_back_as_it_was_written(crm, tmp_path):
    _people()
    out = tmp_path / "all.vcf"
    crm("export", str(out))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = out.read_text("utf-8")
    assert text.count("BEGIN:VCARD") == 3 and "VERSION:3.0" in text
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-06-12" in text  # 3.0 readers want a year; 1604 says none
    assert "X-ABSHOWAS:COMPANY" in text
    got = cards(out)
    assert got["Lee"] == {
        "External ID": "urn:uuid:ann-1", "First Name": "Ann", "Last Name": "Lee", "Company": "Acme",
        "Job Title": "Buyer", "Birthday": "1980-03-08", "Address": "1 Main St\nLondon\nUK", "Tags": "blog; vip",
        "Notes": "likes tea; a, b\nsecond line",
        "Email": ["ann@acme.example", "ann@home.example"], "Email label": ["work", "home"],
        "Phone": ["+442079460000", "+447700900123"], "Phone label": ["work,fax", "cell"],
    }
    assert got["王"]["Birthday"] == "--06-12" and got["王"]["First Name"] == "小明"
    assert got["Café Olé S.L."]["Company"] == "Café Olé S.L." and "First Name" not in got["Café Olé S.L."]


def test_vcard_40_writer_reads_back_the_same():
    _, ann, bo = _people()
    for who in (ann, bo):
        full = views.contact(who["id"])
        v3, v4 = card_of(full, "3.0").serialize(), card_of(full, "4.0").serialize()
        assert "VERSION:4.0" in v4
        from importers.vcard import card_row
        import vobject

        assert card_row(vobject.readOne(v4)) == card_row(vobject.readOne(v3))
    assert "BDAY:--0612" in card_of(views.contact(bo["id"]), "4.0").serialize()
    assert 'TEL;PREF=1;TYPE="work,fax":+442079460000' in card_of(views.contact(ann["id"]), "4.0").serialize()


def test_export_filters_pick_the_contacts(crm, tmp_path):
    _people()
    out = tmp_path / "vip.vcf"
    crm("export", str(out), "--tag", "vip")
    assert list(cards(out)) == ["Lee"]
    crm("export", str(out), "--search", "wang")
    assert list(cards(out)) == ["王"]


def test_our_export_imported_into_an_empty_store_gives_the_same_people(crm, tmp_path, monkeypatch):
    _people()
    out = tmp_path / "all.vcf"
    crm("export", str(out))
    before = {c["name"]: c for c in crm.json("contact", "list")}
    from tests.conftest import Cli

    fresh = Cli(tmp_path / "other.db")
    fresh("init")
    fresh("import", str(out))
    after = {c["name"]: c for c in fresh.json("contact", "list")}
    keys = ("first_name", "last_name", "emails", "email_labels", "phones", "phone_labels", "company", "title",
            "tags", "birthday", "address")
    assert {n: [c[k] for k in keys] for n, c in after.items()} == {n: [c[k] for k in keys] for n, c in before.items()}
    # the card's UID is where they came from: Ann's own, the others' made from their ids
    assert {n: c["external_id"] for n, c in after.items()} == {n: uid_of(c) for n, c in before.items()}


def test_vdir_one_private_file_per_contact_named_from_its_uid(crm, tmp_path):
    org, ann, bo = _people()
    folder = tmp_path / "sync"
    crm("export", str(folder), "--vdir", "--entity", "contact")
    files = sorted((folder / "contacts").iterdir())
    assert [f.name for f in files] == sorted(file_name(uid_of(views.contact(c["id"]))) for c in (org, ann, bo))
    assert "ann-1.vcf" in [f.name for f in files]  # urn:uuid: dropped from the name
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
        assert f.read_text("utf-8").count("BEGIN:VCARD") == 1
    assert stat.S_IMODE((folder / "contacts").stat().st_mode) == 0o700
    crm("export", str(folder), "--vdir", "--entity", "contact")  # again: the same files, rewritten
    assert sorted((folder / "contacts").iterdir()) == files
    (tmp_path / "afile").write_text("x")
    out = crm("export", str(tmp_path / "afile"), "--vdir", code=3)
    assert out.stderr == f"error: {tmp_path / 'afile'}: is a file; --vdir writes a folder\n"


@pytest.mark.parametrize("uid, name", [
    ("8D1D3A0E-4C5B-4E7A-9F0C-1A2B3C4D5E01", "8D1D3A0E-4C5B-4E7A-9F0C-1A2B3C4D5E01.vcf"),
    ("urn:uuid:4fbe8971-0bc3", "4fbe8971-0bc3.vcf"),
    ("../../etc/passwd", None), (".hidden", None), ("a b", None), ("x" * 300, None),
])
def test_vdir_file_names_are_safe(uid, name):
    got = file_name(uid)
    if name:
        assert got == name
    else:  # anything odd is named by its hash
        assert len(got) == 44 and got.endswith(".vcf") and got[:40].isalnum()


KHARD = shutil.which("khard") or (str(Path(os.sys.executable).parent / "khard")
                                   if (Path(os.sys.executable).parent / "khard").exists() else None)


@pytest.mark.skipif(KHARD is None, reason="khard is not installed (pip install '.[test]')")
def test_khard_lists_every_contact_of_the_vdir_export(crm, tmp_path):
    crm("import", str(FIXTURES / "vcard30.vcf"))
    crm("import", str(FIXTURES / "vcard40.vcf"))
    _people()
    folder = tmp_path / "sync"
    crm("export", str(folder), "--vdir")
    conf = tmp_path / "khard.conf"
    conf.write_text(f"[general]\neditor = /bin/true\nmerge_editor = /bin/true\n"
                    f"[addressbooks]\n[[crm]]\npath = {folder / 'contacts'}\n"
                    f"[vcard]\nskip_unparsable = no\n")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    run = subprocess.run([KHARD, "-c", str(conf), "list", "--parsable"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    listed = {line.split("\t")[0] for line in run.stdout.splitlines() if line.strip()}
    exported = {uid_of(views.contact(c["id"])) for c in crm.json("contact", "list")}
    assert len(exported) == 11 and listed == exported
    phones = subprocess.run([KHARD, "-c", str(conf), "phone", "--parsable"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert phones.returncode == 0, phones.stderr
    assert "+48601234567\tŁukasz Żółkiewski\t" in phones.stdout
