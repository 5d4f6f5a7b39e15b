"""The evidence viewer: a document of a case by its index in the extraction and a page number,
never by a path; the page image with the source box drawn on it, or, for Word, the cell."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import login_required

from forms.vocabulary import DOCUMENT_KIND_LABELS
from web.errors import NotFound
from web.services import evidence
from web.services.corrections import effective_extraction
from web.views.cases import storage, visible_case_or_404

bp = Blueprint("evidence", __name__)


def _source_on(case, doc, page: int | None):
    """The source named by `?ref=` when it lies on this document (and page)."""
    source = evidence.resolve(effective_extraction(case), case.findings, request.args.get("ref"))
    if source is None or source.file != doc.file:
        return None
    if page is not None and source.page not in (None, page):
        return None
    return source


@bp.get("/cases/<int:case_id>/files/<int:index>")
@login_required
def document(case_id: int, index: int):
    case = visible_case_or_404(case_id)
    doc = evidence.document_at(effective_extraction(case), index)
    data = evidence.document_bytes(storage(), case, doc)
    kind = evidence.file_type(data)
    ref = request.args.get("ref") or ""
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    source = _source_on(case, doc, None)
    if source is not None and source.page and "page" not in request.args:
        page = source.page
    word = evidence.word_context(data, source.cell if source else None) if kind == "docx" else None
    pages = evidence.page_count(data) if kind in ("pdf", "jpeg", "png", "tiff") else 0
    if pages and page > pages:
        raise NotFound("没有这一页。")
    image_url = url_for("evidence.page_image", case_id=case.id, index=index, page=page, ref=ref or None) if pages else None
    return render_template("cases/evidence.html", case=case, doc=doc, kind_label=DOCUMENT_KIND_LABELS.get(doc.kind, ""),
                           page=page, pages=pages, image_url=image_url, source=source, word=word, ref=ref,
                           described=source.describe() if source else "")


@bp.get("/cases/<int:case_id>/files/<int:index>/pages/<int:page>.png")
@login_required
def page_image(case_id: int, index: int, page: int):
    case = visible_case_or_404(case_id)
    doc = evidence.document_at(effective_extraction(case), index)
    data = evidence.document_bytes(storage(), case, doc)
    source = _source_on(case, doc, page)
    png = evidence.render_page(data, page, source.bbox if source and source.page == page else None)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=600"
    return response
