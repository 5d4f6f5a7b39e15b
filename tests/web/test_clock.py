"""Every date shown or printed is the office's (GRADEDESK_TIMEZONE, default Asia/Shanghai), not the server's UTC:
a notice issued at 01:25 Beijing time carries that day's date, its history that hour."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from tests.web import steps
from tests.web.support import docx_text
from web.db import get_db
from web.models import Case

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

BEIJING_0125 = datetime(2020, 8, 19, 17, 25, tzinfo=UTC)  # 2020-08-20 01:25 in Beijing


@SQLITE
def test_today_and_times_are_the_offices(app):
    from web.services.clock import local_time, today, utc_start_of

    app.config["GRADEDESK_TODAY"] = None
    with time_machine.travel(BEIJING_0125, tick=False), app.app_context():
        assert date.today() == date(2020, 8, 19)  # the machine's own date is still the day before
        assert today() == date(2020, 8, 20)
        assert local_time(datetime(2020, 8, 19, 17, 25)) == "2020-08-20 01:25"
        assert utc_start_of(date(2020, 8, 20)) == datetime(2020, 8, 19, 16, 0)
        app.config["GRADEDESK_TIMEZONE"] = "Europe/London"
        assert today() == date(2020, 8, 19) and local_time(datetime(2020, 8, 19, 17, 25)) == "2020-08-19 18:25"


def test_the_zone_comes_from_the_environment(monkeypatch):
    from web.config import load_config

    assert load_config()["GRADEDESK_TIMEZONE"] == "Asia/Shanghai"
    monkeypatch.setenv("GRADEDESK_TIMEZONE", "Asia/Urumqi")
    assert load_config()["GRADEDESK_TIMEZONE"] == "Asia/Urumqi"
    monkeypatch.setenv("GRADEDESK_TIMEZONE", "Beijing")
    with pytest.raises(ValueError, match="GRADEDESK_TIMEZONE"):
        load_config()


@SQLITE
def test_a_notice_issued_at_0125_beijing_time_carries_that_day(app, users, case, browser):
    from web.services.issuing import issue_rectification
    from web.storage import Storage

    steps.to_city_review(app, case)
    app.config["GRADEDESK_TODAY"] = None
    with time_machine.travel(BEIJING_0125, tick=False):
        with app.app_context(), get_db(app).session() as s:
            doc = issue_rectification(s, Storage(app.config["GRADEDESK_DATA_DIR"]), s.get(Case, case),
                                      steps.user(s, "office"), "限期整改", {"name": "王某", "phone": "0317-1"})
            content = Storage(app.config["GRADEDESK_DATA_DIR"]).open(doc.docx_sha256).read()
        text = docx_text(content)
        assert "2020年8月20日" in text and "2020年8月19日" not in text
        page = browser("office").get(f"/cases/{case}").get_data(as_text=True)
        assert "2020-08-20 01:25" in page and "2020-08-19 17:25" not in page

