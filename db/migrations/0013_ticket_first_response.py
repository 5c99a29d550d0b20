"""Tickets record their first response: the first reply comment or the first move out
of 'new'. Existing tickets get it from their timeline: the earliest comment (every
comment before this script was a reply) or 'Status new -> ...' entry. A ticket with
neither stays null: it was born past new, so when it was answered is not known."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('ticket', 'first_response_at', DateTimeField(null=True)))
    p = db.param  # values as parameters: psycopg2 reads a bare % as one
    db.execute_sql(
        "UPDATE ticket SET first_response_at = ("
        " SELECT MIN(a.occurred_at) FROM activity a WHERE a.ticket_id = ticket.id"
        f" AND (a.kind = {p} OR (a.kind = {p} AND a.body LIKE {p})))",
        ("comment", "status", "Status new -> %"))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('ticket', 'first_response_at'))
