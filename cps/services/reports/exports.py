"""Export of a space (capability "export"): every topic and post, as JSON or CSV.

The check (access, then tier) runs before anything is produced; the rows are
then read page by page, each page in a read session of its own (keyset on the
posts' `(topic_id, path)` index: topics in id order, each topic's posts in
thread order, i.e. every post before its replies, siblings oldest first), so a
space of any size is streamed without being held in memory or holding a
connection while a slow client reads. Each page is consistent; a post written
during a long export may or may not appear in it.

What an export holds: the space, its topics and their posts with the author's
public profile (id, display name, stakeholder type; never an email) and whether
they are an official of the space's organization as of the export, times,
status (`visible`, `hidden`, `pending`, `rejected`, `deleted`), the body as
written and the reaction counts. A deleted post keeps its place in the thread
but not its text (its body is null in JSON, empty in CSV): it is gone for users,
and an export does not bring it back. Hidden, held and rejected posts keep
their text (the export is for the space's moderators) and the hidden reason.

CSV: one row per post with its topic's columns, RFC 4180 (the csv module),
UTF-8, a header row. A cell starting with = + - @ tab or carriage return gets a
leading apostrophe, so a spreadsheet shows it as text instead of running it.

Operators export with `cps export` (platform staff on the server: no access
or tier check, so a downgraded organization can still be given its data).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, get_args

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import aliased

from cps.services.accounts.views import Author, OfficialBadge
from cps.services.context import Actor, Context
from cps.services.discussion.views import ReactionKind
from cps.services.errors import Invalid, NotFound
from cps.services.officials.roster import official_of
from cps.services.orgs.access import space_access
from cps.services.reports.views import (
    ExportAuthor,
    ExportFormat,
    ExportPost,
    ExportSpace,
    ExportTopic,
    PostStatus,
)
from cps.services.tiers import plans
from cps.storage.database import Database
from cps.storage.models import Organization, Post, Reaction, Space, Topic, User
from cps.storage.types import utcnow

FORMATS: Final[tuple[str, ...]] = get_args(ExportFormat)
REACTION_KINDS: Final[tuple[str, ...]] = get_args(ReactionKind)
PAGE: Final = 500
MEDIA_TYPES: Final[dict[str, str]] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}

# --- what an export holds (the JSON format; also the API's response schema) ---------


CSV_COLUMNS: Final[tuple[str, ...]] = (
    "space_id", "space_name", "topic_id", "topic_title", "topic_created_at",
    "post_id", "parent_id", "depth", "author_id", "author_name", "author_stakeholder_type",
    "author_official",
    "created_at", "edited_at", "status", "hidden_reason", "body",
    *(f"reactions_{kind}" for kind in REACTION_KINDS),
)
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: no formula, no DDE."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def status_of(post: Post) -> PostStatus:
    if post.deleted_at is not None:
        return "deleted"
    if post.review == "pending":
        return "pending"
    if post.review == "rejected":
        return "rejected"
    return "hidden" if post.hidden else "visible"


def parse_format(raw: str | None) -> ExportFormat:
    value = raw or "json"
    if value == "json":
        return "json"
    if value == "csv":
        return "csv"
    raise Invalid({"format": "Expected json or csv."})


@dataclass(frozen=True)
class Export:
    """A checked export, ready to stream: nothing is read until `chunks` runs."""

    space: ExportSpace
    format: ExportFormat
    filename: str
    total_posts: int
    db: Database
    exported_at: datetime

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    def chunks(self, progress: Callable[[int], None] | None = None) -> AsyncIterator[str]:
        """The export's text, a page at a time; `progress` hears the posts written so far."""
        rows = _pages(self.db, self.space.id, self.space.org_id)
        if self.format == "csv":
            return _csv(self, rows, progress)
        return _json(self, rows, progress)


def _filename(space: Space, fmt: str, when: datetime) -> str:
    """`space-<id>[-<slug>]-<date>.<format>`: ASCII letters, digits and dashes only."""
    slug = re.sub(r"[^a-z0-9]+", "-", space.name.lower()).strip("-")[:40].strip("-")
    return "-".join(filter(None, ["space", str(space.id), slug, when.date().isoformat()])) \
        + f".{fmt}"


async def _open(db: Database, space: Space, org: Organization, fmt: ExportFormat) -> Export:
    async with db.read() as session:
        total = await session.scalar(
            select(func.count()).select_from(Post).join(Topic, Topic.id == Post.topic_id)
            .where(Topic.space_id == space.id)
        )
    now = utcnow()
    return Export(
        space=ExportSpace(
            id=space.id, org_id=org.id, org_name=org.name, name=space.name,
            description=space.description,
            visibility=space.visibility,
            created_at=space.created_at,
        ),
        format=fmt,
        filename=_filename(space, fmt, now),
        total_posts=int(total or 0),
        db=db,
        exported_at=now,
    )


async def open_export(ctx: Context, actor: Actor, space_id: int, fmt: ExportFormat) -> Export:
    """Check that `actor` may export the space (its moderators, the organization's
    admins, platform admins; the organization's tier has "export")."""
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        access.require_moderator()
        plans.require(access.org.tier, "export")
        space, org = access.space, access.org
    return await _open(ctx.db, space, org, fmt)


async def open_operator_export(db: Database, space_id: int, fmt: ExportFormat) -> Export:
    """An export for platform staff on the server (the CLI): no access or tier check."""
    async with db.read() as session:
        row = (
            await session.execute(
                select(Space, Organization)
                .join(Organization, Organization.id == Space.org_id)
                .where(Space.id == space_id)
            )
        ).first()
    if row is None:
        raise NotFound("No such space.")
    return await _open(db, row[0], row[1], fmt)


# --- reading, a page at a time ------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    topic: Topic
    topic_author: User
    post: Post
    author: User
    reactions: dict[str, int]
    official: bool  # the author is an official of the space's organization


async def _pages(db: Database, space_id: int, org_id: int) -> AsyncIterator[list[_Row]]:
    """The space's posts with their topics (and whether each author is an official of
    `org_id`, the space's organization), in (topic id, thread) order, PAGE at a time."""
    topic_author = aliased(User)
    after: tuple[int, str] = (0, "")
    while True:
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(Post, User, Topic, topic_author,
                           official_of(org_id, Post.author_id))
                    .join(Topic, Topic.id == Post.topic_id)
                    .join(User, User.id == Post.author_id)
                    .join(topic_author, topic_author.id == Topic.author_id)
                    .where(Topic.space_id == space_id)
                    .where(tuple_(Post.topic_id, Post.path) > tuple_(*after))
                    .order_by(Post.topic_id, Post.path)
                    .limit(PAGE)
                )
            ).all()
            if not rows:
                return
            counts: dict[int, dict[str, int]] = defaultdict(dict)
            ids = [row[0].id for row in rows]
            for post_id, kind, n in (
                await session.execute(
                    select(Reaction.post_id, Reaction.kind, func.count())
                    .where(Reaction.post_id.in_(ids))
                    .group_by(Reaction.post_id, Reaction.kind)
                )
            ).all():
                counts[post_id][kind] = int(n)
        page = []
        for row in rows:
            post, author, topic, topic_user, official = row
            page.append(_Row(topic, topic_user, post, author, counts.get(post.id, {}),
                             bool(official)))
        yield page
        last = rows[-1][0]
        after = (last.topic_id, last.path)


def _post(row: _Row, space: ExportSpace) -> ExportPost:
    post = row.post
    status = status_of(post)
    return ExportPost(
        id=post.id,
        parent_id=post.parent_id,
        depth=post.depth,
        author=ExportAuthor(
            **Author.model_validate(row.author).model_dump(),
            official=OfficialBadge(org_id=space.org_id, org_name=space.org_name)
            if row.official else None,
        ),
        created_at=post.created_at,
        edited_at=post.edited_at,
        status=status,
        hidden_reason=post.hidden_reason if post.hidden and status != "deleted" else None,
        body=None if status == "deleted" else post.body,
        reactions={kind: row.reactions.get(kind, 0) for kind in REACTION_KINDS},
    )


def _topic_head(row: _Row) -> str:
    """A topic's JSON object up to the opening bracket of its posts."""
    topic = row.topic
    head = ExportTopic(
        id=topic.id, title=topic.title, author=Author.model_validate(row.topic_author),
        created_at=topic.created_at, last_activity_at=topic.last_activity_at,
        pinned=topic.pinned, locked=topic.locked, archived=topic.archived, posts=[],
    ).model_dump_json()
    assert head.endswith('"posts":[]}')
    return head[: -len("]}")]


async def _json(
    export: Export, pages: AsyncIterator[list[_Row]], progress: Callable[[int], None] | None
) -> AsyncIterator[str]:
    space = export.space.model_dump_json()
    yield (
        f'{{"space":{space},"exported_at":{json.dumps(export.exported_at.isoformat())},'
        '"topics":['
    )
    topic_id: int | None = None
    written = 0
    async for page in pages:
        parts: list[str] = []
        for row in page:
            if row.topic.id != topic_id:
                if topic_id is not None:
                    parts.append("]},")
                parts.append(_topic_head(row))
                topic_id = row.topic.id
            else:
                parts.append(",")
            parts.append(_post(row, export.space).model_dump_json())
        written += len(page)
        yield "".join(parts)
        if progress is not None:
            progress(written)
    yield ("]}" if topic_id is not None else "") + "]}\n"


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def _time(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


async def _csv(
    export: Export, pages: AsyncIterator[list[_Row]], progress: Callable[[int], None] | None
) -> AsyncIterator[str]:
    yield _csv_line(list(CSV_COLUMNS))
    written = 0
    space = export.space
    async for page in pages:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in page:
            post = _post(row, space)
            writer.writerow([
                space.id, safe_cell(space.name), row.topic.id, safe_cell(row.topic.title),
                _time(row.topic.created_at), post.id,
                post.parent_id if post.parent_id is not None else "", post.depth,
                post.author.id, safe_cell(post.author.display_name),
                post.author.stakeholder_type, "true" if post.author.official else "false",
                _time(post.created_at), _time(post.edited_at),
                post.status, safe_cell(post.hidden_reason or ""), safe_cell(post.body or ""),
                *(post.reactions[kind] for kind in REACTION_KINDS),
            ])
        written += len(page)
        yield buffer.getvalue()
        if progress is not None:
            progress(written)
