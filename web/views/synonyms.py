"""Synonyms learnt from corrections: the clerk's 归入字段 on the case page, the office's 同义词建议 page (accept,
reject, withdraw, export, import). Thin over web/services/synonyms.py and web/services/corrections.py."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for

from forms.errors import BadInput
from forms.fields import FIELDS
from forms.synonyms import MAX_FILE_BYTES
from web.db import db_session
from web.errors import Conflict, Forbidden, NotFound
from web.models import Case
from web.services import synonyms
from web.services.corrections import assign_unassigned, effective_extraction
from web.views import presenters
from web.views.auth import role_required
from web.views.cases import me, visible_case_or_404

bp = Blueprint("synonyms", __name__)
FORMATS = {"toml": "application/toml", "json": "application/json"}


@bp.post("/cases/<int:case_id>/unassigned/<int:index>/assign")
@role_required("clerk", "office")
def assign(case_id: int, index: int):
    """归入字段: the unassigned fact becomes the field's value; its label is proposed as a synonym."""
    case = visible_case_or_404(case_id)
    key = request.form.get("key", "")
    try:
        _correction, proposed = assign_unassigned(db_session(), case, index, key, me(), request.form.get("reason", ""))
    except (BadInput, Conflict) as exc:
        flash(f"未能归入字段：{exc.user_message}", "error")
        return redirect(url_for("cases.show", case_id=case.id) + "#unassigned", code=303)
    label = FIELDS[key].label
    if proposed.proposal is not None and proposed.proposal.status == "rejected":
        flash(f"已归入“{label}”，并按更正后的材料重新审核（大气办此前未采纳“{proposed.proposal.label}”作为“{label}”的同义词）。",
              "success")
    elif proposed.proposal is not None:
        flash(f"已归入“{label}”，并按更正后的材料重新审核；“{proposed.proposal.label}”已作为“{label}”的同义词建议提交大气办。",
              "success")
    else:
        flash(f"已归入“{label}”，并按更正后的材料重新审核（未提交同义词建议：{proposed.refused}）。", "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#fields", code=303)


def _example_link(sighting) -> tuple[str, str | None]:
    """(where, evidence viewer url or None) of a proposal's example, as the case page names sources."""
    if sighting is None:
        return "", None
    where = presenters.describe_source(sighting.source)
    case = db_session().get(Case, sighting.case_id)
    if case is None or case.version != sighting.version:
        return where, None
    extraction = effective_extraction(case)
    ref = sighting.ref or ""
    if ref.startswith("unassigned:"):  # read again since (重新解析): the entry may have moved or gone
        items = (extraction or {}).get("unassigned") or []
        index = int(ref.split(":")[1])
        if index >= len(items) or items[index].get("source") != sighting.source:
            ref = ""
    evidence = presenters.evidence_for(extraction, sighting.source, ref)
    if evidence is None:
        return where, None
    return where, f"{url_for('cases.show', case_id=case.id)}/{evidence.path()}"


@bp.get("/synonyms")
@role_required("office")
def page():
    session = db_session()
    pending = synonyms.proposals(session, me(), ("pending",))
    accepted = synonyms.proposals(session, me(), ("accepted",))
    decided = synonyms.proposals(session, me(), ("rejected", "withdrawn"))
    examples = {v.row.id: _example_link(v.example) for v in pending + accepted + decided}
    return render_template("office/synonyms.html", pending=pending, accepted=accepted, decided=decided,
                           examples=examples, version=synonyms.current_version(session),
                           versions=synonyms.versions(session), may_decide=synonyms.may_decide(me()))


def _back():
    return redirect(url_for("synonyms.page"), code=303)


def _decider_only() -> None:
    if not synonyms.may_decide(me()):
        raise Forbidden("同义词由省级大气办决定，本单位可查看和导出。")


@bp.post("/synonyms/<int:proposal_id>/<action>")
@role_required("office")
def decide(proposal_id: int, action: str):
    _decider_only()
    session, reason = db_session(), request.form.get("reason", "")
    try:
        if action == "accept":
            number = synonyms.accept(session, me(), proposal_id, reason)
            flash(f"已采纳，同义词现为第 {number} 版；此后解析的申报材料按此识别。", "success")
        elif action == "reject":
            synonyms.reject(session, me(), proposal_id, reason)
            flash("已记为不采纳。", "success")
        elif action == "withdraw":
            number = synonyms.withdraw(session, me(), proposal_id, reason)
            flash(f"已撤销，同义词现为第 {number} 版。", "success")
        else:
            raise NotFound()
    except (BadInput, Conflict) as exc:
        flash(f"未能办理：{exc.user_message}", "error")
    return _back()


@bp.get("/synonyms.<fmt>")
@role_required("office")
def export(fmt: str):
    if fmt not in FORMATS:
        raise NotFound()
    current = synonyms.in_force(db_session())
    text = current.to_toml() if fmt == "toml" else current.to_json()
    return send_file(io.BytesIO(text.encode("utf-8")), mimetype=FORMATS[fmt], as_attachment=True,
                     download_name=f"同义词（第{current.version}版）.{fmt}", max_age=0)


@bp.post("/synonyms/import")
@role_required("office")
def import_file():
    _decider_only()
    upload = request.files.get("file")
    content = upload.stream.read(MAX_FILE_BYTES + 1) if upload else b""
    try:
        if not upload or not content:
            raise BadInput("请选择本系统导出的同义词文件（.toml 或 .json）。", "no synonyms file")
        added, number = synonyms.import_file(db_session(), me(), upload.filename or "", content)
    except (BadInput, Conflict) as exc:
        flash(exc.user_message, "error")
        return _back()
    flash(f"已导入 {added} 条同义词，同义词现为第 {number} 版。" if number else "文件中的同义词均已采纳，未产生新版本。",
          "success")
    return _back()
