"""The Peewee models: one table per thing the business keeps.

Conventions: timestamps are naive UTC datetimes; follow-up due/snooze times are naive
*local* wall-clock times in the configured timezone (a 09:00 call stays at 09:00 across
DST); money is an integer in minor units beside an ISO 4217 code; deleting sets
deleted_at (the trash) and purging is a separate, explicit step.
"""
from datetime import datetime

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    CompositeKey,
    DatabaseProxy,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from db import clock, validate  # clock: "now"; name_key: plain functions, no models

database = DatabaseProxy()


def utcnow() -> datetime:
    return clock.utcnow()  # the pinned clock too: defaults agree with the services' "now"


def acting_user() -> str:
    from db.identity import current_user  # (it reads the config; nothing here needs that at import)

    return current_user()


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class ImportBatch(BaseModel):
    file = TextField()
    sheet = TextField(null=True)
    entity = TextField()  # every kind the file held: "company, contact, deal, ticket, followup"
    mapping = TextField(default="{}")
    created = IntegerField(default=0)
    updated = IntegerField(default=0)
    skipped = IntegerField(default=0)
    rejected = IntegerField(default=0)
    user = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    reverted_at = DateTimeField(null=True)
    # running -> done | failed | reverted; a running batch whose process (pid on
    # host) is gone was killed and is listed as incomplete.
    status = CharField(max_length=20, default="running")
    pid = IntegerField(null=True)
    host = TextField(null=True)


class Record(BaseModel):
    """What every business record carries: where it came from, when it changed, and
    deleted_at (set: it is in the trash)."""

    external_id = TextField(null=True, index=True)
    import_batch = ForeignKeyField(ImportBatch, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    deleted_at = DateTimeField(null=True, index=True)
    # Goes up by one with every change (an edit states the version it started from:
    # db/services/versions.py) and names who made the change.
    version = IntegerField(default=1)
    updated_by = TextField(null=True, default=acting_user)

    def save(self, *args, **kwargs):
        """Saving a stored record is a change: one version up, signed by the acting user.
        The one place single-record writes bump it; set-based writes (imports, merge)
        say `version = version + 1` in their own statement."""
        if self._pk is None or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        model, before = type(self), self.version
        self.updated_by = acting_user()
        self.version = model.version + 1  # counted by the store: two writers never both write the same number
        try:
            saved = super().save(*args, **kwargs)
        except BaseException:
            self.version = before
            raise
        self.version = model.select(model.version).where(model._meta.primary_key == self._pk).scalar()
        return saved


class Tag(BaseModel):
    name = CharField(max_length=100, unique=True)


class Company(Record):
    name = TextField()
    # validate.name_key(name): how a company is found by name. Kept by save() and
    # insert_many() below, so no writer can forget it (migration 0011 filled old rows).
    name_key = TextField(null=True, index=True)
    domain = TextField(null=True)
    industry = TextField(null=True)
    phone = TextField(null=True)
    email = TextField(null=True)
    address = TextField(null=True)
    city = TextField(null=True)
    country = TextField(null=True)
    notes = TextField(null=True)
    owner = TextField(null=True)

    def save(self, *args, **kwargs):
        self.name_key = validate.name_key(self.name)
        return super().save(*args, **kwargs)

    @classmethod
    def insert_many(cls, rows, fields=None):
        rows = [{**r, "name_key": validate.name_key(r.get("name", r.get(cls.name)))} if isinstance(r, dict) else r for r in rows]
        return super().insert_many(rows, fields)


class Contact(Record):
    first_name = TextField(default="")
    last_name = TextField(default="")
    title = TextField(null=True)
    company = ForeignKeyField(Company, null=True, on_delete="SET NULL", backref="contacts")
    stage = CharField(max_length=20, default="lead")
    source = TextField(null=True)
    owner = TextField(null=True)
    do_not_contact = BooleanField(default=False)
    notes = TextField(null=True)
    birthday = CharField(max_length=10, null=True)  # YYYY-MM-DD, or --MM-DD when the year is unknown
    address = TextField(null=True)  # the postal address as lines of text (see importers/vcard.py)
    deleted_at = DateTimeField(null=True)  # indexed by contact_name_order (0006), which leads with it


class ContactEmail(BaseModel):
    contact = ForeignKeyField(Contact, on_delete="CASCADE", backref="email_rows")
    email = TextField()
    email_key = TextField(index=True)  # lower-cased: the duplicate key
    position = IntegerField(default=0)  # 0 is the primary address
    label = TextField(null=True)  # work, home, other or the source's own words (vCard TYPE, Google's label)


class ContactPhone(BaseModel):
    contact = ForeignKeyField(Contact, on_delete="CASCADE", backref="phone_rows")
    raw = TextField()
    number = TextField(index=True)  # E.164 when the region is known, else digits
    position = IntegerField(default=0)
    label = TextField(null=True)  # cell, work, home, fax... (comma-joined when several)


class ContactTag(BaseModel):
    contact = ForeignKeyField(Contact, on_delete="CASCADE", index=False)  # the primary key leads with it
    tag = ForeignKeyField(Tag, on_delete="CASCADE")

    class Meta:
        primary_key = CompositeKey("contact", "tag")


class CompanyTag(BaseModel):
    company = ForeignKeyField(Company, on_delete="CASCADE")
    tag = ForeignKeyField(Tag, on_delete="CASCADE")

    class Meta:
        primary_key = CompositeKey("company", "tag")


class Deal(Record):
    title = TextField()
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL", backref="deals")
    company = ForeignKeyField(Company, null=True, on_delete="SET NULL", backref="deals")
    amount = BigIntegerField(default=0)  # minor units
    currency = CharField(max_length=3)
    stage = CharField(max_length=40, index=True)
    probability = IntegerField()
    expected_close = DateField(null=True)
    owner = TextField(null=True)
    lost_reason = TextField(null=True)
    closed_at = DateTimeField(null=True)
    notes = TextField(null=True)


class DealStage(BaseModel):
    """When a deal entered (and left) each stage."""

    deal = ForeignKeyField(Deal, on_delete="CASCADE", backref="stage_history")
    stage = CharField(max_length=40)
    entered_at = DateTimeField(default=utcnow)
    left_at = DateTimeField(null=True)

    class Meta:
        table_name = "deal_stage_history"  # "deal_stage" is the name of Deal.stage's index


class Ticket(Record):
    subject = TextField()
    description = TextField(null=True)
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL", backref="tickets")
    company = ForeignKeyField(Company, null=True, on_delete="SET NULL", backref="tickets")
    status = CharField(max_length=20, default="new", index=True)
    priority = CharField(max_length=20, default="normal")
    channel = CharField(max_length=20, default="other")
    assignee = TextField(null=True)
    response_due = DateTimeField(null=True)
    resolution_due = DateTimeField(null=True)
    resolved_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    first_response_at = DateTimeField(null=True)  # the first reply comment or move out of new


class FollowUp(Record):
    subject = TextField()
    due = DateTimeField(index=True)  # local wall-clock time
    due_has_time = BooleanField(default=True)  # False: a date, due at the start of the day
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL", backref="followups")
    company = ForeignKeyField(Company, null=True, on_delete="SET NULL", backref="followups")
    deal = ForeignKeyField(Deal, null=True, on_delete="SET NULL", backref="followups")
    ticket = ForeignKeyField(Ticket, null=True, on_delete="SET NULL", backref="followups")
    priority = CharField(max_length=20, default="normal")
    status = CharField(max_length=20, default="open", index=True)
    every = CharField(max_length=20, null=True)  # recurrence: 3d, 2w, 1m, 1y, weekdays
    snoozed_until = DateTimeField(null=True)  # local wall-clock time
    owner = TextField(null=True)
    notes = TextField(null=True)
    done_at = DateTimeField(null=True)
    previous = ForeignKeyField("self", null=True, on_delete="SET NULL")  # the recurrence chain
    # The chain's first due time and this occurrence's place in it: month steps count
    # from the start, so Jan 31 -> Feb 28 -> Mar 31 instead of drifting to the 28th.
    chain_start = DateTimeField(null=True)
    chain_index = IntegerField(default=0)


class Reminder(BaseModel):
    """One follow-up occurrence's reminder: claimed by a `crm remind` run before it is
    delivered, so overlapping runs deliver it once. An occurrence is the local time
    the follow-up fires (its due time, or the end of a snooze)."""

    followup = ForeignKeyField(FollowUp, on_delete="CASCADE", backref="reminders")
    occurrence = DateTimeField()  # local wall-clock
    claim = CharField(max_length=64)  # which run holds it
    claimed_at = DateTimeField()  # UTC
    delivered_at = DateTimeField(null=True)  # UTC; null while held or after a failed delivery
    channel = CharField(max_length=20, null=True)

    class Meta:
        indexes = ((("followup", "occurrence"), True),)


class ImportChange(BaseModel):
    """What an import batch did to one record, so the batch can be reverted."""

    batch = ForeignKeyField(ImportBatch, on_delete="CASCADE", backref="changes")
    kind = CharField(max_length=10)  # contact, company, deal, ticket, followup
    ref_id = IntegerField()
    action = CharField(max_length=10)  # created, updated
    before = TextField(null=True)  # JSON: the old values and what was added, for updates
    stamp = DateTimeField()  # the record's updated_at right after the import: later means edited since

    class Meta:
        indexes = ((("kind", "ref_id"), False),)


class Activity(BaseModel):
    """One entry of a record's timeline."""

    id = AutoField()
    kind = CharField(max_length=20)  # note, call, email, meeting, status, comment (a reply), internal (a team-only note)
    body = TextField()
    contact = ForeignKeyField(Contact, null=True, on_delete="CASCADE", backref="activities")
    company = ForeignKeyField(Company, null=True, on_delete="CASCADE", backref="activities")
    deal = ForeignKeyField(Deal, null=True, on_delete="CASCADE", backref="activities")
    ticket = ForeignKeyField(Ticket, null=True, on_delete="CASCADE", backref="activities")
    author = TextField(null=True)
    occurred_at = DateTimeField(default=utcnow, index=True)


class Segment(BaseModel):
    """A saved view of contacts: the filters of `crm contact list`, by name."""

    id = AutoField()
    name = TextField()
    name_key = TextField(unique=True)  # validate.name_key(name): VIP and vip are one segment
    filters = TextField(default="{}")  # JSON: {query, tag, stage, owner, company, do_not_contact}
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class FieldHistory(BaseModel):
    """Who changed what (db/services/history.py): one row per field a change touched,
    or per created, deleted, restored, merged, reverted or purged record (field null).
    Values are text as the CLI shows them. No foreign keys: a purged record keeps it."""

    id = AutoField()
    at = DateTimeField(default=utcnow)  # UTC
    user = TextField(null=True)
    kind = CharField(max_length=10)  # contact, company, deal, ticket, followup
    record_id = BigIntegerField()
    action = CharField(max_length=10)  # created, updated, deleted, restored, merged, imported, reverted, purged
    field = TextField(null=True)
    old = TextField(null=True)
    new = TextField(null=True)
    batch = BigIntegerField(null=True)  # the import batch, for imported and reverted rows

    class Meta:
        table_name = "field_history"
        indexes = ((("kind", "record_id"), False),)


MODELS = [
    ImportBatch, Tag, Company, Contact, ContactEmail, ContactPhone, ContactTag,
    CompanyTag, Deal, DealStage, Ticket, FollowUp, Reminder, ImportChange, Activity, Segment,
    FieldHistory,
]
