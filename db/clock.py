"""Wall-clock times in the owner's timezone, and the instants they name.

A follow-up due at 09:00 is 09:00 local on both sides of a DST change. A wall time
that does not exist (the spring-forward gap) happens at the next valid minute; one
that happens twice (the autumn fold) happens the first time.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo


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
