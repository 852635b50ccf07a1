from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.views import admin_required
from lms.admin import audit
from lms.commerce import operations as ops
from lms.commerce.forms import ActionForm, ApplyCodeForm, CheckoutForm
from lms.commerce.models import Order
from lms.core.errors import render_error
from lms.core.i18n import current_language, localdatetime
from lms.core.pagination import like_pattern, paginate, parse_page, search_text
from lms.extensions import csrf, db, limiter
from lms.learning.operations import get_course

bp = Blueprint("commerce", __name__, template_folder="templates")

ERRORS = {
    "code_unknown": _l("We do not know that code. Check the spelling."),
    "code_inactive": _l("That code is no longer in use."),
    "code_used_up": _l("That code has been used up."),
    "code_wrong_course": _l("That code is not valid for this course."),
    "code_used_by_you": _l("You have already used that code."),
    "course_is_free": _l("This course is free: there is nothing to pay."),
    "bad_quantity": _l("Choose between 1 and 1 000."),
    "already_enrolled": _l("You already have this course."),
    "payment_unavailable": _l("The payment service did not answer. Nothing was charged; please try again in a moment."),
    "not_refundable": _l("Only a paid order can be refunded."),
}


def error_message(error: ops.CommerceError) -> str:
    if error.code == "code_not_started":
        return _("That code is not valid yet: it starts %(when)s.", when=localdatetime(error.details["starts"], "short"))
    if error.code == "code_expired":
        return _("That code expired %(when)s.", when=localdatetime(error.details["ended"], "short"))
    if error.code == "code_min_quantity":
        return _("That code needs at least %(minimum)s seats.", minimum=error.details["minimum"])
    return str(ERRORS.get(error.code, ERRORS["payment_unavailable"]))


def _checkout_limit() -> str:
    return current_app.config.get("LMS_CODE_LIMIT", "20 per minute;200 per day")


@bp.route("/checkout/<slug>", methods=["GET", "POST"])
@login_required
@limiter.limit(_checkout_limit, methods=["POST"])
def checkout(slug: str):
    course = get_course(slug)
    if course is None or course.price_ore == 0:
        abort(404)
    apply_form = ApplyCodeForm(request.args, meta={"csrf": False})
    form = CheckoutForm()
    code_text = (form.code.data if request.method == "POST" else apply_form.code.data) or ""
    if request.method == "GET" and not code_text and current_user.signup_code:
        code_text = current_user.signup_code if ops.find_code(current_user.signup_code) else ""
    code_error = None
    code = None
    if code_text:
        code = ops.find_code(code_text)
        try:
            if code is None:
                raise ops.CommerceError("code_unknown")
            ops.check_code(code, course, 1, current_user)
        except ops.CommerceError as exc:
            code_error, code = error_message(exc), None
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_error(400)
        if code_error:
            flash(code_error, "error")
            return redirect(url_for(".checkout", slug=slug, code=code_text), code=303)
        try:
            order = ops.start_checkout(current_user, course, code_text, language=current_language())
        except ops.CommerceError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
            return redirect(url_for(".checkout", slug=slug), code=303)
        if order.status == "paid":
            flash(_("The course is yours. Good luck!"), "success")
            return redirect(url_for("learning.resume", slug=slug), code=303)
        if order.payment_method == "test":
            return redirect(url_for(".test_payment", order_id=order.id), code=303)
        return redirect(order.checkout_url, code=303)
    form.code.data = code_text if code else ""
    apply_form.code.data = code_text
    return render_template("commerce/checkout.html", course=course, quote=ops.quote(course, 1, code),
                           form=form, apply_form=apply_form, code_error=code_error, code=code,
                           test_mode=ops.test_payments())


@bp.route("/checkout/test-payment/<int:order_id>", methods=["GET", "POST"])
@login_required
def test_payment(order_id: int):
    """The built-in payment page used when no Stripe keys are configured (never in production)."""
    if not ops.test_payments() or current_app.config["LMS_ENV"] == "production":
        abort(404)
    order = ops.get_order_for(current_user.id, order_id)
    if order is None or order.payment_method != "test":
        abort(404)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_error(400)
        if order.status != "pending":
            return redirect(url_for(".order", order_id=order.id), code=303)
        if request.form.get("action") == "pay":
            ops.deliver_test_event("checkout.session.completed", ops.session_object(order))
            return redirect(url_for(".success", order_id=order.id, session_id=order.stripe_session_id), code=303)
        ops.deliver_test_event("checkout.session.expired", ops.session_object(order, "unpaid", "expired"))
        return redirect(url_for(".cancelled", order_id=order.id), code=303)
    return render_template("commerce/test_payment.html", order=order, form=form)


@bp.get("/orders/<int:order_id>/success")
@login_required
def success(order_id: int):
    """Never fulfills: shows "preparing" until the webhook has, then the course."""
    order = ops.get_order_for(current_user.id, order_id)
    if order is None:
        abort(404)
    course_slug = _first_course_slug(order)
    return render_template("commerce/success.html", order=order, course_slug=course_slug)


@bp.get("/orders/<int:order_id>/status")
@login_required
def status(order_id: int):
    order = ops.get_order_for(current_user.id, order_id)
    if order is None:
        return jsonify({"error": "not found"}), 404
    return jsonify({"status": order.status})


@bp.get("/orders/<int:order_id>/cancelled")
@login_required
def cancelled(order_id: int):
    order = ops.get_order_for(current_user.id, order_id)
    if order is None:
        abort(404)
    return render_template("commerce/cancelled.html", order=order, course_slug=_first_course_slug(order))


@bp.get("/orders")
@login_required
def orders():
    return render_template("commerce/orders.html", orders=ops.orders_of(current_user.id))


@bp.get("/orders/<int:order_id>")
@login_required
def order(order_id: int):
    order = ops.get_order_for(current_user.id, order_id)
    if order is None:
        abort(404)
    return render_template("commerce/receipt.html", order=order)


@bp.post("/stripe/webhook")
@csrf.exempt
def webhook():
    payload = request.get_data(cache=False)
    try:
        event = ops.verify_event(payload, request.headers.get("Stripe-Signature"))
        result = ops.handle_event(event)
    except ops.CommerceError as exc:
        return jsonify({"error": exc.code}), 400
    return jsonify({"received": True, "result": result})


def _first_course_slug(order: Order) -> str | None:
    from lms.content.models import Course

    line = order.lines[0] if order.lines else None
    course = db.session.get(Course, line.course_id) if line else None
    return course.slug if course else None


# ---------------------------------------------------------------- administration

@bp.get("/admin/orders")
@admin_required
def admin_orders():
    status = request.args.get("status", "")
    stmt = select(Order).order_by(Order.id.desc())
    if status in ("pending", "processing", "paid", "failed", "expired", "refunded"):
        stmt = stmt.where(Order.status == status)
    query = search_text(request.args.get("q"))
    if query:
        pattern = like_pattern(query)
        conditions = Order.buyer_email.ilike(pattern, escape="\\") | Order.buyer_name.ilike(pattern, escape="\\")
        if query.isdigit():
            conditions = conditions | (Order.id == int(query))
        stmt = stmt.where(conditions)
    page = paginate(stmt, parse_page(request.args.get("page")), 50)
    return render_template("commerce/admin_orders.html", page=page, status=status, query=query)


@bp.route("/admin/orders/<int:order_id>", methods=["GET", "POST"])
@admin_required
def admin_order(order_id: int):
    order = db.get_or_404(Order, order_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_error(400)
        try:
            ops.request_refund(order)
            audit.record("order.refund", order, summary=f"{order.number} {order.total_ore / 100:.2f} NOK",
                         before={"status": order.status})
        except ops.CommerceError as exc:
            flash(error_message(exc), "error")
        else:
            flash(_("Refund requested. The order shows as refunded when the payment service confirms it."), "success")
        return redirect(url_for(".admin_order", order_id=order.id), code=303)
    from lms.commerce.models import PaymentEvent

    events = list(db.session.scalars(select(PaymentEvent).where(PaymentEvent.order_id == order.id)
                                     .order_by(PaymentEvent.id)))
    return render_template("commerce/admin_order.html", order=order, form=form, events=events)

