from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import select

from lms.core.errors import render_error
from lms.core.forms import LanguageForm
from lms.core.models import OutboxMessage
from lms.core.urls import safe_next
from lms.extensions import db

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/")
def home():
    from lms.commerce.operations import current_campaign

    return render_template("core/home.html", campaign=current_campaign())


@bp.get("/privacy")
def privacy():
    return render_template("core/privacy.html")


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return render_error(400)
    language = form.language.data
    session["lang"] = language
    if current_user.is_authenticated:
        from lms.accounts.operations import set_preferred_language

        set_preferred_language(current_user, language)
    return redirect(safe_next(request.form.get("next")), code=303)


dev_bp = Blueprint("dev", __name__, template_folder="templates")


@dev_bp.get("/dev/outbox")
def outbox():
    """Development only: the e-mails the console backend has stored."""
    if current_app.config["LMS_ENV"] != "development":
        abort(404)
    messages = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(50)
    ).all()
    return render_template("core/outbox.html", messages=messages)
