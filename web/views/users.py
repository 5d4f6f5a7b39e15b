"""The users page of an office: list, add, change, disable, reset a password (web/services/user_admin.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from forms.errors import BadInput
from web.db import db_session
from web.errors import Forbidden, NotFound
from web.models import ROLE_LABELS, ROLES
from web.services import user_admin
from web.services.password_policy import POLICY
from web.views.auth import role_required
from web.views.cases import me

bp = Blueprint("users", __name__)


def _admin():
    if not user_admin.may_administer(me()):
        abort(403)
    return me()


def _account_from_form() -> user_admin.Account:
    city, _, county = (request.form.get("region") or "").partition("/")
    return user_admin.Account(role=request.form.get("role", ""), city=city, county=county,
                              industries=request.form.get("industries", ""), serves=request.form.get("serves", ""),
                              employer=request.form.get("employer", ""), pledge=request.form.get("pledge", ""))


def _region_value(account: user_admin.Account) -> str:
    return "/".join(p for p in (account.city, account.county) if p)


def _render(template: str, status: int = 200, **context):
    actor = me()
    return render_template(template, roles=[(r, ROLE_LABELS[r]) for r in ROLES],
                           regions=user_admin.region_choices(actor), policy=POLICY, **context), status


@bp.get("/users")
@role_required("office")
def list_users():
    actor = _admin()
    return _render("users/list.html", users=user_admin.managed_users(db_session(), actor),
                   account=user_admin.Account(city=actor.city or ""), username="",
                   region=actor.city or "")


@bp.post("/users")
@role_required("office")
def add_user():
    actor = _admin()
    account = _account_from_form()
    username = request.form.get("username", "").strip()
    try:
        user = user_admin.add(db_session(), actor, username, request.form.get("password", ""), account)
    except (BadInput, Forbidden) as exc:
        db_session().rollback()
        flash(f"未能添加：{exc.user_message}", "error")
        return _render("users/list.html", 400, users=user_admin.managed_users(db_session(), actor),
                       account=account, username=username, region=_region_value(account))
    flash(f"已添加用户“{user.username}”（{user.role_label}，{user.region_label}）。", "success")
    return redirect(url_for("users.list_users"), code=303)


def _managed_or_404(user_id: int):
    user = user_admin.get_managed(db_session(), _admin(), user_id)
    if user is None:
        raise NotFound("没有这个用户，或不属于本辖区。")
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("office")
def edit_user(user_id: int):
    user = _managed_or_404(user_id)
    account = user_admin.Account.of(user)
    if request.method == "POST":
        account = _account_from_form()
        try:
            user_admin.update(db_session(), me(), user, account)
        except (BadInput, Forbidden) as exc:
            db_session().rollback()
            flash(f"未能保存：{exc.user_message}", "error")
            return _render("users/edit.html", 400, user=user, account=account, region=_region_value(account))
        flash(f"已保存用户“{user.username}”。", "success")
        return redirect(url_for("users.edit_user", user_id=user.id), code=303)
    return _render("users/edit.html", user=user, account=account, region=_region_value(account))


@bp.post("/users/<int:user_id>/active")
@role_required("office")
def set_active(user_id: int):
    user = _managed_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        user_admin.set_active(db_session(), me(), user, active)
    except (BadInput, Forbidden) as exc:
        db_session().rollback()
        flash(exc.user_message, "error")
    else:
        flash(f"已{'启用' if active else '停用'}用户“{user.username}”。", "success")
    return redirect(url_for("users.edit_user", user_id=user.id), code=303)


@bp.post("/users/<int:user_id>/password")
@role_required("office")
def reset_password(user_id: int):
    user = _managed_or_404(user_id)
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        flash("两次输入的新密码不一致。", "error")
        return redirect(url_for("users.edit_user", user_id=user.id), code=303)
    try:
        user_admin.reset_password(db_session(), me(), user, password)
    except (BadInput, Forbidden) as exc:
        db_session().rollback()
        flash(f"未能重置密码：{exc.user_message}", "error")
    else:
        flash(f"已重置“{user.username}”的密码，请当面或电话告知本人。", "success")
    return redirect(url_for("users.edit_user", user_id=user.id), code=303)
