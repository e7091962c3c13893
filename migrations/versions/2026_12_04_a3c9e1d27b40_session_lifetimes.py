"""session lifetimes: last use, absolute expiry, device and address of each session

Revision ID: a3c9e1d27b40
Revises: 912714697274
Create Date: 2026-12-04 21:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cps.storage.types

revision: str = 'a3c9e1d27b40'
down_revision: str | None = '912714697274'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Sessions opened before this revision keep the 30 days their cookie promised.
_EXISTING_LIFETIME_DAYS = 30


def upgrade() -> None:
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('expires_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('address', sa.String(length=64), server_default='', nullable=False))
    bind = op.get_bind()
    tokens = sa.table(
        'auth_tokens',
        sa.column('id', sa.Integer()),
        sa.column('created_at', cps.storage.types.UTCDateTime(timezone=True)),
        sa.column('last_used_at', cps.storage.types.UTCDateTime(timezone=True)),
        sa.column('expires_at', cps.storage.types.UTCDateTime(timezone=True)),
    )
    rows = bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all()
    from datetime import timedelta
    for token_id, created_at in rows:
        bind.execute(
            tokens.update().where(tokens.c.id == token_id).values(
                last_used_at=created_at,
                expires_at=created_at + timedelta(days=_EXISTING_LIFETIME_DAYS),
            )
        )
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.alter_column('last_used_at', existing_type=cps.storage.types.UTCDateTime(timezone=True), nullable=False)
        batch_op.alter_column('expires_at', existing_type=cps.storage.types.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.drop_column('address')
        batch_op.drop_column('user_agent')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('last_used_at')
