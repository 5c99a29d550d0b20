"""Field history: who changed what. One row per created, changed, deleted, restored,
merged, imported, reverted or purged record (a change: one row per field, its old and
new value as text). No foreign keys: a purged record keeps its history."""
from peewee import *


def up(migrator, db):
    class FieldHistory(Model):
        id = AutoField()
        at = DateTimeField()
        user = TextField(null=True)
        kind = CharField(max_length=10)
        record_id = BigIntegerField()
        action = CharField(max_length=10)
        field = TextField(null=True)
        old = TextField(null=True)
        new = TextField(null=True)
        batch = BigIntegerField(null=True)

        class Meta:
            database = db
            table_name = 'field_history'
            indexes = ((('kind', 'record_id'), False),)
    db.create_tables([FieldHistory])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('field_history'))
