"""crm export of contacts reads emails, phones and tags a page at a time: for a page of
nearly consecutive ids as one range (the rows of contacts between them that the export
leaves out are passed over), else by the ids themselves. Either way each row carries
exactly its own contact's values."""
import csv

import pytest

from db.services import contacts, exports
from db.services.common import id_in


@pytest.fixture
def people(crm):
    crm("init")
    made = []
    for i in range(12):
        made.append(contacts.create({"first_name": f"P{i}", "last_name": "Page"},
                                    emails=[f"p{i}@example.com", f"p{i}.b@example.com"][: 1 + i % 2],
                                    phones=[f"+44 7700 9001{i:02d}"], tags=["odd" if i % 2 else "even", f"t{i}"]))
    contacts.delete(made[3]["id"])  # in the trash: between live ones, never exported
    return crm, made


def _rows(crm, tmp_path, *args):
    out = tmp_path / "c.csv"
    crm("export", str(out), "--entity", "contact", *args)
    return {r["first_name"]: r for r in csv.DictReader(open(out, encoding="utf-8-sig"))}


def _expected(i):
    return {"emails": "; ".join([f"p{i}@example.com", f"p{i}.b@example.com"][: 1 + i % 2]),
            "phones": f"+4477009001{i:02d}", "tags": "; ".join(sorted(["odd" if i % 2 else "even", f"t{i}"]))}


@pytest.fixture
def by_ids(monkeypatch):
    """How many child queries picked their rows by the page's ids (not a range)."""
    calls = []

    def counted(column, ids):
        calls.append(list(ids))
        return id_in(column, ids)
    monkeypatch.setattr(exports, "id_in", counted)
    return calls


@pytest.mark.parametrize("args, chosen", [
    ((), [i for i in range(12) if i != 3]),  # every live contact: one range
    (("--tag", "even"), [0, 2, 4, 6, 8, 10]),  # every other id: still a range, the others passed over
    (("--search", "P11"), [11]),
    (("--tag", "t0"), [0]),
])
def test_each_row_carries_its_own_contacts_values(people, tmp_path, by_ids, args, chosen):
    crm, _ = people
    rows = _rows(crm, tmp_path, *args)
    assert sorted(rows) == sorted(f"P{i}" for i in chosen)
    for i in chosen:
        assert {k: rows[f"P{i}"][k] for k in ("emails", "phones", "tags")} == _expected(i)
    assert by_ids == []


def test_ids_far_apart_are_read_by_their_ids(people, tmp_path, by_ids):
    crm, _ = people
    for i in range(12, 40):  # contacts after them, one of them chosen too
        contacts.create({"first_name": f"P{i}", "last_name": "Later"}, emails=[f"p{i}@example.com"],
                        tags=["odd"] if i == 39 else ["x"])
    rows = _rows(crm, tmp_path, "--tag", "odd")
    assert sorted(rows) == sorted(f"P{i}" for i in (1, 5, 7, 9, 11, 39))
    for i in (1, 5, 7, 9, 11):
        assert {k: rows[f"P{i}"][k] for k in ("emails", "phones", "tags")} == _expected(i)
    assert (rows["P39"]["emails"], rows["P39"]["phones"], rows["P39"]["tags"]) == ("p39@example.com", "", "odd")
    assert len(by_ids) == 3  # emails, phones and tags of the one page
