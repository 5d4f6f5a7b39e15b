"""The web app: pages for clerks, experts and offices, and the JSON API.

`create_app(config)` builds one app; configuration comes from the environment
(web/config.py) with `config` on top. The rooms: `web/views/` (blueprints, presenters,
web forms), `web/services/` (the case work, without Flask), `web/queue/` (the job queue and
Celery); beside them the app's plumbing: config, db, models, errors, storage, commands.
The services hand their job handlers to the queue here, at app creation.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from web import queue, views
from web.config import load_config, persistent_secret_key
from web.db import Database, close_db_session
from web.services import extraction, rectification

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.url_map.converters["int"] = BoundedInt
    app.config.update(load_config(config))
    data_dir = Path(app.config["GRADEDESK_DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persistent_secret_key(data_dir)
    app.extensions["gradedesk.db"] = Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_db_session)
    app.session_interface = HttpsAwareSessions()
    app.json.sort_keys = False  # keys in the order the API builds them; sorting 5,000 rows costs a third
    proxies = int(app.config.get("GRADEDESK_PROXY_COUNT") or 0)
    if proxies:  # behind a reverse proxy: trust its X-Forwarded-For/-Proto (addresses, HTTPS)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)

    queue.init_app(app, replace(extraction.handlers(), scheduled=rectification.scheduled))
    views.init_app(app)

    @app.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


class BoundedInt(IntegerConverter):
    """`<int:…>` in every route stops at the database's integer range: a larger id is no match (404),
    never a database error (500)."""

    MAX = 2**31 - 1

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=self.MAX if max is None else max, signed=signed)


class HttpsAwareSessions(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS (directly or through a
    trusted proxy, GRADEDESK_PROXY_COUNT), and always with GRADEDESK_SECURE_COOKIES=1."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)
