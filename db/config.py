"""The user's settings: a TOML file in the user config dir, or the file named by CRM_CONFIG.

Everything has a default so a new user needs no file at all.
"""
from __future__ import annotations

import getpass
import locale
import os
import tomllib
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db import validate
from db.errors import Invalid, StoreError

APP_NAME = "crm"

# Open pipeline stages and their default win probability (percent). "won" and
# "lost" always exist after them and close a deal.
DEFAULT_PIPELINE = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75}
CLOSED_STAGES = {"won": 100, "lost": 0}
CONTACT_STAGES = ("lead", "prospect", "customer", "former")  # a contact's lifecycle (contacts.STAGES)

# Ticket service levels: hours to first response and to resolution, by priority.
DEFAULT_SLA = {
    "urgent": (1, 8),
    "high": (4, 24),
    "normal": (8, 72),
    "low": (24, 168),
}


@dataclass(frozen=True)
class Config:
    timezone: str = "UTC"
    phone_region: str | None = None
    currency: str = "USD"
    locale: str = "en_US"  # how money is written for people (Babel): en_GB prints US$ for dollars
    user: str = "me"  # who acts (db.identity): config `user`, or its older name `owner`, else the login
    dayfirst: bool = False
    pipeline: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PIPELINE))
    sla: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_SLA))
    reminders: dict = field(default_factory=dict)
    smtp: dict = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # owner name -> email for reminders
    keys: dict[str, str] = field(default_factory=dict)  # full-screen binding id -> keys, e.g. "contacts.add" = "n"
    won_contact_stage: str | None = "customer"  # [lifecycle] won: a won deal's contact moves here (None: off)
    path: Path | None = None

    @property
    def owner(self) -> str:
        """The older name of `user` (new records were "owned by" it before there was identity)."""
        return self.user

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def stages(self) -> dict[str, int]:
        """Every stage, open ones first, with its default probability."""
        return {**self.pipeline, **CLOSED_STAGES}


def config_path() -> Path:
    if os.environ.get("CRM_CONFIG"):
        return Path(os.environ["CRM_CONFIG"]).expanduser()
    return _default_config_path()


@lru_cache(maxsize=1)
def _default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def _system_timezone() -> str:
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            target = os.readlink("/etc/localtime")
            name = target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else ""
        except OSError:
            name = ""
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"


def _locale_region() -> str | None:
    """en_GB.UTF-8 -> GB: a fair guess of where local phone numbers come from."""
    for value in (os.environ.get("LC_ALL"), os.environ.get("LANG"), locale.getlocale()[0]):
        if value and "_" in value:
            region = value.split("_", 1)[1][:2].upper()
            if region.isalpha() and len(region) == 2:
                return region
    return None


def _user() -> str:
    """The login name ($LOGNAME, $USER ... as getpass reads them), if it is a usable name."""
    try:
        return validate.user_name(getpass.getuser())
    except Exception:  # no login name in some containers, or a LOGNAME that is no name
        return "me"


def _acting_user(data: dict, where: Path) -> str:
    """`user = "sam"`; `owner = "sam"` is its older name and still works."""
    key = "user" if data.get("user") is not None else "owner"
    raw = data.get(key)
    if raw is None:
        return _user()
    if not isinstance(raw, str):
        _fail(where, f"{key}: expected a name in quotes, like {key} = \"sam\"")
    try:
        return validate.user_name(raw, key)
    except Invalid as err:
        _fail(where, str(err))


def _fail(path: Path, message: str):
    raise StoreError(f"{path}: {message}")


def parse_config(data: dict, path: Path | None = None) -> Config:
    where = path or Path("config")
    tz = data.get("timezone") or _system_timezone()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):  # TypeError: timezone = 5
        _fail(where, f"timezone: unknown time zone {tz!r} (use an IANA name like Europe/London)")
    region = data.get("phone_region", _locale_region())
    if region is not None:
        region = str(region).upper()
        import phonenumbers

        if region not in phonenumbers.SUPPORTED_REGIONS:
            _fail(where, f"phone_region: unknown region {region!r} (use an ISO country code like GB)")
    try:
        currency = validate.currency(data.get("currency", "USD"))  # "ZZZ" is three letters but no currency
    except Invalid as err:
        _fail(where, str(err))
    locale_name = str(data.get("locale") or "en_US")
    try:
        from babel import Locale

        Locale.parse(locale_name)
    except Exception:  # babel raises ValueError or UnknownLocaleError
        _fail(where, f"locale: unknown locale {locale_name!r} (use a name like en_GB)")
    pipeline = dict(DEFAULT_PIPELINE)
    if "pipeline" in data:
        raw = data["pipeline"]
        if not isinstance(raw, dict) or not raw:
            _fail(where, "[pipeline]: expected stage = probability lines")
        pipeline = {}
        for name, prob in raw.items():
            key = str(name).strip().lower()
            if key in CLOSED_STAGES:
                _fail(where, f"[pipeline] {key}: won and lost are built in; list only open stages")
            if not isinstance(prob, int) or isinstance(prob, bool) or not 0 <= prob <= 100:
                _fail(where, f"[pipeline] {key}: probability must be a whole number 0-100")
            pipeline[key] = prob
    sla = dict(DEFAULT_SLA)
    for prio, hours in _table(data, "sla", where).items():
        # whole hours only: int() of "x", nan or inf would crash, of 1.5 would quietly drop the half
        if prio not in DEFAULT_SLA or not (isinstance(hours, list) and len(hours) == 2) or not all(
                isinstance(h, int) and not isinstance(h, bool) and h >= 0 for h in hours):
            _fail(where, f"[sla] {prio}: expected priority = [response_hours, resolution_hours] in whole hours")
        sla[prio] = (hours[0], hours[1])
    reminders = _table(data, "reminders", where)
    if "day_start" in reminders and _clock_time(reminders["day_start"]) is None:
        _fail(where, f"[reminders] day_start: {reminders['day_start']!r} is not a time like 09:00")
    return Config(
        won_contact_stage=_won_stage(_table(data, "lifecycle", where), where),
        timezone=tz,
        phone_region=region or None,
        currency=currency,
        locale=locale_name,
        user=_acting_user(data, where),
        dayfirst=str(data.get("date_order", "mdy")).lower() == "dmy",
        pipeline=pipeline,
        sla=sla,
        reminders=reminders,
        smtp=_table(data, "smtp", where),
        owners={str(k): str(v) for k, v in _table(data, "owners", where).items()},
        keys=_keys(data.get("keys") or {}, where),
        path=path,
    )


def _table(data: dict, name: str, where: Path) -> dict:
    """A [name] section; `smtp = 5` is one line, not a crash in dict()."""
    raw = data.get(name) or {}
    if not isinstance(raw, dict):
        _fail(where, f"[{name}]: expected a section of key = value lines")
    return dict(raw)


def _won_stage(lifecycle: dict, where: Path) -> str | None:
    """[lifecycle] won = "customer" (the default) moves a won deal's contact to that stage;
    won = false (or "") leaves contacts where they are."""
    raw = lifecycle.get("won", "customer")
    if raw is False or raw == "":
        return None
    if not isinstance(raw, str) or raw.strip().lower() not in CONTACT_STAGES:
        _fail(where, f"[lifecycle] won: expected one of {', '.join(CONTACT_STAGES)} or false, not {raw!r}")
    return raw.strip().lower()


def _clock_time(raw) -> time | None:
    """'07:30' or '7' -> a time of day; None if it is not one."""
    hour, _, minute = str(raw).partition(":")
    try:
        return time(int(hour), int(minute or 0))
    except ValueError:
        return None


def _keys(raw, where: Path) -> dict[str, str]:
    if not isinstance(raw, dict):
        _fail(where, "[keys]: expected action = \"keys\" lines, like \"contacts.add\" = \"n\"")
    for action, keys in raw.items():
        if not isinstance(keys, str) or not keys.strip():
            _fail(where, f"[keys] {action}: expected the keys as text, like \"n\" or \"ctrl+n,f2\"")
    return {str(k): v.replace(" ", "") for k, v in raw.items()}


@lru_cache(maxsize=None)
def _load(env_value: str | None) -> Config:
    """Cached per CRM_CONFIG value: called for every row of an import."""
    path = config_path()
    if not path.exists():
        return parse_config({}, None)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        _fail(path, f"not valid TOML: {exc}")
    except OSError as exc:
        _fail(path, f"cannot read: {exc.strerror}")
    return parse_config(data, path)


def get_config() -> Config:
    return _load(os.environ.get("CRM_CONFIG") or None)


def reload_config() -> None:
    """Forget the cached config: the next get_config() reads the file again (and a bad
    value in it is reported there, as one line, by whatever command needs it)."""
    _load.cache_clear()
