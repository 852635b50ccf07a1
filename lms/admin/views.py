from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from lms.accounts.models import User
from lms.accounts.views import admin_required
from lms.admin import audit
from lms.admin import operations as ops
from lms.admin.forms import ActionForm, ExtendForm, LicenseForm
from lms.core.errors import render_error
from lms.core.i18n import OSLO, current_language
from lms.core.pagination import parse_page, search_text
from lms.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/")
@admin_required
def index():
    weeks, activity = ops.weekly_activity()
    figures = ops.course_figures()
    return render_template("admin/index.html", counts=ops.user_counts(), weeks=weeks, activity=activity,
                           figures=figures, revenue=ops.monthly_revenue())


@bp.get("/users")
@admin_required
def users():
    query = search_text(request.args.get("q"), 200)
    page = ops.search_users(query, parse_page(request.args.get("page")))
    return render_template("admin/users.html", page=page, query=query)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user(user_id: int):
    person = db.get_or_404(User, user_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_error(400)
        action = request.form.get("action")
        if action == "resend" and person.email_verified_at is None:
            from lms.accounts.operations import send_confirmation

            send_confirmation(person)
            audit.record("user.resend_confirmation", person, summary=person.email)
            flash(_("A new confirmation link was sent to %(email)s.", email=person.email), "success")
        elif action in ("deactivate", "reactivate") and person.id != _me():
            ops.set_deactivated(person, action == "deactivate")
            flash(_("Saved."), "success")
        else:
            return render_error(400)
        return redirect(url_for(".user", user_id=person.id), code=303)
    return render_template("admin/user.html", person=person, enrollments=ops.user_enrollments(person.id), form=form)


@bp.route("/courses", methods=["GET", "POST"])
@admin_required
def courses():
    form = ActionForm()
    if request.method == "POST":
        from lms.content.models import Course

        if not form.validate_on_submit():
            return render_error(400)
        course = db.session.get(Course, request.form.get("course_id", type=int) or 0)
        if course is None or request.form.get("action") not in ("publish", "unpublish"):
            return render_error(400)
        ops.set_published(course, request.form["action"] == "publish")
        flash(_("Saved."), "success")
        return redirect(url_for(".courses"), code=303)
    return render_template("admin/courses.html", courses=ops.courses_with_versions(), form=form)


@bp.route("/licenses", methods=["GET", "POST"])
@admin_required
def licenses():
    from lms.content.models import Course
    from lms.organizations import operations as orgs
    from lms.organizations.models import License, Organization

    form = LicenseForm()
    form.organization.choices = [SelectChoice(o.id, f"{o.name} ({o.orgnr})")
                                 for o in db.session.scalars(select(Organization).order_by(Organization.name))]
    form.course.choices = [SelectChoice(c.id, c.t("title", current_language()))
                           for c in db.session.scalars(select(Course).order_by(Course.id))]
    if form.validate_on_submit():
        organization = db.session.get(Organization, form.organization.data)
        course = db.session.get(Course, form.course.data)
        if organization is None or course is None:
            return render_error(400)
        until = _end_of_day(form.valid_until.data) if form.valid_until.data else None
        license_ = orgs.add_seats(organization, course, form.seats.data, source="admin", valid_until=until)
        audit.record("license.add_seats", license_, summary=f"{organization.name}: +{form.seats.data} {course.slug}",
                     after={"seats_total": license_.seats_total, "code": license_.code})
        flash(_("License %(code)s now has %(seats)s seats.", code=license_.code, seats=license_.seats_total), "success")
        return redirect(url_for(".licenses"), code=303)
    rows = list(db.session.scalars(select(License).order_by(License.created_at.desc()).limit(200)))
    return render_template("admin/licenses.html", form=form, licenses=rows, extend_form=ExtendForm())


@bp.post("/licenses/<int:license_id>/extend")
@admin_required
def extend_license(license_id: int):
    from lms.organizations.models import License

    license_ = db.get_or_404(License, license_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors) or _("Choose a date."), "error")
        return redirect(url_for(".licenses"), code=303)
    before = license_.valid_until
    license_.valid_until = _end_of_day(form.valid_until.data)
    audit.record("license.extend", license_, summary=license_.code, before={"valid_until": before},
                 after={"valid_until": license_.valid_until})
    flash(_("Saved."), "success")
    return redirect(url_for(".licenses"), code=303)


@bp.get("/audit")
@admin_required
def audit_log():
    action = request.args.get("action", "")[:60]
    actor = search_text(request.args.get("actor"))
    try:
        since = date.fromisoformat(request.args["since"]) if request.args.get("since") else None
    except ValueError:
        since = None
    page = ops.audit_page(action=action, actor=actor, since=since, page=parse_page(request.args.get("page")))
    return render_template("admin/audit.html", page=page, actions=ops.audit_actions(), action=action, actor=actor,
                           since=since)


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, datetime.max.time().replace(microsecond=0), OSLO)


def _me() -> int:
    from flask_login import current_user

    return current_user.id
