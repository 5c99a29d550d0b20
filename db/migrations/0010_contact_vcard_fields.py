"""What a vCard (or Google's CSV) carries that a contact could not keep: a birthday,
a postal address, and the label of each email and phone (work, home, cell...).
Nullable columns only: no table rebuild on SQLite, nothing to fill in."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('contact', 'birthday', CharField(max_length=10, null=True)),
        migrator.add_column('contact', 'address', TextField(null=True)),
        migrator.add_column('contact_email', 'label', TextField(null=True)),
        migrator.add_column('contact_phone', 'label', TextField(null=True)),
    )


def down(migrator, db):
    with migrator.migration_context():  # SQLite rebuilds each table to drop a column
        migrator.migrate(
            migrator.drop_column('contact', 'birthday'),
            migrator.drop_column('contact', 'address'),
            migrator.drop_column('contact_email', 'label'),
            migrator.drop_column('contact_phone', 'label'),
        )
