"""PostgreSQL: a pg_trgm index under the search documents, so a substring search
(LIKE '%term%', what PlainIndex asks) reads the index instead of every document.
pg_trgm ships with PostgreSQL and is a trusted extension (13+): a user who may create
objects in the database may add it. Without that right the search still works, by
scanning, and this step leaves the schema as it was."""
from peewee import *


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    try:
        with db.atomic():  # a savepoint: a refused CREATE EXTENSION must not abort the upgrade
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    db.execute_sql("CREATE INDEX IF NOT EXISTS search_doc_text_trgm ON search_doc USING gin (text gin_trgm_ops)")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP INDEX IF EXISTS search_doc_text_trgm")
