"""Commerce rules: prices with VAT, discount codes, checkout, fulfillment, refunds."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.commerce.models import DiscountCode, Order, OrderLine, PaymentEvent
from lms.content.models import Course
from lms.core.mail import queue_mail
from lms.core.models import utcnow
from lms.extensions import db

CHECKOUT_MINUTES = 30
TEST_WEBHOOK_SECRET = "whsec_local_test_payments"
ACTIVE_ORDER_STATUSES = ("pending", "processing", "paid", "invoice_requested", "invoiced")


class CommerceError(Exception):
    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# ---------------------------------------------------------------- settings

def vat_percent() -> int:
    return int(current_app.config.get("LMS_VAT_PERCENT", 25))


def test_payments() -> bool:
    """No Stripe keys outside production: the built-in test payment page takes the payments."""
    return not current_app.config.get("LMS_STRIPE_SECRET_KEY")


def webhook_secret() -> str:
    return current_app.config.get("LMS_STRIPE_WEBHOOK_SECRET") or TEST_WEBHOOK_SECRET


def stripe_client():
    import stripe

    base = current_app.config.get("LMS_STRIPE_API_BASE")
    return stripe.StripeClient(current_app.config["LMS_STRIPE_SECRET_KEY"],
                               base_addresses={"api": base} if base else None, max_network_retries=2)


# ---------------------------------------------------------------- discount codes

def normalize_code(text: str | None) -> str:
    return "".join((text or "").split()).upper()


def find_code(text: str) -> DiscountCode | None:
    code = normalize_code(text)
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(DiscountCode).where(DiscountCode.code == code))


def check_code(code: DiscountCode, course: Course, quantity: int, user: User | None, now: datetime | None = None) -> None:
    """Raise CommerceError naming which rule refuses the code for this purchase."""
    now = now or utcnow()
    if not code.is_active:
        raise CommerceError("code_inactive")
    if code.valid_from is not None and now < code.valid_from:
        raise CommerceError("code_not_started", starts=code.valid_from)
    if code.valid_until is not None and now >= code.valid_until:
        raise CommerceError("code_expired", ended=code.valid_until)
    if code.max_uses is not None and code.uses_count >= code.max_uses:
        raise CommerceError("code_used_up")
    if code.course_ids is not None and course.id not in code.course_ids:
        raise CommerceError("code_wrong_course")
    if quantity < code.min_quantity:
        raise CommerceError("code_min_quantity", minimum=code.min_quantity)
    if user is not None and code.per_user_limit is not None:
        used = db.session.scalar(select(func.count(Order.id)).where(
            Order.user_id == user.id, Order.discount_code_id == code.id, Order.status.in_(ACTIVE_ORDER_STATUSES)))
        if used >= code.per_user_limit:
            raise CommerceError("code_used_by_you")


def reserve_code(code: DiscountCode) -> None:
    """Take one use with a single conditional UPDATE: never more uses than max_uses."""
    stmt = update(DiscountCode).where(DiscountCode.id == code.id, DiscountCode.is_active.is_(True))
    if code.max_uses is not None:
        stmt = stmt.where(DiscountCode.uses_count < DiscountCode.max_uses)
    taken = db.session.execute(stmt.values(uses_count=DiscountCode.uses_count + 1)
                               .execution_options(synchronize_session=False)).rowcount
    if not taken:
        raise CommerceError("code_used_up")


def release_code(order: Order) -> bool:
    """Give an order's code use back, once (expired or failed checkout)."""
    if order.discount_code_id is None:
        return False
    released = db.session.execute(
        update(Order).where(Order.id == order.id, Order.discount_released_at.is_(None))
        .values(discount_released_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if released:
        db.session.execute(update(DiscountCode).where(DiscountCode.id == order.discount_code_id,
                                                      DiscountCode.uses_count > 0)
                           .values(uses_count=DiscountCode.uses_count - 1).execution_options(synchronize_session=False))
    return bool(released)


def retake_code(order: Order) -> None:
    """A released order that gets paid after all (events out of order) counts its use again."""
    if order.discount_code_id is None:
        return
    retaken = db.session.execute(
        update(Order).where(Order.id == order.id, Order.discount_released_at.is_not(None))
        .values(discount_released_at=None).execution_options(synchronize_session=False)).rowcount
    if retaken:
        db.session.execute(update(DiscountCode).where(DiscountCode.id == order.discount_code_id)
                           .values(uses_count=DiscountCode.uses_count + 1).execution_options(synchronize_session=False))


def current_campaign(now: datetime | None = None) -> DiscountCode | None:
    now = now or utcnow()
    return db.session.scalar(
        select(DiscountCode).where(
            DiscountCode.is_campaign.is_(True), DiscountCode.is_active.is_(True),
            (DiscountCode.valid_from.is_(None)) | (DiscountCode.valid_from <= now),
            (DiscountCode.valid_until.is_(None)) | (DiscountCode.valid_until > now),
        ).order_by(DiscountCode.valid_until.asc().nulls_last()).limit(1))


# ---------------------------------------------------------------- prices

@dataclass
class Quote:
    course: Course
    quantity: int
    unit_price_ore: int
    unit_discount_ore: int
    unit_vat_ore: int
    code: DiscountCode | None

    @property
    def subtotal_ore(self) -> int:
        return self.unit_price_ore * self.quantity

    @property
    def discount_ore(self) -> int:
        return self.unit_discount_ore * self.quantity

    @property
    def net_ore(self) -> int:
        return self.subtotal_ore - self.discount_ore

    @property
    def vat_ore(self) -> int:
        return self.unit_vat_ore * self.quantity

    @property
    def total_ore(self) -> int:
        return self.net_ore + self.vat_ore


def unit_price(course: Course, quantity: int) -> int:
    """List price per unit, excl. VAT, with the configured volume tiers for seats."""
    price = course.price_ore
    tiers = current_app.config.get("LMS_VOLUME_TIERS", ())
    percent_off = max((pct for minimum, pct in tiers if quantity >= minimum), default=0)
    return price - (price * percent_off + 50) // 100


def quote(course: Course, quantity: int = 1, code: DiscountCode | None = None) -> Quote:
    price = unit_price(course, quantity)
    discount = 0
    if code is not None:
        if code.percent is not None:
            discount = (price * code.percent + 50) // 100
        else:
            discount = min(price, code.amount_ore or 0)
    net = price - discount
    vat = (net * vat_percent() + 50) // 100
    return Quote(course, quantity, price, discount, vat, code)


def vat_included(price_ore: int) -> int:
    return price_ore + (price_ore * vat_percent() + 50) // 100


# ---------------------------------------------------------------- checkout

def start_checkout(user: User, course: Course, code_text: str | None, *, quantity: int = 1,
                   purpose: str = "self", language: str = "nb", organization_id: int | None = None,
                   invoice: bool = False) -> Order:
    """Create the order (reserving a code use) and, when there is anything to pay, a payment session.

    A free order (a 100 % code) is fulfilled at once, without Stripe. An invoice order waits for a
    platform administrator's approval.
    """
    if purpose == "seats" and organization_id is None:
        raise ValueError("seats are bought for an organization")
    if course.price_ore == 0:
        raise CommerceError("course_is_free")
    if not 1 <= quantity <= 1000:
        raise CommerceError("bad_quantity")
    if purpose == "self" and _already_enrolled(user, course):
        raise CommerceError("already_enrolled")
    code = None
    if code_text and normalize_code(code_text):
        code = find_code(code_text)
        if code is None:
            raise CommerceError("code_unknown")
        check_code(code, course, quantity, user)
        reserve_code(code)
    offer = quote(course, quantity, code)
    now = utcnow()
    order = Order(
        user_id=user.id, organization_id=organization_id, status="pending", buyer_email=user.email,
        buyer_name=user.full_name, language=language,
        vat_percent=vat_percent(), subtotal_ore=offer.subtotal_ore, discount_ore=offer.discount_ore,
        net_ore=offer.net_ore, vat_ore=offer.vat_ore, total_ore=offer.total_ore,
        discount_code_id=code.id if code else None, discount_code_text=code.code if code else None,
        payment_method="free" if offer.total_ore == 0 else ("test" if test_payments() else "stripe"),
        expires_at=now + timedelta(minutes=CHECKOUT_MINUTES),
    )
    order.lines.append(OrderLine(course_id=course.id, purpose=purpose, quantity=quantity,
                                 unit_price_ore=offer.unit_price_ore, unit_discount_ore=offer.unit_discount_ore,
                                 unit_vat_ore=offer.unit_vat_ore, title=dict(course.title)))
    db.session.add(order)
    db.session.flush()
    if offer.total_ore == 0:
        fulfill(order)
        return order
    if invoice:
        order.status, order.payment_method, order.expires_at = "invoice_requested", "invoice", None
        db.session.flush()
        return order
    if order.payment_method == "test":
        order.stripe_session_id = f"cs_test_local_{secrets.token_urlsafe(18)}"
        order.stripe_payment_intent = f"pi_test_local_{secrets.token_urlsafe(12)}"
    else:
        session = _create_stripe_session(order, course)
        order.stripe_session_id = session["id"]
        order.checkout_url = session["url"]
    db.session.flush()
    return order


def _already_enrolled(user: User, course: Course) -> bool:
    from lms.learning.models import Enrollment

    return db.session.scalar(select(func.count(Enrollment.id)).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id, Enrollment.withdrawn_at.is_(None),
        Enrollment.source != "free")) > 0


def _create_stripe_session(order: Order, course: Course) -> dict:
    line = order.lines[0]
    params = {
        "mode": "payment",
        "client_reference_id": str(order.id),
        "customer_email": order.buyer_email,
        "locale": {"nb": "nb", "en": "en", "uk": "auto"}.get(order.language, "auto"),
        "expires_at": int(order.expires_at.timestamp()),
        "line_items": [{
            "quantity": line.quantity,
            "price_data": {
                "currency": "nok",
                "unit_amount": line.unit_total_ore,
                "product_data": {"name": course.t("title", order.language),
                                 "metadata": {"course": course.slug}},
            },
        }],
        "metadata": {"order_id": str(order.id), "course": course.slug, "purpose": line.purpose,
                     "discount_code": order.discount_code_text or ""},
        "payment_intent_data": {"metadata": {"order_id": str(order.id)}},
        "success_url": url_for("commerce.success", order_id=order.id, _external=True) + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": url_for("commerce.cancelled", order_id=order.id, _external=True),
    }
    try:
        session = stripe_client().v1.checkout.sessions.create(params=params)
    except Exception as exc:  # network or Stripe refusal: the order stays unpaid, the code goes back
        current_app.logger.warning("creating a Stripe Checkout Session failed: %s", exc)
        raise CommerceError("payment_unavailable") from exc
    return {"id": session["id"], "url": session["url"]}


def get_order_for(user_id: int, order_id: int) -> Order | None:
    return db.session.scalar(select(Order).where(Order.id == order_id, Order.user_id == user_id))


def orders_of(user_id: int) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.user_id == user_id).order_by(Order.id.desc())))


# ---------------------------------------------------------------- fulfillment

def fulfill(order: Order, payment_intent: str | None = None) -> bool:
    """Mark paid and enroll, once, in the current transaction. False when already done or refunded."""
    done = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.not_in(("paid", "refunded", "invoice_requested", "invoiced")))
        .values(status="paid", paid_at=utcnow(), **({"stripe_payment_intent": payment_intent} if payment_intent else {}))
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        return False
    db.session.refresh(order)
    retake_code(order)
    _deliver(order)
    return True


def approve_invoice(order: Order) -> bool:
    """A platform administrator approves payment by invoice: the seats are delivered now."""
    done = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == "invoice_requested")
        .values(status="invoiced", paid_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if not done:
        return False
    db.session.refresh(order)
    _deliver(order)
    return True


def _deliver(order: Order) -> None:
    """Enroll the buyer or hand the seats to the organization, and send the receipt."""
    user = db.session.get(User, order.user_id) if order.user_id else None
    from lms.learning.operations import enroll

    for line in order.lines:
        course = db.session.get(Course, line.course_id)
        if line.purpose == "self" and user is not None:
            enroll(user, course, "purchase", language=_language_for(user, course, order), source_ref=f"order:{order.id}")
        elif line.purpose == "seats":
            from lms.commerce.signals import seats_paid

            seats_paid.send(current_app._get_current_object(), order=order, line=line)
    queue_mail(order.buyer_email, "receipt", order.language, order=order,
               receipt_url=_external("commerce.order", order_id=order.id))


def _language_for(user: User, course: Course, order: Order) -> str:
    return order.language if order.language in course.languages else course.languages[0]


def _external(endpoint: str, **values) -> str:
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:  # outside a request (reconcile from the command line)
        with current_app.test_request_context(base_url=current_app.config["LMS_BASE_URL"]):
            return url_for(endpoint, _external=True, **values)


def mark_failed(order: Order, status: str) -> bool:
    changed = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.in_(("pending", "processing")))
        .values(status=status).execution_options(synchronize_session=False)).rowcount
    if changed:
        db.session.refresh(order)
        release_code(order)
    return bool(changed)


def refund_order(order: Order) -> bool:
    """Order refunded; enrollments from it that were not started are withdrawn."""
    changed = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == "paid")
        .values(status="refunded", refunded_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if not changed:
        return False
    db.session.refresh(order)
    from lms.learning.models import Enrollment

    db.session.execute(
        update(Enrollment).where(Enrollment.source_ref == f"order:{order.id}", Enrollment.started_at.is_(None),
                                 Enrollment.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow()).execution_options(synchronize_session=False))
    return True


def request_refund(order: Order) -> None:
    """Ask Stripe (or the test payments) to refund; the charge.refunded event completes it."""
    if order.status != "paid":
        raise CommerceError("not_refundable")
    if order.payment_method == "free":
        refund_order(order)
        return
    if order.payment_method == "test":
        deliver_test_event("charge.refunded", charge_object(order))
        return
    try:
        stripe_client().v1.refunds.create(params={"payment_intent": order.stripe_payment_intent,
                                                  "metadata": {"order_id": str(order.id)}})
    except Exception as exc:
        current_app.logger.warning("refund at Stripe failed: %s", exc)
        raise CommerceError("payment_unavailable") from exc


# ---------------------------------------------------------------- webhook events

def verify_event(payload: bytes, signature: str | None) -> dict:
    """Check Stripe's signature on the raw body; raise CommerceError('bad_signature')."""
    import stripe

    try:
        stripe.Webhook.construct_event(payload, signature, webhook_secret())
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise CommerceError("bad_signature") from exc
    # Verified: the plain data, as Stripe sent it.
    return json.loads(payload)


def _find_order(obj: dict) -> Order | None:
    reference = obj.get("client_reference_id") or (obj.get("metadata") or {}).get("order_id")
    if obj.get("object") == "checkout.session" and obj.get("id"):
        order = db.session.scalar(select(Order).where(Order.stripe_session_id == obj["id"]))
        if order is not None:
            return order
    if obj.get("object") == "charge" and obj.get("payment_intent"):
        order = db.session.scalar(select(Order).where(Order.stripe_payment_intent == obj["payment_intent"]))
        if order is not None:
            return order
    if reference and str(reference).isdigit():
        return db.session.get(Order, int(reference))
    return None


def handle_event(event: dict) -> str:
    """Apply one verified event. Stored by id first: a duplicate changes nothing."""
    event_id, kind = str(event.get("id", "")), str(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    if not event_id:
        raise CommerceError("bad_event")
    try:
        with db.session.begin_nested():
            record = PaymentEvent(stripe_event_id=event_id[:255], type=kind[:80], payload=event)
            db.session.add(record)
    except IntegrityError:
        return "duplicate"
    order = _find_order(obj)
    record.order_id = order.id if order else None
    if order is None:
        record.result = "no matching order"
        return record.result
    if kind == "checkout.session.completed":
        if obj.get("payment_status") in ("paid", "no_payment_required"):
            result = "fulfilled" if fulfill(order, obj.get("payment_intent")) else "already fulfilled"
        else:
            db.session.execute(update(Order).where(Order.id == order.id, Order.status == "pending")
                               .values(status="processing").execution_options(synchronize_session=False))
            result = "awaiting payment"
    elif kind == "checkout.session.async_payment_succeeded":
        result = "fulfilled" if fulfill(order, obj.get("payment_intent")) else "already fulfilled"
    elif kind == "checkout.session.async_payment_failed":
        result = "failed" if mark_failed(order, "failed") else "ignored"
    elif kind == "checkout.session.expired":
        result = "expired" if mark_failed(order, "expired") else "ignored"
    elif kind == "charge.refunded":
        result = "refunded" if refund_order(order) else "ignored"
    else:
        result = "ignored type"
    record.result = result
    return result


# ---------------------------------------------------------------- test payments (no Stripe keys)

def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value with Stripe's scheme (HMAC-SHA256 of "t.payload")."""
    timestamp = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def session_object(order: Order, payment_status: str = "paid", status: str = "complete") -> dict[str, Any]:
    return {
        "id": order.stripe_session_id, "object": "checkout.session", "client_reference_id": str(order.id),
        "payment_status": payment_status, "status": status, "amount_total": order.total_ore, "currency": "nok",
        "customer_email": order.buyer_email, "payment_intent": order.stripe_payment_intent,
        "metadata": {"order_id": str(order.id)},
    }


def charge_object(order: Order) -> dict[str, Any]:
    return {"id": f"ch_{order.stripe_payment_intent}", "object": "charge", "payment_intent": order.stripe_payment_intent,
            "amount": order.total_ore, "amount_refunded": order.total_ore, "refunded": True,
            "metadata": {"order_id": str(order.id)}}


def deliver_test_event(kind: str, obj: dict[str, Any]) -> str:
    """Sign an event like Stripe does and pass it through the same verification and handling."""
    event = {"id": f"evt_test_local_{secrets.token_urlsafe(12)}", "object": "event", "type": kind,
             "created": int(time.time()), "livemode": False, "data": {"object": obj}}
    payload = json.dumps(event).encode()
    return handle_event(verify_event(payload, sign(payload, webhook_secret())))


# ---------------------------------------------------------------- reconcile

def reconcile(since: datetime) -> list[str]:
    """Fulfill paid sessions at Stripe that the webhook missed; returns what was done."""
    lines = []
    sessions = stripe_client().v1.checkout.sessions.list(params={"created": {"gte": int(since.timestamp())}, "limit": 100})
    for item in sessions.auto_paging_iter():
        session = item.to_dict()
        if session.get("payment_status") != "paid":
            continue
        order = _find_order(session)
        if order is None:
            lines.append(f"{session['id']}: paid, but no matching order")
        elif order.status == "paid":
            lines.append(f"{session['id']}: order {order.number} already fulfilled")
        elif fulfill(order, session.get("payment_intent")):
            lines.append(f"{session['id']}: order {order.number} fulfilled now")
        else:
            lines.append(f"{session['id']}: order {order.number} is {order.status}; nothing done")
    return lines


def expire_stale_test_orders(now: datetime | None = None) -> int:
    """Test payments have no Stripe to send checkout.session.expired: expire them here."""
    now = now or utcnow()
    count = 0
    for order in db.session.scalars(select(Order).where(Order.status == "pending", Order.payment_method == "test",
                                                        Order.expires_at < now)):
        count += mark_failed(order, "expired")
    return count


# ---------------------------------------------------------------- administration of codes

def save_code(code: DiscountCode | None, *, text: str, description: str, kind: str, value: int,
              valid_from: datetime | None, valid_until: datetime | None, max_uses: int | None,
              per_user_limit: int | None, min_quantity: int, course_ids: list[int] | None,
              is_active: bool, is_campaign: bool) -> DiscountCode:
    normalized = normalize_code(text)
    other = find_code(normalized)
    if other is not None and (code is None or other.id != code.id):
        raise CommerceError("code_taken")
    if code is None:
        code = DiscountCode(code=normalized, uses_count=0)
        db.session.add(code)
    code.code = normalized
    code.description = description.strip()
    code.percent, code.amount_ore = (value, None) if kind == "percent" else (None, value * 100)
    code.valid_from, code.valid_until = valid_from, valid_until
    code.max_uses, code.per_user_limit, code.min_quantity = max_uses, per_user_limit, min_quantity
    code.course_ids = sorted(course_ids) if course_ids else None
    code.is_active, code.is_campaign = is_active, is_campaign
    db.session.flush()
    if is_campaign:  # one campaign at a time
        db.session.execute(update(DiscountCode).where(DiscountCode.id != code.id, DiscountCode.is_campaign.is_(True))
                           .values(is_campaign=False).execution_options(synchronize_session=False))
    return code


def code_orders(code: DiscountCode) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.discount_code_id == code.id).order_by(Order.id.desc())))


def classify_code(text: str) -> str:
    """What a code typed at registration is: 'discount', 'license' or 'unknown'."""
    if find_code(text) is not None:
        return "discount"
    from lms.commerce.signals import classify_code as hook

    for _receiver, kind in hook.send(current_app._get_current_object(), code=normalize_code(text)):
        if kind:
            return kind
    return "unknown"
