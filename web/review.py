"""What the office and experts do on a case page: assign experts, propose a grade, download documents."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, send_file, url_for

from forms.errors import BadInput
from web import access, documents
from web.auth import role_required
from web.cases import me, visible_case_or_404
from web.casework import assign_expert, record, record_review_grade
from web.db import db_session
from web.errors import Conflict, Forbidden
from web.models import Case, User
from web.webforms import AssignForm, ProposeGradeForm

bp = Blueprint("review", __name__)


def _back(case_id: int):
    return redirect(url_for("cases.show", case_id=case_id), code=303)


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


@bp.post("/cases/<int:case_id>/assignments")
@role_required("office")
def assign(case_id: int):
    case = visible_case_or_404(case_id)
    form = AssignForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(case.id)
    try:
        assign_expert(db_session(), case, form.expert.data, me())
    except (Conflict, BadInput) as exc:
        flash(f"未能分配：{exc.user_message}", "error")
    else:
        flash(f"已分配专家 {form.expert.data}。", "success")
    return _back(case.id)


@bp.post("/cases/<int:case_id>/proposed-grade")
@role_required("expert", "office")
def set_grade(case_id: int):
    case = visible_case_or_404(case_id)
    if not access.may_propose_grade(db_session(), me(), case):
        abort(403)
    form = ProposeGradeForm()
    if form.validate_on_submit():
        record_review_grade(db_session(), case, form.grade.data, me())
        flash(f"拟定等级已记为 {form.grade.data}。", "success")
    else:
        _flash_form_errors(form)
    return _back(case.id)


@bp.get("/cases/<int:case_id>/documents/<name>")
@role_required("expert", "office")
def document(case_id: int, name: str):
    return send_document(visible_case_or_404(case_id), name, me())


def send_document(case: Case, name: str, user: User):
    """The generated document `name` (`review-sheet.docx`) of a visible case, logged in its history."""
    session = db_session()
    if not access.may_download_documents(session, user, case):
        raise Forbidden("只有大气办和分配到本案件的专家可以下载文书。")
    kind, fmt = documents.parse_name(name)
    rendered = documents.render(case, kind, fmt)
    record(session, case, user, "document_downloaded", rendered.filename)
    session.commit()
    return send_file(io.BytesIO(rendered.content), mimetype=rendered.mimetype, as_attachment=True,
                     download_name=rendered.filename, max_age=0)
