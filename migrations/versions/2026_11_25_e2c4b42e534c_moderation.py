"""moderation

Three tables: sanctions (mutes and bans per space), moderation_actions (the
audit log, append-only: triggers refuse UPDATE and DELETE on both databases)
and appeals; the review state of held posts; the spaces' moderation settings.

Revision ID: e2c4b42e534c
Revises: eeb7106028d4
Create Date: 2026-11-25 21:16:20.868918
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cps.storage.types

APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER moderation_actions_no_{op} BEFORE {OP} ON moderation_actions "
    "BEGIN SELECT RAISE(ABORT, 'moderation_actions is append-only'); END"
)
APPEND_ONLY_PG_FUNCTION = """
CREATE FUNCTION moderation_actions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'moderation_actions is append-only';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_PG_TRIGGER = (
    "CREATE TRIGGER moderation_actions_append_only BEFORE UPDATE OR DELETE "
    "ON moderation_actions FOR EACH ROW EXECUTE FUNCTION moderation_actions_append_only()"
)

revision: str = 'e2c4b42e534c'
down_revision: str | None = 'eeb7106028d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('post', 'ban')", name=op.f('ck_appeals_kind')),
    sa.CheckConstraint("status IN ('open', 'upheld', 'overturned')", name=op.f('ck_appeals_status')),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], name=op.f('fk_appeals_answered_by_users')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_appeals_space_id_spaces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_appeals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
    sa.UniqueConstraint('kind', 'subject_id', name='uq_appeals_kind_subject')
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index('ix_appeals_space_status', ['space_id', 'status'], unique=False)

    op.create_table('moderation_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_moderation_actions_actor_id_users')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_moderation_actions_space_id_spaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_actions'))
    )
    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_actions_space_id_id', ['space_id', 'id'], unique=False)
    _append_only()

    op.create_table('sanctions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lifted_at', cps.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('mute', 'ban')", name=op.f('ck_sanctions_kind')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_sanctions_created_by_users')),
    sa.ForeignKeyConstraint(['lifted_by'], ['users.id'], name=op.f('fk_sanctions_lifted_by_users')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_sanctions_space_id_spaces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sanctions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanctions'))
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index('ix_sanctions_space_user', ['space_id', 'user_id'], unique=False)

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('review_rule', sa.String(length=20), nullable=True))

    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag_threshold', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('word_filter_mode', sa.String(length=10), server_default='off', nullable=False))
        batch_op.add_column(sa.Column('word_filter_words', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('premoderation_posts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('slow_mode_seconds', sa.Integer(), server_default='0', nullable=False))


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG_FUNCTION)
        op.execute(APPEND_ONLY_PG_TRIGGER)
    else:
        for name in ("update", "delete"):
            op.execute(APPEND_ONLY_SQLITE.format(op=name, OP=name.upper()))


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER moderation_actions_append_only ON moderation_actions")
        op.execute("DROP FUNCTION moderation_actions_append_only()")
    else:
        for name in ("update", "delete"):
            op.execute(f"DROP TRIGGER moderation_actions_no_{name}")


def downgrade() -> None:
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_column('slow_mode_seconds')
        batch_op.drop_column('premoderation_posts')
        batch_op.drop_column('word_filter_words')
        batch_op.drop_column('word_filter_mode')
        batch_op.drop_column('flag_threshold')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('review_rule')
        batch_op.drop_column('review')

    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index('ix_sanctions_space_user')

    op.drop_table('sanctions')
    _drop_append_only()
    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_actions_space_id_id')

    op.drop_table('moderation_actions')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_space_status')

    op.drop_table('appeals')
