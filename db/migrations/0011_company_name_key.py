"""Companies are found by name_key, their name case-folded for every script (Żabka and
ŻABKA, İstanbul and istanbul are one company; SQLite's lower() folds ASCII only). A
nullable indexed column (no table rebuild on SQLite), filled here in Python: neither
store's SQL can casefold the same way."""
from peewee import *

from db.validate import name_key


def up(migrator, db):
    migrator.migrate(migrator.add_column('company', 'name_key', TextField(null=True)))
    db.execute_sql('CREATE INDEX IF NOT EXISTS company_name_key ON company (name_key)')
    rows = db.execute_sql('SELECT id, name FROM company').fetchall()
    if rows:
        p = db.param
        db.cursor().executemany(f'UPDATE company SET name_key = {p} WHERE id = {p}',
                                [(name_key(name), cid) for cid, name in rows])


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS company_name_key')
    with migrator.migration_context():  # SQLite rebuilds the table to drop a column
        migrator.migrate(migrator.drop_column('company', 'name_key'))
