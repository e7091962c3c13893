"""former handles: a handle given up stays its owner's

Revision ID: 653908144927
Revises: b82d8e5f3329
Create Date: 2026-12-06 01:40:54.311746

A mention links to `/u/{handle}` as it was written. When a person changes
their handle, the old one is kept here, theirs: nobody else may take it, so
old mentions keep leading to them and never to a newcomer. Nobody has given
one up before this migration: the table starts empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cps.storage.types

revision: str = '653908144927'
down_revision: str | None = 'b82d8e5f3329'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('former_handles',
    sa.Column('handle', sa.String(length=30), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('released_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_former_handles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('handle', name=op.f('pk_former_handles'))
    )
    with op.batch_alter_table('former_handles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_former_handles_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('former_handles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_former_handles_user_id'))

    op.drop_table('former_handles')
