"""The pages and the JSON API, thin over the services: one blueprint per concern, named as its module.

`auth` (login/logout), `cases` (list, upload, case page, history), `steps` (procedure steps,
re-application, corrections, decisions on findings), `evidence` (where a fact was read), `review`
(experts and their sheets, case documents), `office` (grades, notices, reports, templates), `api`
(`/api/v1`), `users` (an office's accounts), `synonyms` (labels learnt from
corrections: 归入字段, 同义词建议), `openapi` (`/api/v1/openapi.json`, the API described). `init_app` wires them, the error pages and the templates' helpers into the app.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from web.models import CASE_STATUS_LABELS, ROLE_LABELS, STAGE_LABELS
from web.services.catalogue import label as catalogue_label
from web.services.clock import local_time
from web.views import (
    api,
    auth,
    cases,
    error_pages,
    evidence,
    office,
    openapi,
    presenters,
    review,
    steps,
    synonyms,
    users,
)

csrf = CSRFProtect()

BLUEPRINTS = (auth.bp, cases.bp, steps.bp, evidence.bp, review.bp, office.bp, api.bp, openapi.bp, users.bp, synonyms.bp)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)
    error_pages.init_app(app)
    _templating(app)


def _templating(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["filename"] = presenters.display_name

    @app.context_processor
    def _globals():
        return {"ROLE_LABELS": ROLE_LABELS, "STATUS_LABELS": CASE_STATUS_LABELS, "STAGE_LABELS": STAGE_LABELS,
                "catalogue_label": catalogue_label}
