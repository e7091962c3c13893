"""follow level indexes: a topic's and a space's watchers found by level

Revision ID: b5f3d0c8e1a2
Revises: 5c1e0a7d9b42
Create Date: 2026-12-07 23:50:00

Every post reads who watches its topic and its space. Everyone who posts in a
topic tracks it, so with the follows indexed by topic alone a busy topic's
trackers were read to find its few watchers: on SQLite, with 5,000 trackers,
the watchers' lookup took 388 us of a post, and 9 us by topic and level (issue
19). The index by (topic_id, level) serves a lookup by topic alone too: it
replaces the one by topic_id; the same for spaces.

PostgreSQL builds each index in the migration's transaction (not CONCURRENTLY):
writes to the follows (every post writes one) wait while it builds, seconds for
millions of rows; run it in a quiet moment on a large instance.
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'b5f3d0c8e1a2'
down_revision: str | None = '5c1e0a7d9b42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_topic_follows_topic_level', 'topic_follows', ['topic_id', 'level'],
                    unique=False)
    op.drop_index('ix_topic_follows_topic_id', table_name='topic_follows')
    op.create_index('ix_space_follows_space_level', 'space_follows', ['space_id', 'level'],
                    unique=False)
    op.drop_index('ix_space_follows_space_id', table_name='space_follows')


def downgrade() -> None:
    op.create_index('ix_space_follows_space_id', 'space_follows', ['space_id'], unique=False)
    op.drop_index('ix_space_follows_space_level', table_name='space_follows')
    op.create_index('ix_topic_follows_topic_id', 'topic_follows', ['topic_id'], unique=False)
    op.drop_index('ix_topic_follows_topic_level', table_name='topic_follows')
