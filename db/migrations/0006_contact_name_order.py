"""An index in the order contact lists are shown (last name, first name), so the first
page of 100k contacts comes without sorting them all."""
from peewee import *


def up(migrator, db):
    db.execute_sql('CREATE INDEX IF NOT EXISTS contact_name_order '
                   'ON contact (deleted_at, lower(last_name), lower(first_name), id)')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS contact_name_order')
