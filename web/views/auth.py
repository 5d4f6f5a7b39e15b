"""Logging in and out, and the role checks of the pages."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from web.db import db_session
from web.errors import TooManyRequests
from web.models import User
from web.services.users import authenticate, end_sessions, session_is_current
from web.views import ratelimit
from web.views.webforms import LoginForm

bp = Blueprint("auth", __name__)

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """`id:generation` (User.get_id); a cookie of an older generation (logged out, password changed,
    deactivated) names no one."""
    user_id, _, generation = session_id.partition(":")
    try:
        user = db_session().get(User, int(user_id))
    except ValueError:
        return None
    return user if session_is_current(user, generation) else None


def role_required(*roles: str):
    """Logged in, with one of `roles`; otherwise 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no `//` or backslash tricks."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("cases.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        session = db_session()
        ip = request.remote_addr or ""
        try:
            ratelimit.reserve(session, form.username.data, ip)
        except TooManyRequests as exc:
            flash(exc.user_message, "error")
            return render_template("login.html", form=form), 429
        user = authenticate(session, form.username.data, form.password.data)
        ratelimit.settle(session, form.username.data, ip, user is not None)
        if user is not None:
            cookie_session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME without a request
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash("用户名或密码不正确。", "error")
        status = 401
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])  # POST, so CSRFProtect guards it
def logout():
    if current_user.is_authenticated:
        end_sessions(db_session(), current_user._get_current_object())
        db_session().commit()
    logout_user()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))
