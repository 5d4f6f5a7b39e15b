"""The service's time: today's date for the procedure (deadlines, document years), which
`GRADEDESK_TODAY` in the app's configuration pins for demos and tests, and China's local time
for what people read (stored times are UTC)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, has_app_context

CHINA = timedelta(hours=8)  # China has one zone and no daylight saving


def today() -> date:
    pinned = current_app.config.get("GRADEDESK_TODAY") if has_app_context() else None
    if pinned:
        return pinned if isinstance(pinned, date) else date.fromisoformat(str(pinned))
    return date.today()


def local_time(at: datetime | None) -> str:
    return (at + CHINA).strftime("%Y-%m-%d %H:%M") if at else ""
