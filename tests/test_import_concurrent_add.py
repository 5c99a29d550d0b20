"""A contact added by someone else while an import runs (between two of its chunks) is
matched by the rest of the import, not created a second time: the import loads the
store's keys once, then catches up on what others added before each chunk."""
from __future__ import annotations

import csv

from db.services import bulk_contacts, contacts
from importers import pipeline


def test_a_contact_added_between_chunks_is_matched_not_duplicated(crm, tmp_path, monkeypatch):
    path = tmp_path / "people.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["First Name", "Email"])
        for n in range(6):
            w.writerow([f"P{n}", f"p{n}@example.com"])
        w.writerow(["Zoe", "zoe@example.com"])  # in the last chunk
    monkeypatch.setattr(pipeline, "CHUNK", 3)
    real = bulk_contacts.ContactImporter.add_chunk
    calls = []

    def add_chunk(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:  # another writer, before the second chunk
            contacts.create({"first_name": "Zoe", "title": "Owner"}, emails=["ZOE@example.com"])
        return real(self, rows)

    monkeypatch.setattr(bulk_contacts.ContactImporter, "add_chunk", add_chunk)
    summary = crm.json("import", str(path))
    assert calls == [3, 3, 1]
    assert (summary["created"], summary["updated"] + summary["skipped"]) == (6, 1)
    zoes = [c for c in contacts.list_(limit=None).rows if c["first_name"] == "Zoe"]
    assert [(z["emails"], z["title"]) for z in zoes] == [(["ZOE@example.com"], "Owner")]
