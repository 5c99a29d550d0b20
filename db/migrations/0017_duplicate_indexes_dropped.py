"""Two indexes that only duplicated another one, and that every bulk import paid for:
contact(deleted_at) is the first column of contact_name_order (0006), which answers
the same 'live contacts' lookups; contact_tag(contact_id) is the first column of the
table's primary key (contact_id, tag_id). Statistics for SQLite's planner, taken
from here on after bulk imports (db.store.refresh_statistics): without them it walks
contact_name_order for `deleted_at IS NULL` where a selective index would do."""
from peewee import *


def up(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS contact_deleted_at')
    db.execute_sql('DROP INDEX IF EXISTS contacttag_contact_id')
    if isinstance(db, SqliteDatabase):
        db.execute_sql('PRAGMA analysis_limit=10000')
        db.execute_sql('ANALYZE')


def down(migrator, db):
    db.execute_sql('CREATE INDEX IF NOT EXISTS contact_deleted_at ON contact (deleted_at)')
    db.execute_sql('CREATE INDEX IF NOT EXISTS contacttag_contact_id ON contact_tag (contact_id)')
