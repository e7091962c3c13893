"""reports index: a topic's posts by time, with who wrote and whether they count

Revision ID: a41c7e9b2d10
Revises: e7b2c9d4a0f1
Create Date: 2026-12-06 05:45:00

The analytics dashboard counts the posts of a window per day and per
stakeholder type and finds each topic's first reply; with this index both
databases answer from the index alone instead of reading every post of the
organization (issue 19: about 4x faster over 100,000 posts).
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'a41c7e9b2d10'
down_revision: str | None = 'e7b2c9d4a0f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_posts_topic_created', 'posts',
                    ['topic_id', 'created_at', 'author_id', 'hidden', 'review'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_posts_topic_created', table_name='posts')
