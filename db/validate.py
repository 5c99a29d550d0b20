"""Checking and normalising what people type: emails, phones, dates, choices, money.

Every failure raises Invalid naming the field, so each face can put the message
where the user is looking (beside a form field, or one line on stderr).
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import phonenumbers
from babel.numbers import list_currencies
from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

from db.errors import Invalid, NotFound

# Pragmatic address check: one @, no spaces, a dot in the domain, sane characters.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def text(value) -> str | None:
    """Trimmed text, or None for blank. NUL characters are dropped: nobody types one,
    they arrive only as damage in files, and PostgreSQL refuses to store them."""
    if value is None:
        return None
    value = str(value).replace("\x00", "").strip()
    return value or None


# Ids and row limits are 64-bit integers in both stores; a bigger number would make the
# driver raise OverflowError instead of simply finding nothing.
MAX_INT64 = 2 ** 63 - 1


def record_id(value, label: str) -> int:
    """The id in a reference like '12'; NotFound naming the record for anything that
    cannot be an id (not a whole number, 0, negative, beyond 64 bits)."""
    try:
        key = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise NotFound(f"{label} {value!r} not found") from None
    if not 1 <= key <= MAX_INT64:
        raise NotFound(f"{label} {value} not found")
    return key


def limit(value: int | None, field: str = "limit") -> int | None:
    """A row limit: None or a whole number from 0 (0 = no limit) to 2^63-1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT64:
        raise Invalid(field, f"{value!r} is not a number of rows (0 = no limit)")
    return value


def email(value: str, field: str = "email") -> str:
    value = str(value).strip()
    if not _EMAIL.match(value) or ".." in value or len(value) > 254:
        raise Invalid(field, f"{value!r} is not a valid email address")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def phone(value: str, region: str | None, field: str = "phone", country=None) -> tuple[str, str]:
    """(what was typed, the normalised number).

    A number typed with +country is E.164 as typed. A national number is E.164 only when
    it is a valid number (phonenumbers.is_valid_number; or a possible one that does not
    begin with the country code, see _national_form) in the region of `country` (the row's own country column: 'China', '中国', 'CN') or
    else in `region` (the configured one); otherwise it is kept as typed and its digits
    are the match key, so it still matches itself and is never turned into another
    country's number (17555824009 is a Chinese mobile, not +1 755 582 4009).
    An extension (ext 43023, x123, ext. 12, ;ext=12) stays in what was typed and is left
    out of the number."""
    raw = str(value).strip()
    # any script's digits (full-width, Arabic-Indic) read as 0-9, so they match the same number typed in ASCII
    plain = raw if raw.isascii() else \
        "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in unicodedata.normalize("NFKC", raw))
    m = _EXTENSION.search(plain)
    main = plain[:m.start()].strip() if m and m.start() else plain
    digits = _NON_DIGIT.sub("", main)
    if len(digits) < 3 or main.startswith("-") or _LETTER.search(main):
        raise Invalid(field, f"{raw!r} is not a phone number")
    if _INTERNATIONAL.match(main):
        if "(0)" not in main and 8 <= len(digits) <= 15:
            return raw, "+" + digits  # already international: E.164 is its digits (skips a slow parse)
        return raw, _international(main, digits)
    for where in dict.fromkeys(r for r in (country_region(country), region) if r):
        number = _national(main, digits, where)
        if number:
            return raw, number
    return raw, digits


_EXTENSION = re.compile(r"(?:\s*;\s*ext\s*=\s*|\s*,?\s*(?:extension|ext\.?|x|#)\s*)(\d{1,7})\s*$", re.IGNORECASE)


def _international(main: str, digits: str) -> str:
    """+44 (0)20 ...: the (0) is a national prefix to drop; what the parser cannot read stays +digits."""
    try:
        parsed = phonenumbers.parse(main, None)
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return "+" + digits


# Parsing and checking a national number is slow (~80 us). Numbers of one region that
# share their leading six digits (area code and exchange, operator prefix) and length
# get the same treatment (a national prefix swapped for a country code, or not valid
# there), so that shape is remembered: an import of 100k phones parses a few hundred.
_SHAPES: dict[tuple, tuple[str, int] | None] = {}
_PLAIN = re.compile(r"^[\d\s().\-/]+$")


def _national(main: str, digits: str, region: str) -> str | None:
    """E.164 when the number is valid in this region, else None."""
    key = (region, digits[:6], len(digits))
    plain = _PLAIN.match(main)
    if plain and key in _SHAPES:
        shape = _SHAPES[key]
        return shape[0] + digits[shape[1]:] if shape else None
    number = _read(main, digits, region)
    if plain and len(_SHAPES) < 50_000:
        shape = None
        for strip in range(min(4, len(digits))) if number else ():
            if number.endswith(digits[strip:]):
                shape = (number[:len(number) - len(digits) + strip], strip)
                break
        if shape or not number:
            _SHAPES[key] = shape
    return number


def _read(main: str, digits: str, region: str) -> str | None:
    try:
        parsed = phonenumbers.parse(main, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(parsed) or _national_form(parsed, digits):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def _parse(raw: str, digits: str, region: str | None) -> str:
    """A national number read in full, no remembered shape (what the shapes must agree with)."""
    return (_read(raw, digits, region) if region else None) or digits


def _national_form(parsed, digits: str) -> bool:
    """A possible but unassigned number (07700 900123: ranges kept for fiction and tests
    are not 'valid') is still this region's, unless its digits begin with the region's
    country code: then it may be an international number without its + or another
    country's own (17555824009 is a Chinese mobile, not 1 + a US number that does not exist)."""
    return phonenumbers.is_possible_number(parsed) and not digits.startswith(str(parsed.country_code))


_NON_DIGIT = re.compile(r"\D")
_LETTER = re.compile(r"[^\W\d_]")  # a letter of any script
_INTERNATIONAL = re.compile(r"^\+[1-9][\d\s().\-/]*$")


def country_region(country) -> str | None:
    """The phone region of a country as a row names it: an ISO code (CN, DE, USA) or its
    name in English or in its own language (China, 中国, Deutschland, Polska, Türkiye).
    None when the text names no country we know."""
    key = " ".join(str(country or "").casefold().replace(".", "").split())
    if not key:
        return None
    if len(key) == 2 and key.upper() in phonenumbers.SUPPORTED_REGIONS:
        return key.upper()
    return _country_names().get(key)


# Languages whose country names are looked up: English plus the languages of the places
# people most often bring contact lists from. Babel's CLDR names, loaded on first use.
_NAME_LANGUAGES = ("en", "zh", "zh_Hant", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "ja", "ko", "tr", "ar",
                   "sv", "da", "nb", "fi", "cs", "el", "he", "hu", "ro", "uk", "id", "vi", "th", "hi", "ms")
_COUNTRY_ALIASES = {"usa": "US", "united states of america": "US", "america": "US", "uk": "GB", "great britain": "GB",
                    "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
                    "prc": "CN", "中华人民共和国": "CN", "mainland china": "CN", "korea": "KR", "south korea": "KR",
                    "holland": "NL", "uae": "AE", "russian federation": "RU", "deu": "DE", "chn": "CN",
                    "gbr": "GB", "fra": "FR", "esp": "ES", "ita": "IT", "pol": "PL", "tur": "TR", "can": "CA"}


@functools.lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from babel import Locale

    names = dict(_COUNTRY_ALIASES)
    for language in _NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code in phonenumbers.SUPPORTED_REGIONS:
                names.setdefault(" ".join(name.casefold().replace(".", "").split()), code)
    return names


def name_key(name) -> str:
    """How a company name is compared, in every script: NFKC (full-width and ligature
    forms fold to plain letters), Unicode case folding (Żabka/ŻABKA, Straße/STRASSE,
    Greek final sigma) rather than SQLite's ASCII-only lower(), runs of spaces as one.
    Turkish i's fold to one i (the dot lower-casing İ leaves, and dotless ı), so
    İstanbul, istanbul and ISTANBUL, Gıda and GIDA, each name one company."""
    folded = unicodedata.normalize("NFKC", str(name or "")).casefold().replace("i\u0307", "i").replace("ı", "i")
    return " ".join(folded.split())


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


# Dates a CRM can mean: from 1900 (Excel's first day; nothing a small business
# schedules or records is older) to 2999. Keeping well inside Python's year 1..9999
# means a stored date plus any recurrence step, lead or snooze (each at most
# MAX_SPAN) can never overflow, and both stores keep every such date exactly.
FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_SPAN = timedelta(days=36525)  # 100 years: the longest recurrence, lead or snooze


def in_range(moment: datetime | date, field: str, raw=None) -> None:
    """Invalid naming the field when a date falls outside FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        shown = raw if raw is not None else moment.isoformat()
        raise Invalid(field, f"{shown!r} is out of range (dates from {FIRST_YEAR} to {LAST_YEAR})")


def parse_when(value, field: str, now: datetime, dayfirst: bool = False) -> tuple[datetime, bool]:
    """A point in time as people type it -> (naive datetime, whether a time was given).

    Accepts ISO forms, 24/11/2026 (order from config), 'Nov 24 3pm', today, tomorrow,
    yesterday, weekday names (the next one), 'next friday', '+3d', 'in 2 weeks', and
    any of those followed by a time ('tomorrow 9:30'). Dates outside 1900..2999 are
    Invalid.
    """
    when, has_time = _parse_when(value, field, now, dayfirst)
    in_range(when, field, value if isinstance(value, str) else None)
    return when, has_time


def _parse_when(value, field: str, now: datetime, dayfirst: bool) -> tuple[datetime, bool]:
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
        try:
            delta = _relative(int(m.group(1)), m.group(2))
            has_time = isinstance(delta, timedelta) and delta < timedelta(days=1)
            base = now if has_time else today
            return base + delta, has_time
        except (ValueError, OverflowError):  # '+99999999999d' is past any calendar
            raise Invalid(field, f"{raw!r} is out of range (dates from {FIRST_YEAR} to {LAST_YEAR})") from None
    if s[0] in "+-\u2212":  # not a relative form above; dateutil would read '-5' as the 5th
        raise Invalid(field, f"{raw!r} is not a date I understand (try 2026-11-24, 24 Nov, tomorrow 9:30, +3d)")
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
    except (ValueError, OverflowError, TypeError):  # ParserError is a ValueError
        raise Invalid(field, f"{raw!r} is not a date I understand (try 2026-11-24, 24 Nov, tomorrow 9:30, +3d)") from None
    has_time = bool(re.search(r"\d:\d|\d\s*(am|pm)\b|t\d\d", s))
    return parsed.replace(tzinfo=None), has_time


def parse_date(value, field: str, today: date, dayfirst: bool = False) -> date:
    when, _ = parse_when(value, field, datetime.combine(today, time()), dayfirst)
    return when.date()


def duration(value: str, field: str) -> timedelta:
    """'30m', '2h', '1d', '1w' -> timedelta, at most MAX_SPAN."""
    m = _RELATIVE.match(str(value).strip().lower())
    if not m or m.group(2).startswith(("mo", "y")):
        raise Invalid(field, f"{value!r} is not a duration (use 30m, 2h, 1d, 1w)")
    try:
        span = _relative(int(m.group(1)), m.group(2))
    except (ValueError, OverflowError):
        span = None
    if span is None or span > MAX_SPAN:
        raise Invalid(field, f"{value!r} is too long (at most 100 years)")
    return span


_EVERY = re.compile(r"^(\d+)\s*(d|w|m|y)$")
# The longest step of a recurrence per unit: 100 years (see MAX_SPAN).
_EVERY_MAX = {"d": 36500, "w": 5200, "m": 1200, "y": 100}


def every(value: str | None, field: str = "every") -> str | None:
    """Recurrence: '3d', '2w', '1m', '1y' or 'weekdays' (stored as typed, normalised)."""
    if value is None or str(value).strip() == "":
        return None
    s = str(value).strip().lower()
    if s == "weekdays":
        return s
    m = _EVERY.match(s)
    digits = m.group(1).lstrip("0") if m else ""
    if not digits:
        raise Invalid(field, f"{value!r} is not a recurrence (use 3d, 2w, 1m, 1y or weekdays)")
    if len(digits) > 6 or int(digits) > _EVERY_MAX[m.group(2)]:
        raise Invalid(field, f"{value!r} is too long a step (at most 100 years: 36500d, 5200w, 1200m, 100y)")
    return f"{int(digits)}{m.group(2)}"


# Currencies whose minor unit is not 1/100: ISO 4217's exponents. Not Babel's
# get_currency_precision: CLDR gives the digits people use in cash (IQD 0, ALL 0),
# ISO the ones banks count in (IQD 3, ALL 2), and stored minor units mean the latter.
_EXPONENT = {c: 0 for c in ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                            "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF")}
_EXPONENT.update({c: 3 for c in ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")})


def exponent(currency: str) -> int:
    return _EXPONENT.get(currency.upper(), 2)


@functools.lru_cache(maxsize=1)
def _iso_4217() -> frozenset[str]:
    return frozenset(list_currencies())  # Babel's CLDR list (a set lookup is 30x its is_currency())


def is_currency(code: str) -> bool:
    return code in _iso_4217()


def currency(value: str, field: str = "currency") -> str:
    """An ISO 4217 code (Babel's CLDR list), upper-cased."""
    code = str(value).strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha() or not is_currency(code):
        raise Invalid(field, f"{value!r} is not an ISO 4217 currency code like EUR")
    return code


# Amounts stay under 10^15 minor units (ten trillion at two decimals): more than any
# deal, and a sum of a million such amounts still fits a 64-bit integer.
MAX_MINOR = 10 ** 15

# [sign] [symbol or code] [sign] digits-with-separators [symbol or code]
_AMOUNT = re.compile(r"^([-+\u2212]?)\s*([^\d\s.,'+\-\u2212]{1,4})?\s*([-+\u2212]?)\s*"
                     r"(\d(?:[\d.,'\s]*\d)?)\s*([^\d\s.,'+\-\u2212]{1,4})?$")
_WESTERN = re.compile(r"^\d{1,3}(?:,\d{3})+$")  # 1,234,567
_INDIAN = re.compile(r"^\d{1,2}(?:,\d{2})*,\d{3}$")  # 12,34,567


def money(value, code: str, field: str = "amount") -> int:
    """An amount as people write it -> minor units as an integer (never a float).

    Takes 4800, '4,800', '12,500.50', '4.800,50', '1 234,56', '12,34,567' (Indian
    grouping), '$1,200', '1200 EUR'. Refuses what only looks like a number
    ('1e30', '0x10', '1,2,3', 'nan'), negatives, more decimals than the currency
    has, and anything from MAX_MINOR up.
    """
    exp = exponent(code)
    if isinstance(value, bool):
        raise Invalid(field, f"{value!r} is not an amount")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, (float, Decimal)):
        if not math.isfinite(value):
            raise Invalid(field, f"{value!r} is not an amount")
        amount = Decimal(repr(value)) if isinstance(value, float) else value
    else:
        amount = _parse_amount(str(value), code, field)
    if amount < 0:
        raise Invalid(field, f"{value!r} is negative")
    minor = amount.scaleb(exp)
    if minor >= MAX_MINOR:
        raise Invalid(field, f"{value!r} is too large (at most {format_money(MAX_MINOR - 1, code)})")
    if minor != minor.to_integral_value():
        raise Invalid(field, f"{value!r} has more decimals than {code} allows ({exp})")
    return int(minor)


def _parse_amount(raw: str, code: str, field: str) -> Decimal:
    # any script's digits count (Arabic-Indic, full-width): they are still digits
    s = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in raw.strip())
    m = _AMOUNT.match(s)
    if not m:
        raise Invalid(field, f"{raw!r} is not an amount")
    sign1, before, sign2, number, after = m.groups()
    for token in (before, after):
        _currency_mark(token, code, raw, field)
    if sign1 and sign2:
        raise Invalid(field, f"{raw!r} is not an amount")
    plain = _plain_number(number)
    if plain is None:
        raise Invalid(field, f"{raw!r} is not an amount (its digit grouping is not 1,234,567 or 1.234.567)")
    amount = Decimal(plain)
    return -amount if (sign1 or sign2) in ("-", "\u2212") else amount


def _currency_mark(token: str | None, code: str, raw: str, field: str) -> None:
    """A symbol ($, €, US$) or the deal's own code beside the number; another code is a mistake."""
    if not token or token.upper() == code:
        return
    if len(token) == 3 and token.isascii() and token.isalpha() and is_currency(token.upper()):
        raise Invalid(field, f"{raw!r} is in {token.upper()}, but the currency is {code}")
    if not any(unicodedata.category(ch) == "Sc" for ch in token) or not all(
            ch.isalpha() or unicodedata.category(ch) == "Sc" for ch in token):
        raise Invalid(field, f"{raw!r} is not an amount")


def _plain_number(number: str) -> str | None:
    """'4.800,50' -> '4800.50'; None when the separators are not real grouping."""
    number = re.sub(r"\s", " ", number)
    marks = [ch for ch in number if not ch.isdigit()]
    if not marks:
        return number
    last = marks[-1]
    decimal_mark = None
    if len(set(marks)) > 1:  # two kinds: the last is the decimal mark, and it comes once
        if marks.count(last) > 1 or last in " '":
            return None
        decimal_mark = last
    elif last in ".," and len(marks) == 1 and not (last == "," and len(number.rsplit(",", 1)[1]) == 3):
        decimal_mark = last  # 12.50, 12,5; but 4,800 is four thousand eight hundred
    whole, _, fraction = number.rpartition(decimal_mark) if decimal_mark else (number, "", "")
    if decimal_mark and not fraction.isdigit():
        return None
    groups = {ch for ch in whole if not ch.isdigit()}
    if len(groups) > 1:
        return None
    if groups:
        as_commas = whole.replace(groups.pop(), ",")
        if not (_WESTERN.match(as_commas) or _INDIAN.match(as_commas)):
            return None
    digits = re.sub(r"\D", "", whole)
    return f"{digits}.{fraction}" if decimal_mark else digits


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


USER_NAME_LENGTH = 100


def user_name(name, where: str = "user") -> str:
    """A user's name, trimmed; Invalid naming `where` if it cannot be one."""
    text = str(name).strip()
    if not text:
        raise Invalid(where, "a user name cannot be empty")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise Invalid(where, "a user name cannot hold control characters or line breaks")
    if len(text) > USER_NAME_LENGTH:
        raise Invalid(where, f"a user name is at most {USER_NAME_LENGTH} characters, not {len(text)}")
    return text
