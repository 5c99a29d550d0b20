"""Checking and normalising what people type: emails, phones, dates, choices, money.

Every failure raises Invalid naming the field, so each face can put the message
where the user is looking (beside a form field, or one line on stderr).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import phonenumbers
from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

from db.errors import Invalid

# Pragmatic address check: one @, no spaces, a dot in the domain, sane characters.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def text(value) -> str | None:
    """Trimmed text, or None for blank."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def email(value: str, field: str = "email") -> str:
    value = str(value).strip()
    if not _EMAIL.match(value) or ".." in value or len(value) > 254:
        raise Invalid(field, f"{value!r} is not a valid email address")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def phone(value: str, region: str | None, field: str = "phone") -> tuple[str, str]:
    """(what was typed, the normalised number). E.164 when the number parses for the
    region (or carries +country); otherwise the digits, so it still matches itself."""
    raw = str(value).strip()
    digits = _NON_DIGIT.sub("", raw)
    if len(digits) < 3 or _LETTER.search(raw.replace("ext", "").replace("x", "")):
        raise Invalid(field, f"{raw!r} is not a phone number")
    if _INTERNATIONAL.match(raw) and "(0)" not in raw and 8 <= len(digits) <= 15:
        return raw, "+" + digits  # already international: E.164 is its digits (skips a slow parse)
    plain = not raw.startswith("+") and _PLAIN.match(raw)
    shape = _SHAPES.get((region, digits[:6], len(digits))) if plain else None
    if shape:
        return raw, shape[0] + digits[shape[1]:]
    number = _parse(raw, digits, region)
    if plain and len(_SHAPES) < 50_000:
        for strip in range(min(4, len(digits))):
            if number.endswith(digits[strip:]):
                _SHAPES[(region, digits[:6], len(digits))] = (number[:len(number) - len(digits) + strip], strip)
                break
    return raw, number


# Parsing a national number is slow (~50 us). Numbers of one region that share their
# leading digits and length get the same treatment (a national prefix swapped for a
# country code, or kept as digits), so that shape is remembered: an import of 100k
# phones parses a few hundred.
_SHAPES: dict[tuple, tuple[str, int]] = {}
_PLAIN = re.compile(r"^[\d\s().\-]+$")


def _parse(raw: str, digits: str, region: str | None) -> str:
    try:
        parsed = phonenumbers.parse(raw, region)
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return ("+" + digits) if raw.startswith("+") else digits


_NON_DIGIT = re.compile(r"\D")
_LETTER = re.compile(r"[A-Za-z]")
_INTERNATIONAL = re.compile(r"^\+[1-9][\d\s().\-]*$")


def choice(value: str, allowed, field: str) -> str:
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    allowed = list(allowed)
    if key not in allowed:
        raise Invalid(field, f"{value!r} is not one of: {', '.join(allowed)}")
    return key


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = re.compile(r"^(?:\+|in\s+)?(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?|mo|months?|y|years?)$")


def _relative(amount: int, unit: str):
    if unit in ("m", "min", "mins") or unit.startswith("minute"):
        return timedelta(minutes=amount)
    if unit.startswith("h"):
        return timedelta(hours=amount)
    if unit.startswith("d"):
        return timedelta(days=amount)
    if unit.startswith("w"):
        return timedelta(weeks=amount)
    if unit.startswith("mo"):
        return relativedelta(months=amount)
    return relativedelta(years=amount)


def parse_when(value, field: str, now: datetime, dayfirst: bool = False) -> tuple[datetime, bool]:
    """A point in time as people type it -> (naive datetime, whether a time was given).

    Accepts ISO forms, 24/11/2026 (order from config), 'Nov 24 3pm', today, tomorrow,
    yesterday, weekday names (the next one), 'next friday', '+3d', 'in 2 weeks', and
    any of those followed by a time ('tomorrow 9:30').
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=None), True
    if isinstance(value, date):
        return datetime.combine(value, time()), False
    raw = str(value).strip()
    s = raw.lower()
    if not s:
        raise Invalid(field, "a date is required")
    today = datetime.combine(now.date(), time())
    m = _RELATIVE.match(s)
    if m:
        delta = _relative(int(m.group(1)), m.group(2))
        has_time = isinstance(delta, timedelta) and delta < timedelta(days=1)
        base = now if has_time else today
        return base + delta, has_time
    day = None
    rest = s
    for word, offset in (("today", 0), ("tomorrow", 1), ("yesterday", -1)):
        if s.startswith(word):
            day, rest = today + timedelta(days=offset), s[len(word):].strip()
    if day is None:
        words = s.replace("next ", "", 1).split(" ", 1)
        if words[0] in _WEEKDAYS or words[0][:3] in [w[:3] for w in _WEEKDAYS] and len(words[0]) <= 4:
            target = [w[:3] for w in _WEEKDAYS].index(words[0][:3])
            ahead = (target - today.weekday() - 1) % 7 + 1
            day, rest = today + timedelta(days=ahead), (words[1] if len(words) > 1 else "")
    try:
        if day is not None:
            if not rest:
                return day, False
            t = dateparser.parse(rest.replace("at ", ""), default=day)
            return day.replace(hour=t.hour, minute=t.minute), True
        parsed = dateparser.parse(raw, default=today, dayfirst=dayfirst, yearfirst=bool(re.match(r"^\d{4}", raw)))
    except (ValueError, OverflowError, dateparser.ParserError):
        raise Invalid(field, f"{raw!r} is not a date I understand (try 2026-11-24, 24 Nov, tomorrow 9:30, +3d)") from None
    has_time = bool(re.search(r"\d:\d|\d\s*(am|pm)\b|t\d\d", s))
    return parsed.replace(tzinfo=None), has_time


def parse_date(value, field: str, today: date, dayfirst: bool = False) -> date:
    when, _ = parse_when(value, field, datetime.combine(today, time()), dayfirst)
    return when.date()


def duration(value: str, field: str) -> timedelta:
    """'30m', '2h', '1d', '1w' -> timedelta."""
    m = _RELATIVE.match(str(value).strip().lower())
    if not m or m.group(2).startswith(("mo", "y")):
        raise Invalid(field, f"{value!r} is not a duration (use 30m, 2h, 1d, 1w)")
    return _relative(int(m.group(1)), m.group(2))


_EVERY = re.compile(r"^(\d+)\s*(d|w|m|y)$")


def every(value: str | None, field: str = "every") -> str | None:
    """Recurrence: '3d', '2w', '1m', '1y' or 'weekdays' (stored as typed, normalised)."""
    if value is None or str(value).strip() == "":
        return None
    s = str(value).strip().lower()
    if s == "weekdays":
        return s
    m = _EVERY.match(s)
    if not m or int(m.group(1)) == 0:
        raise Invalid(field, f"{value!r} is not a recurrence (use 3d, 2w, 1m, 1y or weekdays)")
    return f"{int(m.group(1))}{m.group(2)}"


# Currencies whose minor unit is not 1/100 (ISO 4217 exponent).
_EXPONENT = {c: 0 for c in ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                            "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF")}
_EXPONENT.update({c: 3 for c in ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")})


def exponent(currency: str) -> int:
    return _EXPONENT.get(currency.upper(), 2)


def currency(value: str, field: str = "currency") -> str:
    code = str(value).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise Invalid(field, f"{value!r} is not an ISO 4217 currency code like EUR")
    return code


def money(value, code: str, field: str = "amount") -> int:
    """'12,500.50', '$1 200', 1200.5 -> minor units as an integer (never a float)."""
    if isinstance(value, int):
        return value * 10 ** exponent(code)
    s = re.sub(r"[^\d.,\-]", "", str(value))
    if s.count(",") and s.count("."):
        # whichever comes last is the decimal mark
        s = s.replace(",", "") if s.rfind(".") > s.rfind(",") else s.replace(".", "").replace(",", ".")
    elif s.count(",") == 1 and len(s.split(",")[1]) != 3:
        s = s.replace(",", ".")  # 12,50 is a decimal comma
    else:
        s = s.replace(",", "")
    try:
        amount = Decimal(s)
    except InvalidOperation:
        raise Invalid(field, f"{value!r} is not an amount") from None
    if amount < 0:
        raise Invalid(field, f"{value!r} is negative")
    minor = amount * 10 ** exponent(code)
    if minor != minor.to_integral_value():
        raise Invalid(field, f"{value!r} has more decimals than {code} allows")
    return int(minor)


def format_money(minor: int, code: str) -> str:
    exp = exponent(code)
    major = Decimal(minor) / (10 ** exp)
    return f"{major:,.{exp}f} {code}"


def probability(value, field: str = "probability") -> int:
    try:
        p = int(str(value).strip().rstrip("%"))
    except ValueError:
        raise Invalid(field, f"{value!r} is not a whole percentage") from None
    if not 0 <= p <= 100:
        raise Invalid(field, f"{p} is not between 0 and 100")
    return p
