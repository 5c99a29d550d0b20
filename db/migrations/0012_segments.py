"""Saved views of contacts (`crm segment`): a name, unique whatever its case, and the
filters of `crm contact list` as JSON."""
from peewee import *


def up(migrator, db):
    class Segment(Model):
        id = AutoField()
        name = TextField()
        name_key = TextField(unique=True)
        filters = TextField(default='{}')
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'segment'
    db.create_tables([Segment])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('segment'))
