"""The JSON API `/api/v1` (docs/api.md, "HTTP API"). Bearer tokens, no cookies, so no CSRF."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, jsonify, request, send_file, url_for

from forms.errors import BadInput
from forms.fields import FIELDS
from web.db import db_session
from web.errors import Forbidden, NotFound, Unauthorized
from web.models import Case, User
from web.services import access, listing
from web.services.cases import (
    Upload,
    assign_expert,
    case_detail,
    case_summaries,
    create_case,
    end_expert_assignment,
)
from web.services.corrections import correct_field, effective_extraction
from web.services.documents import XLSX_MIMETYPE
from web.services.findings import decide_finding, with_decisions
from web.services.procedure import decide_grade, move
from web.services.progress import progress_of
from web.services.users import authenticate, issue_token, revoke_token, tokens_of, user_for_token
from web.storage import Storage
from web.views import ratelimit
from web.views.review import send_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请在 Authorization 头中以 Bearer 方式提供令牌。")
    return token.strip()


def api_user() -> User:
    token = _bearer()
    session = db_session()
    user = user_for_token(session, token)
    if user is None:
        raise Unauthorized("令牌无效或已过期，请重新获取。")
    session.commit()  # last_used_at
    return user


def _visible(user: User, case_id: int) -> Case:
    case = access.get_visible_case(db_session(), user, case_id)
    if case is None:
        raise NotFound()
    return case


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput("请求体应为 JSON 对象。")
    return data


@bp.post("/tokens")
def create_token():
    data = _json_body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise BadInput("请提供用户名（username）和密码（password）。")
    session = db_session()
    ratelimit.reserve(session, username, request.remote_addr or "")
    user = authenticate(session, username, password)
    ratelimit.settle(session, username, request.remote_addr or "", user is not None)
    if user is None:
        raise Unauthorized("用户名或密码不正确。")
    token = issue_token(session, user, days=current_app.config["GRADEDESK_TOKEN_DAYS"])
    session.commit()
    return jsonify({"token": token})


def _iso(at) -> str | None:
    return at.isoformat(timespec="seconds") + "Z" if at else None


@bp.get("/tokens")
def list_tokens():
    """The caller's tokens (never the tokens themselves: they are stored as hashes)."""
    user = api_user()
    return jsonify([{"id": t.id, "created_at": _iso(t.created_at), "expires_at": _iso(t.expires_at),
                     "last_used_at": _iso(t.last_used_at)} for t in tokens_of(db_session(), user)])


@bp.delete("/tokens/current")
def revoke_current_token():
    api_user()
    session = db_session()
    revoke_token(session, _bearer())
    session.commit()
    return "", 204


@bp.post("/cases")
def create():
    user = api_user()
    if user.role != "clerk":
        raise Forbidden("只有经办人可以上传申报材料。")
    uploads = [Upload(f.filename or "", f.stream) for f in request.files.getlist("files")]
    case = create_case(db_session(), Storage(current_app.config["GRADEDESK_DATA_DIR"]), user, uploads)
    response = jsonify({"id": case.id, "status": case.status})
    response.headers["Location"] = url_for("api.show", case_id=case.id)
    return response, 202


@bp.get("/cases")
def list_cases():
    user = api_user()
    return jsonify(case_summaries(db_session(), user))


@bp.get("/cases.xlsx")
def export_cases():
    """The visible cases as the list page exports them (same filters in the query string: county, industry,
    grade, stage, q)."""
    content = listing.export_xlsx(db_session(), api_user(), listing.Filters.from_args(request.args))
    return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name="案件列表.xlsx", max_age=0)


@bp.get("/cases/<int:case_id>")
def show(case_id: int):
    return jsonify(case_detail(_visible(api_user(), case_id)))


@bp.get("/cases/<int:case_id>/progress")
def case_progress(case_id: int):
    """How far the extraction has got: per file pages, pages read, step, error; an estimate of the time left."""
    return jsonify(progress_of(db_session(), _visible(api_user(), case_id)))


@bp.post("/cases/<int:case_id>/assignments")
def assign(case_id: int):
    user = api_user()
    if user.role != "office":
        raise Forbidden("只有大气办可以分配专家。")
    case = _visible(user, case_id)
    expert = _json_body().get("expert")
    if not isinstance(expert, str):
        raise BadInput("请以 {\"expert\": 用户名} 指定专家。")
    assignment = assign_expert(db_session(), case, expert, user)
    return jsonify({"case": case.id, "expert": assignment.expert.username, "assigned_by": user.username,
                    "assigned_at": assignment.assigned_at.isoformat(timespec="seconds") + "Z"}), 201


@bp.delete("/cases/<int:case_id>/assignments/<expert>")
def end_assignment(case_id: int, expert: str):
    user = api_user()
    if user.role != "office":
        raise Forbidden("只有大气办可以结束专家的审核分配。")
    case = _visible(user, case_id)
    body = request.get_json(silent=True) or {}
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str):
        raise BadInput("请以 {\"reason\": 理由} 说明结束分配的理由。")
    end_expert_assignment(db_session(), case, expert, user, reason)
    return "", 204


@bp.get("/cases/<int:case_id>/documents/<name>")
def document(case_id: int, name: str):
    user = api_user()
    if user.role not in ("office", "expert"):
        raise Forbidden("只有大气办和分配到本案件的专家可以下载文书。")
    return send_document(_visible(user, case_id), name, user)


@bp.post("/cases/<int:case_id>/steps")
def step(case_id: int):
    """Take a step of the procedure: `{"step": "collect" | "start_city_review" | "send_to_province" | "return",
    "reason": "…", "override": false}` (web/services/procedure.py); 409 `blocking_findings` with `open`."""
    user = api_user()
    if user.role not in ("clerk", "office"):
        raise Forbidden("专家不能办理案件步骤。")
    case = _visible(user, case_id)
    body = _json_body()
    step_key, reason = body.get("step"), body.get("reason") or ""
    if not isinstance(step_key, str) or not isinstance(reason, str):
        raise BadInput("请以 {\"step\": 步骤, \"reason\": 理由} 提交。")
    move(db_session(), case, step_key, user, reason, override=_override(body))
    return jsonify({"id": case.id, "stage": case.stage, "stage_label": case.stage_label,
                    "rectify_by": case.rectify_by.isoformat() if case.rectify_by else None})


def _override(body: dict) -> bool:
    override = body.get("override", False)
    if not isinstance(override, bool):
        raise BadInput("override 应为 true 或 false。")
    return override


def _text(body: dict, key: str) -> str:
    value = body.get(key) or ""
    if not isinstance(value, str):
        raise BadInput(f"{key} 应为文字。")
    return value


def _facts_worker() -> User:
    user = api_user()
    if not access.may_work_on_facts(user):
        raise Forbidden("只有经办人和大气办可以更正字段、处理审核意见。")
    return user


@bp.post("/cases/<int:case_id>/fields/<key>")
def correct(case_id: int, key: str):
    """Correct a field `{"value", "reason"}`: 200 with the field as it now is; the checks run again."""
    user = _facts_worker()
    case = _visible(user, case_id)
    if key not in FIELDS:
        raise NotFound(f"没有名为“{key}”的字段。")
    body = _json_body()
    value = body.get("value")
    if value is not None and not isinstance(value, str | int | float):
        raise BadInput("value 应为文字或数字。")
    correct_field(db_session(), case, key, "" if value is None else str(value), user, _text(body, "reason"))
    fact = ((effective_extraction(case) or {}).get("fields") or {}).get(key)
    return jsonify({"key": key, "field": fact, "findings": case.findings})


FINDING_ACTIONS = {"confirm": "confirmed", "exclude": "dismissed"}


@bp.post("/cases/<int:case_id>/findings/<int:index>")
def resolve_finding(case_id: int, index: int):
    """Resolve finding N (its index in `findings`) `{"action": "confirm" | "exclude", "reason"}`."""
    user = _facts_worker()
    case = _visible(user, case_id)
    body = _json_body()
    action = body.get("action")
    if action not in FINDING_ACTIONS:
        raise BadInput("action 应为 confirm（确认）或 exclude（排除）。")
    findings = case.findings or []
    if not 0 <= index < len(findings):
        raise NotFound(f"本案件没有第 {index} 项审核意见。")
    decide_finding(db_session(), case, index, findings[index].get("rule", ""), FINDING_ACTIONS[action],
                   _text(body, "reason"), user)
    return jsonify(_finding_json(with_decisions(case)[index]))


def _finding_json(finding: dict) -> dict:
    decision = finding.get("decision")
    if decision:
        decision = dict(decision, at=decision["at"].isoformat(timespec="seconds") + "Z")
    return dict(finding, decision=decision)


@bp.post("/cases/<int:case_id>/decision")
def decision(case_id: int):
    """Decide the grade `{"grade", "reason", "override": false}`; 409 `blocking_findings` with `open`."""
    user = api_user()
    if user.role != "office":
        raise Forbidden("只有大气办可以确定等级。")
    case = _visible(user, case_id)
    body = _json_body()
    decide_grade(db_session(), case, _text(body, "grade"), user, _text(body, "reason"), override=_override(body))
    return jsonify({"id": case.id, "grade": case.decided_grade, "proposed_grade": (case.proposal or {}).get("grade"),
                    "stage": case.stage})
