"""Case pages: the list, the clerk's upload, the case page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forms.errors import BadInput
from web import access, presenters
from web.auth import role_required
from web.casework import ACTION_LABELS, Upload, create_case
from web.db import db_session
from web.errors import NotFound
from web.models import Case, User
from web.recusal import industry_note, refusal_reason
from web.storage import Storage
from web.users import experts
from web.webforms import AssignForm, ProposeGradeForm, UploadForm, choice

bp = Blueprint("cases", __name__)

LIST_TITLES = {"clerk": "本辖区案件", "expert": "我的案件", "office": "案件列表"}


def me() -> User:
    return current_user._get_current_object()


def storage() -> Storage:
    return Storage(current_app.config["GRADEDESK_DATA_DIR"])


def visible_case_or_404(case_id: int) -> Case:
    case = access.get_visible_case(db_session(), me(), case_id)
    if case is None:
        raise NotFound()
    return case


@bp.get("/")
@login_required
def index():
    return redirect(url_for("cases.list_cases"))


@bp.get("/cases")
@login_required
def list_cases():
    cases = access.list_cases(db_session(), me())
    return render_template("cases/list.html", cases=cases, title=LIST_TITLES.get(me().role, "案件列表"))


@bp.route("/cases/new", methods=["GET", "POST"])
@role_required("clerk")
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        uploads = [Upload(f.filename or "", f.stream) for f in request.files.getlist("files")]
        try:
            case = create_case(db_session(), storage(), me(), uploads)
        except BadInput as exc:
            flash(exc.user_message, "error")
            return render_template("cases/new.html", form=form), 400
        flash(f"已上传 {len(case.files)} 个文件，正在排队解析。", "success")
        return redirect(url_for("cases.show", case_id=case.id), code=303)
    return render_template("cases/new.html", form=form)


def _assign_form(case: Case) -> AssignForm:
    form = AssignForm()
    choices = []
    for expert in experts(db_session()):
        label = expert.username
        if expert.industries:
            label += "（" + "、".join(expert.industries) + "）"
        if refusal_reason(expert, case):
            label += " · 需回避或不可分配"
        choices.append(choice(expert.username, label))
    form.expert.choices = choices
    return form


def _proposed(case: Case) -> str | None:
    return (case.proposal or {}).get("grade") or case.applied_grade


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    case = visible_case_or_404(case_id)
    user = me()
    session = db_session()
    may_review = access.may_download_documents(session, user, case)
    extraction = case.extraction
    return render_template(
        "cases/detail.html",
        case=case,
        refreshing=case.status in ("queued", "running"),
        fields=presenters.field_rows(extraction),
        missing=presenters.missing_required(extraction) if extraction else [],
        documents=presenters.document_rows(extraction),
        findings=presenters.findings_by_severity(case.findings),
        tables=presenters.table_views(extraction),
        action_labels=ACTION_LABELS,
        may_assign=access.may_assign(user),
        assign_form=_assign_form(case) if access.may_assign(user) else None,
        industry_note=industry_note(case, [a.expert for a in case.assignments]),
        may_download=may_review and case.status == "done",
        grade_form=ProposeGradeForm(grade=case.review_grade or _proposed(case)) if may_review else None,
        proposal=case.proposal,
    )
