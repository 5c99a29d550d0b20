"""One declaration per field (db/fields.py): a field added there, with its model column and
its migration, is an export column, an import header and words of the search document
without another edit."""
import csv
import dataclasses
import subprocess
import sys
import textwrap

from db import fields
from db.services.bulk_contacts import ContactRow
from tests.conftest import CONFIG

# Run before anything else imports the specification, as an edit of db/fields.py would be.
ADD_A_FIELD = textwrap.dedent("""
    import sys
    from peewee import TextField

    from db import fields
    fields.CONTACT = (*fields.CONTACT, fields.Field("nickname", ("nick name", "alias", "known as"), search=True))
    fields.SPECS["contact"] = fields.CONTACT

    from db.models import Contact, database
    Contact._meta.add_field("nickname", TextField(null=True))  # the model's column

    from db import store
    from db.services import contacts, exports
    from importers import export, headers
    from db import search

    store.open_store(sys.argv[1])
    with store.write():  # the migration
        database.obj.execute_sql("ALTER TABLE contact ADD COLUMN nickname TEXT")
    robert = contacts.create({"first_name": "Robert", "last_name": "Paulson", "nickname": "Big Bob"})
    contacts.create({"first_name": "Marla", "last_name": "Singer"})

    print("found", search.find("big bob", ["contact"]) == [("contact", robert["id"])])
    print("mapped", headers.auto_map("contact", ["First name", "Known as", "Email"]))
    export.export(sys.argv[2], ["contact"])
""")


def test_a_field_added_to_the_specification_is_exported_imported_and_searched(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG)
    out = tmp_path / "out.csv"
    env = {"CRM_CONFIG": str(cfg), "CRM_DB": str(tmp_path / "other.db"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", ADD_A_FIELD, str(tmp_path / "other.db"), str(out)],
                         capture_output=True, text=True, env=env, cwd=tmp_path.parent, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["found True", "mapped {0: 'first_name', 1: 'nickname', 2: 'email'}"]
    with open(out, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "first_name", "last_name", "emails", "phones", "company", "title", "stage", "source",
                       "owner", "tags", "do_not_contact", "notes", "external_id", "nickname"]
    assert [r[-1] for r in rows[1:]] == ["Big Bob", ""]


def test_every_stored_contact_field_is_a_field_of_an_imported_row():
    """The bulk import fills the columns fields.stored() names from a ContactRow's values:
    a field the specification stores needs its place on the row (one line there)."""
    assert set(fields.stored("contact")) <= {f.name for f in dataclasses.fields(ContactRow)}


def test_the_specification_names_each_field_once_and_spells_no_header_twice():
    for kind, spec in fields.SPECS.items():
        keys = [f.key for f in spec]
        assert len(keys) == len(set(keys)), kind
        owners = {}
        for f in spec:
            for spelling in {*f.synonyms, f.import_key}:
                owners.setdefault(spelling.lower(), []).append(f.key)
        assert {s: k for s, k in owners.items() if len(k) > 1} == {}, kind
