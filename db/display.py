"""Values as a person reads them: money with its symbol, phones spaced the way their country
writes them, times in the owner's timezone. Both faces (CLI tables, the app) call these;
JSON and CSV keep the plain machine forms (decimal strings, E.164, ISO).

Pure functions: no UI imports, no queries. The locale and timezone come from the config
unless a caller passes them (tests do, so they pin exact strings).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import phonenumbers
from babel.numbers import format_currency

from db import validate

# en_US writes every currency with its plainest symbol (£33,600.00, $8,800.00, ¥1,200);
# en_GB would print US$ and JP¥. A `locale = "de_DE"` line in the config changes it.
DEFAULT_LOCALE = "en_US"

# Month names spelled here, not by strftime, whose %b follows whatever C locale was set.
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


def _parse_instant(value) -> datetime | None:
    """A stored instant: a datetime (naive means UTC, as the store keeps them) or its ISO text."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def when(value, tz: ZoneInfo | str | None = None) -> str:
    """A UTC instant -> "25 Nov 2026 17:42" in the owner's timezone. Absolute, not "today":
    a table printed and read tomorrow still says the truth. Text that is not a time stays as it is."""
    if value is None or value == "":
        return ""
    moment = _parse_instant(value)
    if moment is None:
        return str(value)
    zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or _tz())
    local = moment.astimezone(zone)
    return f"{day(local.date())} {local:%H:%M}"


def day(value) -> str:
    """A calendar date (or "YYYY-MM-DD") -> "25 Nov 2026". Dates carry no timezone: none is applied."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return value
    if not isinstance(value, date):
        return str(value)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
