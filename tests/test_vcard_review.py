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
