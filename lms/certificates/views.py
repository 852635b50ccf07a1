from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from lms.accounts.views import admin_required
from lms.admin import audit
from lms.certificates import operations as ops
from lms.certificates.forms import ReissueForm, RevokeForm
from lms.certificates.models import Certificate
from lms.core.pagination import like_pattern, paginate, parse_page, search_text
from lms.extensions import limiter

bp = Blueprint("certificates", __name__, template_folder="templates")

ERRORS = {
    "already_revoked": _l("The certificate is already revoked."),
    "reason_required": _l("Give a reason: it is shown to anyone who verifies the certificate."),
    "already_replaced": _l("The certificate has already been replaced."),
    "revoked": _l("A revoked certificate cannot be reissued."),
    "no_user": _l("The participant's account no longer exists."),
}


def _verify_limit() -> str:
    return current_app.config.get("LMS_VERIFY_LIMIT", "30 per minute")


@bp.get("/verify")
@limiter.limit(_verify_limit)
def verify_form():
    code = request.args.get("code", "")
    if code:
        return redirect(url_for(".verify", code=code[:64]))
    return render_template("certificates/verify_form.html")


@bp.get("/verify/<path:code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    certificate = ops.find_by_code(code)
    if certificate is None:
        return render_template("certificates/verify_not_found.html", code=code[:64]), 404
    return render_template("certificates/verify.html", certificate=certificate,
                           replacement=ops.replacement_of(certificate),
                           title=ops.course_title(certificate, _ui_language()),
                           code=ops.format_code(certificate.verification_code))


@bp.get("/certificates")
@login_required
def mine():
    return render_template("certificates/mine.html", certificates=ops.for_user(current_user.id),
                           course_title=ops.course_title, language=_ui_language())


@bp.get("/certificates/<serial>.pdf")
@login_required
def download(serial: str):
    certificate = ops.get_for_user(current_user.id, serial)
    if certificate is None:
        abort(404)
    return _pdf_response(certificate)


def _pdf_response(certificate: Certificate) -> Response:
    response = Response(ops.render_pdf(certificate), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{ops.filename(certificate)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- administration

@bp.get("/admin/certificates")
@admin_required
def admin_list():
    query = search_text(request.args.get("q"))
    stmt = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if query:
        code = ops.normalize_code(query)
        pattern = like_pattern(query)
        conditions = [Certificate.serial.ilike(pattern, escape="\\")]
        if code:
            conditions.append(Certificate.verification_code == code)
        from lms.accounts.models import User

        conditions.append(Certificate.user_id.in_(
            select(User.id).where(User.full_name.ilike(pattern, escape="\\") | User.email.ilike(pattern, escape="\\"))))
        stmt = stmt.where(or_(*conditions))
    page = paginate(stmt, parse_page(request.args.get("page")), 50)
    return render_template("certificates/admin_list.html", page=page, query=query,
                           course_title=ops.course_title, language=_ui_language())


@bp.route("/admin/certificates/<serial>", methods=["GET", "POST"])
@admin_required
def admin_detail(serial: str):
    certificate = ops.get_by_serial(serial)
    if certificate is None:
        abort(404)
    revoke_form, reissue_form = RevokeForm(prefix="revoke"), ReissueForm(prefix="reissue")
    if request.method == "POST":
        try:
            if revoke_form.submit.data and revoke_form.validate_on_submit():
                ops.revoke(certificate, revoke_form.reason.data)
                audit.record("certificate.revoke", certificate, summary=certificate.serial,
                             before={"status": "valid"}, after={"status": "revoked", "reason": certificate.revoked_reason})
                flash(_("The certificate %(serial)s is revoked.", serial=certificate.serial), "success")
                return redirect(url_for(".admin_detail", serial=serial), code=303)
            if reissue_form.submit.data and reissue_form.validate_on_submit():
                old_name = certificate.snapshot.get("participant_name")
                replacement = ops.reissue(certificate)
                audit.record("certificate.reissue", certificate, summary=f"{certificate.serial} → {replacement.serial}",
                             before={"participant_name": old_name, "serial": certificate.serial},
                             after={"participant_name": replacement.snapshot.get("participant_name"),
                                    "serial": replacement.serial})
                flash(_("Reissued as %(serial)s.", serial=replacement.serial), "success")
                return redirect(url_for(".admin_detail", serial=replacement.serial), code=303)
            if not (revoke_form.errors or reissue_form.errors):
                abort(400)
        except ops.CertificateError as exc:
            flash(str(ERRORS[exc.code]), "error")
            return redirect(url_for(".admin_detail", serial=serial), code=303)
    return render_template("certificates/admin_detail.html", certificate=certificate,
                           replacement=ops.replacement_of(certificate), revoke_form=revoke_form,
                           reissue_form=reissue_form, title=ops.course_title(certificate, _ui_language()),
                           code=ops.format_code(certificate.verification_code))


@bp.get("/admin/certificates/<serial>.pdf")
@admin_required
def admin_download(serial: str):
    certificate = ops.get_by_serial(serial)
    if certificate is None:
        abort(404)
    return _pdf_response(certificate)


def _ui_language() -> str:
    from lms.core.i18n import current_language

    return current_language()
