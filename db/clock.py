"""Now, and wall-clock times in the owner's timezone and the instants they name.

"Now" lives here, below the models, so that column defaults (created_at, occurred_at)
and the services read the same clock: `crm remind --now` and tests pin it with pin().

A follow-up due at 09:00 is 09:00 local on both sides of a DST change. A wall time
that does not exist (the spring-forward gap) happens at the next valid minute; one
that happens twice (the autumn fold) happens the first time.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo


_pinned: datetime | None = None  # an aware "now" pinned by --now or tests


def pin(now: datetime | None) -> None:
    """Pin the current time (an aware datetime) for simulations; None restores the real clock."""
    global _pinned
    _pinned = now


def now_aware() -> datetime:
    return _pinned or datetime.now(timezone.utc)


def utcnow() -> datetime:
    """Now as the store keeps it: naive UTC."""
    return now_aware().astimezone(timezone.utc).replace(tzinfo=None)


def _exists(naive: datetime, tz: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) == naive


def to_utc(naive_local: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant (naive) at which this local wall-clock time happens."""
    local = naive_local
    for _ in range(24 * 60):  # gaps are at most a few hours
        if _exists(local, tz):
            return local.replace(tzinfo=tz, fold=0).astimezone(timezone.utc).replace(tzinfo=None)
        local = (local + timedelta(minutes=1)).replace(second=0, microsecond=0)
    raise ValueError(f"{naive_local} never happens in {tz}")


def to_local(naive_utc: datetime, tz: ZoneInfo) -> datetime:
    return naive_utc.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)
