"""Values as a person reads them: money with its symbol, phones spaced the way their country
writes them, times in the owner's timezone. Both faces (CLI tables, the app) call these;
JSON and CSV keep the plain machine forms (decimal strings, E.164, ISO).

Pure functions: no UI imports, no queries. The locale and timezone come from the config
unless a caller passes them (tests do, so they pin exact strings).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import phonenumbers
from babel.numbers import format_currency

from db import validate

# en_US writes every currency with its plainest symbol (£33,600.00, $8,800.00, ¥1,200);
# en_GB would print US$ and JP¥. A `locale = "de_DE"` line in the config changes it.
DEFAULT_LOCALE = "en_US"

# Month names spelled here, not by strftime, whose %b follows whatever C locale was set.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _locale() -> str:
    from db.config import get_config

    return get_config().locale or DEFAULT_LOCALE


def _tz() -> ZoneInfo:
    from db.config import get_config

    return get_config().tz


def money(minor: int | None, currency: str, locale: str | None = None) -> str:
    """12345, "GBP" -> "£123.45"; JPY has no minor unit, so 1200 -> "¥1,200". None -> ""."""
    if minor is None:
        return ""
    code = (currency or "").upper()
    major = Decimal(int(minor)) / (10 ** validate.exponent(code))
    try:
        return format_currency(major, code, locale=locale or _locale())
    except Exception:  # an unknown code or locale in old data: still readable, never a crash
        return validate.format_money(int(minor), code)


def amount(value: str | Decimal | None, currency: str, locale: str | None = None) -> str:
    """A decimal amount as the JSON carries it ("33600.00") -> "£33,600.00". Text that is
    not a number (already formatted, or empty) stays as it is."""
    if value is None or value == "":
        return ""
    try:
        major = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if not major.is_finite():
        return str(value)
    exp = validate.exponent((currency or "").upper())
    return money(int((major * 10 ** exp).to_integral_value()), currency, locale)


def phone(value: str | None) -> str:
    """"+447700900123" -> "+44 7700 900123". A number kept as typed (no +country, or one
    the library cannot read) is shown exactly as it was typed."""
    if not value:
        return value or ""
    text = str(value)
    if not text.startswith("+") or not text[1:].isdigit():
        return text
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _parse_time(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and "T" in value:
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def when(value, tz: ZoneInfo | str | None = None) -> str:
    """A time as people write it: "25 Nov 2026 17:42", absolute (not "today"), so a table
    read tomorrow still tells the truth.

    A time with a zone (the store's "2026-11-25T17:42:20Z", an aware datetime) is an
    instant: shown in the owner's timezone. One without a zone ("2026-11-27T09:00", how
    follow-ups keep their local due time) is already a wall-clock time: shown as it is.
    A date alone goes to day(); text that is not a time stays as it is."""
    if value is None or value == "":
        return ""
    moment = _parse_time(value)
    if moment is None:
        return day(value)
    if moment.tzinfo is not None:
        zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or _tz())
        moment = moment.astimezone(zone)
    return f"{day(moment.date())} {moment:%H:%M}"


def day(value) -> str:
    """A calendar date (or "YYYY-MM-DD") -> "25 Nov 2026". A date carries no timezone; the
    day of an instant ("2026-11-25T23:30:00Z") is the owner's day in their timezone."""
    if value is None or value == "":
        return ""
    moment = _parse_time(value)
    if moment is not None:  # an instant's day is the owner's day, not UTC's
        value = moment.astimezone(_tz()).date() if moment.tzinfo is not None else moment.date()
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value.strip()):
            return value
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:  # 2026-02-30
            return value
    if not isinstance(value, date):
        return str(value)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
