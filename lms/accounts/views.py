from __future__ import annotations

from functools import wraps

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

import time

from lms.accounts import operations as ops
from lms.accounts import twofactor
from lms.accounts.forms import (ChangeEmailForm, ChangePasswordForm, ConfirmForm,
                                ForgotPasswordForm, LoginForm, ProfileForm, RegisterForm,
                                ResetPasswordForm, SimpleActionForm, DeleteAccountForm, TwoFactorForm)
from lms.core.errors import render_error
from lms.core.urls import safe_next
from lms.extensions import limiter, login_manager

bp = Blueprint("accounts", __name__, template_folder="templates")

ERRORS = {
    "bad_credentials": _l("The e-mail address or password is wrong."),
    "unconfirmed": _l("Your e-mail address is not confirmed yet. We have sent you a new confirmation link."),
    "wrong_password": _l("The current password is wrong."),
    "same_email": _l("That is already your e-mail address."),
    "invalid_token": _l("This link is invalid, has expired or has already been used."),
    "email_taken": _l("That e-mail address is already in use by another account."),
    "last_manager": _l("You are the only manager of an organization. Invite another manager first, so the company keeps access to its training record."),
}


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def _login_key() -> str:
    """Rate-limit key for log-in attempts against one account, whatever the address of the caller."""
    return "login:" + ops.normalize_email(request.form.get("email", ""))[:320]


@login_manager.user_loader
def load_user(token: str):
    return ops.load_session_user(token)


def admin_required(view):
    """Platform administrators only: others get 403, anonymous users go to log in."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _start_login(user) -> None:
    # A fresh session identifier at every log-in: clear the old cookie's content.
    language = session.get("lang")
    session.clear()
    token = ops.start_session(user, request.user_agent.string or "", request.remote_addr or "")
    login_user(user)
    session.permanent = True
    if language:
        session["lang"] = language
    assert token == user.session_token
    if user.totp_enabled_at is None and twofactor.required_for(user):
        session["tfa_required"] = True


@bp.route("/register", methods=["GET", "POST"])
@_limit("LMS_REGISTER_LIMIT")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = _current_language()
        if request.args.get("code"):
            form.code.data = request.args.get("code", "")[:64]
    if form.validate_on_submit():
        ops.register(ops.Registration(
            email=form.email.data, full_name=form.full_name.data, password=form.password.data,
            language=form.language.data, code=form.code.data,
        ))
        return redirect(url_for("accounts.check_email", reason="register"), code=303)
    return render_template("accounts/register.html", form=form)


@bp.get("/check-email")
def check_email():
    reason = request.args.get("reason", "register")
    if reason not in {"register", "reset", "email"}:
        reason = "register"
    return render_template("accounts/check_email.html", reason=reason)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_account(token: str):
    form = ConfirmForm()
    if ops.find_token(token, "confirm_account") is None:
        return render_template("accounts/token_invalid.html"), 404
    if form.validate_on_submit():
        try:
            user = ops.confirm_account(token)
        except ops.AccountError as exc:
            flash(str(ERRORS[exc.code]), "error")
            return render_template("accounts/token_invalid.html"), 404
        if not current_user.is_authenticated:
            _start_login(user)
        flash(_("Your e-mail address is confirmed. Welcome!"), "success")
        from lms.accounts.signals import account_confirmed

        destination = url_for("core.home")
        for _receiver, outcome in account_confirmed.send(current_app._get_current_object(), user=user):
            if outcome:
                message, category, target = outcome
                flash(message, category)
                destination = target or destination
        return redirect(destination, code=303)
    return render_template("accounts/confirm.html", form=form,
                           title=_("Confirm your e-mail address"),
                           text=_("Press the button to confirm your e-mail address and activate your account."))


@bp.route("/login", methods=["GET", "POST"])
@_limit("LMS_LOGIN_LIMIT")
@limiter.limit(lambda: current_app.config["LMS_LOGIN_LIMIT"], methods=["POST"], key_func=_login_key)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = ops.authenticate(form.email.data, form.password.data)
        except ops.AccountError as exc:
            flash(str(ERRORS[exc.code]), "error")
        else:
            if user.totp_enabled_at is not None:
                # The password was right; the second factor decides. Nothing is logged in yet.
                language = session.get("lang")
                session.clear()
                session["tfa_pending"] = {"user_id": user.id, "at": int(time.time()), "next": form.next.data or ""}
                if language:
                    session["lang"] = language
                return redirect(url_for("accounts.two_factor_login"), code=303)
            _start_login(user)
            return redirect(safe_next(form.next.data), code=303)
    return render_template("accounts/login.html", form=form)


TWO_FACTOR_ERRORS = {
    "wrong_code": _l("The code is wrong or has already been used. Try the newest code from the app."),
    "not_enabled": _l("Two-factor authentication is not turned on."),
}
PENDING_SECONDS = 300


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LMS_TWO_FACTOR_LIMIT"], methods=["POST"])
def two_factor_login():
    pending = session.get("tfa_pending") or {}
    user = ops.get_user(pending.get("user_id")) if pending else None
    if user is None or time.time() - pending.get("at", 0) > PENDING_SECONDS or user.is_deactivated:
        session.pop("tfa_pending", None)
        flash(_("Log in again."), "info")
        return redirect(url_for("accounts.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            how = twofactor.verify(user, form.code.data)
        except twofactor.TwoFactorError as exc:
            form.code.errors = [str(TWO_FACTOR_ERRORS[exc.code])]
        else:
            target = pending.get("next", "")
            session.pop("tfa_pending", None)
            _start_login(user)
            if how == "recovery":
                left = twofactor.recovery_codes_left(user)
                flash(ngettext("You used a recovery code. %(num)s is left.", "You used a recovery code. %(num)s are left.", left), "info")
            return redirect(safe_next(target), code=303)
    return render_template("accounts/two_factor_login.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    form = TwoFactorForm()
    user = current_user._get_current_object()
    required = twofactor.required_for(user)
    if user.totp_enabled_at is None:
        secret = session.get("tfa_setup") or twofactor.new_secret()
        session["tfa_setup"] = secret
        if form.validate_on_submit():
            try:
                codes = twofactor.enable(user, secret, form.code.data)
            except twofactor.TwoFactorError as exc:
                form.code.errors = [str(TWO_FACTOR_ERRORS[exc.code])]
            else:
                session.pop("tfa_setup", None)
                session.pop("tfa_required", None)
                return render_template("accounts/recovery_codes.html", codes=codes)
        uri = twofactor.provisioning_uri(user, secret)
        return render_template("accounts/two_factor_setup.html", form=form, secret=secret,
                               qr=twofactor.qr_svg_data_uri(uri), required=required)
    if form.validate_on_submit():
        action = request.form.get("action")
        try:
            if action == "disable" and not required:
                twofactor.disable(user, form.code.data)
                flash(_("Two-factor authentication is turned off."), "success")
                return redirect(url_for("accounts.profile"), code=303)
            if action == "codes":
                twofactor.verify(user, form.code.data)
                return render_template("accounts/recovery_codes.html", codes=twofactor.new_recovery_codes(user))
            return render_error(400)
        except twofactor.TwoFactorError as exc:
            form.code.errors = [str(TWO_FACTOR_ERRORS[exc.code])]
    return render_template("accounts/two_factor.html", form=form, required=required,
                           codes_left=twofactor.recovery_codes_left(user))


TWO_FACTOR_OPEN = {"accounts.two_factor", "accounts.logout", "core.set_language", "static", "health.healthz",
                   "health.readyz", "core.privacy"}


@bp.before_app_request
def _require_two_factor():
    """Administrators and managers who must use two-factor authentication set it up first."""
    if not session.get("tfa_required") or request.endpoint in TWO_FACTOR_OPEN:
        return None
    if not current_user.is_authenticated or current_user.totp_enabled_at is not None:
        session.pop("tfa_required", None)
        return None
    flash(_("Your role requires two-factor authentication. Set it up to continue."), "info")
    return redirect(url_for("accounts.two_factor"))


@bp.post("/logout")
def logout():
    form = SimpleActionForm()
    if not form.validate_on_submit():
        abort(400)
    language = session.get("lang")
    if current_user.is_authenticated:
        # The interface stays in the language the user was reading.
        language = current_user.preferred_language
        ops.end_session(current_user.session_token)
        logout_user()
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You are logged out."), "success")
    return redirect(url_for("core.home"), code=303)


@bp.route("/forgot-password", methods=["GET", "POST"])
@_limit("LMS_RESET_LIMIT")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ops.request_password_reset(form.email.data)
        return redirect(url_for("accounts.check_email", reason="reset"), code=303)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@_limit("LMS_RESET_LIMIT")
def reset_password(token: str):
    if ops.find_token(token, "reset_password") is None:
        return render_template("accounts/token_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            ops.reset_password(token, form.password.data)
        except ops.AccountError as exc:
            flash(str(ERRORS[exc.code]), "error")
            return render_template("accounts/token_invalid.html"), 404
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(_("Your password has been changed. Log in with the new password."), "success")
        return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user._get_current_object(),
                       data={"language": current_user.preferred_language})
    if form.validate_on_submit():
        ops.update_profile(current_user, form.full_name.data, form.language.data)
        session["lang"] = form.language.data
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"), code=303)
    sessions = ops.list_sessions(current_user)
    return render_template("accounts/profile.html", form=form, sessions=sessions,
                           is_current=lambda s: ops.session_is_current(s, current_user.session_token),
                           action_form=SimpleActionForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = ops.change_password(current_user, form.current_password.data, form.password.data)
        except ops.AccountError as exc:
            form.current_password.errors = [str(ERRORS[exc.code])]
        else:
            flash(_("Your password has been changed."), "success")
            if ended:
                flash(_("You were logged out everywhere else."), "info")
            return redirect(url_for("accounts.profile"), code=303)
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            ops.request_email_change(current_user, form.email.data, form.password.data)
        except ops.AccountError as exc:
            target = form.password if exc.code == "wrong_password" else form.email
            target.errors = [str(ERRORS[exc.code])]
        else:
            return redirect(url_for("accounts.check_email", reason="email"), code=303)
    return render_template("accounts/change_email.html", form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    if ops.find_token(token, "change_email") is None:
        return render_template("accounts/token_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            ops.confirm_email_change(token)
        except ops.AccountError as exc:
            flash(str(ERRORS[exc.code]), "error")
            return redirect(url_for("core.home"), code=303)
        flash(_("Your e-mail address has been changed."), "success")
        return redirect(url_for("core.home"), code=303)
    return render_template("accounts/confirm.html", form=form,
                           title=_("Confirm your new e-mail address"),
                           text=_("Press the button to start using this address for your account."))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    form = SimpleActionForm()
    if not form.validate_on_submit():
        abort(400)
    ended = ops.end_other_sessions(current_user, current_user.session_token)
    flash(ngettext("Logged out of %(num)s other session.",
                   "Logged out of %(num)s other sessions.", ended), "success")
    return redirect(url_for("accounts.profile"), code=303)


def _current_language() -> str:
    from lms.core.i18n import current_language

    return current_language()


@bp.get("/account/data.json")
@login_required
def export_data():
    """Everything stored about the user, as JSON (the right of access)."""
    import json

    from flask import Response

    body = json.dumps(ops.personal_data(current_user), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="mine-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            ops.delete_account(current_user, form.password.data)
        except ops.AccountError as exc:
            field = form.password if exc.code == "wrong_password" else form.confirm
            field.errors = [str(ERRORS[exc.code])]
        else:
            logout_user()
            session.clear()
            flash(_("Your account is deleted."), "success")
            return redirect(url_for("core.home"), code=303)
    return render_template("accounts/delete.html", form=form)
