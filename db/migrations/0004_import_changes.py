"""What each import batch created or updated, for `crm import revert`."""
from peewee import *


def up(migrator, db):
    class ImportBatch(Model):
        class Meta:
            database = db
            table_name = 'import_batch'

    class ImportChange(Model):
        batch = ForeignKeyField(ImportBatch, on_delete='CASCADE')
        kind = CharField(max_length=10)
        ref_id = IntegerField()
        action = CharField(max_length=10)
        before = TextField(null=True)
        stamp = DateTimeField()
        class Meta:
            database = db
            table_name = 'import_change'
            indexes = ((('kind', 'ref_id'), False),)
    db.create_tables([ImportChange])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('import_change'))
