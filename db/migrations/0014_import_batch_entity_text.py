"""An import batch names every kind of record its file held ("company, contact, deal,
ticket, followup" for a whole workbook of our own export): more than the 20 characters
the column had. SQLite never enforced the length; PostgreSQL refused the import."""
from peewee import *


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("ALTER TABLE import_batch ALTER COLUMN entity TYPE TEXT")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("ALTER TABLE import_batch ALTER COLUMN entity TYPE VARCHAR(20) USING left(entity, 20)")
