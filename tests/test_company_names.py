"""Company names match case-insensitively in every script (Żabka/ŻABKA, İstanbul/istanbul,
Straße/STRASSE, Greek final sigma): by the stored name_key, not SQLite's ASCII lower()."""
import pytest

from db import store
from db.errors import Duplicate
from db.models import Company
from db.services import claims, companies, deals, followups, tickets
from db.validate import name_key
from importers.pipeline import import_file

SAME = [("Żabka", "ŻABKA"), ("żabka", "ŻABKA"), ("İstanbul Lojistik", "istanbul lojistik"),
        ("İstanbul Lojistik", "ISTANBUL LOJISTIK"), ("Straße Bau", "STRASSE BAU"), ("ΟΔΟΣ", "οδοσ"), ("Πατρας", "ΠΑΤΡΑΣ"),
        ("Ｃａｆé Ｌｕｍｉèｒｅ", "café lumière"), ("Acme  Ltd", " ACME LTD "), ("Ölmez Gıda", "ÖLMEZ GIDA")]


@pytest.mark.parametrize("stored, typed", SAME)
def test_a_name_in_another_case_finds_the_company(stored, typed):
    made = companies.create({"name": stored})
    assert companies.resolve(typed).id == made["id"]
    assert companies.get_or_create(typed).id == made["id"]
    with pytest.raises(Duplicate):
        companies.create({"name": typed})
    assert claims.company_key(stored) == claims.company_key(typed)  # PostgreSQL's claim is on the same key
    assert Company.select().count() == 1


def test_different_names_stay_different():
    assert len({name_key(n) for n in ("Zabka", "Żabka", "Istanbul", "Ístanbul", "Strase", "Gída")}) == 6


def test_deals_tickets_and_followups_link_to_the_company_in_any_case():
    z = companies.create({"name": "Żabka"})
    assert deals.create({"title": "Shelves", "company": "ŻABKA"})["company_id"] == z["id"]
    assert tickets.create({"subject": "Broken", "company": "żabka"})["company_id"] == z["id"]
    assert followups.create("Call", "tomorrow", company="ŻABKA")["company_id"] == z["id"]
    assert Company.select().count() == 1


def test_a_renamed_company_is_found_by_its_new_name():
    made = companies.create({"name": "Old Name"})
    companies.update(made["id"], {"name": "Żabka Polska"})
    assert companies.resolve("ŻABKA POLSKA").id == made["id"]
    assert companies.find_by_name("old name") is None


def test_an_import_matches_companies_and_links_deals_in_any_case(tmp_path):
    companies.create({"name": "Żabka", "city": "Poznań"})
    sheet = tmp_path / "companies.csv"
    sheet.write_text("name,city,industry\nŻABKA,,Retail\nİstanbul Lojistik,İstanbul,\nistanbul lojistik,,Freight\n",
                     encoding="utf-8")
    result = import_file(str(sheet), entity="company")
    assert (result.created, result.updated, result.rejected) == (1, 2, 0)
    rows = {c["name"]: c for c in companies.list_().rows}
    assert sorted(rows) == ["İstanbul Lojistik", "Żabka"]
    assert rows["Żabka"]["industry"] == "Retail" and rows["İstanbul Lojistik"]["industry"] == "Freight"
    sheet = tmp_path / "deals.csv"
    sheet.write_text("title,company,amount\nShelves,żabka,100\nTrucks,İSTANBUL LOJİSTİK,200\n", encoding="utf-8")
    assert import_file(str(sheet), entity="deal").created == 2
    assert Company.select().count() == 2
    assert sorted(d["company"] for d in deals.list_().rows) == ["İstanbul Lojistik", "Żabka"]


def test_migration_0011_fills_the_key_of_existing_companies(tmp_path):
    from peewee import SqliteDatabase
    from playhouse.migrations import Runner

    path = tmp_path / "old.db"
    old = SqliteDatabase(str(path))
    Runner(old, directory=str(store.MIGRATIONS_DIR)).up("0010_contact_vcard_fields")
    old.execute_sql("INSERT INTO company (name, created_at, updated_at) VALUES ('ŻABKA', '2026-01-01', '2026-01-01'), "
                    "('Straße Bau', '2026-01-01', '2026-01-01')")
    old.close()
    store.open_store(str(path))
    assert companies.resolve("żabka").id == 1
    assert companies.get_or_create("STRASSE BAU").id == 2
    assert Company.select().count() == 2


def test_postgres_keys_and_migration(pg_url):
    z = companies.create({"name": "Żabka"})
    assert companies.get_or_create("ŻABKA").id == z["id"]
    with pytest.raises(Duplicate):
        companies.create({"name": "żabka"})
    runner = store._runner()
    while store.applied_migrations()[-1] != "0010_contact_vcard_fields":
        runner.down()
    store.database.obj.execute_sql("INSERT INTO company (name, created_at, updated_at) "
                                   "VALUES ('İstanbul Lojistik', now(), now())")
    store.migrate()
    assert companies.resolve("istanbul lojistik").name == "İstanbul Lojistik"
    assert companies.resolve("ŻABKA").id == z["id"]


def test_companies_a_contact_import_creates_carry_the_key(tmp_path):
    sheet = tmp_path / "people.csv"
    sheet.write_text("first name,email,company\nJan,jan@zabka.pl,Żabka Polska\n", encoding="utf-8")
    import_file(str(sheet))
    made = companies.resolve("ŻABKA POLSKA")
    assert made.name == "Żabka Polska" and made.name_key == "żabka polska"
    assert companies.get_or_create("żabka polska").id == made.id


def test_racing_adds_of_one_company_in_different_cases_leave_one_on_postgres(pg_url):
    """The PostgreSQL claim is taken on the same key the duplicate check compares."""
    from tests.test_pg_duplicates import RACERS, _crm, _finish, _lined_up, _one_winner

    spellings = ["Straße Bau", "STRASSE BAU", "strasse bau"]  # one key, though str.lower() gives two
    with _lined_up(pg_url, "company") as procs:
        procs += [_crm(pg_url, "company", "add", spellings[i % 3]) for i in range(RACERS)]
    _one_winner(_finish(procs), "is already named")
    store.open_store(pg_url)
    assert Company.select().count() == 1
