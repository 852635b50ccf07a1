"""Orders, discount codes and payment events. Money is integers in øre."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, false, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.models import UTCDateTime, utcnow
from lms.extensions import db

ORDER_STATUSES = ("pending", "processing", "paid", "failed", "expired", "refunded", "invoice_requested", "invoiced")


class DiscountCode(db.Model):
    __tablename__ = "discount_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # stored upper-case
    description: Mapped[str] = mapped_column(String(200), server_default="")
    percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A fixed amount off each unit (each seat), in øre.
    amount_ore: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Uses taken: reserved by an open checkout or used by a paid order.
    uses_count: Mapped[int] = mapped_column(Integer, server_default="0")
    per_user_limit: Mapped[int | None] = mapped_column(Integer, nullable=True, server_default="1")
    # Course ids the code is valid for; null means every course.
    course_ids: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    min_quantity: Mapped[int] = mapped_column(Integer, server_default="1")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    is_campaign: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())

    __table_args__ = (
        CheckConstraint("(percent IS NULL) <> (amount_ore IS NULL)", name="one_kind"),
        CheckConstraint("percent IS NULL OR (percent >= 1 AND percent <= 100)", name="percent_range"),
        CheckConstraint("amount_ore IS NULL OR amount_ore > 0", name="amount_positive"),
        CheckConstraint("uses_count >= 0", name="uses_not_negative"),
    )


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True)
    # Seats are bought for an organization.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"),
                                                        index=True, nullable=True)
    status: Mapped[str] = mapped_column(String(20), server_default="pending", index=True)
    buyer_email: Mapped[str] = mapped_column(String(320))
    buyer_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    currency: Mapped[str] = mapped_column(String(3), server_default="NOK")
    vat_percent: Mapped[int] = mapped_column(Integer)
    subtotal_ore: Mapped[int] = mapped_column(Integer)   # list price, excl. VAT
    discount_ore: Mapped[int] = mapped_column(Integer, server_default="0")
    net_ore: Mapped[int] = mapped_column(Integer)        # after discount, excl. VAT
    vat_ore: Mapped[int] = mapped_column(Integer)
    total_ore: Mapped[int] = mapped_column(Integer)      # what is charged
    discount_code_id: Mapped[int | None] = mapped_column(ForeignKey("discount_codes.id", ondelete="SET NULL"), nullable=True)
    discount_code_text: Mapped[str | None] = mapped_column(String(40), nullable=True)
    payment_method: Mapped[str] = mapped_column(String(12), server_default="stripe")  # stripe | test | free | invoice
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    stripe_payment_intent: Mapped[str | None] = mapped_column(String(255), index=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.current_timestamp())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set when the discount use was given back (expired, failed): it is given back once.
    discount_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                  order_by="OrderLine.id")

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'processing', 'paid', 'failed', 'expired', 'refunded', "
                        "'invoice_requested', 'invoiced')", name="status"),
        CheckConstraint("total_ore = net_ore + vat_ore", name="total_adds_up"),
        CheckConstraint("net_ore = subtotal_ore - discount_ore", name="net_adds_up"),
        CheckConstraint("net_ore >= 0", name="net_not_negative"),
    )

    @property
    def number(self) -> str:
        return f"{self.id:06d}"


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    # "self": the buyer takes the course; "seats": seats for an organization (licenses).
    purpose: Mapped[str] = mapped_column(String(10), server_default="self")
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_ore: Mapped[int] = mapped_column(Integer)     # list price, excl. VAT
    unit_discount_ore: Mapped[int] = mapped_column(Integer, server_default="0")
    unit_vat_ore: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, str]] = mapped_column(JSON)

    order: Mapped[Order] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("quantity >= 1 AND quantity <= 1000", name="quantity_range"),
        CheckConstraint("purpose IN ('self', 'seats')", name="purpose"),
    )

    @property
    def unit_net_ore(self) -> int:
        return self.unit_price_ore - self.unit_discount_ore

    @property
    def unit_total_ore(self) -> int:
        return self.unit_net_ore + self.unit_vat_ore

    @property
    def total_ore(self) -> int:
        return self.unit_total_ore * self.quantity


class PaymentEvent(db.Model):
    """Every webhook event, stored by its Stripe id: a duplicate is acknowledged and ignored."""

    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[str] = mapped_column(Text, server_default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
