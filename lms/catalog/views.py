from __future__ import annotations

from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.catalog import operations as ops
from lms.catalog.forms import EnrollForm
from lms.content.loader import SUPPORTED_LANGUAGES
from lms.content.models import AUDIENCES
from lms.core.errors import render_error
from lms.learning import operations as learning

bp = Blueprint("catalog", __name__, template_folder="templates")

AUDIENCE_NAMES = {
    "leader": _l("Managers and employers"),
    "safety_rep": _l("Safety representatives"),
    "amu": _l("Working environment committees"),
    "employee": _l("Employees"),
}
AUDIENCE_ROLE = {
    "leader": _l("Employer or manager"),
    "safety_rep": _l("Safety representative (verneombud)"),
    "amu": _l("Member of the working environment committee (AMU)"),
    "employee": _l("Employee"),
}


@bp.app_context_processor
def _names():
    return {"audience_names": AUDIENCE_NAMES, "audience_roles": AUDIENCE_ROLE}


@bp.get("/courses")
def index():
    audience = request.args.get("audience") or None
    language = request.args.get("language") or None
    if audience not in (None, *AUDIENCES) or language not in (None, *SUPPORTED_LANGUAGES):
        audience = audience if audience in AUDIENCES else None
        language = language if language in SUPPORTED_LANGUAGES else None
    courses = ops.catalog(audience, language)
    return render_template("catalog/index.html", courses=courses, audience=audience, language=language,
                           audiences=AUDIENCES, languages=SUPPORTED_LANGUAGES)


@bp.get("/courses/<slug>")
def course(slug: str):
    course = learning.get_course(slug)
    if course is None:
        abort(404)
    enrollment = learning.get_enrollment(current_user.id, slug) if current_user.is_authenticated else None
    free_languages = [lang for lang in course.languages if course.is_free_in(lang)]
    return render_template("catalog/course.html", course=course, modules=ops.course_modules(course),
                           enrollment=enrollment, free_languages=free_languages,
                           price_with_vat=ops.price_with_vat(course.price_ore), form=EnrollForm())


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll(slug: str):
    course = learning.get_course(slug)
    if course is None:
        abort(404)
    form = EnrollForm()
    if not form.validate_on_submit():
        return render_error(400)
    try:
        learning.enroll_free(current_user, course, form.language.data)
    except learning.LearningError:
        flash(_("This course is not free in that language."), "error")
        return redirect(url_for("catalog.course", slug=slug), code=303)
    return redirect(url_for("learning.resume", slug=slug), code=303)


@bp.get("/courses/<slug>/media/<path:filename>")
def media(slug: str, filename: str):
    """Pictures of the course content, from the course's images/ folder."""
    if learning.get_course(slug) is None:
        abort(404)
    folder = Path(current_app.config["LMS_COURSES_DIR"]) / slug / "images"
    return send_from_directory(folder, filename, max_age=86400)
