"""`GET /api/v1/openapi.json`: the HTTP API as an OpenAPI 3.1 document, for integrators' tools and client
generators. The document is the file web/openapi.json; tests/web/test_openapi.py keeps it equal to the
app's `/api/v1` routes, so a route cannot be added without documenting it."""

from __future__ import annotations

from functools import cache
from importlib import resources

from flask import Blueprint, Response

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


@cache
def openapi_document() -> bytes:
    return resources.files("web").joinpath("openapi.json").read_bytes()


@bp.get("/openapi.json")
def openapi():
    """Anyone may read it: no token, no login."""
    return Response(openapi_document(), mimetype="application/json")
