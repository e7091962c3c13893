"""civic accountability: officials, questions and their history, response targets, participation

Revision ID: b1a277b124ea
Revises: b7d2f4a81c93
Create Date: 2026-12-05 02:42:58

Existing topics stay discussions. Who took part in them is read back from their
published posts, so `participation` and the "most horizontal" order are true for
old topics too (the downgrade drops it with the table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cps.storage.types

revision: str = 'b1a277b124ea'
down_revision: str | None = 'b7d2f4a81c93'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('org_officials',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_org_officials_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_org_officials_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_org_officials_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'user_id', name=op.f('pk_org_officials'))
    )
    with op.batch_alter_table('org_officials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_officials_user_id'), ['user_id'], unique=False)

    op.create_table('topic_participants',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_type', sa.String(length=20), nullable=False),
    sa.Column('first_posted_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_participants_topic_id_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_topic_participants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'user_id', name=op.f('pk_topic_participants'))
    )
    with op.batch_alter_table('topic_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_participants_user_id'), ['user_id'], unique=False)

    op.create_table('questions',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('asked_by', sa.Integer(), nullable=False),
    sa.Column('asked_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_post_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['answer_post_id'], ['posts.id'], name=op.f('fk_questions_answer_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asked_by'], ['users.id'], name=op.f('fk_questions_asked_by_users')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_questions_space_id_spaces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_questions_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index('ix_questions_asked', ['asked_at'], unique=False)
        batch_op.create_index('ix_questions_space_asked', ['space_id', 'asked_at'], unique=False)

    op.create_table('question_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('by_user', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('answer_post_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_post_id'], ['posts.id'], name=op.f('fk_question_changes_answer_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['by_user'], ['users.id'], name=op.f('fk_question_changes_by_user_users')),
    sa.ForeignKeyConstraint(['topic_id'], ['questions.topic_id'], name=op.f('fk_question_changes_topic_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_changes'))
    )
    with op.batch_alter_table('question_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_changes_topic_id'), ['topic_id'], unique=False)

    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_target_days', sa.Integer(), server_default='14', nullable=False))

    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='discussion', nullable=False))
        batch_op.add_column(sa.Column('stakeholder_kinds', sa.Integer(), server_default='0', nullable=False))

    op.execute(
        "INSERT INTO topic_participants (topic_id, user_id, stakeholder_type, first_posted_at, posts) "
        "SELECT p.topic_id, p.author_id, u.stakeholder_type, MIN(p.created_at), COUNT(*) "
        "FROM posts p JOIN users u ON u.id = p.author_id WHERE p.review IS NULL "
        "GROUP BY p.topic_id, p.author_id, u.stakeholder_type"
    )
    op.execute(
        "UPDATE topics SET stakeholder_kinds = (SELECT COUNT(DISTINCT tp.stakeholder_type) "
        "FROM topic_participants tp WHERE tp.topic_id = topics.id)"
    )



def downgrade() -> None:
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_column('stakeholder_kinds')
        batch_op.drop_column('kind')

    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_column('response_target_days')

    with op.batch_alter_table('question_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_changes_topic_id'))

    op.drop_table('question_changes')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_space_asked')
        batch_op.drop_index('ix_questions_asked')

    op.drop_table('questions')
    with op.batch_alter_table('topic_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_participants_user_id'))

    op.drop_table('topic_participants')
    with op.batch_alter_table('org_officials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_officials_user_id'))

    op.drop_table('org_officials')
