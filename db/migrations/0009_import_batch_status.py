"""Import batches say how they ended: running, done, failed or reverted; and which
process runs them (pid and host), so a batch whose process died shows as incomplete.
Batches from before this script were finished imports: they become 'done' (the
column's default; no table rebuild on SQLite)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('import_batch', 'status',
                            CharField(max_length=20, default='done', constraints=[SQL("DEFAULT 'done'")]),
                            allow_not_null=True),
        migrator.add_column('import_batch', 'pid', IntegerField(null=True)),
        migrator.add_column('import_batch', 'host', TextField(null=True)),
    )
    db.execute_sql("UPDATE import_batch SET status = 'reverted' WHERE reverted_at IS NOT NULL")


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('import_batch', 'status'),
        migrator.drop_column('import_batch', 'pid'),
        migrator.drop_column('import_batch', 'host'),
    )
