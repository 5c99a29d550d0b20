"""Reminders claimed and delivered by `crm remind`, and anchored recurrence chains."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('follow_up', 'chain_start', DateTimeField(null=True)),
        migrator.add_column('follow_up', 'chain_index', IntegerField(default=0)),
    )

    class FollowUp(Model):
        class Meta:
            database = db
            table_name = 'follow_up'

    class Reminder(Model):
        followup = ForeignKeyField(FollowUp, on_delete='CASCADE')
        occurrence = DateTimeField()
        claim = CharField(max_length=64)
        claimed_at = DateTimeField()
        delivered_at = DateTimeField(null=True)
        channel = CharField(max_length=20, null=True)
        class Meta:
            database = db
            table_name = 'reminder'
            indexes = ((('followup', 'occurrence'), True),)
    db.create_tables([Reminder])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('reminder'))
    migrator.migrate(
        migrator.drop_column('follow_up', 'chain_start'),
        migrator.drop_column('follow_up', 'chain_index'),
    )
