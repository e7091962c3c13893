"""organization verified: the platform confirmed who the organization is

Revision ID: b7d2f4a81c93
Revises: a3c9e1d27b40
Create Date: 2026-12-04 21:56:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7d2f4a81c93'
down_revision: str | None = 'a3c9e1d27b40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('verified')
