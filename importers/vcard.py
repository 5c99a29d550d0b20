"""vCard (.vcf) files in and out: 3.0 and 4.0, one card or thousands in a file.

Reading: the cards become a Sheet (importers/read.py) with our own contact headers,
one row per card, so the import pipeline does matching, validation, batches, revert
and the errors file as for any spreadsheet. A row's number is the line its card
starts on. A card that does not parse becomes a row with no name and no email (so
the pipeline rejects it) whose "vCard error" cell says why; the other cards import.
What has no field of ours (a nickname, a website, a second address) goes to a
"vCard NAME" column, which the pipeline keeps in the contact's notes.

vobject parses each card; this module covers its vCard 4.0 gaps: TYPE lists are not
split ("work,voice"), BDAY stays text (--MMDD, YYYYMMDD, YYYY-MM-DD, Apple's year
1604), Apple's itemN.X-ABLabel names the type of its sibling property, and 4.0 TEL
values are tel: URIs.

The address is one text field on the contact (lines: street, extended address, PO
box, "postcode city", region, country): people type and read an address as lines,
sheets carry it in one column, and the CLI takes --address TEXT. On export the text
goes whole into ADR's street part, so our own export round-trips
exactly; a structured ADR from elsewhere comes back as those lines.

FN, TITLE, NOTE, ORG and ADR are read from the card's own text (raw_values): vobject
cuts them at an unescaped comma, which Google, Apple and Outlook write. A card whose
email is no address keeps its name and the address goes to notes (see card_row).

Writing: VERSION 3.0 by default (khard's preferred version; Apple and Google import
3.0), 4.0 on request. Each card's UID is its external id, else one made from the
contact's id and creation time (crm_uid), and appears once per export. A vdir (what
vdirsyncer syncs to a CardDAV server) is one card per file, named from the card's UID;
a second export removes the files it wrote for contacts no longer exported.
A do-not-contact person's card says so (X-CRM-DO-NOT-CONTACT:TRUE), and reads back so.
"""
from __future__ import annotations

import codecs
import hashlib
import re
import uuid
from pathlib import Path
from typing import Iterable, Iterator

from db import taglist
from db.errors import Invalid
from importers.files import private_file
from importers.sheet import Sheet, detect_encoding
from importers.xlsx_guard import UnreadableFile

MAX_FILE_BYTES = 64 * 1024 * 1024  # 50,000 plain cards are ~10 MB; photos (skipped) make the rest
MAX_CARD_BYTES = 1024 * 1024  # a contact card is kilobytes; more is a photo or an attack
MAX_CARDS = 100_000  # read whole before the import starts: ~4 KB of memory a card
ERROR_COLUMN = "vCard error"
# No vCard property says "do not contact", so ours is an X- one (other readers keep or
# ignore it); only flagged contacts carry it, and TRUE/1/yes reads back as the flag.
DNC_PROPERTY = "X-CRM-DO-NOT-CONTACT"

# Properties we turn into fields (or that say nothing a person wrote).
_USED = {"VERSION", "N", "FN", "ORG", "TITLE", "EMAIL", "TEL", "ADR", "NOTE", "CATEGORIES", "BDAY", "UID",
         "PRODID", "REV", "KIND", "X-ABSHOWAS", "X-ABADR", "X-ABLABEL", "PHOTO", "LOGO", "SOUND", "KEY",
         "NICKNAME", "X-ABUID"}
_APPLE_LABELS = {"mobile": "cell", "iphone": "cell", "home": "home", "work": "work", "main": "main",
                 "homefax": "home,fax", "workfax": "work,fax", "otherfax": "fax", "pager": "pager",
                 "other": "other"}
_NOISE_TYPES = {"internet", "pref", "voice", "x400"}  # default or position, not a label
_LINE = re.compile(rb"\r\n|\r|\n")


def is_vcard(head: bytes) -> bool:
    """BEGIN:VCARD after an optional byte-order mark and blank space."""
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom):
            text = head[len(bom):].decode("utf-8" if bom == codecs.BOM_UTF8 else "utf-16", "ignore")
            return text.lstrip().upper().startswith("BEGIN:VCARD")
    return head.lstrip().upper().startswith(b"BEGIN:VCARD")


# -- reading -----------------------------------------------------------------

def split_cards(text: str, path) -> Iterator[tuple[int, int, str]]:
    """(card number, line it starts on, its text) for each BEGIN:VCARD..END:VCARD."""
    start, lines, n = None, [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        word = line.strip().upper()
        if word == "BEGIN:VCARD":
            if start is not None:  # no END: the card so far stands alone (and will not parse)
                yield n, start, "\n".join(lines)
            n += 1
            if n > MAX_CARDS:
                raise UnreadableFile(f"{path}: more than {MAX_CARDS:,} cards; split the file")
            start, lines = number, ["BEGIN:VCARD"]  # as written, indented or lower-case: vobject wants it plain
        elif start is not None:
            lines.append("END:VCARD" if word == "END:VCARD" else line)
            if word == "END:VCARD":
                yield n, start, "\n".join(lines)
                start, lines = None, []
    if start is not None:
        yield n, start, "\n".join(lines)


def _types(prop) -> list[str]:
    """The TYPE values of a property, split and lower-cased (vobject keeps 'work,voice' whole)."""
    out = []
    for value in prop.params.get("TYPE", []):
        out += [t.strip().lower() for t in str(value).split(",") if t.strip()]
    return out


def _label(prop, apple: dict[str, str]) -> str | None:
    types = [t for t in _types(prop) if t not in _NOISE_TYPES]
    if prop.group and prop.group.lower() in apple:
        raw = apple[prop.group.lower()]
        m = re.fullmatch(r"_\$!<(.*)>!\$_", raw)
        word = m.group(1) if m else raw
        types += _APPLE_LABELS.get(word.lower(), word).split(",")
    return ",".join(dict.fromkeys(types)) or None


def _preferred(prop) -> bool:
    return "pref" in _types(prop) or "PREF" in prop.params


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value if v)
    return str(value or "").strip()


# vobject splits some text values at an unescaped comma and keeps the first part
# (NOTE:met at fair, wants quote -> "met at fair"; ORG:Acme, Inc. -> two names), and
# Google, Apple and Outlook write such commas. So these are read from the card's own
# line: a comma is only a separator in list properties (CATEGORIES, NICKNAME).
_RAW = ("FN", "TITLE", "NOTE", "ORG", "ADR")


def raw_values(card_text: str) -> dict[str, list[str]]:
    """{NAME: [value as written, still escaped]} of the _RAW properties, in file order
    (the order vobject keeps within a name). A QUOTED-PRINTABLE value (vCard 2.1) is
    left out: vobject decodes it, and 2.1 has no escapes to lose."""
    out: dict[str, list[str]] = {}
    for line in re.sub(r"\r?\n[ \t]", "", card_text).splitlines():
        quoted, colon = False, -1
        for i, ch in enumerate(line):
            if ch == '"':
                quoted = not quoted
            elif ch == ":" and not quoted:
                colon = i
                break
        if colon < 0:
            continue
        head = line[:colon].split(";")
        name = head[0].rsplit(".", 1)[-1].strip().upper()
        if name in _RAW:
            encoded = any("QUOTED-PRINTABLE" in h.upper() or h.upper().startswith("ENCODING=") for h in head[1:])
            out.setdefault(name, []).append(None if encoded else line[colon + 1:])
    return out


def unescape_parts(value: str) -> list[str]:
    r"""A vCard text value split on its unescaped semicolons, each part unescaped
    (\, \; \n \\); a comma, escaped or not, stays in its part."""
    parts, cur, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            cur.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        if ch == ";":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def unescape(value: str) -> str:
    return ";".join(unescape_parts(value))


def address_text(adr, raw: str | None = None) -> str:
    """A structured ADR as lines: street, extended, PO box, 'postcode city', region, country."""
    if raw is not None:
        box, extended, street, city, region, code, country = (
            [p.strip() for p in unescape_parts(raw)] + [""] * 7)[:7]
    else:
        v = adr.value
        box, extended, street, city, region, code, country = (
            _text(v.box), _text(v.extended), _text(v.street), _text(v.city), _text(v.region), _text(v.code),
            _text(v.country))
    city_line = " ".join(p for p in (code, city) if p)
    lines = [street, extended, f"PO Box {box}" if box else "", city_line, region, country]
    return "\n".join(line for line in lines if line)


def _is_address(text: str) -> bool:
    from db.validate import email

    try:
        email(text)
    except Invalid:
        return False
    return True


def _birthday(prop) -> str | None:
    """The stored form of BDAY, or None when it is no date (then it goes to notes)."""
    from db.services.contacts import birthday

    value = _text(prop.value)
    if "X-APPLE-OMIT-YEAR" in prop.params:
        value = "--" + value[-5:] if len(value) >= 5 else value
    try:
        return birthday(value)
    except Invalid:
        return None


def card_row(card, card_text: str | None = None) -> dict[str, list[str]]:
    """One parsed card as {header: values}; repeated headers (Email, Phone) keep their order.
    card_text, the card as written, gives FN, TITLE, NOTE, ORG and ADR whole (see _RAW)."""
    row: dict[str, list[str]] = {}
    written = raw_values(card_text) if card_text is not None else {}
    raw: dict[int, str] = {}  # id(property) -> its value as written
    for name, values in written.items():
        props = card.contents.get(name.lower(), [])
        if len(props) == len(values):
            raw.update((id(p), v) for p, v in zip(props, values) if v is not None)

    def text_of(prop):
        return unescape(raw[id(prop)]) if id(prop) in raw else prop.value

    def put(header, value):
        value = _text(value) if not isinstance(value, str) else value.strip()
        if value:
            row.setdefault(header, []).append(value)

    apple = {}
    for prop in card.getChildren():
        if prop.name.upper() == "X-ABLABEL" and prop.group:
            apple[prop.group.lower()] = _text(prop.value)
    kind = {c.name.upper(): c for c in card.getChildren()}
    org_card = (_text(getattr(kind.get("KIND"), "value", "")).lower() == "org"
                or _text(getattr(kind.get("X-ABSHOWAS"), "value", "")).upper() == "COMPANY")
    put("External ID", getattr(kind.get("UID"), "value", ""))
    n = kind.get("N")
    fn = _text(text_of(kind["FN"])) if "FN" in kind else ""
    if n is not None and not org_card:
        name = n.value
        put("First Name", " ".join(p for p in (_text(name.given), _text(name.additional)) if p))
        put("Last Name", _text(name.family))
        put("Name Prefix", _text(name.prefix))
        put("Name Suffix", _text(name.suffix))
    if org_card or not (row.get("First Name") or row.get("Last Name")):
        put("Last Name", fn)  # a company's own card: its name is the contact's name
    org = kind.get("ORG")
    if org is not None:
        if id(org) in raw:
            parts = [p.strip() for p in unescape_parts(raw[id(org)])]
        else:
            parts = [_text(p) for p in (org.value if isinstance(org.value, list) else [org.value])]
        put("Company", parts[0] if parts else "")
        put("Department", " / ".join(p for p in parts[1:] if p))
    for prop in card.getChildren():
        name = prop.name.upper()
        if name == "TITLE":
            put("Job Title", text_of(prop))
        elif name == "NICKNAME":
            put("Nickname", prop.value)
        elif name == "NOTE":
            put("Notes", text_of(prop))
        elif name == "CATEGORIES":
            values = prop.value if isinstance(prop.value, list) else [prop.value]
            put("Tags", taglist.join([v.strip() for v in values if v and v.strip()], "; "))  # 'Webinar, Q3' whole
        elif name == DNC_PROPERTY:  # ours (see card_of): the row's "Do Not Contact" cell, read like a sheet's
            put("Do Not Contact", prop.value)
        elif name == "BDAY":
            day = _birthday(prop)
            put("Birthday" if day else "vCard BDAY", day or prop.value)
        elif name not in _USED and not name.startswith("X-PHONETIC") and name not in ("X-ABLABEL",):
            put(f"vCard {name}", prop.value if not isinstance(prop.value, list) else "; ".join(map(str, prop.value)))
        elif name.startswith("X-PHONETIC"):
            put(f"vCard {name}", prop.value)
    emails, phones, addresses = [], [], []
    for prop in card.getChildren():
        name = prop.name.upper()
        if name == "EMAIL" and _text(prop.value):
            emails.append((not _preferred(prop), _text(prop.value), _label(prop, apple)))
        elif name == "TEL" and _text(prop.value):
            number = _text(prop.value)
            if number.lower().startswith("tel:"):
                number = number[4:].split(";", 1)[0]  # tel:+45-33-12-34-56;ext=12 -> the number
            phones.append((not _preferred(prop), number, _label(prop, apple)))
        elif name == "ADR":
            addresses.append((not _preferred(prop), address_text(prop, raw.get(id(prop))), _label(prop, apple)))
    # The first Email is the primary, which the import rejects a row for when it is no
    # address (in a spreadsheet it is the key a corrected re-import matches by). A card
    # has its UID for that and nearly always a name, so a bad address does not cost the
    # card: a good address goes first, and a card with a name but only bad addresses
    # gets an empty first Email, so each bad one is "kept, but" in its notes.
    emails = sorted(emails, key=lambda e: (not _is_address(e[1]), e[0]))  # then preferred first
    if emails and not _is_address(emails[0][1]) and (row.get("First Name") or row.get("Last Name")):
        emails.insert(0, (False, "", None))
    seen = set()
    for _, email, label in emails:
        if not email or email.lower() not in seen:
            seen.add(email.lower())
            row.setdefault("Email", []).append(email)
            row.setdefault("Email label", []).append(label or "")
    for _, number, label in sorted(phones, key=lambda p: p[0]):
        row.setdefault("Phone", []).append(number)
        row.setdefault("Phone label", []).append(label or "")
    addresses = [a for a in sorted(addresses, key=lambda a: a[0]) if a[1]]
    if addresses:
        put("Address", addresses[0][1])
        put("Address label", addresses[0][2] or "")
        for _, text, label in addresses[1:]:
            put("vCard ADR", f"{label}: {text}" if label else text)
    return row


def read_cards(path: Path, raw: bytes):
    """The file's cards as (line, {header: values}) or (line, error text)."""
    import vobject

    encoding = detect_encoding(raw[:65536])
    text = raw.decode(encoding if encoding.startswith("utf") else "utf-8", errors="replace").lstrip("\ufeff")
    for number, line, card_text in split_cards(text, path):
        where = f"card {number} (line {line})"
        if len(card_text) > MAX_CARD_BYTES:
            yield line, f"{where}: over {MAX_CARD_BYTES // 1024} KB; not read"
            continue
        try:
            card = vobject.readOne(card_text, ignoreUnreadable=False)
            if card.name.upper() != "VCARD":
                raise ValueError(f"a {card.name}, not a VCARD")
            row = card_row(card, card_text)
            yield line, row if row else f"{where}: an empty card"
        except Exception as exc:  # vobject raises many kinds of error for damage
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            reason = re.sub(r"^At line \d+: ", "", reason)  # vobject counts lines its own way
            yield line, f"{where}: cannot read it ({reason})"


def _forget_our_uids(cards) -> None:
    """A card whose UID is this store's own crm_uid is matched as if it had none (by
    email, phone, or name alone), so re-importing our export updates instead of adding
    a second person: the contact importer matches UIDs against stored external ids,
    and ours is not stored."""
    if not any(isinstance(row, dict) and row.get("External ID", [""])[0].startswith(CRM_UID_PREFIX)
               for _, row in cards):
        return
    try:
        ours = our_uids()
    except Exception:  # no store open (reading the file alone): nothing is ours
        return
    for _, row in cards:
        if isinstance(row, dict) and row.get("External ID", [""])[0] in ours:
            del row["External ID"]


def vcard_sheets(path: Path) -> list:
    """A .vcf file as one Sheet of contacts (see the module docstring)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"{path}: {size // 2**20} MB is over the {MAX_FILE_BYTES // 2**20} MB limit for a vCard file")
    raw = path.read_bytes()
    cards = list(read_cards(path, raw))
    _forget_our_uids(cards)
    if cards and all(isinstance(row, str) for _, row in cards):  # not a damaged card: a damaged file
        raise UnreadableFile(f"{path}: no card could be read; {cards[0][1]}")
    counts: dict[str, int] = {}
    for _, row in cards:
        for header, values in (row.items() if isinstance(row, dict) else ()):
            counts[header] = max(counts.get(header, 0), len(values))
    order = ["External ID", "First Name", "Last Name", "Name Prefix", "Name Suffix", "Nickname", "Company",
             "Department", "Job Title", "Birthday", "Address", "Address label", "Tags", "Notes", "Do Not Contact"]
    headers: list[str] = [h for h in order if h in counts]
    for kind in ("Email", "Phone"):  # each value followed by its label
        headers += [h for _ in range(counts.get(kind, 0)) for h in (kind, f"{kind} label")]
    headers += sorted(h for h in counts if h not in headers and h not in ("Email label", "Phone label"))
    if any(isinstance(row, str) for _, row in cards):
        headers.append(ERROR_COLUMN)

    def rows():
        yield 0, list(headers)
        for line, row in cards:
            if isinstance(row, str):
                yield line, [""] * (len(headers) - 1) + [row]
                continue
            taken = {h: iter(v) for h, v in row.items()}
            values = []
            for h in headers:
                if h in ("Email", "Phone", "Email label", "Phone label"):
                    values.append(next(taken.get(h, iter(())), ""))
                else:
                    values.append("\n".join(row.get(h, [])))
            yield line, values

    return [Sheet(path.stem, 0, rows, size=len(cards))]


# -- writing -----------------------------------------------------------------

CRM_UID_PREFIX = "crm-contact-"


def crm_uid(contact: dict) -> str:
    """The UID we make for a contact: from its id and when it was created, so it is the
    same in every export of this store and another store's contact 1 has another one
    (importing two stores' exports into a third must not merge their people)."""
    seed = f"crm:contact:{contact['id']}:{contact.get('created_at') or ''}"
    return CRM_UID_PREFIX + str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def uid_of(contact: dict) -> str:
    """The card's UID: where it came from (external_id), else crm_uid."""
    return contact.get("external_id") or crm_uid(contact)


def unique_uids(contacts: Iterable[dict]) -> Iterator[tuple[dict, str]]:
    """(contact, UID) with each UID (and vdir file name) once in the export: CardDAV
    takes two cards with one UID for one card, so the second contact imported with a
    shared external id gets its own crm_uid."""
    seen: set[str] = set()
    for contact in contacts:
        uid = uid_of(contact)
        if uid.lower() in seen or file_name(uid).lower() in seen:
            uid = crm_uid(contact)
        seen.update((uid.lower(), file_name(uid).lower()))
        yield contact, uid


def our_uids() -> set[str]:
    """The crm_uid of every live contact of the open store: a card carrying one is this
    store's own export coming back."""
    from db.services import exports

    return {crm_uid(c) for c in exports.contact_cards()}


def file_name(uid: str) -> str:
    """A vdir file name from a UID: the UID itself when it is plain, else its hash."""
    bare = re.sub(r"^urn:uuid:", "", uid, flags=re.I)
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,120}", bare):
        return f"{bare}.vcf"
    return hashlib.sha1(uid.encode("utf-8")).hexdigest() + ".vcf"


def _type_param(label: str | None, version: str) -> dict:
    types = [t.strip() for t in (label or "").split(",") if t.strip()]
    if not types:
        return {}
    if version == "3.0":
        return {"TYPE": [t.upper() for t in types]}
    return {"TYPE": [",".join(t.lower() for t in types)]}


def card_of(contact: dict, version: str = "3.0", uid: str | None = None):
    """One contact (contacts.to_dicts plus notes) as a vobject vCard."""
    import vobject

    card = vobject.vCard()
    card.add("version").value = version
    card.add("uid").value = uid or uid_of(contact)
    first, last = contact.get("first_name") or "", contact.get("last_name") or ""
    company = contact.get("company")
    card.add("n").value = vobject.vcard.Name(family=last, given=first)
    card.add("fn").value = contact.get("name") or " ".join(p for p in (first, last) if p) or (
        (contact.get("emails") or [""])[0]) or company or "(no name)"
    is_org = bool(company) and not first and last == company
    if is_org:  # a company's own card (as we read Apple's X-ABShowAs and 4.0 KIND:org)
        if version == "4.0":
            card.add("kind").value = "org"
        else:
            card.add("x-abshowas").value = "COMPANY"
    if company:
        card.add("org").value = [company]
    if contact.get("title"):
        card.add("title").value = contact["title"]
    labels = contact.get("email_labels") or []
    for i, email in enumerate(contact.get("emails") or []):
        prop = card.add("email")
        prop.value = email
        prop.params.update(_type_param(labels[i] if i < len(labels) else None, version))
        if version == "3.0":
            prop.params.setdefault("TYPE", []).insert(0, "INTERNET")
        if i == 0:
            prop.params.update({"PREF": ["1"]} if version == "4.0" else {"TYPE": prop.params["TYPE"] + ["PREF"]})
    labels = contact.get("phone_labels") or []
    for i, phone in enumerate(contact.get("phones") or []):
        prop = card.add("tel")
        prop.value = phone
        prop.params.update(_type_param(labels[i] if i < len(labels) else None, version))
        if i == 0:
            if version == "4.0":
                prop.params["PREF"] = ["1"]
            else:
                prop.params.setdefault("TYPE", []).append("PREF")
    if contact.get("address"):
        adr = card.add("adr")
        adr.value = vobject.vcard.Address(street=contact["address"])  # no LABEL: vobject writes its newlines raw
    if contact.get("birthday"):
        day = contact["birthday"]
        if day.startswith("--"):  # no year: 4.0 says --MMDD; 3.0 readers (Apple) want a year, 1604 means none
            if version == "4.0":
                card.add("bday").value = "--" + day[2:].replace("-", "")
            else:
                bday = card.add("bday")
                bday.value = "1604" + day[1:]
                bday.params["X-APPLE-OMIT-YEAR"] = ["1604"]
        else:
            card.add("bday").value = day if version == "3.0" else day.replace("-", "")
    if contact.get("tags"):
        card.add("categories").value = list(contact["tags"])
    if contact.get("notes"):
        card.add("note").value = contact["notes"]
    if contact.get("do_not_contact"):
        card.add(DNC_PROPERTY.lower()).value = "TRUE"
    return card


def serialize(contact: dict, version: str = "3.0", uid: str | None = None) -> str:
    return card_of(contact, version, uid).serialize()


def write_file(path: Path, contacts: Iterable[dict], version: str = "3.0", progress=None) -> int:
    """Every card into one .vcf file (path is already a private temporary file)."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for contact, uid in unique_uids(contacts):
            fh.write(serialize(contact, version, uid))
            n += 1
            if progress and n % 1000 == 0:
                progress("contact", n)
    return n


# The files our last export wrote, beside the folder (not in it: the folder is the
# address book vdirsyncer syncs, and nothing but cards belongs there).
MANIFEST = ".crm-contacts"


def write_vdir(folder: Path, contacts: Iterable[dict], version: str = "3.0") -> int:
    """One card per file in folder (made 0700 if new), each file 0600, named from its
    UID: a second export rewrites the same files. The files an earlier export wrote
    (the manifest, and crm-contact-*.vcf) whose contact is no longer exported (deleted,
    filtered out) are removed, so a synced phone drops them too; other files in the
    folder (it may be a vdirsyncer collection) are left alone."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    manifest = folder.parent / MANIFEST
    before = set(manifest.read_text("utf-8").split("\n")) if manifest.is_file() else set()
    names: list[str] = []
    for contact, uid in unique_uids(contacts):
        name = file_name(uid)
        with private_file(folder / name) as tmp:
            tmp.write_text(serialize(contact, version, uid), encoding="utf-8")
        names.append(name)
    with private_file(manifest) as tmp:
        tmp.write_text("\n".join(names), encoding="utf-8")
    kept = set(names)
    for old in before | {f.name for f in folder.glob(f"{CRM_UID_PREFIX}*.vcf")}:
        if old.endswith(".vcf") and "/" not in old and old not in kept:
            (folder / old).unlink(missing_ok=True)
    return len(names)
