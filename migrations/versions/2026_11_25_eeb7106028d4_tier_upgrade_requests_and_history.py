"""tier upgrade requests and history

Two tables: upgrade_requests (at most one pending per organization, a partial
unique index) and tier_changes (every change of an organization's tier).

Revision ID: eeb7106028d4
Revises: d75099ba144b
Create Date: 2026-11-25 21:08:37.705053
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cps.storage.types

revision: str = 'eeb7106028d4'
down_revision: str | None = 'd75099ba144b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('upgrade_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_upgrade_requests_status')),
    sa.CheckConstraint("tier IN ('free', 'plus', 'premium')", name=op.f('ck_upgrade_requests_tier')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_upgrade_requests_decided_by_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_upgrade_requests_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_upgrade_requests_requested_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upgrade_requests'))
    )
    with op.batch_alter_table('upgrade_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upgrade_requests_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_upgrade_requests_status'), ['status'], unique=False)
        batch_op.create_index('uq_upgrade_requests_org_pending', ['org_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('tier_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('from_tier', sa.String(length=20), nullable=False),
    sa.Column('to_tier', sa.String(length=20), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("from_tier IN ('free', 'plus', 'premium')", name=op.f('ck_tier_changes_from_tier')),
    sa.CheckConstraint("to_tier IN ('free', 'plus', 'premium')", name=op.f('ck_tier_changes_to_tier')),
    sa.ForeignKeyConstraint(['changed_by'], ['users.id'], name=op.f('fk_tier_changes_changed_by_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_tier_changes_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['upgrade_requests.id'], name=op.f('fk_tier_changes_request_id_upgrade_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_changes'))
    )
    with op.batch_alter_table('tier_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tier_changes_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tier_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tier_changes_org_id'))

    op.drop_table('tier_changes')
    with op.batch_alter_table('upgrade_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_upgrade_requests_org_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_upgrade_requests_status'))
        batch_op.drop_index(batch_op.f('ix_upgrade_requests_org_id'))

    op.drop_table('upgrade_requests')
