"""handles and following: every user's unique handle, topic and space follow levels

Revision ID: d3a8f1c26b57
Revises: c4e1a9b7d215
Create Date: 2026-12-05 22:40:00

Every existing user gets a handle made from their display name, as sign-up
proposes one (cps/services/accounts/handles.py, copied here as it is today):
accents dropped, every run of other characters one "-", cut to 24 characters;
a name with fewer than three Latin letters or digits (Korean, Arabic...) gives
"user" and the user's id; a handle already given gets the first free number
after it. Nobody follows anything yet: no row means "normal".
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cps.storage.types

revision: str = 'd3a8f1c26b57'
down_revision: str | None = 'c4e1a9b7d215'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LEVEL_CHECK = "level IN ('watching', 'tracking', 'normal', 'muted')"


def _slug(display_name: str, user_id: int) -> str:
    folded = unicodedata.normalize("NFKD", display_name)
    ascii_only = "".join(c for c in folded if c.isascii()).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:24].strip("-")
    return slug if len(slug) >= 3 else f"user{user_id}"


def _backfill() -> None:
    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("display_name", sa.String),
                     sa.column("handle", sa.String))
    taken: set[str] = set()
    chosen: list[dict[str, object]] = []
    for user_id, display_name in bind.execute(
            sa.select(users.c.id, users.c.display_name).order_by(users.c.id)):
        base = _slug(display_name or "", user_id)
        handle, n = base, 1
        while handle in taken:
            n += 1
            handle = f"{base}{n}"
        taken.add(handle)
        chosen.append({"uid": user_id, "h": handle})
    if chosen:
        bind.execute(
            sa.update(users).where(users.c.id == sa.bindparam("uid"))
            .values(handle=sa.bindparam("h")),
            chosen,
        )


def upgrade() -> None:
    # Added NOT NULL with a placeholder default and filled in at once: making a
    # nullable column NOT NULL afterwards would rebuild `users` on SQLite, which
    # the foreign keys of every table pointing at it refuse once people exist.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handle', sa.String(length=30), nullable=False,
                                      server_default=''))
    _backfill()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_handle'), ['handle'], unique=True)
    if op.get_bind().dialect.name != 'sqlite':  # SQLite would rebuild the table for it
        op.alter_column('users', 'handle', server_default=None,
                        existing_type=sa.String(length=30), existing_nullable=False)

    op.create_table('space_follows',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('updated_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint(_LEVEL_CHECK, name=op.f('ck_space_follows_level')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_space_follows_space_id_spaces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_space_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'space_id', name=op.f('pk_space_follows'))
    )
    with op.batch_alter_table('space_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_space_follows_space_id'), ['space_id'], unique=False)

    op.create_table('topic_follows',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('updated_at', cps.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint(_LEVEL_CHECK, name=op.f('ck_topic_follows_level')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_follows_topic_id_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_topic_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic_id', name=op.f('pk_topic_follows'))
    )
    with op.batch_alter_table('topic_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_follows_topic_id'), ['topic_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('topic_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_follows_topic_id'))

    op.drop_table('topic_follows')
    with op.batch_alter_table('space_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_space_follows_space_id'))

    op.drop_table('space_follows')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_handle'))
        batch_op.drop_column('handle')
