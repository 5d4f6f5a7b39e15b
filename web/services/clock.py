"""The service's time: today's date for the procedure (deadlines, document years, 公示 periods), which
`GRADEDESK_TODAY` in the app's configuration pins for demos and tests, and the office's local time
(`GRADEDESK_TIMEZONE`, default Asia/Shanghai) for every date and time people read or that is printed.
Stored times are naive UTC; a server's own zone never counts (a notice issued at 01:25 Beijing time
carries that day's date on a UTC machine)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def zone() -> ZoneInfo:
    """The office's time zone, from the app's configuration (web/config.py)."""
    name = current_app.config.get("GRADEDESK_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def now() -> datetime:
    """The office's wall-clock time (aware)."""
    return datetime.now(zone())


def today() -> date:
    pinned = current_app.config.get("GRADEDESK_TODAY") if has_app_context() else None
    if pinned:
        return pinned if isinstance(pinned, date) else date.fromisoformat(str(pinned))
    return now().date()


def localize(at: datetime) -> datetime:
    """A stored (naive UTC) time in the office's zone."""
    return at.replace(tzinfo=UTC).astimezone(zone())


def local_time(at: datetime | None) -> str:
    return localize(at).strftime("%Y-%m-%d %H:%M") if at else ""


def local_date(at: datetime | None) -> date | None:
    return localize(at).date() if at else None


def utc_start_of(day: date) -> datetime:
    """The stored (naive UTC) time of the office's local midnight starting `day`."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC).replace(tzinfo=None)
