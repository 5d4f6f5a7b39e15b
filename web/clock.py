"""Today's date for the procedure (deadlines, document years): `GRADEDESK_TODAY` pins it for demos and tests."""

from __future__ import annotations

import os
from datetime import date


def today() -> date:
    from flask import current_app, has_app_context

    pinned = (current_app.config.get("GRADEDESK_TODAY") if has_app_context() else None) \
        or os.environ.get("GRADEDESK_TODAY")
    if pinned:
        return pinned if isinstance(pinned, date) else date.fromisoformat(str(pinned))
    return date.today()
