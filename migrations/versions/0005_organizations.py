"""organizations

Revision ID: 0005_organizations
Revises: 0004_commerce
Create Date: 2026-11-22 03:47:23.504993

"""
from alembic import op
import sqlalchemy as sa

import lms.core.models  # noqa: F401  (column types used by revisions)


# revision identifiers, used by Alembic.
revision = '0005_organizations'
down_revision = '0004_commerce'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'processing', 'paid', 'failed', 'expired', 'refunded')"
NEW_STATUSES = ("status IN ('pending', 'processing', 'paid', 'failed', 'expired', 'refunded', "
                "'invoice_requested', 'invoiced')")


def upgrade():

    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('orgnr', sa.String(length=9), nullable=False),
    sa.Column('address', sa.Text(), server_default='', nullable=False),
    sa.Column('invoice_email', sa.String(length=320), nullable=False),
    sa.Column('employee_count', sa.Integer(), nullable=False),
    sa.Column('require_two_factor', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('employee_count >= 1', name=op.f('ck_organizations_employees_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('orgnr', name=op.f('uq_organizations_orgnr'))
    )
    op.create_table('licenses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('seats_total', sa.Integer(), nullable=False),
    sa.Column('seats_used', sa.Integer(), server_default='0', nullable=False),
    sa.Column('valid_until', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=10), server_default='purchase', nullable=False),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('seats_total >= 1 AND seats_total <= 100000', name=op.f('ck_licenses_seats_total_range')),
    sa.CheckConstraint('seats_used >= 0 AND seats_used <= seats_total', name=op.f('ck_licenses_seats_within_total')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_licenses_course_id_courses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_licenses_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licenses')),
    sa.UniqueConstraint('code', name=op.f('uq_licenses_code'))
    )
    with op.batch_alter_table('licenses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licenses_organization_id'), ['organization_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('created_at', lms.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("role IN ('manager', 'employee')", name=op.f('ck_memberships_role')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_memberships_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('organization_id', 'user_id', name=op.f('uq_memberships_organization_id_user_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('license_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), server_default='employee', nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('language', sa.String(length=5), server_default='nb', nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', lms.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('last_sent_at', lms.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('reminders_sent', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted_at', lms.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('employee', 'manager')", name=op.f('ck_invitations_kind')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['license_id'], ['licenses.id'], name=op.f('fk_invitations_license_id_licenses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_invitations_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('organization_id', 'email', 'kind', 'license_id', name=op.f('uq_invitations_organization_id_email_kind_license_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_organization_id'), ['organization_id'], unique=False)

    op.create_table('seat_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('license_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', lms.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_seat_assignments_enrollment_id_enrollments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['license_id'], ['licenses.id'], name=op.f('fk_seat_assignments_license_id_licenses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_seat_assignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_assignments')),
    sa.UniqueConstraint('license_id', 'user_id', name=op.f('uq_seat_assignments_license_id_user_id'))
    )
    with op.batch_alter_table('seat_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_assignments_license_id'), ['license_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seat_assignments_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.alter_column('status',
               existing_type=sa.VARCHAR(length=12),
               type_=sa.String(length=20),
               existing_nullable=False,
               existing_server_default=sa.text("'pending'"))
        batch_op.create_index(batch_op.f('ix_orders_organization_id'), ['organization_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_orders_organization_id_organizations'), 'organizations', ['organization_id'], ['id'], ondelete='SET NULL')
        # Invoice orders: two more statuses.
        batch_op.drop_constraint(batch_op.f('ck_orders_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_orders_status'), NEW_STATUSES)




def downgrade():
    op.execute("UPDATE orders SET status = 'failed' WHERE status IN ('invoice_requested', 'invoiced')")

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_orders_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_orders_status'), OLD_STATUSES)
        batch_op.drop_constraint(batch_op.f('fk_orders_organization_id_organizations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_orders_organization_id'))
        batch_op.alter_column('status',
               existing_type=sa.String(length=20),
               type_=sa.VARCHAR(length=12),
               existing_nullable=False,
               existing_server_default=sa.text("'pending'"))
        batch_op.drop_column('organization_id')

    with op.batch_alter_table('seat_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seat_assignments_user_id'))
        batch_op.drop_index(batch_op.f('ix_seat_assignments_license_id'))

    op.drop_table('seat_assignments')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_organization_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_organization_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('licenses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licenses_organization_id'))

    op.drop_table('licenses')
    op.drop_table('organizations')

