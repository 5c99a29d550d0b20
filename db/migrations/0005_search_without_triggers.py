"""Search index upkeep moves from per-row triggers to set-based statements in
db/search.py (bulk imports were spending most of their time in the triggers); the
bigram index keeps no positions (its queries are single tokens and prefixes)."""
from peewee import *


def up(migrator, db):
    if not isinstance(db, SqliteDatabase):
        return
    for name in ('search_doc_ai', 'search_doc_ad', 'search_doc_au'):
        db.execute_sql('DROP TRIGGER IF EXISTS %s' % name)
    db.execute_sql('DROP TABLE search_bigram')
    db.execute_sql(
        "CREATE VIRTUAL TABLE search_bigram USING fts5("
        "grams, content='search_doc', content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 0', detail=none, columnsize=0)")
    db.execute_sql("INSERT INTO search_bigram(search_bigram) VALUES ('rebuild')")


def down(migrator, db):
    raise RuntimeError('0005 cannot be undone')
