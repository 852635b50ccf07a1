"""Administration of discount codes and the campaign."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.views import admin_required
from lms.admin import audit
from lms.commerce import operations as ops
from lms.commerce.forms import DiscountCodeForm
from lms.commerce.models import DiscountCode
from lms.commerce.views import bp
from lms.content.models import Course
from lms.core.i18n import OSLO
from lms.extensions import db


def _to_utc(value: datetime | None) -> datetime | None:
    """A wall-clock time typed in Norway, as an aware UTC timestamp."""
    return value.replace(tzinfo=OSLO).astimezone(UTC) if value else None


def _to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(OSLO).replace(tzinfo=None) if value else None


def _snapshot(code: DiscountCode) -> dict:
    return {"code": code.code, "percent": code.percent, "amount_ore": code.amount_ore, "valid_from": code.valid_from,
            "valid_until": code.valid_until, "max_uses": code.max_uses, "per_user_limit": code.per_user_limit,
            "min_quantity": code.min_quantity, "course_ids": code.course_ids, "is_active": code.is_active,
            "is_campaign": code.is_campaign}


@bp.get("/admin/discount-codes")
@admin_required
def admin_codes():
    codes = list(db.session.scalars(select(DiscountCode).order_by(DiscountCode.created_at.desc(), DiscountCode.id.desc())))
    return render_template("commerce/admin_codes.html", codes=codes)


@bp.route("/admin/discount-codes/new", methods=["GET", "POST"], endpoint="admin_code_new")
@bp.route("/admin/discount-codes/<int:code_id>", methods=["GET", "POST"])
@admin_required
def admin_code(code_id: int | None = None):
    code = db.session.get(DiscountCode, code_id) if code_id else None
    if code_id and code is None:
        abort(404)
    form = DiscountCodeForm()
    courses = list(db.session.scalars(select(Course).order_by(Course.id)))
    form.courses.choices = [(c.id, c.t("title", "nb")) for c in courses]
    if request.method == "GET" and code is not None:
        form.code.data, form.description.data = code.code, code.description
        form.kind.data = "percent" if code.percent is not None else "amount"
        form.value.data = code.percent if code.percent is not None else (code.amount_ore or 0) // 100
        form.valid_from.data, form.valid_until.data = _to_local(code.valid_from), _to_local(code.valid_until)
        form.max_uses.data, form.per_user_limit.data = code.max_uses, code.per_user_limit
        form.min_quantity.data, form.courses.data = code.min_quantity, code.course_ids or []
        form.is_active.data, form.is_campaign.data = code.is_active, code.is_campaign
    if form.validate_on_submit():
        before = _snapshot(code) if code is not None else None
        try:
            saved = ops.save_code(
                code, text=form.code.data, description=form.description.data or "", kind=form.kind.data,
                value=form.value.data, valid_from=_to_utc(form.valid_from.data), valid_until=_to_utc(form.valid_until.data),
                max_uses=form.max_uses.data, per_user_limit=form.per_user_limit.data,
                min_quantity=form.min_quantity.data, course_ids=form.courses.data or None,
                is_active=form.is_active.data, is_campaign=form.is_campaign.data)
        except ops.CommerceError:
            form.code.errors = [_("Another discount code already has that name.")]
        else:
            audit.record("discount_code.create" if before is None else "discount_code.update", saved,
                         summary=saved.code, before=before, after=_snapshot(saved))
            flash(_("The discount code %(code)s is saved.", code=saved.code), "success")
            return redirect(url_for(".admin_code", code_id=saved.id), code=303)
    orders = ops.code_orders(code) if code is not None else []
    return render_template("commerce/admin_code.html", form=form, code=code, orders=orders)
