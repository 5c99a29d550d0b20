"""Issue 12: every export of contacts carries do_not_contact, so nobody loses the flag.
The vCard export (one file and a vdir) and the Google and Outlook CSV layouts are
exported through the real CLI from a store with one flagged and one unflagged person,
imported into a fresh store, and the flags compared."""
import csv
import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from db.services import contacts

runner = CliRunner()


def _run(db, *args):
    result = runner.invoke(app, ["--db", str(db), *args], prog_name="crm")
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture
def two(crm):
    crm("init")
    contacts.create({"first_name": "Dora", "last_name": "Nocall", "notes": "Asked twice\nto be left alone",
                     "do_not_contact": True}, emails=["dora@example.com"])
    contacts.create({"first_name": "Carl", "last_name": "Callme", "notes": "Happy to talk"},
                    emails=["carl@example.com"])


def _import_fresh(tmp_path, source, *extra):
    other = tmp_path / "fresh.db"
    _run(other, "init")
    got = json.loads(_run(other, "import", str(source), *extra, "--format", "json").stdout)
    assert got["created"] == 2, got
    return {email: json.loads(_run(other, "contact", "show", email, "--format", "json").stdout)
            for email in ("dora@example.com", "carl@example.com")}


EXPORTS = {
    "vcf": (["x.vcf"], "x.vcf"),
    "vdir": (["book", "--vdir"], "book"),
    "google": (["g.csv", "--layout", "google"], "g.csv"),
    "outlook": (["o.csv", "--layout", "outlook"], "o.csv"),
}


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_the_flag_survives_export_and_import(crm, two, tmp_path, kind):
    args, written = EXPORTS[kind]
    crm("export", str(tmp_path / args[0]), *args[1:])
    source = tmp_path / written
    if kind == "vdir":  # one card a file: the import reads them as one file
        source = tmp_path / "joined.vcf"
        source.write_text("".join(p.read_text("utf-8") for p in sorted((tmp_path / "book" / "contacts").glob("*.vcf"))))
    back = _import_fresh(tmp_path, source)
    assert back["dora@example.com"]["do_not_contact"] is True
    assert back["carl@example.com"]["do_not_contact"] is False
    # where the flag rode along (a custom field, a Notes line) is not left in the notes
    assert back["dora@example.com"]["notes"] == "Asked twice\nto be left alone"
    assert back["carl@example.com"]["notes"] == "Happy to talk"


def test_vcard_4_carries_the_flag_too(crm, two, tmp_path):
    from db.services import exports
    from importers import vcard

    out = tmp_path / "four.vcf"
    assert vcard.write_file(out, exports.contact_cards(), "4.0") == 2
    back = _import_fresh(tmp_path, out)
    assert [back[e]["do_not_contact"] for e in ("dora@example.com", "carl@example.com")] == [True, False]


def test_only_flagged_cards_carry_the_property(crm, two, tmp_path):
    out = tmp_path / "x.vcf"
    crm("export", str(out))
    dora, carl = out.read_text("utf-8").split("END:VCARD")[:2]
    assert "X-CRM-DO-NOT-CONTACT:TRUE" in dora and "DO-NOT-CONTACT" not in carl


def test_google_custom_field_and_outlook_notes_line(crm, two, tmp_path):
    crm("export", str(tmp_path / "g.csv"), "--layout", "google")
    crm("export", str(tmp_path / "o.csv"), "--layout", "outlook")
    google = list(csv.DictReader(open(tmp_path / "g.csv", encoding="utf-8", newline="")))
    assert [(r["Custom Field 1 - Label"], r["Custom Field 1 - Value"]) for r in google] == \
        [("Do not contact", "yes"), ("", "")]
    outlook = list(csv.DictReader(open(tmp_path / "o.csv", encoding="utf-8-sig", newline="")))
    assert [r["Notes"] for r in outlook] == ["Asked twice\nto be left alone\nDo not contact: yes", "Happy to talk"]


def _csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])


@pytest.mark.parametrize("value, flagged", [("TRUE", True), ("1", True), ("yes", True), ("FALSE", False)])
def test_vcard_values_read_as_the_flag(crm, tmp_path, value, flagged):
    crm("init")
    card = tmp_path / "one.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eve Else\r\nN:Else;Eve;;;\r\nEMAIL:eve@example.com\r\n"
                    f"X-CRM-DO-NOT-CONTACT:{value}\r\nEND:VCARD\r\n")
    crm("import", str(card))
    shown = crm.json("contact", "show", "eve@example.com")
    assert shown["do_not_contact"] is flagged and not shown["notes"]


@pytest.mark.parametrize("label, value, flagged, notes", [
    ("Do not contact", "yes", True, None),
    ("DNC", "1", True, None),
    ("Do not contact", "maybe", False, "Custom Field 1 - Label: Do not contact\nCustom Field 1 - Value: maybe"),
    ("Shoe size", "yes", False, "Custom Field 1 - Label: Shoe size\nCustom Field 1 - Value: yes"),
])
def test_google_custom_field_read_only_when_it_says_yes(crm, tmp_path, label, value, flagged, notes):
    crm("init")
    path = tmp_path / "g.csv"
    _csv(path, ["First Name", "Last Name", "Labels", "File As", "E-mail 1 - Value", "Custom Field 1 - Label",
                "Custom Field 1 - Value"], [["Eve", "Else", "", "", "eve@example.com", label, value]])
    crm("import", str(path))
    shown = crm.json("contact", "show", "eve@example.com")
    assert (shown["do_not_contact"], shown["notes"]) == (flagged, notes)


@pytest.mark.parametrize("cell, flagged, notes", [
    ("Do not contact: yes", True, None),
    ("Do not contact: yes\nmet at the fair", True, "met at the fair"),
    ("met at the fair\nDO NOT CONTACT: Yes", True, "met at the fair"),
    ("met\nDo not contact: yes\nat the fair", False, "met\nDo not contact: yes\nat the fair"),  # only first or last
    ("Do not contact: unless urgent", False, "Do not contact: unless urgent"),
])
def test_outlook_notes_line_read_only_first_or_last(crm, tmp_path, cell, flagged, notes):
    crm("init")
    path = tmp_path / "o.csv"
    _csv(path, ["Title", "First Name", "Last Name", "Job Title", "E-mail Address", "Notes"],
         [["", "Eve", "Else", "", "eve@example.com", cell]])
    crm("import", str(path))
    shown = crm.json("contact", "show", "eve@example.com")
    assert (shown["do_not_contact"], shown["notes"]) == (flagged, notes)


def test_a_notes_line_is_not_the_flag_outside_outlook(crm, tmp_path):
    crm("init")
    path = tmp_path / "plain.csv"
    _csv(path, ["first_name", "email", "notes"], [["Eve", "eve@example.com", "Do not contact: yes"]])
    crm("import", str(path))
    shown = crm.json("contact", "show", "eve@example.com")
    assert (shown["do_not_contact"], shown["notes"]) == (False, "Do not contact: yes")


def test_khard_still_lists_a_vdir_with_a_flagged_card(crm, two, tmp_path):
    from tests.test_vcard import KHARD

    if KHARD is None:
        pytest.skip("khard is not installed (pip install '.[test]')")
    import os
    import subprocess

    crm("export", str(tmp_path / "sync"), "--vdir")
    conf = tmp_path / "khard.conf"
    conf.write_text(f"[general]\neditor = /bin/true\nmerge_editor = /bin/true\n"
                    f"[addressbooks]\n[[crm]]\npath = {tmp_path / 'sync' / 'contacts'}\n"
                    f"[vcard]\nskip_unparsable = no\n")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    run = subprocess.run([KHARD, "-c", str(conf), "email", "--parsable"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert sorted(line.split("\t")[0] for line in run.stdout.splitlines() if "@" in line) == \
        ["carl@example.com", "dora@example.com"]
