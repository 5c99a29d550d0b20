"""Search: any substring, case- and accent-insensitive, CJK names, phones."""
import pytest

from db import search
from db.services import companies, contacts, deals, find, tickets


@pytest.fixture
def people():
    made = {}
    made["zhang"] = contacts.create({"first_name": "伟", "last_name": "张"}, emails=["zw@example.cn"])
    made["wang"] = contacts.create({"first_name": "小明", "last_name": "王"})
    made["zoe"] = contacts.create({"first_name": "Zoë", "last_name": "Åström", "company": "Café Lumière",
                                   "notes": "prefers mornings"},
                                  emails=["zoe@lumiere.example"], phones=["07700 900123"])
    made["bob"] = contacts.create({"first_name": "Bob", "last_name": "Smith", "title": "Head Chef"})
    return made


def titles(query, kinds=search.KINDS):
    return [(r["type"], r["title"]) for r in find.search_all(query, kinds=kinds)]


@pytest.mark.parametrize("query,expected", [
    ("张伟", "张伟"),          # two-character CJK name, family name first
    ("小明", "王小明"),        # given name alone
    ("明", "王小明"),          # one character
    ("王小明", "王小明"),
    ("zoe", "Zoë Åström"),     # accents folded
    ("ÅSTRÖM", "Zoë Åström"),  # case folded
    ("strö", "Zoë Åström"),    # inner substring
    ("lumiere", "Zoë Åström"), # company name
    ("mornings", "Zoë Åström"),  # notes
    ("900123", "Zoë Åström"),  # phone digits
    ("07700 900 123", "Zoë Åström"),  # phone as typed differently
    ("chef", "Bob Smith"),     # title
    ("bob smith", "Bob Smith"),  # several words, all must match
    ("mi", "Bob Smith"),       # two Latin characters
])
def test_finds_contacts_by_any_part(people, query, expected):
    assert ("contact", expected) in titles(query, ["contact"])


def test_no_false_matches(people):
    assert titles("smith zoe") == []
    assert titles("xyzzy") == []
    assert titles("") == []


def test_deleted_records_drop_out_and_come_back(people):
    contacts.delete(people["bob"]["id"])
    assert titles("smith") == []
    contacts.restore(people["bob"]["id"])
    assert titles("smith") == [("contact", "Bob Smith")]


def test_edits_reindex_including_company_renames(people):
    contacts.update(people["bob"]["id"], {"last_name": "Jones"})
    assert titles("smith") == [] and titles("jones") == [("contact", "Bob Jones")]
    cafe = companies.find_by_name("Café Lumière")
    companies.update(cafe.id, {"name": "Boulangerie Soleil"})
    assert ("contact", "Zoë Åström") in titles("soleil")
    assert titles("café") == []


def test_searches_deals_and_tickets(people):
    deals.create({"title": "Kitchen refit", "contact": people["bob"]["id"], "amount": "5000"})
    tickets.create({"subject": "Oven too hot", "description": "thermostat stuck", "contact": people["zoe"]["id"]})
    assert titles("refit") == [("deal", "Kitchen refit")]
    assert titles("thermostat") == [("ticket", "Oven too hot")]
    hits = titles("smith")
    assert ("contact", "Bob Smith") in hits and ("deal", "Kitchen refit") in hits
    assert hits[0] == ("contact", "Bob Smith")  # title matches first


def test_result_shape(people):
    hit = find.search_all("zoe")[0]
    assert set(hit) == {"type", "id", "title", "detail"}
    assert hit["detail"] == "zoe@lumiere.example · +447700900123 · Café Lumière"


def test_normalize():
    assert search.normalize("Zoë ÅSTRÖM") == "zoe astrom"
    assert search.normalize("ＡＢＣ１") == "abc1"


def test_uses_the_fts_indexes(people):
    from db.models import database

    plan = database.obj.execute_sql(
        "EXPLAIN QUERY PLAN SELECT d.ref_id FROM search_trigram f JOIN search_doc d ON d.id = f.rowid "
        "WHERE search_trigram MATCH ?", ('"smi"',)).fetchall()
    assert any("VIRTUAL TABLE INDEX" in row[-1] for row in plan)


def test_a_common_letter_walks_the_list_and_finds_what_the_index_finds(people, monkeypatch):
    """One-letter searches on a letter in many records check each record's stored
    grams in list order instead of collecting every match from the index: same rows."""
    from db.models import Contact

    for i in range(30):
        contacts.create({"first_name": f"Sam{i}", "last_name": "Oakes" if i % 3 else "Ng"})

    def listed(letter):
        return [c["id"] for c in contacts.list_(query=letter).rows]

    by_index = {letter: listed(letter) for letter in ("s", "o", "明", "q", "z")}
    found = {(letter, limit): search.find(letter, limit=limit) for letter in ("s", "o", "q") for limit in (3, 50)}
    monkeypatch.setattr(search, "COMMON", 1)  # every letter counts as common now
    for (letter, limit), hits in found.items():  # the search box (crm search) walks the documents too: same hits
        assert search.find(letter, limit=limit) == hits, (letter, limit)
    assert len(found[("s", 50)]) == 32 and found[("q", 50)] == []
    assert search._common("contact", "s")
    where = search.matches(Contact.id, "contact", "s")
    assert "instr((SELECT sd.grams" in str(Contact.select().where(where).sql()[0])  # the walking plan
    for letter, ids in by_index.items():
        assert listed(letter) == ids, letter
    assert len(by_index["s"]) == 32 and by_index["q"] == []  # the Sams, Smith and Åström
    page = contacts.list_(query="s", limit=5, count_up_to=10)
    assert (len(page.rows), page.total, page.at_least) == (5, 10, True)


def test_a_common_query_in_a_capped_list_walks_and_finds_what_the_index_finds(people, monkeypatch):
    """The app's list (a page, a count up to a cap) walks the name order for any common
    query, checking each record's stored text or grams, and counts the first matching
    documents: the same rows and counts as the index, trashed contacts left out."""
    from db.models import Contact

    for i in range(30):
        contacts.create({"first_name": f"Sam{i}", "last_name": "Oakes" if i % 3 else "Ng"},
                        emails=[f"sam{i}@oakes.example"])
    gone = contacts.create({"first_name": "Trashed", "last_name": "Oakes"})
    contacts.delete(gone["id"])
    queries = ["oak", "sam oakes", "sa", "o k", "ng", "müller", "muller", "oakes.example", "s1", "zz", "o'", "a"]

    def page(query, cap=12):
        p = contacts.list_(query=query, limit=7, count_up_to=cap)
        return [c["id"] for c in p.rows], p.total, p.at_least

    by_index = {(q, cap): page(q, cap) for q in queries for cap in (12, 100)}
    monkeypatch.setattr(search, "COMMON", 1)  # every query found in the sample counts as common now
    assert "instr((SELECT sd.text" in str(Contact.select().where(
        search.matches(Contact.id, "contact", "oak", capped=True)).sql()[0])
    assert "instr((SELECT sd.grams" in str(Contact.select().where(
        search.matches(Contact.id, "contact", "sa", capped=True)).sql()[0])
    assert "instr((SELECT" not in str(Contact.select().where(search.matches(Contact.id, "contact", "oak")).sql()[0])
    for (q, cap), expected in by_index.items():
        assert page(q, cap) == expected, q
    assert by_index[("oak", 12)][1:] == (12, True) and by_index[("oak", 100)][1:] == (30, False)
    assert by_index[("zz", 12)] == ([], 0, False)
