"""The search index: one normalised document per record, and on SQLite two FTS5
indexes over it (trigrams for substrings of 3+ characters, bigram tokens for 1-2
character queries such as the given name of a Chinese contact)."""
from peewee import *


def up(migrator, db):
    class SearchDoc(Model):
        kind = CharField(max_length=10)
        ref_id = IntegerField()
        text = TextField()   # normalised (case-folded, accents stripped) fields, one per line
        grams = TextField()  # space-separated bigrams of the short fields
        class Meta:
            database = db
            table_name = 'search_doc'
            indexes = ((('kind', 'ref_id'), True),)
    db.create_tables([SearchDoc])

    if not isinstance(db, SqliteDatabase):
        return
    db.execute_sql(
        "CREATE VIRTUAL TABLE search_trigram USING fts5("
        "text, content='search_doc', content_rowid='id', tokenize='trigram')")
    db.execute_sql(
        "CREATE VIRTUAL TABLE search_bigram USING fts5("
        "grams, content='search_doc', content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 0')")
    # External-content FTS tables follow search_doc through triggers, so the
    # index can never drift from the documents.
    db.execute_sql(
        "CREATE TRIGGER search_doc_ai AFTER INSERT ON search_doc BEGIN "
        "INSERT INTO search_trigram(rowid, text) VALUES (new.id, new.text); "
        "INSERT INTO search_bigram(rowid, grams) VALUES (new.id, new.grams); END")
    db.execute_sql(
        "CREATE TRIGGER search_doc_ad AFTER DELETE ON search_doc BEGIN "
        "INSERT INTO search_trigram(search_trigram, rowid, text) VALUES ('delete', old.id, old.text); "
        "INSERT INTO search_bigram(search_bigram, rowid, grams) VALUES ('delete', old.id, old.grams); END")
    db.execute_sql(
        "CREATE TRIGGER search_doc_au AFTER UPDATE ON search_doc BEGIN "
        "INSERT INTO search_trigram(search_trigram, rowid, text) VALUES ('delete', old.id, old.text); "
        "INSERT INTO search_bigram(search_bigram, rowid, grams) VALUES ('delete', old.id, old.grams); "
        "INSERT INTO search_trigram(rowid, text) VALUES (new.id, new.text); "
        "INSERT INTO search_bigram(rowid, grams) VALUES (new.id, new.grams); END")


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        for name in ('search_trigram', 'search_bigram'):
            db.execute_sql('DROP TABLE IF EXISTS %s' % name)
    migrator.migrate(migrator.drop_table('search_doc'))
