"""The contact layouts other tools export, as data: which header means which field.

One table to extend. A layout is told by the headers it carries (tells: every one of
them must be present), so the same word can mean different fields in different files:
Outlook's `Title` is the honorific (Mr., Dr.) while Salesforce's and Zoho's `Title` is
the job title. Numbered and prefixed columns (`E-mail 3 - Value`, `Phone 2 - Value`,
`E-mail 2 Address`, `Person - Email - Work`) are recognised by pattern, never by a
fixed list, because those tools emit only as many numbered groups as the file needs.
Sources for every layout: /tmp/issue10/layouts.md (copied into the commit message
history); the header rows of tests/fixtures/layouts/*.csv are the tools' own.

Headers are compared after headers.normalise(): 'E-mail 2 - Value' -> 'e mail 2 value'.
Fields beyond the plain contact fields:
  honorific        Mr., Dr. (no field of ours: kept in notes under its header)
  middle_name      joined to the first name
  company_*        the company's own phone, domain, address, city, country, industry,
                   external id; company_extra: any other company-side column (kept in
                   the company's notes, never the person's)
  email_label,     the label of the email/phone column next to it (Google 'E-mail 1 - Label');
  phone_label      one with no such column is not kept (Outlook's 'E-mail Type': SMTP or EX,
                   the transport, not the user's words)
  birthday         YYYY-MM-DD, --MM-DD, Outlook's M/D/YYYY; birth_part: Thunderbird's Birth Year/Month/Day
  address          the person's postal address as text; address_*: its parts, joined as lines
  ignore           not a value: Outlook's 'E-mail N Display Name' (the name and address again)
"""
from __future__ import annotations

import re

# Cell text that means "no value" in real exports (HubSpot writes null; people type N/A, -).
PLACEHOLDERS = frozenset({"null", "n/a", "na", "-", "--", "—", "–", "none", "(none)", "nil", "#n/a", "0/0/00"})

# Tags that are the tool's own bookkeeping, not the user's (compared case-insensitively):
# Google's '* myContacts', '* starred' (every label starting with '* '), and the same
# names without the star in Google's Outlook-format export.
SYSTEM_TAGS = frozenset({"mycontacts", "my contacts", "starred"})

# (pattern over the normalised header, field), first match wins. Applied to every
# contact sheet, after the layout's own words.
PATTERNS: list[tuple[str, str]] = [
    # The label of a numbered value (Google 'E-mail 1 - Label' = Work) belongs to that value.
    # Other labels ('Event 1 - Type' = Anniversary, 'Custom Field 1 - Label') are no values of
    # their own: unmapped, they stay in notes beside the value they name.
    (r"e ?mail( \d+)? (type|label)", "email_label"),
    (r"phone( \d+)? (type|label)", "phone_label"),
    (r"e ?mail( \d+)? display name", "ignore"),
    (r"e ?mail \d+( value)?", "email"),
    (r"e ?mail( \d+)? address", "email"),
    (r"(primary|secondary|other|work|home|personal|business|private) e ?mail( address)?", "email"),
    (r"phone \d+( value)?", "phone"),
    (r"company main phone|company phone( number)?|main phone|switchboard", "company_phone"),
    # (an assistant's phone is the assistant's: it stays in notes)
    (r"(business|home|mobile|other|primary|car|work|radio|callback|isdn|cell|office|direct)"
     r" ?(phone|number|phone number)( \d+)?", "phone"),
    (r"(mobile|cell|home|other)?phone", "phone"),  # Salesforce API names: MobilePhone, HomePhone
    (r"callback|isdn|car phone|radio phone|mobile", "phone"),
    (r"organization \d+ name", "company"),
    (r"organization \d+ title", "title"),
    (r"organization (title|job title)", "title"),
    (r"name prefix|salutation|honorific|prefix", "honorific"),
    (r"middle name|additional name", "middle_name"),
    (r"given name", "first_name"),
    (r"family name", "last_name"),
    (r"group membership|labels?|categories|tags?", "tags"),
    (r"leadsource|lead source", "source"),
    (r"birthday|birthdate|birth date|date of birth|dob", "birthday"),
    (r"birth (year|month|day)", "birth_part"),  # Thunderbird splits it
    # The person's own (first) postal address: Google's Address 1, Outlook's Home, Salesforce's
    # and Zoho's Mailing. A formatted one wins over the parts; a second address stays in notes.
    (r"address 1 formatted|postal address|home address", "address"),
    (r"(address 1|home|mailing) ?(street|address)( \d)?|(address 1|home) (extended address|po box)|"
     r"home address( \d| po box)", "address_street"),
    (r"(address 1|home|mailing) ?city", "address_city"),
    (r"(address 1|home|mailing) ?(region|state)", "address_region"),
    (r"(address 1|home|mailing) ?(postal ?code|zip ?code|zip)", "address_postcode"),
    (r"(address 1|home|mailing) ?country( region)?", "address_country"),
    # A person's work address is their company's (Outlook, Thunderbird): it fills the
    # company's address where the company has none.
    (r"(business|work) (street|address)", "company_address"),
    (r"(business|work) city", "company_city"),
    (r"(business|work) country( region)?", "company_country"),
]

# Pipedrive prefixes each column with its entity: 'Person - Email - Work'. The person's
# part is read with the same patterns; the organisation's part is company-side.
PERSON_PREFIX = re.compile(r"^(person|persona|pessoa) (.+)$")
ORGANIZATION_PREFIX = re.compile(r"^(organization|organisation|organização|organizacion) (?!\d)(.+)$")
PERSON_WORDS = {
    "name": "full_name", "first name": "first_name", "last name": "last_name", "job title": "title",
    "organization": "company", "organisation": "company", "id": "external_id", "owner": "owner",
    "notes": "notes", "label": "tags", "labels": "tags", "postal address": "address",
    "full combined address of postal address": "address",
}
ORGANIZATION_WORDS = {
    "name": "company", "website": "company_domain", "address": "company_address",
    "full combined address of address": "company_address", "city town village locality of address": "company_city",
    "country of address": "company_country", "industry": "company_industry", "id": "company_external_id",
    "department": None,  # the person's department (Google): their notes
}
PERSON_ONLY = {"email", "first_name", "last_name", "full_name", "middle_name", "honorific", "title"}

# After a company marker column (HubSpot's 'Record ID - Company' or the association columns),
# the columns describe the company: its 'Phone Number' is the switchboard. Person-only kinds
# stay the person's: HubSpot's association export puts the contact's 'Cell Number' there.
COMPANY_MARKERS = {"record id company", "primary associated company id", "associated company id"}
COMPANY_SIDE = {
    "company name": "company", "name": "company", "phone number": "company_phone", "phone": "company_phone",
    "city": "company_city", "country region": "company_country", "country": "company_country",
    "industry": "company_industry", "company domain name": "company_domain", "website url": "company_domain",
    "street address": "company_address", "address": "company_address", "record id company": "company_external_id",
}


class Layout:
    def __init__(self, name: str, tells: set[str], words: dict[str, str]):
        self.name, self.tells, self.words = name, tells, words


LAYOUTS = [
    # Outlook desktop, Outlook.com, Google's "Outlook CSV": 'Title' is the honorific.
    Layout("outlook", {"title", "job title", "e mail address"}, {
        "title": "honorific", "job title": "title", "company": "company", "categories": "tags"}),
    # Salesforce API names: 'Title' is the job, 'Salutation' the honorific.
    Layout("salesforce", {"firstname", "lastname"}, {
        "title": "title", "salutation": "honorific", "account name": "company", "accountid": "company_external_id",
        "description": "notes", "id": "external_id"}),
    # Zoho CRM: lookups come as 'X' and 'X.id'.
    Layout("zoho", {"record id", "account name id"}, {
        "title": "title", "salutation": "honorific", "account name": "company", "account name id": "company_external_id",
        "company name": "company", "contact name": "full_name", "contact owner": "owner", "tag": "tags",
        "description": "notes", "record id": "external_id"}),
    Layout("zoho", {"record id", "company name id"}, {
        "title": "title", "salutation": "honorific", "company name": "company", "company name id": "company_external_id",
        "contact name": "full_name", "contact owner": "owner", "tag": "tags", "description": "notes",
        "record id": "external_id"}),
    # HubSpot: the contact's own block, then the associated company's.
    Layout("hubspot", {"record id company"}, {
        "record id contact": "external_id", "record id": "external_id", "associated company": "company",
        "company name": "company", "contact owner": "owner", "lead status": "stage"}),
    Layout("hubspot", {"record id", "associated company"}, {
        "record id": "external_id", "associated company": "company", "contact owner": "owner", "lead status": "stage"}),
    Layout("mailchimp", {"email address", "member rating"}, {"phone number": "phone", "address": "address"}),
    Layout("thunderbird", {"primary email", "secondary email"}, {"display name": "full_name", "organization": "company"}),
    Layout("google", {"given name", "family name", "group membership"}, {"name": "full_name"}),
    Layout("google", {"first name", "last name", "labels", "file as"}, {"organization name": "company"}),
]


def layout_of(keys: list[str]) -> Layout | None:
    present = set(keys)
    for layout in LAYOUTS:
        if layout.tells <= present:
            return layout
    return None


def contact_columns(keys: list[str], known) -> dict[int, str]:
    """Column index -> field for a contact sheet's normalised headers. known(key) gives
    the plain synonym's field (headers.SYNONYMS), used after the layout and the patterns."""
    layout = layout_of(keys)
    out: dict[int, str] = {}
    company_block = False
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if not key:
            continue
        repeated = key in seen or _unsuffixed(key) in seen  # 'Phone Number' again, or 'Phone Number.1'
        seen.add(key)
        field = _field(key, layout, known)
        if key in COMPANY_MARKERS:
            company_block = True
            field = "company_external_id" if key == "record id company" else "company_extra"
        elif company_block and not (field in PERSON_ONLY or (field == "phone" and not repeated
                                                             and _unsuffixed(key) not in COMPANY_SIDE)):
            field = COMPANY_SIDE.get(_unsuffixed(key), "company" if field == "company" else "company_extra")
        if field:
            out[i] = field
    return out


def _field(key: str, layout: Layout | None, known) -> str | None:
    if layout and key in layout.words:
        return layout.words[key]
    found = _pattern(key)
    if found:
        return found
    m = PERSON_PREFIX.match(key)
    if m:
        rest = m.group(2)
        # 'Person - Email - Work', 'Person - Phone - Mobile': one column per label
        return (PERSON_WORDS.get(rest) or _pattern(rest) or _pattern(re.sub(r"^(e ?mail|phone) .+", r"\1 1", rest))
                or known(rest))
    m = ORGANIZATION_PREFIX.match(key)
    if m:
        return ORGANIZATION_WORDS.get(m.group(2), "company_extra")
    return known(key)


def _pattern(key: str) -> str | None:
    for pattern, field in _COMPILED:
        if pattern.fullmatch(key):
            return field
    return None


def _unsuffixed(key: str) -> str:
    return re.sub(r" \d$", "", key)


_COMPILED = [(re.compile(p), f) for p, f in PATTERNS]
