"""What the office and experts do on a case page: assign experts, propose a grade, download
documents, and the expert's filled review sheet (upload, read back, confirm)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from forms.errors import BadInput
from web.db import db_session
from web.errors import Conflict, Forbidden, NotFound
from web.models import Case, User, record
from web.services import access, documents, review_sheets
from web.services.cases import assign_expert, end_expert_assignment, record_review_grade
from web.services.procedure import REVIEW_TYPES
from web.views.auth import role_required
from web.views.cases import me, settings, storage, visible_case_or_404
from web.views.webforms import AssignForm, ProposeGradeForm

bp = Blueprint("review", __name__)


def _back(case_id: int, anchor: str | None = None):
    return redirect(url_for("cases.show", case_id=case_id) + (f"#{anchor}" if anchor else ""), code=303)


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


@bp.post("/cases/<int:case_id>/assignments/<expert>/end")
@role_required("office")
def end_assignment(case_id: int, expert: str):
    case = visible_case_or_404(case_id)
    try:
        end_expert_assignment(db_session(), case, expert, me(), request.form.get("reason", ""))
    except (BadInput, NotFound) as exc:
        flash(f"未能结束分配：{exc.user_message}", "error")
    else:
        flash(f"已结束专家 {expert} 的审核分配。", "success")
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
    rendered = documents.render(case, kind, fmt, storage=storage(), settings=settings(),
                                review_type=documents.review_type_of(request.args.get("type")))
    record(session, case, user, "document_downloaded", rendered.filename)
    session.commit()
    return send_file(io.BytesIO(rendered.content), mimetype=rendered.mimetype, as_attachment=True,
                     download_name=rendered.filename, max_age=0)


# ---- the expert's filled review sheet ----------------------------------------------------------------

@bp.post("/cases/<int:case_id>/review-sheets")
@role_required("expert")
def upload_sheet(case_id: int):
    case = visible_case_or_404(case_id)
    sheet = request.files.get("sheet")
    try:
        row = review_sheets.upload_sheet(db_session(), storage(), case, me(), sheet.filename if sheet else "",
                                         sheet.stream if sheet else io.BytesIO())
    except (BadInput, Conflict) as exc:
        flash(f"未能读取审核表：{exc.user_message}", "error")
        return _back(case.id, "review")
    return redirect(url_for("review.sheet", case_id=case.id, upload_id=row.id), code=303)


@bp.get("/cases/<int:case_id>/review-sheets/<int:upload_id>")
@role_required("clerk", "expert", "office")
def sheet(case_id: int, upload_id: int):
    case = visible_case_or_404(case_id)
    row = review_sheets.get_upload(db_session(), case, upload_id)
    return render_template("cases/review_sheet.html", case=case, row=row, reading=row.reading or {},
                           problems=review_sheets.blocking_problems(row), review_types=REVIEW_TYPES,
                           labels=review_sheets.STATUS_LABELS, mine=row.expert_id == me().id)


@bp.post("/cases/<int:case_id>/review-sheets/<int:upload_id>/confirm")
@role_required("expert")
def confirm_sheet(case_id: int, upload_id: int):
    case = visible_case_or_404(case_id)
    row = review_sheets.get_upload(db_session(), case, upload_id)
    try:
        review_sheets.confirm(db_session(), case, row, me(), request.form.get("review_type"))
    except (BadInput, Conflict) as exc:
        flash(exc.user_message, "error")
        return redirect(url_for("review.sheet", case_id=case.id, upload_id=row.id), code=303)
    flash(f"已确认{row.review_type}审核表，建议等级 {row.proposed_grade} 已计入。", "success")
    return _back(case.id, "review")


@bp.post("/cases/<int:case_id>/review-sheets/<int:upload_id>/discard")
@role_required("expert")
def discard_sheet(case_id: int, upload_id: int):
    case = visible_case_or_404(case_id)
    row = review_sheets.get_upload(db_session(), case, upload_id)
    try:
        review_sheets.discard(db_session(), case, row, me(), request.form.get("reason", ""))
    except Conflict as exc:
        flash(exc.user_message, "error")
    else:
        flash("已作废这份审核表，请重新上传。", "info")
    return _back(case.id, "review")
