"""The store: connection settings, file modes, schema upgrades, backup and checks."""
import os
import sqlite3
import stat

import pytest

from db import store
from db.errors import StoreError
from db.models import database
from db.services import contacts


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_every_connection_gets_the_pragmas():
    db = database.obj
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 30000
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_database_and_its_wal_files_are_private(crm_store):
    contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    for suffix in ("", "-wal", "-shm"):
        path = f"{crm_store}{suffix}"
        assert os.path.exists(path), path
        assert mode(path) == 0o600, (path, oct(mode(path)))


def test_schema_scripts_are_recorded_and_not_rerun(crm_store):
    assert store.applied_migrations() == ["0001_initial", "0002_search", "0003_reminders", "0004_import_changes",
                                           "0005_search_without_triggers", "0006_contact_name_order",
                                           "0007_trigram_positions_dropped", "0008_postgres_trigram_search",
                                           "0009_import_batch_status", "0010_contact_vcard_fields", "0011_company_name_key",
                                           "0012_segments", "0013_ticket_first_response",
                                           "0014_import_batch_entity_text", "0015_field_history",
                                           "0016_record_versions", "0017_duplicate_indexes_dropped"]
    assert store.pending_migrations() == []
    store.close_store()
    store.open_store(str(crm_store))
    assert store.migrate() == []


def test_the_trigram_index_is_rebuilt_without_positions_and_still_finds_substrings(tmp_path):
    from peewee import SqliteDatabase
    from playhouse.migrations import Runner

    from db import search

    path = tmp_path / "0006.db"
    old = SqliteDatabase(str(path))
    Runner(old, directory=str(store.MIGRATIONS_DIR)).up("0006_contact_name_order")
    old.execute_sql("INSERT INTO search_doc (kind, ref_id, text, grams) VALUES ('contact', 7, 'zoe astrom', 'zo oe e')")
    old.execute_sql("INSERT INTO search_trigram(rowid, text) SELECT id, text FROM search_doc")
    old.close()
    store.open_store(str(path))
    search.index().put("contact", 8, "abca xcab", "ab bc ca a xc ca ab b")  # every trigram of "abcab", not it
    sql = store.database.obj.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'search_trigram'").fetchone()[0]
    assert "detail='none'" in sql
    assert search.find("astr", ["contact"]) == [("contact", 7)]
    assert search.find("zoe ast", ["contact"]) == [("contact", 7)]
    assert search.find("ostr", ["contact"]) == []  # every trigram of "ostr" is not there
    assert search.find("astromz", ["contact"]) == []
    assert search.find("abcab", ["contact"]) == [] and search.find("xcab", ["contact"]) == [("contact", 8)]


def test_an_old_store_is_upgraded_on_open(tmp_path):
    from peewee import SqliteDatabase
    from playhouse.migrations import Runner

    from db.services import find

    path = tmp_path / "old.db"
    old = SqliteDatabase(str(path))
    Runner(old, directory=str(store.MIGRATIONS_DIR)).up("0001_initial")  # a store from before search
    old.close()
    store.open_store(str(path))
    assert store.applied_migrations() == ["0001_initial", "0002_search", "0003_reminders", "0004_import_changes",
                                           "0005_search_without_triggers", "0006_contact_name_order",
                                           "0007_trigram_positions_dropped", "0008_postgres_trigram_search",
                                           "0009_import_batch_status", "0010_contact_vcard_fields", "0011_company_name_key",
                                           "0012_segments", "0013_ticket_first_response",
                                           "0014_import_batch_entity_text", "0015_field_history",
                                           "0016_record_versions", "0017_duplicate_indexes_dropped"]
    contacts.create({"first_name": "Zoë"})
    assert [r["title"] for r in find.search_all("zoe")] == ["Zoë"]


def test_backup_is_a_complete_private_copy(crm_store, tmp_path):
    contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    out = store.backup(str(tmp_path / "backup.db"))
    assert mode(out) == 0o600
    con = sqlite3.connect(out)
    assert con.execute("SELECT email FROM contact_email").fetchall() == [("ann@example.com",)]
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with pytest.raises(StoreError, match="already exists"):
        store.backup(str(out))


def test_check_reports_a_dangling_reference(crm_store):
    assert store.check() == []
    contacts.create({"first_name": "Ann"}, emails=["ann@example.com"])
    con = sqlite3.connect(crm_store)
    con.execute("PRAGMA foreign_keys=0")
    con.execute("UPDATE contact_email SET contact_id = 999")
    con.commit()
    con.close()
    assert store.check() == ["contact_email row 1: points to a missing contact"]


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("just some text, not sqlite" * 100)
    with pytest.raises(StoreError, match="notes.txt: file is not a database"):
        store.open_store(str(bogus))


def test_unknown_url_scheme_is_refused():
    with pytest.raises(StoreError, match="unsupported database URL"):
        store.configure("mysql://x@y/z")


def test_models_match_the_migrated_schema():
    """A model change without a migration script fails here."""
    from playhouse.schema_diff import diff_models

    from db.models import MODELS

    diff = diff_models(database.obj, MODELS)
    assert (diff.create_tables, diff.add_columns, diff.drop_columns, diff.add_indexes) == ([], [], [], [])


def test_upgrading_keeps_this_process_locks(tmp_path):
    """Regression: the upgrade lock once opened and closed the database file itself,
    which drops the process's SQLite locks; another process then believed it was the
    last user, deleted the WAL under us, and reads came back 'malformed'."""
    import subprocess
    import sys

    path = tmp_path / "fresh.db"
    store.open_store(str(path))  # runs every migration under the lock
    contacts.create({"first_name": "Ann"})
    assert os.path.exists(f"{path}-wal")
    subprocess.run([sys.executable, "-c", f"import sqlite3; c = sqlite3.connect({str(path)!r}); "
                    "c.execute('select count(*) from contact').fetchall(); c.close()"], check=True)
    assert os.path.exists(f"{path}-wal")  # we still hold the database open, so the WAL stays
    assert contacts.list_().total == 1
