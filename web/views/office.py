"""The office's pages: decide the grade, issue the rectification notice, publish the result notice,
the weekly report, the contact form, the templates, the grading catalogue, the expert pool, downloads of issued
documents."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for

from forms.catalogue_workbook import CatalogueRefused
from forms.errors import BadInput
from web.db import db_session
from web.errors import Conflict, Forbidden, NotFound
from web.models import OfficeTemplate
from web.services import catalogue, issuing, office_templates
from web.services.cases import GRADE_CHOICES
from web.services.clock import today
from web.services.findings import confirmed_and_kept
from web.services.offices import office_key, office_of
from web.services.procedure import decide_grade, rectification_deadline
from web.services.recusal import is_third_party_firm
from web.services.users import experts
from web.views.auth import role_required
from web.views.cases import me, settings, storage, visible_case_or_404

bp = Blueprint("office", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _back(case_id: int, anchor: str | None = None):
    return redirect(url_for("cases.show", case_id=case_id) + (f"#{anchor}" if anchor else ""), code=303)


def _contact() -> dict:
    return {k: request.values.get(f"contact_{k}", "").strip() for k in ("unit", "name", "phone", "fax", "email")}


@bp.post("/cases/<int:case_id>/grade")
@role_required("office")
def grade(case_id: int):
    case = visible_case_or_404(case_id)
    try:
        decide_grade(db_session(), case, request.form.get("grade", ""), me(), request.form.get("reason", ""),
                     override=request.form.get("override") == "1")
    except (BadInput, Conflict) as exc:
        flash(f"未能确定等级：{exc.user_message}", "error")
    else:
        flash(f"核定等级已记为 {case.decided_grade}。", "success")
    return _back(case.id, "decision")


@bp.route("/cases/<int:case_id>/rectification", methods=["GET", "POST"])
@role_required("office")
def rectification(case_id: int):
    case = visible_case_or_404(case_id)
    status = 200
    if request.method == "POST":
        try:
            doc = issuing.issue_rectification(db_session(), storage(), case, me(), request.form.get("reason", ""),
                                              _contact(), settings=settings())
        except (BadInput, Conflict) as exc:
            flash(f"未能出具整改通知书：{exc.user_message}", "error")
            status = 409 if isinstance(exc, Conflict) else 400
        else:
            d = case.rectify_by
            flash(f"已出具整改通知书 {doc.doc_number}，案件退回整改，整改期限 {d.year}年{d.month}月{d.day}日。", "success")
            return _back(case.id, "documents")
    kept, confirmed = confirmed_and_kept(case)
    blocking = [f for f in kept if f.get("severity") == "blocking"]
    return render_template("office/rectification.html", case=case, blocking=blocking, confirmed=confirmed,
                           deadline=rectification_deadline(), office=office_of(me())), status


@bp.get("/cases/<int:case_id>/rectification/draft.docx")
@role_required("office")
def rectification_draft(case_id: int):
    case = visible_case_or_404(case_id)
    content = issuing.rectification_draft(db_session(), storage(), case, me(), settings=settings())
    return send_file(io.BytesIO(content), mimetype=issuing.DOCX, as_attachment=True,
                     download_name=f"整改通知书（草稿）-{case.enterprise_name or case.id}.docx", max_age=0)


@bp.route("/notices", methods=["GET", "POST"])
@role_required("office")
def notices():
    status = 200
    if request.method == "POST":
        try:
            confirmed = request.form.get("confirm", "")
            doc = issuing.publish_results(db_session(), storage(), me(), request.form.get("reason", ""), _contact(),
                                          settings=settings(), expected=int(confirmed) if confirmed.isdigit() else 0,
                                          override=request.form.get("override") == "1")
        except (BadInput, Conflict) as exc:
            flash(f"未能发布公示：{exc.user_message}", "error")
            status = 409 if isinstance(exc, Conflict) else 400
        else:
            flash(f"已发布公示 {doc.doc_number}。", "success")
            return redirect(url_for("office.notices"), code=303)
    listed, secret = issuing.publication_candidates(db_session(), me())
    return render_template("office/notices.html", listed=listed, secret=secret, office=office_of(me()),
                           level=issuing.level_of(me()), blocked=issuing.blocked_from_publication(db_session(), me()),
                           issued=issuing.issued_by_office(db_session(), me(), ("result-notice", "rectification-notice"))
                           ), status


@bp.get("/notices/preview.pdf")
@role_required("office")
def notice_preview():
    """The result notice as it would be published now (no number taken, nothing stored)."""
    try:
        content = issuing.preview_results(db_session(), storage(), me(), _contact(), settings=settings())
    except Conflict as exc:
        flash(exc.user_message, "error")
        return redirect(url_for("office.notices"), code=303)
    return send_file(io.BytesIO(content), mimetype="application/pdf", download_name="公示预览.pdf", max_age=0)


@bp.route("/reports/weekly", methods=["GET", "POST"])
@role_required("office")
def weekly():
    try:
        week_start = date.fromisoformat(request.values.get("week") or "")
    except ValueError:
        week_start = issuing.week_start_of(today())
    week_start = issuing.week_start_of(week_start)
    status = 200
    if request.method == "POST":
        try:
            doc = issuing.issue_weekly_report(db_session(), storage(), me(), week_start, settings=settings())
        except (BadInput, Conflict) as exc:
            flash(f"未能生成周报：{exc.user_message}", "error")
            status = 400
        else:
            flash(f"已生成周报（{doc.doc_number}）。", "success")
            return redirect(url_for("office.weekly", week=week_start.isoformat()), code=303)
    rows = [] if office_of(me()).level == "province" else issuing.weekly_rows(db_session(), me(), week_start)
    return render_template("office/weekly.html", rows=rows, week_start=week_start,
                           week_end=week_start + timedelta(days=6), previous=week_start - timedelta(days=7),
                           following=week_start + timedelta(days=7), office=office_of(me()),
                           issued=issuing.issued_by_office(db_session(), me(), ("weekly-report",))), status


@bp.route("/contact-form", methods=["GET", "POST"])
@role_required("office")
def contact_form():
    people = ("head", "deputy", "liaison")
    if request.method == "POST":
        leaders = {p: {k: request.form.get(f"{p}_{k}", "") for k in issuing.PERSON_KEYS} for p in people}
        groups = {g: request.form.get(f"group_{g}", "") for g in issuing.GROUP_KEYS}
        try:
            data = issuing.contact_form_data(me(), leaders, groups)
            issuing.issue_contact_form(db_session(), storage(), me(), data, settings=settings())
        except BadInput as exc:
            flash(f"未能生成联络表：{exc.user_message}", "error")
            # what was typed comes back as it was typed
            return render_template("office/contact_form.html", data=leaders, groups=groups, people=people,
                                   person_keys=issuing.PERSON_KEYS, office=office_of(me()),
                                   issued=issuing.issued_by_office(db_session(), me(), ("contact-form",))), 400
        else:
            flash("已生成工作联络表。", "success")
            return redirect(url_for("office.contact_form"), code=303)
    last = issuing.last_contact_form(db_session(), me())
    data = last.data if last else {}
    groups = {g: "\n".join("，".join(p.get(k, "") for k in issuing.PERSON_KEYS)
                           for p in (data.get("groups") or {}).get(g, [])) for g in issuing.GROUP_KEYS}
    return render_template("office/contact_form.html", data=data, groups=groups, people=people,
                           person_keys=issuing.PERSON_KEYS, office=office_of(me()),
                           issued=issuing.issued_by_office(db_session(), me(), ("contact-form",)))


@bp.route("/templates", methods=["GET", "POST"])
@role_required("office")
def templates():
    kinds = office_templates.kinds()
    status = 200
    if request.method == "POST":
        upload = request.files.get("template")
        try:
            row = office_templates.upload(db_session(), storage(), me(), request.form.get("kind", ""),
                                          upload.filename if upload else "", upload.stream if upload else io.BytesIO(),
                                          request.form.get("note"))
        except (BadInput, Conflict) as exc:
            flash(f"模板未被采用：{exc.user_message}", "error")
            status = 400
        else:
            flash(f"已采用“{kinds[row.kind].title}”模板第 {row.number} 版。", "success")
            return redirect(url_for("office.templates"), code=303)
    versions = office_templates.versions(db_session(), office_key(me()))
    current = {}
    for v in versions:
        current.setdefault(v.kind, v.id)
    return render_template("office/templates.html", kinds=kinds, versions=versions, current=current,
                           office=office_of(me())), status


@bp.post("/templates/<int:template_id>/restore")
@role_required("office")
def restore_template(template_id: int):
    row = office_templates.restore(db_session(), me(), template_id)
    flash(f"已恢复使用，成为第 {row.number} 版。", "success")
    return redirect(url_for("office.templates"), code=303)


@bp.get("/templates/<int:template_id>.docx")
@role_required("office")
def template_file(template_id: int):
    row = db_session().get(OfficeTemplate, template_id)
    if row is None or row.office != office_key(me()):
        raise NotFound("没有这个模板版本。")
    with storage().open(row.sha256) as fh:
        content = fh.read()
    return send_file(io.BytesIO(content), mimetype=issuing.DOCX, as_attachment=True,
                     download_name=f"{row.kind}-第{row.number}版.docx", max_age=0)


@bp.route("/catalogue", methods=["GET", "POST"])
@role_required("office")
def catalogue_page():
    status, problems = 200, []
    if request.method == "POST":
        upload = request.files.get("workbook")
        data = upload.stream.read(catalogue.MAX_WORKBOOK_BYTES + 1) if upload else b""
        try:
            row = catalogue.import_workbook(db_session(), storage(), me(), upload.filename if upload else "", data,
                                            request.form.get("note"))
        except CatalogueRefused as exc:
            problems, status = exc.problems, 400
            flash(f"行业目录未导入：共{len(problems)}处问题，目录未作任何修改。", "error")
        except (BadInput, Conflict) as exc:
            flash(f"行业目录未导入：{exc.user_message}", "error")
            status = 409 if isinstance(exc, Conflict) else 400
        else:
            if row is None:
                flash("上传的行业目录与现行目录相同，未产生新版本。", "success")
            else:
                flash(f"已导入行业目录第 {row.number} 版（{len(row.changes)} 处修改），此后的审核按此版进行。", "success")
            return redirect(url_for("office.catalogue_page"), code=303)
    current, number = catalogue.in_force(db_session())
    return render_template("office/catalogue.html", current=current, number=number, problems=problems,
                           versions=catalogue.versions(db_session()), may_import=catalogue.may_import(me()),
                           counts={"排放限值": len(current.limits), "运输要求": len(current.transport),
                                   "申报材料": len(current.documents), "申报等级要求": len(current.requirements)},
                           unverified=sum(1 for rows in (current.limits, current.transport, current.documents,
                                                         current.requirements) for r in rows if not r.verified)
                           ), status


@bp.get("/catalogue.xlsx")
@role_required("office")
def catalogue_workbook():
    number = request.args.get("version", type=int)
    content = catalogue.workbook(db_session(), number)
    name = f"行业目录（{catalogue.label(number or catalogue.in_force(db_session())[1])}）.xlsx"
    return send_file(io.BytesIO(content), mimetype=XLSX,
                     as_attachment=True, download_name=name, max_age=0)


@bp.get("/issued/<int:doc_id>.<fmt>")
@role_required("clerk", "expert", "office")
def issued(doc_id: int, fmt: str):
    doc = issuing.get_readable(db_session(), me(), doc_id)
    if doc.kind == "result-notice" and fmt == "xlsx" and me().role != "office":
        raise Forbidden("公示的内部附件只供大气办留存。")
    content, mimetype = issuing.content(db_session(), storage(), doc, fmt, settings=settings())
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=issuing.download_name(doc, fmt), max_age=0)


@bp.get("/experts")
@role_required("office")
def expert_pool():
    pool = []
    for e in experts(db_session()):
        flags = []
        if e.pledge_date is None or e.pledge_date > today():
            flags.append("未签署廉洁守纪承诺书")
        if is_third_party_firm(e.employer):
            flags.append("第三方服务机构人员，不得入库")
        pool.append((e, flags))
    return render_template("office/experts.html", pool=pool, grades=GRADE_CHOICES)


@bp.get("/rectification-ledger.<fmt>")
@role_required("office")
def rectification_ledger(fmt: str):
    from web.services import rectification

    content = rectification.ledger(db_session(), me(), fmt, settings=settings())
    mimetype = issuing.XLSX if fmt == "xlsx" else "application/pdf"
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"整改台账-{today().isoformat()}.{fmt}", max_age=0)
