"""crm export FILE.csv --mailing [--segment NAME]: a mailing list read back with the csv
module (do-not-contact people out, duplicates collapsed, bad addresses out, counts on
stderr, 0600), --segment on its own, and do_not_contact in every other contact export."""
import csv
import json
import os

import pytest
from openpyxl import load_workbook

from db.models import ContactEmail
from db.services import contacts, segments

HEADER = ["email", "first_name", "last_name", "name", "company", "title", "stage", "tags"]


def add(first, emails=(), tags=("vip",), **fields):
    return contacts.create({"first_name": first, "last_name": "Test", **fields}, emails=list(emails), tags=list(tags),
                           allow_duplicate=True)["id"]


@pytest.fixture
def people(crm_store):
    ids = {
        "ann": add("Ann", ["ann@example.com"], company="Acme", title="Owner", stage="customer"),
        "bo": add("Bo", ["bo@example.com"], do_not_contact=True),
        "cy": add("Cy"),  # no email
        "dee": add("Dee", ["ANN@EXAMPLE.COM"]),  # Ann's address again: collapsed
        "eve": add("Eve", ["eve@example.com"]),  # made undeliverable below
        "fay": add("Fay", ["Bo@example.com"]),  # a do-not-contact person's address: never mailed
        "hal": add("Hal", ["hal@example.com", "hal@work.example"]),  # primary made bad below: the next one goes
        "gus": add("=Gus", ["gus@example.com"], tags=["trade"]),
    }
    # What an old import may have let in: addresses that cannot be delivered.
    ContactEmail.update(email="eve at example", email_key="eve at example").where(
        ContactEmail.contact == ids["eve"]).execute()
    ContactEmail.update(email="hal@@example.com", email_key="hal@@example.com").where(
        (ContactEmail.contact == ids["hal"]) & (ContactEmail.position == 0)).execute()
    segments.save("VIP", {"tag": "vip"})
    return ids


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


def test_mailing_list_of_a_segment(crm, people, tmp_path):
    out = tmp_path / "list.csv"
    result = crm("export", str(out), "--segment", "vip", "--mailing")
    assert result.stdout == ""
    assert result.stderr == (f"exported to {out}: 2 addresses\n"
                             "left out: 2 do-not-contact, 1 without an email, 1 undeliverable, 1 duplicate\n")
    assert read(out) == [HEADER,
                         ["ann@example.com", "Ann", "Test", "Ann Test", "Acme", "Owner", "customer", "vip"],
                         ["hal@work.example", "Hal", "Test", "Hal Test", "", "", "lead", "vip"]]
    assert os.stat(out).st_mode & 0o777 == 0o600


def test_mailing_without_a_segment_takes_everyone_or_the_filters(crm, people, tmp_path):
    out = tmp_path / "all.csv"
    assert crm("export", str(out), "--mailing").stderr.splitlines()[0] == f"exported to {out}: 3 addresses"
    rows = read(out)
    assert [r[0] for r in rows[1:]] == ["ann@example.com", "hal@work.example", "gus@example.com"]
    assert rows[3][1] == "'=Gus"  # a formula-looking name is never a formula
    crm("export", str(out), "--mailing", "--tag", "trade")
    assert [r[0] for r in read(out)[1:]] == ["gus@example.com"]


def test_mailing_combines_the_segment_with_more_filters(crm, people, tmp_path):
    out = tmp_path / "customers.csv"
    result = crm("export", str(out), "--mailing", "--segment", "VIP", "--stage", "customer")
    assert result.stderr.splitlines()[1] == "left out: 0 do-not-contact, 0 without an email, 0 undeliverable, 0 duplicate"
    assert [r[0] for r in read(out)[1:]] == ["ann@example.com"]


def test_the_mailing_service_counts_what_it_leaves_out(people):
    from db.services import exports

    left = {}
    rows = list(exports.mailing_rows(left, segment="vip"))
    assert [r["email"] for r in rows] == ["ann@example.com", "hal@work.example"]
    assert left == {"do_not_contact": 2, "no_email": 1, "undeliverable": 1, "duplicate": 1}


@pytest.mark.parametrize("name, args, error", [
    ("x.csv", ["--mailing", "--segment", "nope"], "error: segment 'nope' not found; segments: VIP\n"),
    ("x.csv", ["--segment", "nope"], "error: segment 'nope' not found; segments: VIP\n"),
    ("x.csv", ["--segment", "vip", "--entity", "deal"],
     "error: segment: a segment selects contacts, not deals; export --entity contact\n"),
    ("x.ics", ["--segment", "vip"], "error: segment: {out}: an .ics file holds follow-ups; a segment selects contacts\n"),
])
def test_bad_requests_are_one_line_exit_1_and_write_nothing(crm, people, tmp_path, name, args, error):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / name
    result = crm("export", str(out), *args, code=1)
    assert result.stderr == error.format(out=out)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_mailing_list_is_a_csv_file(crm, people, tmp_path):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "list.xlsx"
    result = crm("export", str(out), "--mailing", code=1)
    assert result.stderr == f"error: mailing: {out}: a mailing list is a CSV file; name it .csv\n"
    assert "drop --layout" in crm("export", str(tmp_path / "out" / "g.csv"), "--mailing", "--layout", "google",
                                  code=2).stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_segment_without_mailing_is_a_normal_contact_export(crm, people, tmp_path):
    out = tmp_path / "vip.csv"
    assert crm("export", str(out), "--segment", "vip").stderr == f"exported to {out}: 7 contact\n"
    rows = read(out)
    at = rows[0].index("do_not_contact")
    assert {r[1]: r[at] for r in rows[1:]} == {"Ann": "no", "Bo": "yes", "Cy": "no", "Dee": "no", "Eve": "no",
                                               "Fay": "no", "Hal": "no"}
    assert os.stat(out).st_mode & 0o777 == 0o600


def test_every_contact_export_carries_do_not_contact(crm, people, tmp_path):
    crm("export", str(tmp_path / "all.json"), "--entity", "contact")
    marked = {c["first_name"]: c["do_not_contact"] for c in json.loads((tmp_path / "all.json").read_text())}
    assert marked["Bo"] is True and marked["Ann"] is False
    crm("export", str(tmp_path / "all.xlsx"), "--segment", "vip")
    sheet = load_workbook(tmp_path / "all.xlsx", read_only=True)["contacts"]
    rows = list(sheet.iter_rows(values_only=True))
    at = rows[0].index("do_not_contact")
    assert [(r[1], r[at]) for r in rows[1:] if r[at]] == [("Bo", True)]
