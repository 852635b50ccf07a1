from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.content.models import Question
from lms.core.errors import render_error
from lms.core.i18n import localdatetime
from lms.core.urls import safe_next
from lms.learning import operations as ops
from lms.learning.forms import ActionForm, ContentLanguageForm

bp = Blueprint("learning", __name__, url_prefix="/learn", template_folder="templates")

ERRORS = {
    "tampered": _l("The answer could not be accepted: an option does not belong to the question. Reload the page and try again."),
    "unanswered": _l("Answer every question before you submit."),
    "lessons_first": _l("Finish the lessons of the module before the module check."),
    "already_graded": _l("This attempt has already been submitted and graded."),
    "attempt_closed": _l("The time for this attempt ran out, so it can no longer be answered."),
    "already_passed": _l("You have already passed the final test."),
    "language_not_available": _l("The course is not available in that language."),
    "not_free": _l("This course is not free in that language."),
    "try_again": _l("Something happened at the same time. Please try again."),
}


def _message(error: ops.LearningError) -> str:
    if error.code == "modules_left":
        return ngettext("Finish %(num)s more module before the final test.",
                        "Finish %(num)s more modules before the final test.", error.details["count"])
    if error.code == "time_left":
        return ngettext("The final test opens after %(num)s more minute of learning time.",
                        "The final test opens after %(num)s more minutes of learning time.", error.details["minutes"])
    if error.code == "cooldown":
        return _("You have used all attempts for now. The final test opens again %(when)s.",
                 when=localdatetime(error.details["until"], "short"))
    return str(ERRORS[error.code])


def _enrollment(slug: str):
    enrollment = ops.get_enrollment(current_user.id, slug)
    if enrollment is None:
        abort(404)
    return enrollment


def _form_answers() -> dict[str, list[str]]:
    return {key: request.form.getlist(key) for key in request.form if key.startswith("q")}


@bp.get("/")
@login_required
def dashboard():
    from lms.certificates.operations import for_user

    certificates = {c.enrollment_id: c for c in reversed(for_user(current_user.id)) if c.status != "replaced"}
    return render_template("learning/dashboard.html", rows=ops.dashboard(current_user.id), certificates=certificates)


@bp.get("/<slug>")
@login_required
def resume(slug: str):
    enrollment = _enrollment(slug)
    modules = ops.outline(enrollment.course_id)
    kind, target = ops.resume_point(modules, ops.progress_of(enrollment.id), enrollment.last_lesson_id)
    if kind == "lesson":
        return redirect(url_for(".lesson", slug=slug, module_key=target.module_key, lesson_key=target.key))
    if kind == "check":
        return redirect(url_for(".module_check", slug=slug, module_key=target.key))
    return redirect(url_for(".final_test", slug=slug))


@bp.get("/<slug>/<module_key>/<lesson_key>")
@login_required
def lesson(slug: str, module_key: str, lesson_key: str):
    enrollment = _enrollment(slug)
    course = enrollment.course
    modules = ops.outline(course.id, course.content_hash)
    current = ops.find_lesson(modules, module_key, lesson_key)
    if current is None:
        abort(404)
    progress = ops.progress_of(enrollment.id)
    ops.view_lesson(enrollment, current, progress)
    previous, following = ops.neighbours(modules, current)
    module = next(m for m in modules if m.id == current.module_id)
    return render_template(
        "learning/lesson.html", enrollment=enrollment, course=course, modules=modules,
        module=module, lesson=current, body=ops.lesson_body(current.id, enrollment.content_language, course.content_hash),
        progress=progress, previous=previous, following=following,
        is_last_in_module=module.lessons[-1].id == current.id,
        percent=ops.percent_done(modules, progress), form=ActionForm(),
        languages=ops.allowed_languages(course, enrollment.source),
    )


@bp.post("/<slug>/<module_key>/<lesson_key>/complete")
@login_required
def complete_lesson(slug: str, module_key: str, lesson_key: str):
    enrollment = _enrollment(slug)
    if not ActionForm().validate_on_submit():
        return render_error(400)
    modules = ops.outline(enrollment.course_id)
    current = ops.find_lesson(modules, module_key, lesson_key)
    if current is None:
        abort(404)
    ops.complete_lesson(enrollment, current)
    module = next(m for m in modules if m.id == current.module_id)
    _, following = ops.neighbours(modules, current)
    if module.lessons[-1].id == current.id:
        return redirect(url_for(".module_check", slug=slug, module_key=module.key), code=303)
    return redirect(url_for(".lesson", slug=slug, module_key=following.module_key, lesson_key=following.key), code=303)


@bp.route("/<slug>/<module_key>/check", methods=["GET", "POST"])
@login_required
def module_check(slug: str, module_key: str):
    enrollment = _enrollment(slug)
    modules = ops.outline(enrollment.course_id)
    module = next((m for m in modules if m.key == module_key), None)
    if module is None:
        abort(404)
    progress = ops.progress_of(enrollment.id)
    questions = ops.module_questions(module.id)
    form = ActionForm()
    result = progress.checked_modules.get(module.id)
    error = None
    chosen: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_error(400)
        try:
            result = ops.submit_module_check(enrollment, module, progress, _form_answers())
        except ops.LearningError as exc:
            error = _message(exc)
            chosen = exc.details.get("answers", {})
            status = 422 if exc.code == "tampered" else 200
        else:
            return redirect(url_for(".module_check", slug=slug, module_key=module_key, done=1) + "#results", code=303)
    index = modules.index(module)
    following = modules[index + 1] if index + 1 < len(modules) else None
    return render_template(
        "learning/module_check.html", enrollment=enrollment, course=enrollment.course, modules=modules,
        module=module, questions=questions, result=result, progress=progress, form=form, error=error,
        chosen=chosen or (result.answers if result else {}), following=following,
        show_results=result is not None and request.args.get("done") == "1",
        lessons_done=progress.lessons_done_in(module), language=enrollment.content_language,
        is_correct=ops.is_correct,
    ), status


@bp.post("/<slug>/heartbeat")
@login_required
def heartbeat(slug: str):
    """Seat time from an open lesson page (sent by a small script while the learner is active)."""
    enrollment = _enrollment(slug)
    credited = ops.record_activity(enrollment, None)
    return {"credited_seconds": credited, "total_minutes": enrollment.seconds_total // 60}


@bp.post("/<slug>/language")
@login_required
def content_language(slug: str):
    enrollment = _enrollment(slug)
    form = ContentLanguageForm()
    if not form.validate_on_submit():
        return render_error(400)
    try:
        ops.set_content_language(enrollment, form.language.data)
    except ops.LearningError as exc:
        flash(_message(exc), "error")
    return redirect(safe_next(form.next.data, "learning.dashboard"), code=303)


@bp.get("/<slug>/test")
@login_required
def final_test(slug: str):
    enrollment = _enrollment(slug)
    modules = ops.outline(enrollment.course_id)
    progress = ops.progress_of(enrollment.id)
    status = ops.test_status(enrollment, modules, progress)
    return render_template("learning/final_test.html", enrollment=enrollment, course=enrollment.course,
                           modules=modules, progress=progress, status=status, form=ActionForm(),
                           attempts=ops.attempts_of(enrollment.id))


@bp.post("/<slug>/test/start")
@login_required
def start_test(slug: str):
    enrollment = _enrollment(slug)
    if not ActionForm().validate_on_submit():
        return render_error(400)
    modules = ops.outline(enrollment.course_id)
    status = ops.test_status(enrollment, modules, ops.progress_of(enrollment.id))
    try:
        attempt = ops.start_attempt(enrollment, status)
    except ops.LearningError as exc:
        flash(_message(exc), "error")
        return redirect(url_for(".final_test", slug=slug), code=303)
    return redirect(url_for(".attempt", slug=slug, attempt_id=attempt.id), code=303)


@bp.route("/<slug>/test/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(slug: str, attempt_id: int):
    enrollment = _enrollment(slug)
    attempt = ops.get_attempt(enrollment, attempt_id)
    if attempt is None:
        abort(404)
    form = ActionForm()
    error = None
    chosen: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_error(400)
        try:
            ops.submit_attempt(enrollment, attempt, _form_answers())
        except ops.LearningError as exc:
            error = _message(exc)
            chosen = exc.details.get("answers", {})
            status = 200 if exc.code == "unanswered" else 409 if exc.code in ("already_graded", "attempt_closed") else 422
        else:
            return redirect(url_for(".attempt", slug=slug, attempt_id=attempt.id), code=303)
    questions = ops.attempt_questions(attempt)
    modules = ops.outline(enrollment.course_id)
    return render_template(
        "learning/attempt.html", enrollment=enrollment, course=enrollment.course, attempt=attempt,
        questions=questions, layout={item["question_id"]: item["options"] for item in attempt.layout},
        form=form, error=error, chosen=chosen, language=enrollment.content_language,
        review=[m for m in modules if m.id in (attempt.review_module_ids or [])],
        modules=modules, Question=Question,
    ), status
