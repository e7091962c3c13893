"""consensus versions: a round counts its changes instead of timing them

A vote locked its round's row for its whole transaction to move `changed_at`,
so simultaneous votes on one round queued (and, on PostgreSQL, ran out of
connections). `version` counts changes with one atomic UPDATE at the end of a
vote's transaction; `computed_version` is the version the map has seen. A map
that was up to date (`computed_at >= changed_at`) has seen version 0.

Revision ID: d8328b695ec5
Revises: e7c2b9a41f30
Create Date: 2026-12-06 02:01:02.342013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd8328b695ec5'
down_revision: str | None = 'e7c2b9a41f30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('consensus_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('computed_version', sa.Integer(), nullable=True))
    rounds = sa.table("consensus_rounds", sa.column("computed_version", sa.Integer),
                      sa.column("computed_at"), sa.column("changed_at"))
    op.execute(rounds.update()
               .where(rounds.c.computed_at.is_not(None),
                      rounds.c.computed_at >= rounds.c.changed_at)
               .values(computed_version=0))


def downgrade() -> None:
    with op.batch_alter_table('consensus_rounds', schema=None) as batch_op:
        batch_op.drop_column('computed_version')
        batch_op.drop_column('version')

