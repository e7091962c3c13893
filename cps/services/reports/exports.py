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
from typing import Any, Final, NamedTuple, get_args

from pydantic_core import to_json
from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.context import Actor, Context
from cps.services.discussion.views import ReactionKind
from cps.services.errors import Invalid, NotFound
from cps.services.officials.roster import official_of
from cps.services.orgs.access import space_access
from cps.services.reports.views import (
    ExportFormat,
    ExportSpace,
    PostStatus,
)
from cps.services.tiers import plans
from cps.storage.database import Database
from cps.storage.models import Organization, Post, Reaction, Space, Topic, User
from cps.storage.types import utcnow

FORMATS: Final[tuple[str, ...]] = get_args(ExportFormat)
REACTION_KINDS: Final[tuple[str, ...]] = get_args(ReactionKind)
PAGE: Final = 2000
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
    return _status(post.deleted_at, post.review, post.hidden)


def _status(deleted_at: datetime | None, review: str | None, hidden: bool) -> PostStatus:
    if deleted_at is not None:
        return "deleted"
    if review == "pending":
        return "pending"
    if review == "rejected":
        return "rejected"
    return "hidden" if hidden else "visible"


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
#
# Plain rows, not ORM objects or pydantic models: an export is the one read that
# goes through every post of a space, and building two objects and a model per
# post was most of its cost. A post's JSON object is a dict in the field order of
# `ExportPost` written by pydantic's own serializer (`pydantic_core.to_json`), so
# the text is what `ExportPost.model_dump_json` writes (tests/reports compare).


class _Topic(NamedTuple):
    id: int
    title: str
    created_at: datetime
    head: str  # the topic's JSON object up to the opening bracket of its posts


class _Row(NamedTuple):
    topic: _Topic
    post_id: int
    parent_id: int | None
    depth: int
    created_at: datetime
    edited_at: datetime | None
    status: PostStatus
    hidden_reason: str | None
    body: str | None  # None once deleted
    author_id: int
    author_name: str
    author_handle: str
    author_type: str
    official: bool  # the author is an official of the space's organization
    reactions: dict[str, int]


_POST_COLUMNS = (
    Post.id, Post.topic_id, Post.path, Post.parent_id, Post.depth, Post.created_at,
    Post.edited_at, Post.deleted_at, Post.hidden, Post.hidden_reason, Post.review, Post.body,
    User.id, User.display_name, User.handle, User.stakeholder_type,
)


async def _topics(session: AsyncSession, ids: set[int]) -> dict[int, _Topic]:
    rows = await session.execute(
        select(Topic.id, Topic.title, Topic.created_at, Topic.last_activity_at, Topic.pinned,
               Topic.locked, Topic.archived, User.id, User.display_name, User.handle,
               User.stakeholder_type)
        .join(User, User.id == Topic.author_id).where(Topic.id.in_(ids)))
    found = {}
    for (topic_id, title, created_at, last_activity_at, pinned, locked, archived, author_id,
         name, handle, kind) in rows.all():
        head = to_json({
            "id": topic_id, "title": title,
            "author": {"id": author_id, "display_name": name, "handle": handle,
                       "stakeholder_type": kind},
            "created_at": created_at, "last_activity_at": last_activity_at, "pinned": pinned,
            "locked": locked, "archived": archived, "posts": [],
        }).decode()
        assert head.endswith('"posts":[]}')
        found[topic_id] = _Topic(topic_id, title, created_at, head[: -len("]}")])
    return found


async def _pages(db: Database, space_id: int, org_id: int) -> AsyncIterator[list[_Row]]:
    """The space's posts with their topics (and whether each author is an official of
    `org_id`, the space's organization), in (topic id, thread) order, PAGE at a time."""
    after: tuple[int, str] = (0, "")
    topics: dict[int, _Topic] = {}
    while True:
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(*_POST_COLUMNS, official_of(org_id, Post.author_id))
                    .join(Topic, Topic.id == Post.topic_id)
                    .join(User, User.id == Post.author_id)
                    .where(Topic.space_id == space_id)
                    .where(tuple_(Post.topic_id, Post.path) > tuple_(*after))
                    .order_by(Post.topic_id, Post.path)
                    .limit(PAGE)
                )
            ).all()
            if not rows:
                return
            counts: dict[int, dict[str, int]] = defaultdict(dict)
            for post_id, kind, n in (
                await session.execute(
                    select(Reaction.post_id, Reaction.kind, func.count())
                    .where(Reaction.post_id.in_([row[0] for row in rows]))
                    .group_by(Reaction.post_id, Reaction.kind)
                )
            ).all():
                counts[post_id][kind] = int(n)
            new = {row[1] for row in rows} - topics.keys()
            if new:  # only the page's topics are kept: one at a time goes through
                topics = {row[1]: topics[row[1]] for row in rows[:1] if row[1] in topics}
                topics.update(await _topics(session, new))
        page = []
        for (post_id, topic_id, _, parent_id, depth, created_at, edited_at, deleted_at, hidden,
             hidden_reason, review, body, author_id, name, handle, kind, official) in rows:
            status = _status(deleted_at, review, hidden)
            page.append(_Row(
                topics[topic_id], post_id, parent_id, depth, created_at, edited_at, status,
                hidden_reason if hidden and status != "deleted" else None,
                None if status == "deleted" else body, author_id, name, handle, kind,
                bool(official), counts.get(post_id, _NONE)))
        yield page
        after = (rows[-1][1], rows[-1][2])


_NONE: Final[dict[str, int]] = {}


def _post_json(row: _Row, badge: dict[str, Any]) -> dict[str, Any]:
    """The post as `ExportPost` has it, field for field."""
    reactions = row.reactions
    return {
        "id": row.post_id, "parent_id": row.parent_id, "depth": row.depth,
        "author": {"id": row.author_id, "display_name": row.author_name,
                   "handle": row.author_handle, "stakeholder_type": row.author_type,
                   "official": badge if row.official else None},
        "created_at": row.created_at, "edited_at": row.edited_at, "status": row.status,
        "hidden_reason": row.hidden_reason, "body": row.body,
        "reactions": {kind: reactions.get(kind, 0) for kind in REACTION_KINDS},
    }


async def _json(
    export: Export, pages: AsyncIterator[list[_Row]], progress: Callable[[int], None] | None
) -> AsyncIterator[str]:
    space = export.space.model_dump_json()
    yield (
        f'{{"space":{space},"exported_at":{json.dumps(export.exported_at.isoformat())},'
        '"topics":['
    )
    badge = {"org_id": export.space.org_id, "org_name": export.space.org_name}
    topic_id: int | None = None
    written = 0
    async for page in pages:
        parts: list[bytes] = []
        posts: list[dict[str, Any]] = []
        for row in page:
            if row.topic.id != topic_id:
                if posts:
                    parts.append(to_json(posts)[1:-1])
                    posts = []
                if topic_id is not None:
                    parts.append(b"]},")
                parts.append(row.topic.head.encode())
                topic_id = row.topic.id
            elif not posts:
                parts.append(b",")  # the topic went on from the page before
            posts.append(_post_json(row, badge))
        if posts:
            parts.append(to_json(posts)[1:-1])
        written += len(page)
        yield b"".join(parts).decode()
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
    space_name = safe_cell(space.name)
    titles: dict[int, str] = {}
    for_names: dict[str, str] = {}
    async for page in pages:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in page:
            topic = row.topic
            title = titles.get(topic.id)
            if title is None:
                titles = {topic.id: (title := safe_cell(topic.title))}
            name = for_names.get(row.author_name)
            if name is None:
                name = for_names[row.author_name] = safe_cell(row.author_name)
            reactions = row.reactions
            writer.writerow([
                space.id, space_name, topic.id, title, _time(topic.created_at), row.post_id,
                row.parent_id if row.parent_id is not None else "", row.depth,
                row.author_id, name, row.author_type, "true" if row.official else "false",
                _time(row.created_at), _time(row.edited_at),
                row.status, safe_cell(row.hidden_reason or ""), safe_cell(row.body or ""),
                *(reactions.get(kind, 0) for kind in REACTION_KINDS),
            ])
        written += len(page)
        yield buffer.getvalue()
        if progress is not None:
            progress(written)
