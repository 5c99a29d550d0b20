"""iCalendar to-dos: VTODOs in as follow-ups, open follow-ups out as VTODOs.

Reading hands the import pipeline a Sheet whose header row is our own follow-up
field names, one row per VTODO (row N is the file's Nth to-do), so matching (UID ->
external_id: a re-import updates instead of duplicating), validation, batches,
revert and the errors file work as for a spreadsheet. A to-do with a property that
cannot be read is still a row: the raw value goes to its field, whose check rejects
the row naming the to-do and the field, while the others import.

Field mapping (both ways):
  SUMMARY      <-> subject
  DUE          <-> due: a TZID or UTC time becomes the owner's wall clock (config
                   timezone); a floating time is taken as wall clock; a DATE stays a
                   date. No DUE: DTSTART (+DURATION); neither: the day of the import.
                   Written with the configured TZID (and its VTIMEZONE) or as a DATE,
                   never floating (todoman reads floating times as UTC).
  PRIORITY     <-> priority: 1 urgent, 2-4 high, 5 normal, 6-9 low, 0/absent normal
                   (RFC 5545 3.8.1.9); written urgent 1, high 3, normal 5, low 7.
  RRULE        <-> every: FREQ=DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL; BYDAY/
                   BYMONTHDAY/BYMONTH only when they restate the due date's own day;
                   MO-FR as weekdays. COUNT/UNTIL keep the step, and the rule goes to
                   notes with a warning (crm repeats until cancelled); any other rule
                   goes to notes only, with a warning.
  STATUS       <-> status: COMPLETED (or a COMPLETED time) done, CANCELLED cancelled,
                   else open. Export writes open follow-ups (or --status).
  ATTENDEE/ORGANIZER mailto <-> contact: the first address that belongs to a
                   contact links it; the others are kept in notes. Written as the
                   contact's ATTENDEE (with CN) when it has an email.
  DESCRIPTION  <-> notes (with LOCATION, URL, CATEGORIES, PERCENT-COMPLETE and
                   unlinked addresses as lines). A 'Categories:' line is written back
                   as CATEGORIES.
  UID          <-> external_id on import; export writes crm-followup-<id>@<host>.
VEVENTs (and VJOURNALs) are not to-dos: counted in a note, not imported.
"""
from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from icalendar import Calendar, ComponentFactory, Todo, vRecur
from icalendar.prop import vBroken

from db.config import get_config
from db.errors import CrmError, StoreError
from db.services import contacts, exports, views
from db.services.common import now_local
from importers.files import private_file
from importers.sheet import Sheet, detect_encoding
from importers.xlsx_guard import UnreadableFile

MAX_ICS_BYTES = 20 * 2**20  # parsed whole in memory, about a second a megabyte
MAX_TODOS = 50_000  # the import writes about 700 a second
MAX_LINKS = 20  # addresses of one to-do looked up as contacts; the rest go to notes
MAX_DEPTH = 8  # VCALENDAR > VTODO > VALARM is 3; nothing real goes deeper
HEADERS = ["subject", "due", "priority", "status", "every", "contact", "notes", "external_id"]
SHEET_NAME = "to-dos"

# RFC 5545 priority (1 highest .. 9 lowest, 0 undefined) and ours
_PRIORITY_IN = {1: "urgent", 2: "high", 3: "high", 4: "high", 5: "normal", 6: "low", 7: "low", 8: "low", 9: "low"}
PRIORITY_OUT = {"urgent": 1, "high": 3, "normal": 5, "low": 7}
_FREQ = {"DAILY": "d", "WEEKLY": "w", "MONTHLY": "m", "YEARLY": "y"}
_FREQ_OUT = {v: k for k, v in _FREQ.items()}
_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


class _TolerantTodo(Todo):
    ignore_exceptions = True  # a property that cannot be read breaks its own to-do, not the file


class _Calendar(Calendar):
    _components_factory = ComponentFactory()


_Calendar._components_factory.add_component_class(_TolerantTodo)


@dataclass
class IcalSheet(Sheet):
    notes: list[str] = field(default_factory=list)  # for the import summary


def _printable(text: str, limit: int = 160) -> str:
    """The first line of a text from the file, safe for a terminal and short."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = "".join(c if c.isprintable() else "?" for c in first)
    return first[:limit] + ("..." if len(first) > limit else "")


def _read_calendars(path: Path) -> list:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_ICS_BYTES + 1)
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_ICS_BYTES:
        raise UnreadableFile(f"{path}: an iCalendar file over {MAX_ICS_BYTES // 2**20} MB; split it")
    encoding = detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = text.lstrip("\ufeff")
    depth = deepest = 0
    for line in re.finditer(r"^(BEGIN|END):", text, re.M | re.I):  # the parser keeps a stack; walking it recurses
        depth += 1 if line.group(1).upper() == "BEGIN" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            raise UnreadableFile(f"{path}: not a valid iCalendar file (components nested over {MAX_DEPTH} deep)")
    try:
        calendars = _Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # the library raises ValueError, and others, for any damage
        raise UnreadableFile(f"{path}: not a valid iCalendar file ({_printable(str(exc)) or type(exc).__name__})") from None
    calendars = [c for c in calendars if c.name == "VCALENDAR"]
    if not calendars:
        raise UnreadableFile(f"{path}: not a valid iCalendar file (no VCALENDAR)")
    return calendars


def ical_sheets(path: str | Path) -> list[Sheet]:
    """The file's to-dos as one sheet of follow-up rows (header row 0, to-do N row N)."""
    path = Path(path).expanduser()
    todos, ignored = [], {}
    for cal in _read_calendars(path):
        for comp in cal.subcomponents:
            if comp.name == "VTODO":
                todos.append(comp)
            elif comp.name != "VTIMEZONE":
                ignored[comp.name] = ignored.get(comp.name, 0) + 1
    if len(todos) > MAX_TODOS:
        raise UnreadableFile(f"{path}: {len(todos):,} to-dos is over the {MAX_TODOS:,} a file may hold; split it")
    notes: list[str] = []
    for name, n in ignored.items():
        one, many = {"VEVENT": ("event", "events"), "VJOURNAL": ("journal entry", "journal entries")}.get(
            name, ("component", "components"))
        notes.append(f"{path.name}: {n} {one if n == 1 else many} ({name}) not imported: "
                     "crm imports to-dos (VTODO) as follow-ups")
    known = _known_emails(todos)
    rows = [(0, list(HEADERS))]
    for number, todo in enumerate(todos, 1):
        try:
            rows.append((number, _row(todo, number, known, notes)))
        except Exception as exc:  # a to-do we cannot make sense of: its row is rejected (on its due), the others import
            rows.append((number, [_text(_one(todo, "SUMMARY")), f"unreadable to-do ({_printable(str(exc), 80)})",
                                  None, None, None, None, None, _text(_one(todo, "UID"))]))

    def read():
        return iter(rows)

    return [IcalSheet(SHEET_NAME, 0, read, size=len(todos), notes=notes)]


def _addresses(todo) -> list[tuple[str, object, str | None]]:
    """(role, property, email or None) of each ATTENDEE, then the ORGANIZER."""
    out = []
    for role, value in [("Attendee", a) for a in _many(todo, "ATTENDEE")] + [("Organizer", _one(todo, "ORGANIZER"))]:
        if value is not None:
            address = str(value).strip()
            email = address[7:].strip() if address.lower().startswith("mailto:") else None
            out.append((role, value, email if email and "@" in email else None))
    return out


def _known_emails(todos) -> set[str]:
    """Which of the to-dos' addresses (lower-cased) belong to a live contact: asked in
    chunks, not one query per address (10,000 to-dos took 16 s that way)."""
    wanted = sorted({email.lower() for t in todos for _, _, email in _addresses(t)[:MAX_LINKS] if email})
    known = set()
    for i in range(0, len(wanted), 500):
        found = contacts.to_dicts(contacts.owners_of(email_keys=wanted[i:i + 500]))
        known.update(e.lower() for c in found for e in c["emails"])
    return known


def _one(todo, name: str):
    value = todo.get(name)
    return value[0] if isinstance(value, list) else value


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _row(todo, number: int, known: set[str], warnings: list[str]) -> list:
    notes = [_text(_one(todo, "DESCRIPTION"))]
    due, anchor = _due(todo, number, warnings)
    priority = _priority(_one(todo, "PRIORITY"))
    every, rule_note = _every(_one(todo, "RRULE"), anchor, number, warnings)
    status = _status(todo)
    contact = None
    for i, (role, value, email) in enumerate(_addresses(todo)):
        if contact is None and email and i < MAX_LINKS and email.lower() in known:
            contact = email
            continue
        name = getattr(value, "params", {}).get("CN")
        address = email or _printable(str(value), 300)
        notes.append(f"{role}: {name} <{address}>" if name else f"{role}: {address}")
    for label, prop in (("Location", "LOCATION"), ("URL", "URL")):
        if _text(_one(todo, prop)):
            notes.append(f"{label}: {_text(_one(todo, prop))}")
    categories = _categories(todo)
    if categories:
        notes.append("Categories: " + ", ".join(categories))
    percent = _one(todo, "PERCENT-COMPLETE")
    if percent is not None and str(percent).strip() not in ("", "0", "100"):
        notes.append(f"Percent complete: {str(percent).strip()}")
    notes.append(rule_note)
    return [_text(_one(todo, "SUMMARY")), due, priority, status, every, contact,
            "\n".join(n for n in notes if n) or None, _text(_one(todo, "UID"))]


def _many(todo, name: str) -> list:
    value = todo.get(name)
    return [] if value is None else value if isinstance(value, list) else [value]


def _categories(todo) -> list[str]:
    out = []
    for value in _many(todo, "CATEGORIES"):
        cats = getattr(value, "cats", None) if not isinstance(value, vBroken) else None
        out += [str(c).strip() for c in cats] if cats is not None else [str(value).strip()]
    return [c for c in dict.fromkeys(out) if c]


def _moment(value):
    """A DUE/DTSTART property's date or datetime; a string when it is none."""
    if isinstance(value, vBroken):
        return f"{str(value).strip()} (not an iCalendar date)"
    try:
        dt = value.dt
    except Exception:
        return f"{_printable(str(value))} (not an iCalendar date)"
    tzid = getattr(value, "params", {}).get("TZID")
    if isinstance(dt, datetime) and dt.tzinfo is None and tzid:
        return f"{dt:%Y-%m-%d %H:%M} in time zone {_printable(str(tzid), 60)}, which is unknown"
    if isinstance(dt, (date, datetime)):
        return dt
    try:  # a PERIOD or a TIME: no day to be due on
        raw = value.to_ical().decode("utf-8", "replace")
    except Exception:
        raw = type(dt).__name__
    return f"{_printable(raw, 80)} (not a date)"


def _due(todo, number: int, warnings: list[str]):
    """(the due cell for the pipeline, the due as the file gives it, for RRULE)."""
    raw = _one(todo, "DUE")
    if raw is not None:
        moment = _moment(raw)
    elif _one(todo, "DTSTART") is not None:
        moment = _moment(_one(todo, "DTSTART"))
        length = _one(todo, "DURATION")
        try:
            if isinstance(moment, date) and length is not None and isinstance(length.dt, timedelta):
                moment = moment + length.dt
        except Exception:
            pass  # a broken DURATION: the start will do
    else:
        warnings.append(f"to-do {number}: no due date; due on the day of the import")
        return now_local().date(), None
    if isinstance(moment, str):
        return moment, None
    if isinstance(moment, datetime):
        try:
            local = moment.astimezone(get_config().tz).replace(tzinfo=None) if moment.tzinfo else moment
        except (OverflowError, ValueError):  # 9999-12-31T23:00Z is past the last day east of UTC
            return f"{moment.isoformat(timespec='minutes')} (out of range)", None
        return local.isoformat(sep=" ", timespec="minutes"), moment
    return moment, moment


def _priority(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.isdigit() and int(text) <= 9:
        return _PRIORITY_IN.get(int(text), "normal")
    return f"PRIORITY {_printable(text, 40)}"  # no priority of ours: rejected, naming the column


def _status(todo) -> str:
    status = str(_one(todo, "STATUS") or "").strip().upper()
    if status == "CANCELLED":
        return "cancelled"
    if status == "COMPLETED" or _one(todo, "COMPLETED") is not None:
        return "done"
    return "open"


def _every(rule, anchor, number: int, warnings: list[str]) -> tuple[str | None, str | None]:
    """(our recurrence or None, a notes line keeping what it does not say)."""
    if rule is None:
        return None, None
    text = _printable(str(rule.to_ical().decode() if hasattr(rule, "to_ical") and not isinstance(rule, vBroken)
                          else str(rule)), 300)
    every = None if isinstance(rule, vBroken) else _step(rule, anchor)
    if every is None:
        warnings.append(f"to-do {number}: RRULE {text} is not a recurrence crm can repeat; kept in notes")
        return None, f"RRULE: {text}"
    if "COUNT" in rule or "UNTIL" in rule:
        warnings.append(f"to-do {number}: repeats every {every} until cancelled (the end of RRULE {text} "
                        "is kept in notes)")
        return every, f"RRULE: {text}"
    return every, None


def _step(rule, anchor) -> str | None:
    from db import validate

    def values(key):
        return [str(v).upper() for v in rule.get(key, [])]

    freq = (values("FREQ") or [""])[0]
    try:
        interval = int((rule.get("INTERVAL") or [1])[0])
    except (TypeError, ValueError):
        return None
    rest = set(k.upper() for k in rule) - {"FREQ", "INTERVAL", "WKST", "COUNT", "UNTIL"}
    if freq in ("DAILY", "WEEKLY") and interval == 1 and rest == {"BYDAY"} and set(values("BYDAY")) == set(_WEEKDAYS[:5]):
        return "weekdays"
    if freq not in _FREQ or not isinstance(anchor, date):
        return None
    own = {"BYDAY": [_WEEKDAYS[anchor.weekday()]], "BYMONTHDAY": [str(anchor.day)], "BYMONTH": [str(anchor.month)]}
    if isinstance(anchor, datetime):
        own.update(BYHOUR=[str(anchor.hour)], BYMINUTE=[str(anchor.minute)], BYSECOND=[str(anchor.second)])
    allowed = {"DAILY": set(), "WEEKLY": {"BYDAY"}, "MONTHLY": {"BYMONTHDAY"}, "YEARLY": {"BYMONTH", "BYMONTHDAY"}}[freq]
    allowed |= {"BYHOUR", "BYMINUTE", "BYSECOND"}
    for key in rest:  # a BY part may only restate the due date's own day or time
        if key not in allowed or values(key) != own.get(key):
            return None
    try:
        return validate.every(f"{interval}{_FREQ[freq]}")
    except CrmError:  # a step past any calendar
        return None


# -- export -----------------------------------------------------------------

def _uid(followup_id: int) -> str:
    return f"crm-followup-{followup_id}@{socket.gethostname() or 'localhost'}"


def _calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//crm//follow-ups//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "crm follow-ups")
    return cal


class _Contacts:
    """A follow-up's contact as (name, email), looked up once per contact."""

    def __init__(self):
        self.seen: dict[int, tuple[str, str | None] | None] = {}

    def __call__(self, contact_id):
        if contact_id is None:
            return None
        if contact_id not in self.seen:
            try:
                c = views.contact(contact_id)
                self.seen[contact_id] = (c.get("name") or "", (c.get("emails") or [None])[0])
            except CrmError:
                self.seen[contact_id] = None
        return self.seen[contact_id]


def _todo(row: dict, tz, stamp: datetime, who: _Contacts) -> Todo:
    todo = Todo()
    todo.add("uid", _uid(row["id"]))
    todo.add("dtstamp", stamp)
    todo.add("summary", row["subject"])
    due = row["due"]
    due = due.replace(tzinfo=tz) if isinstance(due, datetime) else due  # never floating
    todo.add("due", due)
    if row.get("every"):
        todo.add("dtstart", due)  # RFC 5545: a recurrence counts from DTSTART
        every = row["every"]
        rule = ({"FREQ": "WEEKLY", "BYDAY": _WEEKDAYS[:5]} if every == "weekdays"
                else {"FREQ": _FREQ_OUT[every[-1]], "INTERVAL": int(every[:-1])})
        todo.add("rrule", vRecur(rule))
    todo.add("priority", PRIORITY_OUT.get(row.get("priority") or "normal", 5))
    todo.add("status", {"done": "COMPLETED", "cancelled": "CANCELLED"}.get(row.get("status"), "NEEDS-ACTION"))
    description, categories = [], []
    for line in (row.get("notes") or "").splitlines():
        if line.startswith("Categories: "):
            categories += [c.strip() for c in line[len("Categories: "):].split(",") if c.strip()]
        else:
            description.append(line)
    if "\n".join(description).strip():
        todo.add("description", "\n".join(description).strip())
    if categories:
        todo.add("categories", categories)
    person = who(row.get("contact_id"))
    if person and person[1]:
        todo.add("attendee", f"mailto:{person[1]}", parameters={"CN": person[0]} if person[0] else None)
    return todo


def _open_rows(entities, filters: dict):
    if entities and entities != list(exports.ENTITIES) and any(e != "followup" for e in entities):
        raise StoreError("an .ics file holds follow-ups only; use --entity followup or leave --entity out")
    filters = dict(filters)
    filters["status"] = filters.get("status") or "open"
    return exports.rows("followup", **filters)


def write_ics(path: Path, entities=None, progress=None, filters: dict | None = None) -> dict[str, int]:
    """Follow-ups (open ones unless filters say a status) as one calendar of VTODOs."""
    tz, stamp, who = get_config().tz, datetime.now(timezone.utc), _Contacts()
    cal = _calendar()
    n = 0
    for row in _open_rows(entities, filters or {}):
        cal.add_component(_todo(row, tz, stamp, who))
        n += 1
    cal.add_missing_timezones()
    path.write_bytes(cal.to_ical())
    return {"followup": n}


def write_vdir(directory: str | Path, entities=None, **filters) -> int:
    """DIR/followups/crm-followup-<id>.ics, one VTODO (and its VTIMEZONE) per file,
    0600: the layout vdirsyncer syncs to a CalDAV task list. Files of follow-ups no
    longer exported (done, cancelled, deleted) are removed, so the list follows."""
    folder = Path(directory).expanduser() / "followups"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        tz, stamp, who = get_config().tz, datetime.now(timezone.utc), _Contacts()
        written = set()
        for row in _open_rows(entities, filters):
            cal = _calendar()
            cal.add_component(_todo(row, tz, stamp, who))
            cal.add_missing_timezones()
            out = folder / f"crm-followup-{row['id']}.ics"
            with private_file(out) as tmp:
                tmp.write_bytes(cal.to_ical())
            written.add(out.name)
        for old in folder.glob("crm-followup-*.ics"):
            if old.name not in written:
                old.unlink()
    except OSError as exc:
        raise StoreError(f"{folder}: cannot write ({exc.strerror})") from None
    return len(written)


__all__ = ["IcalSheet", "ical_sheets", "write_ics", "write_vdir", "PRIORITY_OUT", "MAX_ICS_BYTES"]
