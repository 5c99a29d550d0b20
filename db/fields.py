"""One declaration per field of a contact or a company. The export's columns, the header
spellings an import recognises, the words of the search document, the text a service
cleans, what a merge fills and the columns the bulk import writes are all read from here.
A new contact field is: its model column and migration, one line here, its place on
bulk_contacts.ContactRow (tests/test_field_spec.py checks it), and where a person types it
(a CLI option, the app's form).

The order is the export's column order: a new field goes at the end, so the files written
before keep their columns in place (tests pin the export byte for byte)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str  # its name in the store, the services, an import mapping and the export's header
    synonyms: tuple[str, ...] = ()  # header spellings an import recognises besides the key itself
    imported_as: str | None = None  # the import's name, when other: it reads one email, one phone a column
    export: bool = True  # a column of `crm export`
    search: bool = False  # its text is in the record's search document
    # "text": a column of its own holding free text (validate.text cleans it, a merge or a
    # bulk import copies it as it is); "own": a column of its own with the service's own rule
    # (stage, birthday); None: a list, link or flag the services keep their own way.
    stored: str | None = "text"

    @property
    def import_key(self) -> str:
        return self.imported_as or self.key


CONTACT: tuple[Field, ...] = (
    Field("first_name", ("first name", "firstname", "given name", "first", "forename", "名", "名字")),
    Field("last_name", ("last name", "lastname", "surname", "family name", "last", "姓", "姓氏")),
    Field("emails", ("email", "e-mail", "email address", "e-mail address", "email 1", "email 2", "email 3",
                     "e-mail 2 address", "e-mail 3 address", "email1", "email2", "primary email", "work email",
                     "personal email", "other email", "emails", "邮箱", "电子邮件", "电子邮箱", "邮件"),
          imported_as="email", stored=None),
    Field("phones", ("phone", "phone number", "telephone", "tel", "mobile", "mobile phone", "cell", "cell phone",
                     "phone 1", "phone 2", "phone 3", "phone1", "phone2", "business phone", "work phone",
                     "home phone", "other phone", "primary phone", "phones", "mobile number", "手机", "电话",
                     "手机号", "手机号码", "联系电话", "电话号码"),
          imported_as="phone", stored=None),
    Field("company", ("company", "company name", "organization", "organisation", "organization name", "account",
                      "account name", "employer", "business", "公司", "公司名称", "单位"), stored=None),
    Field("title", ("title", "job title", "position", "role", "job", "职位", "职务", "头衔"), search=True),
    Field("stage", ("stage", "lifecycle stage", "lead status", "status", "contact stage", "阶段", "状态"),
          stored="own"),
    Field("source", ("source", "lead source", "leadsource", "original source", "来源")),
    Field("owner", ("owner", "lead owner", "contact owner", "account owner", "assigned to", "负责人")),
    Field("tags", ("tags", "tag", "labels", "label", "groups", "group membership", "categories", "标签"),
          stored=None),
    Field("do_not_contact", ("do not contact", "dnc", "unsubscribed", "opt out", "do not call", "勿扰"),
          stored=None),
    Field("notes", ("notes", "note", "comments", "description", "remarks", "备注", "说明"), search=True),
    Field("external_id", ("id", "external id", "record id", "contact id", "编号")),
    # added after the export's columns were fixed: not in them (vCard carries both)
    Field("birthday", ("birthday", "date of birth", "birth date"), export=False, stored="own"),
    Field("address", ("address", "postal address", "home address"), export=False),
)

COMPANY: tuple[Field, ...] = (
    Field("name", ("name", "company", "company name", "organization", "organisation", "account name", "公司",
                   "公司名称", "名称", "organization name", "organisation name", "account.name")),
    Field("domain", ("domain", "website", "web site", "url", "company domain name", "网站", "网址",
                     "organization website", "website url"), search=True),
    Field("industry", ("industry", "sector", "行业", "organization industry"), search=True),
    Field("phone", ("phone", "phone number", "telephone", "main phone", "电话"), search=True),
    Field("email", ("email", "e-mail", "email address", "邮箱"), search=True),
    Field("address", ("address", "street", "street address", "地址", "organization address",
                      "organization full combined address of address", "billingstreet", "billing street")),
    Field("city", ("city", "town", "城市"), search=True),
    Field("country", ("country", "country/region", "国家"), search=True),
    Field("owner", ("owner", "company owner", "account owner", "负责人", "organization owner")),
    Field("tags", ("tags", "labels", "标签", "organization labels", "organization label"), stored=None),
    Field("notes", ("notes", "description", "备注"), search=True),
    # set by an import (the file's own id), never typed: the import service's rule
    Field("external_id", ("id", "external id", "record id", "company id", "organization id", "record id company"),
          stored="own"),
)

SPECS = {"contact": CONTACT, "company": COMPANY}


def export_columns(kind: str) -> list[str]:
    """The export's header: the record's id, then each exported field in order."""
    return ["id", *(f.key for f in SPECS[kind] if f.export)]


def synonyms(kind: str) -> dict[str, list[str]]:
    """Import name -> the header spellings that name it."""
    return {f.import_key: list(f.synonyms) for f in SPECS[kind]}


def stored(kind: str, *how: str) -> tuple[str, ...]:
    """The fields held in a column of their own (of the kinds how names: "text", "own")."""
    how = how or ("text", "own")
    return tuple(f.key for f in SPECS[kind] if f.stored in how)


def searchable(kind: str) -> tuple[str, ...]:
    """The fields of their own whose text the search document carries, in order (a
    record's name, and a contact's emails, phones and company, are always in it)."""
    return tuple(f.key for f in SPECS[kind] if f.search and f.stored)
