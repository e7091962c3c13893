"""question durations: each question's organization, whether public, and its times to acknowledge and answer, stored; an official's post that does not answer says so

Revision ID: 2979699d0096
Revises: b1a277b124ea
Create Date: 2026-12-05 22:16:20

The responsiveness reports sort durations to take percentiles. Stored as numbers
(with the organization and whether the space is public), SQLite walks an index in order to a rank
instead of computing and sorting every duration of the network on each read
(cps/storage/responsiveness.py). Existing questions are filled in from their
times and their space.

`posts.answers_question` keeps an official's choice that a post does not answer
the question it is in, so a post held for review and approved later still
does not (existing posts: true, the default).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '2979699d0096'
down_revision: str | None = 'b1a277b124ea'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('ix_questions_acknowledge', (), 'seconds_to_acknowledge'),
    ('ix_questions_answer', (), 'seconds_to_answer'),
    ('ix_questions_org_acknowledge', ('org_id',), 'seconds_to_acknowledge'),
    ('ix_questions_org_answer', ('org_id',), 'seconds_to_answer'),
)


def _seconds(later: str) -> str:
    if op.get_bind().dialect.name == 'postgresql':
        return f"EXTRACT(EPOCH FROM {later} - asked_at)"
    return f"(julianday({later}) - julianday(asked_at)) * 86400.0"


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers_question', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('public', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('seconds_to_acknowledge', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('seconds_to_answer', sa.Float(), nullable=True))

    # Built from this file's constants only.
    fill = (
        "UPDATE questions SET "  # noqa: S608
        "org_id = (SELECT spaces.org_id FROM spaces WHERE spaces.id = questions.space_id), "
        "public = (SELECT spaces.visibility = 'public' FROM spaces "
        "WHERE spaces.id = questions.space_id), "
        f"seconds_to_acknowledge = {_seconds('COALESCE(acknowledged_at, answered_at)')}, "
        f"seconds_to_answer = {_seconds('answered_at')}"
    )
    op.execute(fill)

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.alter_column('org_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('public', existing_type=sa.Boolean(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_questions_org_id_organizations'), 'organizations', ['org_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_questions_org_counts', ['org_id', 'public', 'asked_at', 'status', 'seconds_to_acknowledge', 'seconds_to_answer', 'answered_at', 'due_at'], unique=False)
        for name, lead, column in INDEXES:
            where = sa.text(f'{column} IS NOT NULL')
            batch_op.create_index(name, [*lead, 'public', column, 'asked_at'], unique=False,
                                  sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        for name, _, _ in reversed(INDEXES):
            batch_op.drop_index(name)
        batch_op.drop_index('ix_questions_org_counts')
        batch_op.drop_constraint(batch_op.f('fk_questions_org_id_organizations'), type_='foreignkey')
        batch_op.drop_column('seconds_to_answer')
        batch_op.drop_column('seconds_to_acknowledge')
        batch_op.drop_column('public')
        batch_op.drop_column('org_id')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('answers_question')
