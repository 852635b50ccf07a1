"""commerce

Revision ID: 0004_commerce
Revises: 0003_certificates
Create Date: 2026-11-22 03:24:12.803480

"""
from alembic import op
import sqlalchemy as sa

import lms.core.models  # noqa: F401  (column types used by revisions)


# revision identifiers, used by Alembic.
revision = '0004_commerce'
down_revision = '0003_certificates'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('discount_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=200), server_default='', nullable=False),
    sa.Column('percent', sa.Integer(), nullable=True),
    sa.Column('amount_ore', sa.Integer(), nullable=True),
    sa.Column('valid_from', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('max_uses', sa.Integer(), nullable=True),
    sa.Column('uses_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('per_user_limit', sa.Integer(), server_default='1', nullable=True),
    sa.Column('course_ids', sa.JSON(), nullable=True),
    sa.Column('min_quantity', sa.Integer(), server_default='1', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('is_campaign', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('(percent IS NULL) <> (amount_ore IS NULL)', name=op.f('ck_discount_codes_one_kind')),
    sa.CheckConstraint('amount_ore IS NULL OR amount_ore > 0', name=op.f('ck_discount_codes_amount_positive')),
    sa.CheckConstraint('percent IS NULL OR (percent >= 1 AND percent <= 100)', name=op.f('ck_discount_codes_percent_range')),
    sa.CheckConstraint('uses_count >= 0', name=op.f('ck_discount_codes_uses_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_discount_codes_code'))
    )
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), server_default='pending', nullable=False),
    sa.Column('buyer_email', sa.String(length=320), nullable=False),
    sa.Column('buyer_name', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='NOK', nullable=False),
    sa.Column('vat_percent', sa.Integer(), nullable=False),
    sa.Column('subtotal_ore', sa.Integer(), nullable=False),
    sa.Column('discount_ore', sa.Integer(), server_default='0', nullable=False),
    sa.Column('net_ore', sa.Integer(), nullable=False),
    sa.Column('vat_ore', sa.Integer(), nullable=False),
    sa.Column('total_ore', sa.Integer(), nullable=False),
    sa.Column('discount_code_id', sa.Integer(), nullable=True),
    sa.Column('discount_code_text', sa.String(length=40), nullable=True),
    sa.Column('payment_method', sa.String(length=12), server_default='stripe', nullable=False),
    sa.Column('stripe_session_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_payment_intent', sa.String(length=255), nullable=True),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('expires_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('discount_released_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'processing', 'paid', 'failed', 'expired', 'refunded')", name=op.f('ck_orders_status')),
    sa.CheckConstraint('net_ore = subtotal_ore - discount_ore', name=op.f('ck_orders_net_adds_up')),
    sa.CheckConstraint('net_ore >= 0', name=op.f('ck_orders_net_not_negative')),
    sa.CheckConstraint('total_ore = net_ore + vat_ore', name=op.f('ck_orders_total_adds_up')),
    sa.ForeignKeyConstraint(['discount_code_id'], ['discount_codes.id'], name=op.f('fk_orders_discount_code_id_discount_codes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_orders_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('stripe_session_id', name=op.f('uq_orders_stripe_session_id'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_stripe_payment_intent'), ['stripe_payment_intent'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_user_id'), ['user_id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=10), server_default='self', nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_ore', sa.Integer(), nullable=False),
    sa.Column('unit_discount_ore', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unit_vat_ore', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.CheckConstraint("purpose IN ('self', 'seats')", name=op.f('ck_order_lines_purpose')),
    sa.CheckConstraint('quantity >= 1 AND quantity <= 1000', name=op.f('ck_order_lines_quantity_range')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_order_lines_course_id_courses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)

    op.create_table('payment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stripe_event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=80), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('result', sa.Text(), server_default='', nullable=False),
    sa.Column('received_at', lms.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_events_order_id_orders'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_events')),
    sa.UniqueConstraint('stripe_event_id', name=op.f('uq_payment_events_stripe_event_id'))
    )
    with op.batch_alter_table('payment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_events_order_id'), ['order_id'], unique=False)




def downgrade():

    with op.batch_alter_table('payment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_events_order_id'))

    op.drop_table('payment_events')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_user_id'))
        batch_op.drop_index(batch_op.f('ix_orders_stripe_payment_intent'))
        batch_op.drop_index(batch_op.f('ix_orders_status'))

    op.drop_table('orders')
    op.drop_table('discount_codes')

