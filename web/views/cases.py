"""Case pages: the list (filters, pages, .xlsx), the clerk's upload, the case page, its history."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forms.errors import BadInput
from forms.fields import FIELDS
from forms.settings import Settings
from web.config import settings_of
from web.db import db_session
from web.errors import NotFound
from web.models import (
    CASE_STATUS_LABELS,
    STAGE_LABELS,
    Assignment,
    Case,
    CaseEvent,
    CaseVersion,
    IssuedDocument,
    User,
)
from web.services import access, history, listing, procedure, progress, rectification, review_sheets
from web.services.cases import (
    ACTION_LABELS,
    CLOSED_STAGES,
    GRADE_CHOICES,
    Upload,
    create_case,
    duplicates,
)
from web.services.corrections import EDITABLE_STAGES, corrections_of, effective_extraction
from web.services.findings import with_decisions
from web.services.recusal import industry_note, industry_refusal, refusal_reason
from web.services.users import experts
from web.storage import Storage
from web.views import presenters
from web.views.auth import role_required
from web.views.webforms import AssignForm, ProposeGradeForm, UploadForm, choice

bp = Blueprint("cases", __name__)

LIST_TITLES = {"clerk": "本辖区案件", "expert": "我的案件", "office": "案件列表"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def me() -> User:
    return current_user._get_current_object()


def storage() -> Storage:
    return Storage(current_app.config["GRADEDESK_DATA_DIR"])


def settings() -> Settings:
    """The extractors' and generators' settings of this app."""
    return settings_of(current_app)


def visible_case_or_404(case_id: int) -> Case:
    case = access.get_visible_case(db_session(), me(), case_id)
    if case is None:
        raise NotFound()
    return case


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@bp.get("/")
@login_required
def index():
    return redirect(url_for("cases.list_cases"))


@bp.get("/cases")
@login_required
def list_cases():
    page = listing.page_of(db_session(), me(), listing.Filters.from_args(request.args))
    return render_template("cases/list.html", page=page, cases=page.cases, title=LIST_TITLES.get(me().role, "案件列表"),
                           stages=STAGE_LABELS)


@bp.get("/cases.xlsx")
@login_required
def export_list():
    content = listing.export_xlsx(db_session(), me(), listing.Filters.from_args(request.args))
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name="案件列表.xlsx", max_age=0)


@bp.route("/cases/new", methods=["GET", "POST"])
@role_required("clerk")
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        uploads = [Upload(f.filename or "", f.stream) for f in request.files.getlist("files")]
        try:
            case = create_case(db_session(), storage(), me(), uploads)
        except BadInput as exc:
            if wants_json():
                raise
            flash(exc.user_message, "error")
            return render_template("cases/new.html", form=form), 400
        if wants_json():
            return jsonify({"id": case.id, "url": url_for("cases.show", case_id=case.id),
                            "status_url": url_for("cases.status", case_id=case.id),
                            "progress_url": url_for("cases.progress_json", case_id=case.id),
                            "files": [{"name": f.original_name, "size": f.size} for f in case.files]}), 201
        flash(f"已上传 {len(case.files)} 个文件，正在排队解析。", "success")
        return redirect(url_for("cases.show", case_id=case.id), code=303)
    return render_template("cases/new.html", form=form)


@bp.get("/cases/<int:case_id>/status.json")
@login_required
def status(case_id: int):
    """What the upload page polls: the extraction's state and, once read, each document's."""
    case = visible_case_or_404(case_id)
    documents = [{"file": d["file"], "kind": d["kind"], "method": d["method"], "pages": d["pages"],
                  "error": d["error"]} for d in presenters.document_rows(case.extraction)]
    blocking = sum(1 for f in case.findings or [] if f.get("severity") == "blocking")
    return jsonify({"id": case.id, "status": case.status, "status_label": case.status_label, "error": case.error,
                    "unreadable": progress.is_unreadable(case),
                    "duplicates": [{"id": d.case_id, "title": d.title, "why": d.why,
                                    "url": url_for("cases.show", case_id=d.case_id)}
                                   for d in duplicates(db_session(), case, me())],
                    "files": [{"name": f.original_name, "size": f.size} for f in case.files],
                    "documents": documents, "findings": len(case.findings or []), "blocking": blocking,
                    "url": url_for("cases.show", case_id=case.id)})


@bp.get("/cases/<int:case_id>/progress.json")
@login_required
def progress_json(case_id: int):
    """What the case page polls while the files are read (the API's `/progress`, for the session)."""
    return jsonify(progress.progress_of(db_session(), visible_case_or_404(case_id)))


def _assign_form(case: Case) -> AssignForm:
    form = AssignForm()
    choices = []
    assigned = [a.expert for a in case.assignments]
    for expert in experts(db_session()):
        if expert in assigned:
            continue  # an expert is assigned once
        label = expert.username
        if expert.industries:
            label += "（" + "、".join(expert.industries) + "）"
        if refusal_reason(expert, case) or industry_refusal(case, assigned, expert):
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
    _load_page_relations(session, case)
    may_review = access.may_download_documents(session, user, case)
    extraction = effective_extraction(case)
    findings = with_decisions(case)
    issued = _case_documents(case)
    uploads = review_sheets.uploads_of(session, case)
    may_assign = access.may_assign(user) and case.stage not in CLOSED_STAGES
    return render_template(
        "cases/detail.html",
        case=case,
        refreshing=case.status in ("queued", "running"),
        progress=progress.progress_of(session, case),
        duplicates=duplicates(session, case, user),
        fields=presenters.field_rows(extraction),
        unassigned=presenters.unassigned_rows(extraction, _filed(case)),
        may_correct=case.stage in EDITABLE_STAGES,
        field_choices=[(k, f.label) for k, f in FIELDS.items()],
        missing=presenters.missing_required(extraction) if extraction else [],
        documents=presenters.document_rows(extraction),
        findings=presenters.findings_by_severity(findings, extraction),
        tables=presenters.table_views(extraction),
        action_labels=ACTION_LABELS,
        may_assign=may_assign,
        assign_form=_assign_form(case) if may_assign else None,
        closed_stages=CLOSED_STAGES,
        industry_note=industry_note(case, [a.expert for a in case.assignments]),
        may_download=may_review and case.status == "done",
        grade_form=ProposeGradeForm(grade=case.review_grade or _proposed(case)) if user.role == "expert"
        and may_review else None,
        proposal=case.proposal,
        may_work=access.may_work_on_facts(user) and case.status == "done",
        show_decisions=(access.may_work_on_facts(user) and case.status == "done") or any(f["decision"] for f in findings),
        steps=procedure.available_steps(case, user),
        open_blocking=[f for f in findings if f.get("severity") == "blocking" and not f["decision"]],
        rectification_items=rectification.items_of(session, case),
        is_overdue=rectification.is_overdue,
        next_rectification_step=rectification.next_step,
        grades=GRADE_CHOICES,
        may_decide=user.role == "office" and case.stage in ("city_review", "province_review"),
        may_return=user.role == "office" and procedure.why_not(procedure.STEPS["return"], case, user) is None,
        is_expert=user.role == "expert" and may_review,
        uploads=uploads,
        upload_labels=review_sheets.STATUS_LABELS,
        reviews=procedure.confirmed_reviews(case),
        issued=issued,
        versions=_versions(case),
        editable_fields=[(k, f.label) for k, f in FIELDS.items() if k not in ((extraction or {}).get("fields") or {})],
    )


def _filed(case: Case) -> dict[str, str]:
    """Where the values filed under a field from the unassigned entries were read → the field's label."""
    return {presenters.source_key(c.source): FIELDS[c.field].label for c in corrections_of(case, db_session())
            if c.source and c.field in FIELDS}


def _load_page_relations(session, case: Case) -> None:
    """The relations the case page shows, in four queries instead of one per history row."""

    session.scalars(select(Case).where(Case.id == case.id).options(
        selectinload(Case.events).selectinload(CaseEvent.actor),
        selectinload(Case.assignments).selectinload(Assignment.expert),
        selectinload(Case.assignments).selectinload(Assignment.assigned_by),
        selectinload(Case.content), selectinload(Case.files), selectinload(Case.created_by))).all()


def _case_documents(case: Case):
    return list(db_session().scalars(select(IssuedDocument).where(IssuedDocument.case_id == case.id)
                                     .order_by(IssuedDocument.id.desc())))


def _versions(case: Case) -> list[CaseVersion]:
    return list(db_session().scalars(select(CaseVersion).where(CaseVersion.case_id == case.id)
                                     .order_by(CaseVersion.number)))


@bp.get("/cases/<int:case_id>/versions/<int:number>")
@login_required
def version(case_id: int, number: int):
    case = visible_case_or_404(case_id)
    old = db_session().scalar(select(CaseVersion).where(CaseVersion.case_id == case.id, CaseVersion.number == number))
    if old is None:
        raise NotFound("没有这一版申报材料。")
    return render_template("cases/version.html", case=case, old=old, fields=presenters.field_rows(old.extraction),
                           findings=presenters.findings_by_severity(old.findings), stages=STAGE_LABELS,
                           statuses=CASE_STATUS_LABELS)


@bp.get("/cases/<int:case_id>/history.<fmt>")
@login_required
def history_export(case_id: int, fmt: str):
    case = visible_case_or_404(case_id)
    if fmt == "csv":
        content, mimetype = history.as_csv(case), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content, mimetype = history.as_xlsx(case), XLSX
    else:
        raise NotFound()
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"办理记录-案件{case.id}.{fmt}", max_age=0)
