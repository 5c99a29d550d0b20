"""The trigram index without positions (detail='none'): about half the work to build
(imports write it for every record) and half the size. A query now asks for every
trigram of each term and checks the term itself in the document, which is exact."""
from peewee import *


def up(migrator, db):
    _rebuild(db, ", detail='none'")


def down(migrator, db):
    _rebuild(db, "")


def _rebuild(db, detail: str) -> None:
    if not isinstance(db, SqliteDatabase):
        return
    db.execute_sql("DROP TABLE IF EXISTS search_trigram")
    db.execute_sql("CREATE VIRTUAL TABLE search_trigram USING fts5("
                   f"text, content='search_doc', content_rowid='id', tokenize='trigram'{detail})")
    db.execute_sql("INSERT INTO search_trigram(search_trigram) VALUES ('rebuild')")
