"""One spreadsheet row as our record: pure translation, no database.

The column plan (headers.apply_mapping, which reads other tools' layouts through
importers/layouts.py) says which column holds which field; this module turns a row's
cells into a ContactRow or a service's values, and is tested by equality
(tests/test_layouts.py). What a row cannot keep in a proper field it keeps in notes.

What rejects a contact row and what only warns:
- rejected: nothing to call the person (no name and no email); a primary email (the
  first value of the first email column) that is no address, because it is the key a corrected re-import is
  matched on; a stage or do-not-contact value we cannot read (an opt-out is never
  guessed);
- kept with a warning: any other email, a phone, which cannot be read: the text goes
  to the contact's notes under its header, the warning to the summary and the errors
  file ("kept, but ...").
Placeholder cells (null, N/A, -, ...) are empty.
"""
from __future__ import annotations

import functools
import re

from db import taglist, validate
from db.config import get_config
from db.errors import Invalid
from db.fields import stored
from db.services.bulk_contacts import ContactRow
from db.services.common import clean_tags
from importers import headers as hdr
from importers import values as cell
from importers.layouts import PLACEHOLDERS, SYSTEM_TAGS, layout_of

STAGE_WORDS = {
    "lead": ["lead", "new", "open", "subscriber", "mql", "marketing qualified lead", "sql", "sales qualified lead",
             "attempted to contact", "线索", "潜在客户"],
    "prospect": ["prospect", "opportunity", "qualified", "contacted", "connected", "in progress", "open deal", "意向客户"],
    "customer": ["customer", "client", "won", "evangelist", "active", "客户", "成交客户"],
    "former": ["former", "churned", "inactive", "lost", "past customer", "unqualified", "bad timing", "流失客户"],
}
_STAGES = {hdr.normalise(w): stage for stage, words in STAGE_WORDS.items() for w in words}
# A contact's text fields (db/fields.py) read as the cell's text; the others this module builds itself.
AS_WRITTEN = tuple(k for k in stored("contact", "text") if k not in ("first_name", "last_name", "notes", "address"))
COMPANY_FIELDS = {"company_phone": "phone", "company_domain": "domain", "company_address": "address",
                  "company_city": "city", "company_country": "country", "company_industry": "industry",
                  "company_external_id": "external_id"}


class Reject(Exception):
    def __init__(self, column, reason):
        super().__init__(reason)
        self.column, self.reason = column, reason


class Plan:
    """A sheet's column mapping, worked out once: which columns hold each field."""

    def __init__(self, columns: dict[int, str], headers: list[str]):
        self.columns, self.headers = columns, headers
        self.by_field: dict[str, list[int]] = {}
        for i, f in columns.items():
            self.by_field.setdefault(f, []).append(i)
        self.unmapped = [i for i in range(len(headers)) if i not in columns]
        self.label_of = _pair_labels(columns, headers)
        self.header_label: dict[int, str | None] = {}  # per value column, the label its header names
        self.company_fields = [f for f in COMPANY_FIELDS if f in self.by_field]
        self.has_address = any(f == "address" or f.startswith("address_") for f in self.by_field)
        layout = layout_of([hdr.normalise(h) for h in headers])
        self.layout = layout.name if layout else None
        self.outlook = self.layout == "outlook"
        self.custom_fields = _custom_field_pairs(headers, self.unmapped)


_CUSTOM = re.compile(r"custom field (\d+) (label|type|value)")


def _custom_field_pairs(headers: list[str], unmapped: list[int]) -> list[tuple[int, int]]:
    """(label column, value column) of Google's 'Custom Field N - Label' / '- Value'."""
    found: dict[tuple[str, str], int] = {}
    for i in unmapped:
        m = _CUSTOM.fullmatch(hdr.normalise(headers[i]))
        if m:
            found.setdefault((m.group(1), "value" if m.group(2) == "value" else "label"), i)
    return [(i, found[(n, "value")]) for (n, kind), i in found.items() if kind == "label" and (n, "value") in found]


def _pair_labels(columns: dict[int, str], headers: list[str]) -> dict[int, int]:
    """Value column -> its label column: 'E-mail 1 - Label' before 'E-mail 1 - Value'
    (Google), 'Email label' after 'Email' (our vCard sheet). The label's header less its
    last word must be the value's less 'value'; the column before it is tried first."""
    def base(i, words):
        key = hdr.normalise(headers[i])
        return re.sub(rf"\s*\b({words})$", "", key)
    out: dict[int, int] = {}
    for i, f in columns.items():
        if f not in ("email_label", "phone_label"):
            continue
        kind = f[:-6]
        for j in (i - 1, i + 1):
            if columns.get(j) == kind and j not in out and base(j, "value") == base(i, "label|type"):
                out[j] = i
                break
    return out


def _blank(v) -> bool:
    return v is None or v == "" or (type(v) is str and len(v) <= 6 and v.strip().lower() in PLACEHOLDERS)


class Mapped:
    """One row seen through the column mapping (placeholder cells read as empty)."""

    __slots__ = ("values", "plan", "headers")

    def __init__(self, values: list, plan: Plan):
        self.values = [None if _blank(v) else v for v in values]
        self.plan, self.headers = plan, plan.headers

    def raw(self, f: str):
        values = self.values
        for i in self.plan.by_field.get(f, ()):
            if i < len(values) and values[i] is not None:
                return values[i]
        return None

    def all(self, f: str) -> list[tuple[int, object]]:
        values = self.values
        return [(i, values[i]) for i in self.plan.by_field.get(f, ()) if i < len(values) and values[i] is not None]

    def column(self, f: str) -> str | None:
        cols = self.plan.by_field.get(f)
        return self.headers[cols[0]] if cols else None

    def text(self, f: str) -> str | None:
        return cell.text(self.raw(f))

    def lines(self, f: str) -> list[str]:
        """'Header: value' for every cell of a field we keep as text (company_extra)."""
        return [f"{self.headers[i]}: {cell.text(v)}" for i, v in self.all(f)]

    def extras(self, skip: set[int] = frozenset()) -> list[str]:
        """Unmapped columns (but skip) as 'Header: value' lines: kept, never dropped."""
        out = []
        values = self.values
        for i in self.plan.unmapped:
            if i < len(values) and values[i] is not None and i not in skip:
                out.append(f"{self.headers[i] or f'column {i + 1}'}: {cell.text(values[i])}")
        for i in range(len(self.headers), len(values)):  # cells beyond the header row
            if values[i] is not None:
                out.append(f"column {i + 1}: {cell.text(values[i])}")
        return out


# -- multi-value cells --------------------------------------------------------

_EMAIL_SEPARATORS = re.compile(r"\s*:::\s*|[,;\s]+")
_PHONE_SEPARATORS = re.compile(r"\s*:::\s*|[;\n]+|,\s*")
_EXTENSION = re.compile(r"^(?P<number>.*?\d)[\s,;]*(?:ext\.?|extension|x|доб\.?|#)\s*(?P<ext>\d{1,7})$", re.I)


def split_emails(text: str | None) -> list[str]:
    """Google joins values with ' ::: ', Pipedrive with ', ', people with ';' or spaces."""
    return [p for p in _EMAIL_SEPARATORS.split(text or "") if p]


def split_phones(text: str | None) -> list[str]:
    """'+49 30 1234567, +49 151 23456789' is two phones, never one 25-digit number; an
    extension written after a comma ('555 1234, ext 12') stays with its number."""
    out: list[str] = []
    for part in _PHONE_SEPARATORS.split(text or ""):
        part = part.strip()
        if not part:
            continue
        if out and re.fullmatch(r"(ext\.?|extension|x|доб\.?)\s*\d{1,7}", part, re.I):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def phone(text: str, region: str | None, country: str | None = None) -> tuple[str, str]:
    """(as written, normalised): an extension (Ext 43023, x123, ext. 12) stays in what was
    written and is left out of the number, which is what duplicate matching compares.
    A national number is read in the row's own country when it names one (validate.phone)."""
    m = _EXTENSION.match(text)
    base = m.group("number") if m else text
    _, number = validate.phone(base, region, country=country)
    return text, number


def split_tags(text: str | None, layout: str | None = None) -> list[str]:
    return list(_split_tags(text, layout)) if text else []


@functools.lru_cache(maxsize=4096)  # a tags column holds a few combinations, again and again
def _split_tags(text: str, layout: str | None) -> tuple[str, ...]:
    """Google ' ::: ', Outlook ';', Pipedrive/Zoho ',', Mailchimp a quoted list
    ("VIP","Webinar, Q3"), our own exports '; ' with a tag holding a separator quoted
    (db/taglist.py). In a Google or Outlook file only that tool's separator splits, so
    its one label 'Webinar, Q3' stays one tag. System labels ('* myContacts', 'starred')
    are dropped."""
    if not text:
        return []
    if layout == "google" or ":::" in text:
        parts = text.split(":::")
    elif layout == "outlook":
        parts = taglist.split(text, ";")
    else:  # ';' when it separates anything outside quotes, else ','
        parts = taglist.split(text, ";\n")
        if len(parts) < 2:
            parts = taglist.split(text, ",\n")
    return tuple(p.strip() for p in parts if p.strip() and not p.strip().startswith("* ")
                 and p.strip().lower() not in SYSTEM_TAGS)


# -- rows -----------------------------------------------------------------------

def contact_row(m: Mapped) -> ContactRow:
    cfg = get_config()
    first, last = m.text("first_name"), m.text("last_name")
    middle = m.text("middle_name")
    full = m.text("full_name")
    if full and not (first or last):
        parts = full.split()
        if len(parts) == 1 and len(full) <= 4 and all(not c.isascii() for c in full):
            last, first = full[0], full[1:] or None  # 张伟: family name first
        elif "," in full:
            last, first = [p.strip() for p in full.split(",", 1)]
        else:
            first, last = (" ".join(parts[:-1]) or None, parts[-1]) if len(parts) > 1 else (parts[0], None)
    if middle and first:
        first = f"{first} {middle}"
    kept: list[str] = []  # values we could not read: into notes under their header
    warnings: list[tuple[str, str]] = []
    emails: list[str] = []
    email_labels: list[str | None] = []
    first_column = (m.plan.by_field.get("email") or [None])[0]
    for i, raw in m.all("email"):
        primary = i == first_column  # the first value of the first email column
        parts = split_emails(cell.text(raw))
        labels = _labels(m, i, len(parts))
        for part, label in zip(parts, labels):
            if part[:3].lower() == "/o=":  # Outlook's 'EX' type: an Exchange directory name, no address
                kept.append(f"{m.headers[i]}: {part}")
                continue
            try:
                email = validate.email(part)
                if email.lower() not in {e.lower() for e in emails}:
                    emails.append(email)
                    email_labels.append(label)
            except Invalid as exc:
                if primary:
                    raise Reject(m.headers[i], exc.reason) from None  # the primary email: the match key
                kept.append(f"{m.headers[i]}: {part}")
                warnings.append((m.headers[i], f"kept, but {exc.reason} (it is in the contact's notes)"))
            primary = False
    phones = []
    phone_labels: list[str | None] = []
    country = m.text("address_country") or m.text("company_country")  # the row's own country: its phones' region
    for i, raw in m.all("phone"):
        parts = split_phones(cell.phone_text(raw))
        for part, label in zip(parts, _labels(m, i, len(parts))):
            try:
                phones.append(phone(part, cfg.phone_region, country))
                phone_labels.append(label)
            except Invalid as exc:
                kept.append(f"{m.headers[i]}: {part}")
                warnings.append((m.headers[i], f"kept, but {exc.reason} (it is in the contact's notes)"))
    day = None
    if m.raw("birthday") is not None or m.raw("birth_part") is not None:
        try:
            day = birthday(m)
        except (Invalid, ValueError) as exc:
            column = m.column("birthday") or m.column("birth_part")
            reason = getattr(exc, "reason", None) or str(exc)
            kept.append(f"{column}: {m.text('birthday') or ' '.join(cell.text(v) for _, v in m.all('birth_part'))}")
            warnings.append((column, f"kept, but {reason} (it is in the contact's notes)"))
    stage = m.text("stage")
    if stage is not None:
        key = hdr.normalise(stage)
        if key not in _STAGES:
            raise Reject(m.column("stage"), f"{stage!r} is not one of: lead, prospect, customer, former")
        stage = _STAGES[key]
    try:
        dnc = cell.flag(m.raw("do_not_contact"))
    except cell.BadValue as exc:
        raise Reject(m.column("do_not_contact"), str(exc)) from None
    notes, used = m.text("notes"), set()
    if dnc is None:
        dnc, used, notes = _flag_elsewhere(m, notes)
    if not (first or last or emails):
        raise Reject(None, "no name and no email: nothing to call this contact")
    postal = address(m, kept) if m.plan.has_address else None
    title_word = m.text("honorific")
    honorific = [f"{m.column('honorific')}: {title_word}"] if title_word else []
    tags = clean_tags([t for _, raw in m.all("tags") for t in split_tags(cell.text(raw), m.plan.layout)])
    company = m.text("company")
    if company:
        company = re.sub(r"\s+\(\d{5,}\)$", "", company)  # HubSpot's 'Name (18811223301)'
    company_fields = {}
    if company:
        for f in m.plan.company_fields:
            target = COMPANY_FIELDS[f]
            value = _company_phone(m, cfg.phone_region) if f == "company_phone" else m.text(f)
            if value:
                company_fields[target] = value
        extra = m.lines("company_extra")
        if extra:
            company_fields["notes"] = "\n".join(extra)
    else:  # no company to give them to: the person's notes keep them
        kept.extend(line for f in [*m.plan.company_fields, "company_extra"] for line in m.lines(f))
    notes = "\n".join(x for x in [notes, *honorific, *m.extras(used), *kept] if x) or None
    row = ContactRow(first_name=first, last_name=last, emails=emails, phones=phones,
                     email_labels=email_labels, phone_labels=phone_labels, birthday=day, address=postal,
                     company=company, stage=stage, notes=notes, tags=tags, do_not_contact=dnc,
                     company_fields=company_fields, warnings=warnings, **{k: m.text(k) for k in AS_WRITTEN})
    row.own_id = m.text("id")
    return row.with_document()


# Where the CSV layouts we export (importers/export_layouts.py) keep the flag, having no
# column for it: Google a custom field labelled "Do not contact", Outlook a "Do not
# contact: yes" line first or last in Notes. Only a yes is read there: these are the
# user's free text, so anything else stays as it was written.
_DNC_LINE = re.compile(r"(.+?):\s*(.+)")


def _yes(value) -> bool:
    try:
        return cell.flag(value) is True
    except cell.BadValue:
        return False


def _is_dnc(label: str) -> bool:
    return hdr._LOOKUP["contact"].get(hdr.normalise(label)) == "do_not_contact"


def _flag_elsewhere(m: Mapped, notes: str | None) -> tuple[bool | None, set[int], str | None]:
    """(True, the custom-field columns read, the notes less a flag line) when the row
    carries the flag there; else (None, no columns, the notes)."""
    for label_i, value_i in m.plan.custom_fields:
        label, value = m.values[label_i] if label_i < len(m.values) else None, (
            m.values[value_i] if value_i < len(m.values) else None)
        if label is not None and _is_dnc(cell.text(label)) and _yes(cell.text(value)):
            return True, {label_i, value_i}, notes
    if m.plan.outlook and notes:
        lines = notes.split("\n")
        for end in (-1, 0):
            found = _DNC_LINE.fullmatch(lines[end].strip())
            if found and _is_dnc(found.group(1)) and _yes(found.group(2)):
                del lines[end]
                return True, set(), "\n".join(lines).strip() or None
    return None, set(), notes


def _company_phone(m: Mapped, region: str | None) -> str | None:
    """The company's phone as the company service stores it: E.164 when it reads as one
    (in the company's country), else as written."""
    text = cell.phone_text(m.raw("company_phone"))
    if text is None:
        return None
    try:
        _, number = phone(text, region, m.text("company_country"))
    except Invalid:
        return text
    return number if number.startswith("+") else text


# Words in a header that say what kind of number or address it is (Outlook 'Mobile Phone',
# Pipedrive 'Person - Phone - Work', Salesforce 'HomePhone'): the label, as vCard words.
_HEADER_LABELS = [(re.compile(p), label) for p, label in (
    (r"mobile|cell", "cell"), (r"business|work|office|direct", "work"), (r"home|personal|private", "home"),
    (r"car", "car"), (r"other|secondary", "other"))]


def _labels(m: Mapped, column: int, n: int) -> list[str | None]:
    """The label of each of the n values in a cell: from its label column (one per value
    when that is a ' ::: ' list too; Google marks the primary '* Work'), else from its header."""
    at = m.plan.label_of.get(column)
    text = cell.text(m.values[at]) if at is not None and at < len(m.values) else None
    if text:
        labels = [x.strip().removeprefix("* ").strip() or None for x in text.split(":::")]
        return [labels[k] if k < len(labels) else labels[0] for k in range(n)]
    known = m.plan.header_label
    if column not in known:
        key = hdr.normalise(m.headers[column])
        known[column] = next((label for pattern, label in _HEADER_LABELS if pattern.search(key)), None)
    return [known[column]] * n


def birthday(m: Mapped) -> str | None:
    """'YYYY-MM-DD' or '--MM-DD' (contacts.birthday): Google's forms, Outlook's M/D/YYYY
    (day first when the first number is over 12), Thunderbird's three columns; a year
    before 1800 (Google's '   1-01-01', Outlook.com's 1604) is no year."""
    from db.services.contacts import birthday as stored

    raw = m.raw("birthday")
    if raw is None:
        parts = {hdr.normalise(m.headers[i]).split()[-1]: cell.text(v) for i, v in m.all("birth_part")}
        if not (parts.get("month") and parts.get("day")):
            raise ValueError("a birthday needs its month and day")
        year = parts.get("year") or "--"
        return stored(f"{year}-{int(parts['month']):02d}-{int(parts['day']):02d}")
    text = cell.text(raw) if isinstance(raw, str) else raw
    if text is None:
        return None
    if isinstance(text, str):
        us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if us:
            a, b, year = (int(x) for x in us.groups())
            month, day = (b, a) if a > 12 else (a, b)
            text = f"{year:04d}-{month:02d}-{day:02d}"
        iso = re.fullmatch(r"(\d{1,4})-(\d{2})-(\d{2})", text)
        if iso and int(iso.group(1)) < 1800:
            text = f"--{iso.group(2)}-{iso.group(3)}"
    return stored(text)


def address(m: Mapped, kept: list[str]) -> str | None:
    """The postal address as lines: street(s), 'postcode city', region, country. When a
    formatted address is there too (Google), a part it does not contain goes to notes."""
    whole = m.text("address")
    if whole:
        for f in ("address_street", "address_city", "address_region", "address_postcode", "address_country"):
            kept.extend(f"{m.headers[i]}: {cell.text(v)}" for i, v in m.all(f) if cell.text(v) not in whole)
        return whole
    streets = [cell.text(v) for _, v in m.all("address_street")]
    city = " ".join(x for x in (m.text("address_postcode"), m.text("address_city")) if x)
    lines = [*streets, city, m.text("address_region"), m.text("address_country")]
    return "\n".join(x for x in lines if x) or None


def record_values(entity: str, m: Mapped) -> dict:
    """A non-contact row as the values its service's create() takes."""
    values = {}
    for f in hdr.SYNONYMS[entity]:
        raw = m.raw(f)
        if raw is None:
            continue
        try:
            values.update(_cell_value(f, raw, m))
        except cell.BadValue as exc:
            raise Reject(m.column(f), str(exc)) from None
    extras = m.extras()
    if extras and entity in ("company", "deal", "followup"):
        values["notes"] = "\n".join(x for x in [values.get("notes"), *extras] if x)
    elif extras and entity == "ticket":
        values["description"] = "\n".join(x for x in [values.get("description"), *extras] if x)
    return values


def _cell_value(f: str, raw, m: Mapped) -> dict:
    """One field of a non-contact row (a cell that is no value of its kind raises BadValue)."""
    values = {}
    if f in ("due", "expected_close"):
        got = cell.when(raw)
        values[f] = got[0] if isinstance(got, tuple) and got[1] else (got[0].date() if isinstance(got, tuple) else got)
    elif f == "amount":
        number, code = cell.amount(raw)
        values[f] = number
        if code and not m.raw("currency"):
            values["currency"] = code
    elif f == "tags":
        values[f] = clean_tags(split_tags(cell.text(raw)))
    elif f == "phone":
        values[f] = cell.phone_text(raw)
    else:
        values[f] = cell.text(raw)
    return values
