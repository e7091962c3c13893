"""participation days: posts per space, UTC day and author, kept by triggers

Revision ID: 5c1e0a7d9b42
Revises: a41c7e9b2d10
Create Date: 2026-12-06 09:00:00

The table is what autogenerate wrote for the `ParticipationDay` model; the
triggers that keep it, and the backfill, are written by hand (autogenerate sees
neither). The analytics dashboard reads its per-day and per-stakeholder counts
here instead of scanning every post of the window (issue 19): one row per
person, space and day, whatever the number of posts.

What the triggers keep, on both databases, in the transaction that writes:
- a post counts when it is published (`review` IS NULL), on the UTC day of its
  `created_at`, in its topic's space; `hidden` counts the counted posts hidden now;
- inserting a post, approving or rejecting it, hiding or restoring it (an
  UPDATE of `review`, `hidden`, `topic_id`, `author_id` or `created_at`) takes
  its old contribution away and adds its new one; deleting a post's row takes it
  away (while its topic exists);
- a topic moved to another space takes its posts' counts along.
"""

# ruff: noqa: S608  (every name in these statements is a constant of this file)

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5c1e0a7d9b42'
down_revision: str | None = 'a41c7e9b2d10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "(space_id, day, author_id, posts, hidden)"
# The columns whose change can move a post's contribution.
WATCHED = "review, hidden, topic_id, author_id, created_at"


def _day(pg: bool, column: str) -> str:
    """The UTC day of a timestamp column (SQLite keeps UTC text)."""
    return f"({column} AT TIME ZONE 'UTC')::date" if pg else f"date({column})"


def _number(pg: bool, flag: str) -> str:
    """A boolean column as 0 or 1 (SQLite keeps it so)."""
    return f"{flag}::int" if pg else flag


def _add(pg: bool) -> str:
    rows = "participation_days." if pg else ""
    return ("ON CONFLICT (space_id, day, author_id) DO UPDATE SET "
            f"posts = {rows}posts + excluded.posts, hidden = {rows}hidden + excluded.hidden")


def _post(pg: bool, row: str, sign: str) -> str:
    """The contribution of a post (`row`: new or old) to its topic's space and day,
    added (sign "") or taken away (sign "-"), when it counts."""
    return (
        f"INSERT INTO participation_days {COLUMNS} "
        f"SELECT space_id, {_day(pg, row + '.created_at')}, {row}.author_id, {sign}1, "
        f"{sign}{_number(pg, row + '.hidden')} FROM topics WHERE id = {row}.topic_id "
        f"AND {row}.review IS NULL {_add(pg)};"
    )


def _topic(pg: bool, space: str, sign: str) -> str:
    """The counts of the moved topic's posts (`new.id`), added to or taken from `space`."""
    day = _day(pg, "created_at")
    return (
        f"INSERT INTO participation_days {COLUMNS} "
        f"SELECT {space}, {day}, author_id, {sign}count(*), {sign}sum({_number(pg, 'hidden')}) "
        f"FROM posts WHERE topic_id = new.id AND review IS NULL "
        f"GROUP BY {day}, author_id {_add(pg)};"
    )


def _sqlite_triggers() -> None:
    op.execute("CREATE TRIGGER participation_post_insert AFTER INSERT ON posts "
               f"WHEN new.review IS NULL BEGIN {_post(False, 'new', '')} END")
    op.execute(f"CREATE TRIGGER participation_post_update AFTER UPDATE OF {WATCHED} ON posts "
               "WHEN old.review IS NULL OR new.review IS NULL "
               f"BEGIN {_post(False, 'old', '-')} {_post(False, 'new', '')} END")
    op.execute("CREATE TRIGGER participation_post_delete AFTER DELETE ON posts "
               f"WHEN old.review IS NULL BEGIN {_post(False, 'old', '-')} END")
    op.execute("CREATE TRIGGER participation_topic_move AFTER UPDATE OF space_id ON topics "
               "WHEN old.space_id IS NOT new.space_id "
               f"BEGIN {_topic(False, 'old.space_id', '-')} {_topic(False, 'new.space_id', '')} END")


def _pg_triggers() -> None:
    op.execute(
        "CREATE FUNCTION participation_post() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_post(True, 'old', '-')} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_post(True, 'new', '')} END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(f"CREATE TRIGGER participation_post AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} "
               "ON posts FOR EACH ROW EXECUTE FUNCTION participation_post()")
    op.execute(
        "CREATE FUNCTION participation_topic_move() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {_topic(True, 'old.space_id', '-')} {_topic(True, 'new.space_id', '')} "
        "RETURN NULL; END $$"
    )
    op.execute("CREATE TRIGGER participation_topic_move AFTER UPDATE OF space_id ON topics "
               "FOR EACH ROW WHEN (OLD.space_id IS DISTINCT FROM NEW.space_id) "
               "EXECUTE FUNCTION participation_topic_move()")


def upgrade() -> None:
    op.create_table(
        'participation_days',
        sa.Column('space_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('posts', sa.Integer(), nullable=False),
        sa.Column('hidden', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_participation_days_author_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['space_id'], ['spaces.id'],
                                name=op.f('fk_participation_days_space_id_spaces'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('space_id', 'day', 'author_id',
                                name=op.f('pk_participation_days')),
    )
    pg = op.get_bind().dialect.name == "postgresql"
    op.execute(
        f"INSERT INTO participation_days {COLUMNS} "
        f"SELECT t.space_id, {_day(pg, 'p.created_at')}, p.author_id, count(*), "
        f"sum({_number(pg, 'p.hidden')}) "
        "FROM posts p JOIN topics t ON t.id = p.topic_id WHERE p.review IS NULL "
        "GROUP BY 1, 2, 3"
    )
    if pg:
        _pg_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER participation_topic_move ON topics")
        op.execute("DROP FUNCTION participation_topic_move()")
        op.execute("DROP TRIGGER participation_post ON posts")
        op.execute("DROP FUNCTION participation_post()")
    else:
        for name in ("topic_move", "post_delete", "post_update", "post_insert"):
            op.execute(f"DROP TRIGGER participation_{name}")
    op.drop_table('participation_days')
