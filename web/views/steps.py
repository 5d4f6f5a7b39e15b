"""Moving a case along and working on its facts: procedure steps, re-application, 涉密,
field corrections, decisions on findings. Thin views over web/services/procedure.py, web/services/corrections.py,
web/services/findings.py and web/services/cases.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from forms.errors import BadInput
from forms.fields import FIELDS
from web.db import db_session
from web.errors import Conflict, Forbidden, NotFound
from web.services import access, rectification
from web.services.cases import Upload, reapply
from web.services.corrections import correct_field, corrections_of, effective_extraction, recheck_now
from web.services.extraction import reextract as read_again
from web.services.findings import decide_finding
from web.services.procedure import move, set_secret
from web.views import presenters
from web.views.auth import role_required
from web.views.cases import me, settings, storage, visible_case_or_404, wants_json

bp = Blueprint("steps", __name__)


def _back(case_id: int, anchor: str | None = None):
    return redirect(url_for("cases.show", case_id=case_id) + (f"#{anchor}" if anchor else ""), code=303)


@bp.post("/cases/<int:case_id>/steps")
@role_required("clerk", "office")
def step(case_id: int):
    case = visible_case_or_404(case_id)
    try:
        move(db_session(), case, request.form.get("step", ""), me(), request.form.get("reason", ""),
             override=request.form.get("override") == "1")
    except (BadInput, Conflict, Forbidden) as exc:
        flash(f"未能办理：{exc.user_message}", "error")
    else:
        flash(f"已办理，案件现为“{case.stage_label}”。", "success")
    return _back(case.id, "procedure")


@bp.post("/cases/<int:case_id>/secret")
@role_required("clerk", "office")
def secret(case_id: int):
    case = visible_case_or_404(case_id)
    try:
        set_secret(db_session(), case, request.form.get("secret") == "1", me(), request.form.get("reason", ""))
    except (BadInput, Conflict) as exc:
        flash(exc.user_message, "error")
    else:
        flash("已标记为涉密，公示时不会列入。" if case.secret else "已取消涉密标记。", "success")
    return _back(case.id, "procedure")


@bp.route("/cases/<int:case_id>/reapply", methods=["GET", "POST"])
@role_required("clerk")
def reapply_case(case_id: int):
    case = visible_case_or_404(case_id)
    if request.method == "POST":
        uploads = [Upload(f.filename or "", f.stream) for f in request.files.getlist("files")]
        try:
            reapply(db_session(), storage(), case, me(), uploads, request.form.get("reason", ""))
        except (BadInput, Conflict) as exc:
            if wants_json():
                raise
            flash(exc.user_message, "error")
            return render_template("cases/reapply.html", case=case), 400
        if wants_json():
            return jsonify({"id": case.id, "url": url_for("cases.show", case_id=case.id),
                            "status_url": url_for("cases.status", case_id=case.id),
                            "files": [{"name": f.original_name, "size": f.size} for f in case.files]}), 201
        flash(f"已提交第 {case.version} 版申报材料，正在排队解析。", "success")
        return _back(case.id)
    if case.stage != "returned":
        flash("只有退回整改的案件可以重新申报。", "error")
        return _back(case.id)
    return render_template("cases/reapply.html", case=case)


@bp.post("/cases/<int:case_id>/recheck")
@role_required("clerk", "office")
def recheck(case_id: int):
    """Check the case again against the grading catalogue in force."""
    case = visible_case_or_404(case_id)
    try:
        recheck_now(db_session(), case, me())
    except Conflict as exc:
        flash(f"未能重新审核：{exc.user_message}", "error")
    else:
        flash("已按现行行业目录重新审核。", "success")
    return _back(case.id, "findings")


@bp.post("/cases/<int:case_id>/reextract")
@role_required("clerk", "office")
def reextract(case_id: int):
    """Read the case's files again, with the synonyms in force now."""
    case = visible_case_or_404(case_id)
    try:
        read_again(db_session(), case, me(), request.form.get("reason", ""))
    except (BadInput, Conflict) as exc:
        flash(f"未能重新解析：{exc.user_message}", "error")
        return _back(case.id, "fields")
    flash("已排队重新解析；更正过的字段仍按更正后的值。", "success")
    return _back(case.id)


@bp.route("/cases/<int:case_id>/fields/<key>", methods=["GET", "POST"])
@role_required("clerk", "office")
def field(case_id: int, key: str):
    case = visible_case_or_404(case_id)
    if key == "_" and request.args.get("key") in FIELDS:  # the picker of fields to add
        return redirect(url_for("steps.field", case_id=case.id, key=request.args["key"]))
    if key not in FIELDS:
        raise NotFound("没有这个字段。")
    if request.method == "POST":
        try:
            correct_field(db_session(), case, key, request.form.get("value", ""), me(), request.form.get("reason", ""))
        except (BadInput, Conflict) as exc:
            flash(f"未能更正：{exc.user_message}", "error")
            status = 400
        else:
            flash(f"已更正“{FIELDS[key].label}”，并按更正后的材料重新审核。", "success")
            return _back(case.id, "fields")
    else:
        status = 200
    extraction = effective_extraction(case)
    fact = ((extraction or {}).get("fields") or {}).get(key)
    original = ((case.extraction or {}).get("fields") or {}).get(key)
    history = [c for c in corrections_of(case, db_session()) if c.field == key]
    return render_template("cases/field.html", case=case, key=key, spec=FIELDS[key], fact=fact, original=original,
                           display=presenters.display, describe=presenters.describe_source, history=history,
                           evidence=presenters.evidence_for(extraction, (fact or {}).get("source"), f"field:{key}")
                           ), status


@bp.post("/cases/<int:case_id>/findings/<int:index>")
@role_required("clerk", "office")
def finding(case_id: int, index: int):
    case = visible_case_or_404(case_id)
    if not access.may_work_on_facts(me()):
        abort(403)
    try:
        decide_finding(db_session(), case, index, request.form.get("rule", ""), request.form.get("decision", ""),
                       request.form.get("reason", ""), me())
    except (BadInput, Conflict) as exc:
        flash(f"未能记录：{exc.user_message}", "error")
    else:
        flash("已记录对该审核意见的处理。", "success")
    return _back(case.id, f"finding-{index}")


@bp.post("/cases/<int:case_id>/rectification-items/<int:item_id>/evidence")
@role_required("clerk")
def rectification_evidence(case_id: int, item_id: int):
    case = visible_case_or_404(case_id)
    item = rectification.get_item(db_session(), case, item_id)
    upload = request.files.get("file")
    try:
        rectification.submit_evidence(db_session(), storage(), case, item, me(), upload.filename if upload else "",
                                      upload.stream if upload else None, settings=settings())
    except (BadInput, Conflict) as exc:
        flash(f"未能上传整改材料：{exc.user_message}", "error")
    else:
        flash(f"已上传整改事项{item.number}的整改材料，待县级核查。", "success")
    return _back(case.id, f"rectification-item-{item.id}")


@bp.post("/cases/<int:case_id>/rectification-items/<int:item_id>")
@role_required("clerk", "office")
def rectification_step(case_id: int, item_id: int):
    case = visible_case_or_404(case_id)
    item = rectification.get_item(db_session(), case, item_id)
    try:
        rectification.advance(db_session(), case, item, request.form.get("step", ""), me(), request.form.get("note", ""))
    except (BadInput, Conflict) as exc:
        flash(f"未能办理：{exc.user_message}", "error")
    else:
        flash(f"整改事项{item.number}：{item.status_label}。", "success")
    return _back(case.id, f"rectification-item-{item.id}")
