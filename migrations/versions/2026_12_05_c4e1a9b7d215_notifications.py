"""notifications: what each person is told, and what they chose to hear

Revision ID: c4e1a9b7d215
Revises: c5e0a7d3f912
Create Date: 2026-12-05 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cps.storage.types

revision: str = 'c4e1a9b7d215'
down_revision: str | None = 'c5e0a7d3f912'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREAD = sa.text('read_at IS NULL')


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('web', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_notifications_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_notifications_space_id_spaces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_notifications_topic_id_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_updated', ['user_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('uq_notifications_unread', ['user_id', 'kind', 'topic_id'], unique=True,
                              sqlite_where=UNREAD, postgresql_where=UNREAD)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=10), nullable=False),
    sa.Column('digest', sa.String(length=10), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('locale', sa.String(length=35), nullable=True),
    sa.Column('updated_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("digest IN ('daily', 'weekly')", name=op.f('ck_notification_preferences_digest')),
    sa.CheckConstraint("email IN ('off', 'immediate', 'digest')", name=op.f('ck_notification_preferences_email')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences'))
    )


def downgrade() -> None:
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('uq_notifications_unread', sqlite_where=UNREAD, postgresql_where=UNREAD)
        batch_op.drop_index('ix_notifications_user_updated')
    op.drop_table('notifications')
