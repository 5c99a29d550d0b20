"""Turning spreadsheet cells into clean values: text, phones that arrived as numbers,
dates as dates / Excel serials / strings, amounts with symbols and separators."""
from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime, time, timedelta

from db.validate import FIRST_YEAR, LAST_YEAR  # the dates a CRM can mean

EXCEL_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug folded in)
CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "CNY", "￥": "CNY", "₹": "INR", "₩": "KRW", "元": "CNY"}
TRUE = {"yes", "y", "true", "1", "x", "✓", "是", "对", "unsubscribed", "opted out"}
FALSE = {"no", "n", "false", "0", "", "否", "subscribed"}


class BadValue(ValueError):
    pass


def text(value) -> str | None:
    """Trimmed text; a whole float (12.0) as '12'; blank as None."""
    if value is None:
        return None
    if type(value) is str:  # by far the most common cell
        if "\x00" in value:  # damage, never data; PostgreSQL cannot store it
            value = value.replace("\x00", "")
        return value.strip() or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    value = str(value).strip()
    return value or None


def phone_text(value) -> str | None:
    """Spreadsheets turn 7558535792 into 7558535792.0 or 7.558535792E9: get the digits back.
    A number no phone can be (NaN, infinite, negative, more than 15 digits) comes back
    as written, for the phone check to refuse by name."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _phone_digits(value) or repr(value)
    s = text(value)
    if s and re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", s):
        return _phone_digits(float(s)) or s
    return s


def _phone_digits(number) -> str | None:
    if not math.isfinite(number) or not 0 <= number < 10 ** 15:  # E.164: at most 15 digits
        return None
    return str(int(round(number)))


def split_multi(value: str | None, separators: str = ";,\n") -> list[str]:
    if not value:
        return []
    if not any(s in value for s in separators):  # one value: the usual case
        return [value.strip()] if value.strip() else []
    return [p.strip() for p in _splitter(separators).split(value) if p.strip()]


@functools.lru_cache(maxsize=8)
def _splitter(separators: str) -> re.Pattern:
    return re.compile("[" + re.escape(separators) + "]")


def when(value) -> tuple[datetime, bool] | str | None:
    """A cell holding a point in time -> (datetime, has_time); strings come back for
    the service's date parser; Excel serial numbers are converted."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _in_range(value.replace(tzinfo=None)), value.time() != time()
    if isinstance(value, date):
        return _in_range(datetime.combine(value, time())), False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # NaN, infinities, 0, negatives and serials past 2999 are no day at all
        if not (math.isfinite(value) and _FIRST_SERIAL <= value < _LAST_SERIAL):
            raise BadValue(f"{value!r} is not a date (as a date serial it is outside {FIRST_YEAR}-{LAST_YEAR})")
        moment = EXCEL_EPOCH + timedelta(days=float(value))
        moment = moment.replace(microsecond=0)
        return moment, moment.time() != time()
    s = str(value).strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", s):
        return when(float(s))
    return s


_FIRST_SERIAL = (datetime(FIRST_YEAR, 1, 1) - EXCEL_EPOCH).days
_LAST_SERIAL = (datetime(LAST_YEAR + 1, 1, 1) - EXCEL_EPOCH).days


def _in_range(moment: datetime) -> datetime:
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise BadValue(f"{moment.date().isoformat()} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return moment


def amount(value) -> tuple[str | float, str | None]:
    """(the number, a currency the cell names) from '$1,200.50', '1.200,50 €', 1200.5. The
    number is text, or a float as the cell held it; validate.money checks either."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not (value.is_integer() and abs(value) < 1e15):
            return value, None  # 1200.5, 1e30, NaN: the amount check takes floats as they are
        return str(int(value)), None
    s = str(value).strip()
    code = None
    for sign, c in CURRENCY_SIGNS.items():
        if sign in s:
            code = c
    m = re.search(r"\b([A-Z]{3})\b", s)
    if m:
        code = m.group(1)
    return s, code


def flag(value) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise BadValue(f"{value!r} is not yes or no")
