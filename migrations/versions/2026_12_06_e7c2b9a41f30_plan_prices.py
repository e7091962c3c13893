"""plan prices: what each tier costs, as the platform admin words it

Revision ID: e7c2b9a41f30
Revises: 653908144927
Create Date: 2026-12-06 01:55:00

One row per priced tier; a tier without a row is priced "on request" on the
plans page (docs/tiers.md). Nothing to backfill: every tier starts on request.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cps.storage.types

revision: str = 'e7c2b9a41f30'
down_revision: str | None = '653908144927'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'plan_prices',
        sa.Column('tier', sa.String(length=20), nullable=False),
        sa.Column('price', sa.String(length=120), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', cps.storage.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("tier IN ('free', 'plus', 'premium')",
                           name=op.f('ck_plan_prices_tier')),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'],
                                name=op.f('fk_plan_prices_updated_by_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('tier', name=op.f('pk_plan_prices')),
    )


def downgrade() -> None:
    op.drop_table('plan_prices')
