"""Every business record carries a version (1 for the rows already there) and who last
changed it: an edit states the version it started from, and a save over someone else's
change is refused instead of silently winning (db/services/versions.py).

On PostgreSQL every statement that writes these tables also sends NOTIFY crm_changed,
so an open app hears that another process changed the store (db/services/watch.py).
SQLite needs nothing here: its PRAGMA data_version already says so."""
from peewee import *

TABLES = ("company", "contact", "deal", "ticket", "follow_up")
WATCHED = TABLES + ("activity", "contact_email", "contact_phone", "contact_tag", "company_tag",
                    "deal_stage_history", "import_batch", "segment")


def up(migrator, db):
    for table in TABLES:
        # Plain ADD COLUMN on both stores: Peewee's add_column would rebuild each SQLite
        # table to make the column NOT NULL. SQLite and PostgreSQL 11+ fill the default
        # without rewriting a row.
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN updated_by TEXT")
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION crm_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN PERFORM pg_notify('crm_changed', TG_TABLE_NAME); RETURN NULL; END $$")
        for table in WATCHED:
            db.execute_sql(f"DROP TRIGGER IF EXISTS crm_changed ON {table}")
            db.execute_sql(f"CREATE TRIGGER crm_changed AFTER INSERT OR UPDATE OR DELETE ON {table}"
                           " FOR EACH STATEMENT EXECUTE FUNCTION crm_changed()")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table in WATCHED:
            db.execute_sql(f"DROP TRIGGER IF EXISTS crm_changed ON {table}")
        db.execute_sql("DROP FUNCTION IF EXISTS crm_changed()")
    with migrator.migration_context():
        for table in TABLES:
            migrator.migrate(migrator.drop_column(table, 'version'), migrator.drop_column(table, 'updated_by'))
