"""languages: a person's chosen locale and a post's language

Revision ID: e7b2c9d4a0f1
Revises: d8328b695ec5
Create Date: 2026-12-06 02:00:00

Both start empty: a person without a locale gets their browser's language, a post
without one is of an unknown language (posts written before detection existed are
not guessed at here; `cps` detects on write).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e7b2c9d4a0f1'
down_revision: str | None = 'd8328b695ec5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('locale', sa.String(length=8), nullable=True))
    op.add_column('posts', sa.Column('lang', sa.String(length=16), nullable=True))
    op.add_column('posts', sa.Column('lang_chosen', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35+), not a batch copy
    # of the table: a copy would lose the search index's triggers on `posts`.
    op.execute('ALTER TABLE posts DROP COLUMN lang_chosen')
    op.execute('ALTER TABLE posts DROP COLUMN lang')
    op.execute('ALTER TABLE users DROP COLUMN locale')
