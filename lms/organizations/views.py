from __future__ import annotations

from functools import wraps

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request, send_file,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from lms.core.errors import render_error
from lms.core.i18n import current_language
from lms.core.pagination import parse_page, search_text
from lms.extensions import db, limiter
from lms.organizations import operations as ops
from lms.organizations.forms import (ActionForm, BuySeatsForm, EditOrganizationForm, InviteForm,
                                     ManagerInviteForm, OrganizationForm, RedeemForm)
from lms.organizations.models import Organization

bp = Blueprint("organizations", __name__, template_folder="templates")

ERRORS = {
    "bad_orgnr": _l("This is not a valid organization number: it must be nine digits with a correct check digit."),
    "orgnr_taken": _l("This organization is already registered. Ask one of its managers to invite you."),
    "malformed": _l("That does not look like a license code. It has groups of letters and digits, like ABCD-EFGH-JKMN-PQRS."),
    "unknown": _l("We do not know that license code. Check it with the person who gave it to you."),
    "expired": _l("That license code has expired. Ask your employer for a new one."),
    "used_up": _l("All seats on that license are taken. Ask your employer to buy more."),
    "already_redeemed": _l("You have already used that license code."),
    "no_such_seat": _l("That seat does not exist."),
    "seat_in_use": _l("The person has started the course: the seat can no longer be released."),
    "no_such_invitation": _l("That invitation does not exist."),
    "csv_encoding": _l("The file could not be read. Save it as CSV with UTF-8 encoding."),
    "csv_format": _l("The file is not valid CSV. Save it as CSV (separated by commas or semicolons) and try again."),
    "bad_token": _l("This invitation link is invalid or has already been used."),
    "wrong_account": _l("This invitation was sent to another e-mail address. Log in with that address."),
}


def message(error: ops.OrganizationError) -> str:
    if error.code == "too_many":
        return _("At most %(maximum)s invitations at a time.", maximum=error.details["maximum"])
    return str(ERRORS[error.code])


def manager_required(view):
    """The organization's managers (and platform administrators) only; per object."""

    @wraps(view)
    @login_required
    def wrapped(org_id: int, *args, **kwargs):
        organization = db.get_or_404(Organization, org_id)
        if ops.role_of(current_user.id, org_id) != "manager" and not current_user.is_admin:
            abort(403)
        return view(organization, *args, **kwargs)

    return wrapped


def _code_limit() -> str:
    from flask import current_app

    return current_app.config.get("LMS_CODE_LIMIT", "20 per minute;200 per day")


@bp.get("/organizations")
@login_required
def index():
    return render_template("organizations/index.html", organizations=ops.managed_by(current_user.id))


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def new():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = ops.register_organization(
                current_user, name=form.name.data, orgnr=form.orgnr.data, address=form.address.data or "",
                invoice_email=form.invoice_email.data, employee_count=form.employee_count.data)
        except ops.OrganizationError as exc:
            form.orgnr.errors = [message(exc)]
        else:
            flash(_("%(name)s is registered. You are its manager.", name=organization.name), "success")
            return redirect(url_for(".dashboard", org_id=organization.id), code=303)
    return render_template("organizations/new.html", form=form)


@bp.get("/organizations/<int:org_id>")
@manager_required
def dashboard(organization: Organization):
    status = request.args.get("status") if request.args.get("status") in ops.STATUSES else None
    query = search_text(request.args.get("q"))
    sort = request.args.get("sort") if request.args.get("sort") in ops.SORTS else "name"
    descending = request.args.get("dir") == "desc"
    try:
        course_id = int(request.args.get("course", "") or 0) or None
    except ValueError:
        course_id = None
    page = ops.record_page(organization.id, status=status, query=query, course_id=course_id, sort=sort,
                           descending=descending, page=parse_page(request.args.get("page")))
    licenses = ops.licenses_of(organization.id)
    return render_template(
        "organizations/dashboard.html", organization=organization, licenses=licenses, page=page,
        summary=ops.record_summary(organization.id), coverage=ops.role_coverage(organization),
        invitations=ops.invitation_rows(organization.id)[:200], status=status, query=query, sort=sort,
        descending=descending, course_id=course_id, action_form=ActionForm(),
        courses={lic.course.id: lic.course for lic in licenses})


@bp.route("/organizations/<int:org_id>/settings", methods=["GET", "POST"])
@manager_required
def settings(organization: Organization):
    form = EditOrganizationForm(obj=organization)
    if form.validate_on_submit():
        ops.update_organization(organization, name=form.name.data, address=form.address.data or "",
                                invoice_email=form.invoice_email.data, employee_count=form.employee_count.data)
        organization.require_two_factor = bool(form.require_two_factor.data)
        if organization.require_two_factor and current_user.totp_enabled_at is None:
            from flask import session

            session["tfa_required"] = True
        flash(_("Saved."), "success")
        return redirect(url_for(".dashboard", org_id=organization.id), code=303)
    return render_template("organizations/settings.html", organization=organization, form=form,
                           managers=ops.managers_of(organization.id), manager_form=ManagerInviteForm())


@bp.post("/organizations/<int:org_id>/managers")
@manager_required
def invite_manager(organization: Organization):
    form = ManagerInviteForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for(".settings", org_id=organization.id), code=303)
    ops.invite_manager(organization, form.email.data, current_user, current_language())
    flash(_("An invitation to manage %(name)s is on its way to %(email)s.", name=organization.name,
            email=form.email.data), "success")
    return redirect(url_for(".settings", org_id=organization.id), code=303)


@bp.route("/organizations/accept/<token>", methods=["GET", "POST"])
@login_required
def accept_manager(token: str):
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_error(400)
        try:
            organization = ops.accept_manager(current_user, token)
        except ops.OrganizationError as exc:
            flash(message(exc), "error")
            return redirect(url_for(".index"), code=303)
        flash(_("You are now a manager of %(name)s.", name=organization.name), "success")
        return redirect(url_for(".dashboard", org_id=organization.id), code=303)
    return render_template("organizations/accept.html", form=form)


@bp.route("/organizations/<int:org_id>/buy", methods=["GET", "POST"])
@manager_required
@limiter.limit(_code_limit, methods=["POST"])
def buy(organization: Organization):
    from lms.commerce import operations as commerce
    from lms.commerce.views import error_message
    from lms.content.models import Course

    courses = [c for c in db.session.scalars(select(Course).where(Course.is_published.is_(True), Course.price_ore > 0)
                                             .order_by(Course.id))]
    form = BuySeatsForm()
    form.course.choices = [SelectChoice(c.id, c.t("title", current_language())) for c in courses]
    if request.method == "GET" and request.args.get("course", "").isdigit():
        form.course.data = int(request.args["course"])
    quote = None
    if form.course.data and form.quantity.data and 1 <= (form.quantity.data or 0) <= 1000:
        course = next((c for c in courses if c.id == form.course.data), None)
        quote = commerce.quote(course, form.quantity.data) if course else None
    if form.validate_on_submit():
        course = next(c for c in courses if c.id == form.course.data)
        try:
            order = commerce.start_checkout(current_user, course, form.code.data, quantity=form.quantity.data,
                                            purpose="seats", language=current_language(),
                                            organization_id=organization.id, invoice=bool(form.invoice.data))
        except commerce.CommerceError as exc:
            db.session.rollback()
            form.code.errors = [error_message(exc)]
        else:
            if order.status == "invoice_requested":
                flash(_("Your request for an invoice is registered. The seats are ready as soon as it is approved."), "success")
                return redirect(url_for(".dashboard", org_id=organization.id), code=303)
            if order.status == "paid":
                return redirect(url_for(".dashboard", org_id=organization.id), code=303)
            if order.payment_method == "test":
                return redirect(url_for("commerce.test_payment", order_id=order.id), code=303)
            return redirect(order.checkout_url, code=303)
    return render_template("organizations/buy.html", organization=organization, form=form, quote=quote)


@bp.route("/organizations/<int:org_id>/invite", methods=["GET", "POST"])
@manager_required
def invite(organization: Organization):
    licenses = [lic for lic in ops.licenses_of(organization.id)]
    form = InviteForm()
    form.license.choices = [SelectChoice(lic.id, f"{lic.course.t('title', current_language())} · {lic.code}")
                            for lic in licenses]
    if request.method == "GET":
        form.language.data = current_language()
    if not licenses:
        flash(_("Buy seats first: invitations give people a seat of a license."), "info")
        return redirect(url_for(".buy", org_id=organization.id), code=303)
    if form.validate_on_submit():
        upload = form.csv_file.data
        try:
            invitees, bad = ops.parse_invitees(form.emails.data or "", upload.read() if upload else None)
        except ops.OrganizationError as exc:
            form.emails.errors = [message(exc)]
        else:
            if bad:
                form.emails.errors = [_("These are not e-mail addresses: %(entries)s", entries=", ".join(bad[:10]))]
            elif not invitees:
                form.emails.errors = [_("Enter at least one e-mail address, or upload a CSV file.")]
            else:
                license_ = next(lic for lic in licenses if lic.id == form.license.data)
                sent, skipped = ops.invite(organization, license_, invitees, current_user, form.language.data)
                flash(ngettext("%(num)s invitation sent.", "%(num)s invitations sent.", sent), "success")
                if skipped:
                    flash(ngettext("%(num)s address was already invited: use Resend.",
                                   "%(num)s addresses were already invited: use Resend.", skipped), "info")
                return redirect(url_for(".dashboard", org_id=organization.id) + "#invitations", code=303)
    return render_template("organizations/invite.html", organization=organization, form=form)


@bp.post("/organizations/<int:org_id>/invitations/<int:invitation_id>/resend")
@manager_required
def resend(organization: Organization, invitation_id: int):
    if not ActionForm().validate_on_submit():
        return render_error(400)
    try:
        invitation = ops.resend(organization, invitation_id)
    except ops.OrganizationError as exc:
        flash(message(exc), "error")
    else:
        flash(_("The invitation was sent again to %(email)s.", email=invitation.email), "success")
    return redirect(url_for(".dashboard", org_id=organization.id) + "#invitations", code=303)


@bp.post("/organizations/<int:org_id>/remind")
@manager_required
def remind(organization: Organization):
    if not ActionForm().validate_on_submit():
        return render_error(400)
    sent = ops.send_reminders(organization.id)
    flash(ngettext("%(num)s reminder sent.", "%(num)s reminders sent.", sent) if sent
          else _("Nobody is due a reminder now: each person gets at most one a week."), "success")
    return redirect(url_for(".dashboard", org_id=organization.id) + "#invitations", code=303)


@bp.post("/organizations/<int:org_id>/seats/<int:seat_id>/release")
@manager_required
def release(organization: Organization, seat_id: int):
    if not ActionForm().validate_on_submit():
        return render_error(400)
    try:
        ops.release_seat(organization, seat_id)
    except ops.OrganizationError as exc:
        flash(message(exc), "error")
    else:
        flash(_("The seat is free again. Invite someone else to use it."), "success")
    return redirect(url_for(".dashboard", org_id=organization.id), code=303)


@bp.get("/organizations/<int:org_id>/training-record.csv")
@manager_required
def export_csv(organization: Organization):
    response = Response(stream_with_context(ops.csv_stream(organization.id, current_language())),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="opplaering-{organization.orgnr}.csv"'
    return response


@bp.get("/organizations/<int:org_id>/training-record.xlsx")
@manager_required
def export_xlsx(organization: Organization):
    return send_file(ops.xlsx_file(organization.id, current_language()), as_attachment=True,
                     download_name=f"opplaering-{organization.orgnr}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/organizations/<int:org_id>/certificates.zip")
@manager_required
def certificates_zip(organization: Organization):
    from lms.certificates.operations import zip_stream

    response = Response(stream_with_context(zip_stream(ops.certificates_of(organization.id))),
                        mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="kursbevis-{organization.orgnr}.zip"'
    return response


# ---------------------------------------------------------------- learners

@bp.route("/redeem", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"])
def redeem_page():
    form = RedeemForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:60]
    if form.validate_on_submit():
        try:
            seat = ops.redeem(current_user, form.code.data, language=current_language())
        except ops.OrganizationError as exc:
            from lms.commerce.operations import find_code

            if exc.code in ("unknown", "malformed") and find_code(form.code.data):
                form.code.errors = [_("That is a discount code: use it when you buy a course.")]
            else:
                form.code.errors = [message(exc)]
        else:
            from lms.organizations.models import License

            course = db.session.get(License, seat.license_id).course
            flash(_("You have a seat on %(course)s. Good luck!", course=course.t("title", current_language())), "success")
            return redirect(url_for("learning.resume", slug=course.slug), code=303)
    return render_template("organizations/redeem.html", form=form)


# ---------------------------------------------------------------- platform administration

@bp.get("/admin/organizations")
@login_required
def admin_organizations():
    if not current_user.is_admin:
        abort(403)
    from lms.commerce.models import Order

    organizations = list(db.session.scalars(select(Organization).order_by(Organization.name)))
    requests_ = list(db.session.scalars(select(Order).where(Order.status == "invoice_requested").order_by(Order.id)))
    return render_template("organizations/admin_index.html", organizations=organizations, requests=requests_,
                           form=ActionForm())


@bp.post("/admin/invoice-requests/<int:order_id>/approve")
@login_required
def approve_invoice(order_id: int):
    if not current_user.is_admin:
        abort(403)
    if not ActionForm().validate_on_submit():
        return render_error(400)
    from lms.commerce.models import Order
    from lms.commerce.operations import approve_invoice as approve

    order = db.get_or_404(Order, order_id)
    if approve(order):
        from lms.admin import audit

        audit.record("order.approve_invoice", order, summary=order.number, before={"status": "invoice_requested"},
                     after={"status": "invoiced"})
        flash(_("Invoice order %(number)s approved: the seats are delivered.", number=order.number), "success")
    else:
        flash(_("That order is not waiting for approval."), "error")
    return redirect(url_for(".admin_organizations"), code=303)


def _redeem_signup_code(sender, user, **_extra):
    """A license code given at registration takes a seat when the account is confirmed."""
    if not user.signup_code or ops.find_license(user.signup_code) is None:
        return None
    try:
        seat = ops.redeem(user, user.signup_code)
    except ops.OrganizationError as exc:
        return (message(exc), "error", url_for(".redeem_page"))
    user.signup_code = None
    from lms.organizations.models import License

    course = db.session.get(License, seat.license_id).course
    return (_("Your code gave you a seat on %(course)s.", course=course.t("title", user.preferred_language)),
            "success", url_for("learning.resume", slug=course.slug))


def _connect_signals() -> None:
    from lms.accounts.signals import account_confirmed

    account_confirmed.connect(_redeem_signup_code, weak=False)


_connect_signals()


@bp.get("/organizations/<int:org_id>/certificates/<serial>.pdf")
@manager_required
def certificate(organization: Organization, serial: str):
    """One employee's certificate, for the employer's documentation."""
    from lms.certificates.views import _pdf_response

    found = next((c for c in ops.certificates_of(organization.id) if c.serial == serial), None) if len(serial) <= 20 else None
    if found is None:
        abort(404)
    return _pdf_response(found)
